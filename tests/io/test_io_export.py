"""``ingest -o out.csv/.xes/.jsonl``: the cleaned event table for other tools (issue 11, item 2).
CSV cells are formula-safe, XES is valid and read back by pm4py with the same events, cases,
activities and timestamps, JSON Lines read back by journeylog; an unknown suffix is a usage error;
writes are atomic."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json

import polars as pl
import pytest

from factories import SAMPLE, run_cli, write_file
from journeylog import schema as S
from journeylog.errors import UsageError
from journeylog.ingest import ReadOptions, ingest, read_events
from journeylog.io.export import export_format, write_event_log

LOG = ('case_id,activity,timestamp,channel,remark\n'
       'c1,=HYPERLINK("http://x"),2024-01-01 10:00:00.250,web,"a & b <c> ""q"""\n'
       'c1,Pay,2024-01-01 11:00:00.000,web,+1\n'
       'c2,Call,2024-01-02 09:30:00.000,phone,"line one\nline two"\n')


@pytest.fixture
def events(tmp_path):
    return ingest(write_file(tmp_path, "log.csv", LOG)).events


def test_csv_is_formula_safe_and_complete(tmp_path, events):
    out = tmp_path / "out.csv"
    assert write_event_log(events, out) == "csv"
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["journey_id"] for r in rows] == events[S.JOURNEY_ID].to_list()
    assert rows[0]["activity"] == "'=HYPERLINK(\"http://x\")"
    assert rows[1]["remark"] == "'+1"
    assert rows[2]["remark"] == "line one\nline two"
    assert rows[0]["timestamp"] == "2024-01-01T10:00:00.250000+00:00"


def test_xes_round_trip_through_pm4py(tmp_path, events, pm4py):
    for name in ("out.xes", "out.xes.gz"):
        out = tmp_path / name
        assert write_event_log(events, out) == "xes"
        df = pm4py.read_xes(str(out))
        assert len(df) == events.height
        assert df["case:concept:name"].tolist() == events[S.JOURNEY_ID].to_list()
        assert df["concept:name"].tolist() == events[S.ACTIVITY].to_list()
        got = [t.to_pydatetime().astimezone(dt.UTC) for t in df["time:timestamp"]]
        assert got == events[S.TIMESTAMP].to_list()
        assert df["remark"].tolist() == events["remark"].to_list()  # escaped and read back unchanged
        assert df["channel"].tolist() == events[S.CHANNEL].to_list()
    with gzip.open(tmp_path / "out.xes.gz") as fh:
        assert fh.read(5) == b"<?xml"


def test_xes_read_back_by_journeylog(tmp_path, events):
    out = tmp_path / "out.xes"
    write_event_log(events, out)
    back = read_events(out)
    assert back.select(S.JOURNEY_ID, S.ACTIVITY, S.TIMESTAMP).equals(events.select(S.JOURNEY_ID, S.ACTIVITY, S.TIMESTAMP))


def test_xes_control_characters_cannot_break_the_document(tmp_path):
    from lxml import etree

    ev = pl.DataFrame({S.JOURNEY_ID: ["j<1>&"], S.ACTIVITY: ['A "x"'], S.TIMESTAMP: [dt.datetime(2024, 1, 1, tzinfo=dt.UTC)],
                       "bad": ["nul\x00 and \x1b"], "n": [3], "f": [float("nan")], "b": [True]})
    out = tmp_path / "x.xes"
    write_event_log(ev, out)
    root = etree.parse(str(out)).getroot()  # well-formed
    values = {e.get("key"): (e.tag.split("}")[1], e.get("value")) for e in root.iter() if e.get("key")}
    assert values["concept:name"][1] in ("j<1>&", 'A "x"')
    assert values["bad"] == ("string", "nul\ufffd and \ufffd")
    assert values["n"] == ("int", "3") and values["b"] == ("boolean", "true") and "f" not in values


def test_jsonl_reads_back(tmp_path, events):
    out = tmp_path / "out.jsonl"
    assert write_event_log(events, out) == "jsonl"
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["activity"] for x in lines] == events[S.ACTIVITY].to_list()
    back = read_events(out, ReadOptions(drop_duplicates=False))
    assert back[S.TIMESTAMP].to_list() == events[S.TIMESTAMP].to_list()


def test_unknown_suffix_is_a_usage_error_before_reading(tmp_path):
    assert export_format("a.PARQUET") == "parquet" and export_format("a.ndjson") == "jsonl"
    with pytest.raises(UsageError) as exc:
        ingest(SAMPLE / "sources.yaml", output=tmp_path / "out.xlsx")
    assert exc.value.code == 2 and ".csv" in (exc.value.hint or "")
    assert not (tmp_path / "out.xlsx").exists()


def test_ingest_command_writes_each_format_atomically(tmp_path, pm4py):
    src = write_file(tmp_path, "log.csv", LOG)
    for suffix in (".csv", ".xes", ".jsonl", ".parquet"):
        out = tmp_path / f"out{suffix}"
        r = run_cli("ingest", str(src), "-o", str(out))
        assert r.returncode == 0, r.stderr
        assert out.exists()
    assert len(pm4py.read_xes(str(tmp_path / "out.xes"))) == 3
    before = (tmp_path / "out.csv").read_bytes()
    bad = write_file(tmp_path, "bad.csv", "case_id,activity,timestamp\nc1,,2024-01-01\n")
    r = run_cli("ingest", str(bad), "-o", str(tmp_path / "out.csv"))
    assert r.returncode == 3 and (tmp_path / "out.csv").read_bytes() == before
    r = run_cli("ingest", str(src), "-o", str(tmp_path / "out.txt"))
    assert r.returncode == 2 and "unknown output format" in r.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
