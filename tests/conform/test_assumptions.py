"""conform says what it assumed about the log: dates without times (issue 11, item 6)."""

from __future__ import annotations

import json

import polars as pl

from journeylog.ingest import read_events
from journeylog.ingest.timestamps import DATES_ONLY_NOTE

MODEL = "->('register', 'decide', 'pay')"


def _log(tmp_path, times: list[str]):
    rows = [("c1", "register"), ("c1", "decide"), ("c1", "pay"), ("c2", "register"), ("c2", "pay")]
    path = tmp_path / "log.csv"
    pl.DataFrame({"case": [c for c, _ in rows], "activity": [a for _, a in rows], "time": times}).write_csv(path)
    return read_events(path)  # the log reads (and its timestamps parse) on its own


def test_dates_only_log_says_so(tmp_path, run_main):
    dates = ["2024-01-02", "2024-01-02", "2024-01-05", "2024-01-03", "2024-01-03"]
    (tmp_path / "design.ptree").write_text(MODEL + "\n")
    _log(tmp_path, dates)
    code, out, err = run_main("conform", "log.csv", "-m", "design.ptree", "--no-precision", "--settle", "0",
                              "--json", "-", cwd=tmp_path)
    assert code == 0, err
    assert DATES_ONLY_NOTE in json.loads(out)["notes"]
    assert "dates only" in " ".join(err.split())


def test_a_log_with_times_has_no_such_note(tmp_path, run_main):
    times = ["2024-01-02T09:00:00", "2024-01-02T10:00:00", "2024-01-05T08:00:00", "2024-01-03T11:00:00",
             "2024-01-03T12:00:00"]
    (tmp_path / "design.ptree").write_text(MODEL + "\n")
    _log(tmp_path, times)
    code, out, err = run_main("conform", "log.csv", "-m", "design.ptree", "--no-precision", "--settle", "0",
                              "--json", "-", cwd=tmp_path)
    assert code == 0, err
    assert DATES_ONLY_NOTE not in json.loads(out)["notes"]
