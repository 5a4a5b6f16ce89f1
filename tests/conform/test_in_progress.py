"""Issue 11, items 3 and 5: a model that does not belong to the log is said to be so, and journeys
still open at the end of the export are not drop-outs.

Every expectation is computed here, in plain Python, from the hand-built logs: which journeys end
within the settle window of the log's end, which drop out, how many events carry a model label.
Through the library and through the real commands (conform JSON, check exit code, drift windows).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from factories import run_cli
from journeylog import check as K
from journeylog import conform as C
from journeylog import drift as D
from journeylog.config.settle import DEFAULT_SETTLE, parse_settle
from journeylog.errors import InvalidInput, UsageError
from journeylog.ingest import ingest
from journeylog.models import label_overlap, load_model

DESIGN = "->('Order', 'Identity check', 'Appointment', 'Install', 'Bill')"
FULL = ["Order", "Identity check", "Appointment", "Install", "Bill"]
T0 = dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC)  # a Wednesday

#: journey -> (day its first event happens, activities one hour apart)
JOURNEYS: dict[str, tuple[int, list[str]]] = {
    "done1": (0, FULL),
    "done2": (3, FULL),
    "drop_old": (1, ["Order", "Identity check"]),            # long over: a drop-out
    "drop_old2": (10, ["Order"]),                            # long over: a drop-out
    "drop_recent": (26, ["Order", "Identity check"]),       # ends 4 days before the end: in progress
    "skip_recent": (27, ["Order", "Appointment", "Install", "Bill"]),  # in progress, but the skip counts
    "full_recent": (30, FULL),                               # the log's last event
}


def _rows(journeys: dict[str, tuple[int, list[str]]]) -> list[dict[str, str]]:
    return [{"journey_id": j, "activity": a, "timestamp": (T0 + dt.timedelta(days=day, hours=i)).isoformat()}
            for j, (day, acts) in journeys.items() for i, a in enumerate(acts)]


def _write(folder: Path, journeys: dict[str, tuple[int, list[str]]] = JOURNEYS) -> Path:
    p = folder / "log.csv"
    pl.DataFrame(_rows(journeys)).write_csv(p)
    return p


def _ends(journeys: dict[str, tuple[int, list[str]]]) -> dict[str, dt.datetime]:
    return {j: T0 + dt.timedelta(days=day, hours=len(acts) - 1) for j, (day, acts) in journeys.items()}


def expected_in_progress(journeys: dict[str, tuple[int, list[str]]], settle: dt.timedelta) -> set[str]:
    """The journeys whose last event lies within ``settle`` of the last event of all (plain Python)."""
    if settle <= dt.timedelta(0):
        return set()
    ends = _ends(journeys)
    last = max(ends.values())
    return {j for j, e in ends.items() if e >= last - settle}


def expected_dropouts(journeys: dict[str, tuple[int, list[str]]]) -> dict[str, str]:
    """journey -> the first designed step it never reached, for journeys that stop early on the design's path."""
    out = {}
    for j, (_day, acts) in journeys.items():
        if acts == FULL[:len(acts)] and len(acts) < len(FULL):
            out[j] = FULL[len(acts)]
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    f = tmp_path_factory.mktemp("in_progress")
    _write(f)
    (f / "design.ptree").write_text(DESIGN + "\n")
    (f / "other.ptree").write_text("->('Scan QR code', 'Show ticket', 'Board')\n")
    return f


@pytest.fixture(scope="module")
def events(folder):
    return ingest(folder / "log.csv").events


@pytest.fixture(scope="module")
def design(folder):
    return load_model(folder / "design.ptree")


def _dropped(data) -> dict[str, dict]:
    return {d["id"]: d for d in data["deviations"] if d["kind"] == "dropped_out"}


@pytest.mark.parametrize("settle", [DEFAULT_SETTLE, dt.timedelta(0), dt.timedelta(days=2), dt.timedelta(days=40)])
def test_in_progress_journeys_are_not_dropouts(events, design, settle):
    c = C.conform(events, design, C.ConformOptions(precision=False, settle=settle))
    data = C.to_json(c)
    in_progress = expected_in_progress(JOURNEYS, settle)
    assert data["journeys_in_progress"] == len(in_progress)
    assert data["settle_seconds"] == settle.total_seconds()
    assert set(c.journey_table.filter(pl.col("in_progress"))["journey_id"]) == in_progress
    settled = len(JOURNEYS) - len(in_progress)
    # drop-outs: only of journeys not in progress, as a share of those
    expected: dict[str, list[str]] = {}
    for j, step in expected_dropouts(JOURNEYS).items():
        if j not in in_progress:
            expected.setdefault(f"dropped_out:{step}", []).append(j)
    found = _dropped(data)
    assert set(found) == set(expected)
    for dev_id, js in expected.items():
        assert found[dev_id]["journeys"] == len(js) and found[dev_id]["examples"] == sorted(js)
        assert found[dev_id]["share"] == len(js) / settled
    # the journey table agrees: no drop-out id on a journey in progress
    for r in c.journey_table.iter_rows(named=True):
        drops = [d for d in r["deviations"] if d.startswith("dropped_out:")]
        assert (r["journey_id"] in in_progress and not drops) or r["journey_id"] not in in_progress
    # other deviations of a journey in progress count as usual, over all journeys
    skipped = next(d for d in data["deviations"] if d["id"] == "skipped:Identity check")
    assert skipped["examples"] == ["skip_recent"] and skipped["share"] == 1 / len(JOURNEYS)
    assert any(str(len(in_progress)) in n and "in progress" in n for n in data["notes"]) == bool(in_progress)


def test_fitness_figures_stay_those_of_the_full_log(events, design):
    on = C.to_json(C.conform(events, design, C.ConformOptions(precision=False)))
    off = C.to_json(C.conform(events, design, C.ConformOptions(precision=False, settle=dt.timedelta(0))))
    for key in ("fitness", "fitting_share", "average_fitness", "journeys"):
        assert on[key] == off[key]
    assert off["fitting_share"] == pytest.approx(3 / 7)  # done1, done2, full_recent
    # drop_recent's only deviation is its missing end: it fits so far, for the checks
    assert off["fitting_share_accepted"] == pytest.approx(3 / 7)
    assert on["fitting_share_accepted"] == pytest.approx(4 / 7)


def test_settle_values():
    assert parse_settle("7d") == dt.timedelta(days=7) == DEFAULT_SETTLE
    assert parse_settle("0") == parse_settle(0) == dt.timedelta(0)
    assert parse_settle("2w") == dt.timedelta(days=14)
    for bad in ("soon", "-3d", True):
        with pytest.raises(ValueError):
            parse_settle(bad)
    with pytest.raises(UsageError, match="settle"):
        K.with_overrides(K.CheckConfig(), settle="a week")


def test_settle_in_journeylog_yaml(tmp_path):
    p = tmp_path / "journeylog.yaml"
    p.write_text("settle: 2d\nchecks:\n  min_label_overlap: 0\n")
    cfg = K.load_config(p)
    assert cfg.settle == dt.timedelta(days=2)
    assert K.conform_options_for(cfg).settle == dt.timedelta(days=2)
    assert K.conform_options_for(cfg).min_label_overlap == 0.0
    assert K.with_overrides(cfg, settle="0").settle == dt.timedelta(0)
    p.write_text("settle: a while\n")
    with pytest.raises(InvalidInput, match="settle"):
        K.load_config(p)


def test_conform_command_counts_journeys_in_progress(folder):
    default = json.loads(run_cli("conform", "log.csv", "-m", "design.ptree", "--no-precision", "--json", "-",
                                 cwd=folder).stdout)
    off = json.loads(run_cli("conform", "log.csv", "-m", "design.ptree", "--no-precision", "--settle", "0",
                             "--json", "-", cwd=folder).stdout)
    assert default["journeys_in_progress"] == len(expected_in_progress(JOURNEYS, DEFAULT_SETTLE)) == 3
    assert off["journeys_in_progress"] == 0
    assert _dropped(default)["dropped_out:Appointment"]["journeys"] == 1  # drop_old only
    assert _dropped(off)["dropped_out:Appointment"]["journeys"] == 2      # drop_recent too
    assert default["fitness"] == off["fitness"]
    bad = run_cli("conform", "log.csv", "-m", "design.ptree", "--settle", "soon", cwd=folder)
    assert bad.returncode == 2 and "--settle" in bad.stderr


# --- a model that does not belong to the log --------------------------------------------------


def test_label_overlap_against_plain_counts(events, design, folder):
    acts = [a for _day, seq in JOURNEYS.values() for a in seq]
    partial = ["Order", "Bill", "Refund"]
    o = label_overlap(partial, dict(events.group_by("activity").len().iter_rows()))
    assert o.events_share == sum(a in partial for a in acts) / len(acts)
    assert o.log_activities_in_model == len(set(acts) & set(partial)) / len(set(acts))
    assert o.model_tasks_in_log == 2 / 3
    data = C.to_json(C.conform(events, design, C.ConformOptions(precision=False)))
    assert data["label_overlap"] == {"events_share": 1.0, "log_activities_in_model": 1.0, "model_tasks_in_log": 1.0}
    assert data["model_fits_log"] is True
    other = C.to_json(C.conform(events, load_model(folder / "other.ptree"), C.ConformOptions(precision=False)))
    assert other["label_overlap"] == {"events_share": 0.0, "log_activities_in_model": 0.0, "model_tasks_in_log": 0.0}
    assert other["model_fits_log"] is False
    assert other["notes"][0].startswith("the model does not fit this log: none of the log's 5 activities")


def test_conform_command_says_the_model_does_not_fit(folder):
    proc = run_cli("conform", "log.csv", "-m", "other.ptree", "--no-precision", "--json", "-", cwd=folder)
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["model_fits_log"] is False and data["label_overlap"]["events_share"] == 0.0
    # said first, before any figure
    assert proc.stderr.lstrip().startswith("warning: the model does not fit this log")


def test_check_fails_with_min_label_overlap_and_skips_the_rest(folder):
    args = ("check", "log.csv", "-m", "other.ptree", "--no-precision", "--no-config", "--min-fitness", "0",
            "--max-share", "dropped_out:Scan QR code=1", "--json", "-")
    proc = run_cli(*args, cwd=folder)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    first, *rest = data["checks"]
    assert (first["name"], first["status"], first["value"], first["threshold"]) == ("min_label_overlap", "FAIL", 0.0, 0.5)
    assert rest and all(c["status"] == "SKIP" for c in rest)
    assert data["figures"]["model_fits_log"] is False
    assert "dropped out before" not in proc.stderr.lower()
    # turned off by its flag, or in journeylog.yaml: the other checks run
    off = run_cli(*args, "--min-label-overlap", "0", cwd=folder)
    assert off.returncode == 0 and "min_label_overlap" not in off.stdout
    (folder / "journeylog.yaml").write_text("checks:\n  min_label_overlap: 0\n")
    try:
        yaml_off = run_cli(*[a for a in args if a != "--no-config"], cwd=folder)
    finally:
        (folder / "journeylog.yaml").unlink()
    assert yaml_off.returncode == 0, yaml_off.stderr
    # as a warning, the other checks run and the exit code follows them
    warned = run_cli(*args, "--warn", "min_label_overlap", cwd=folder)
    assert warned.returncode == 0 and json.loads(warned.stdout)["checks"][0]["status"] == "WARN"


def test_check_passes_min_label_overlap_on_its_own_model(folder):
    proc = run_cli("check", "log.csv", "-m", "design.ptree", "--no-precision", "--no-config", "--min-fitness", "0",
                   "--json", "-", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [(c["name"], c["status"]) for c in data["checks"]] == [("min_label_overlap", "PASS"), ("min_fitness", "PASS")]
    assert data["figures"]["journeys_in_progress"] == 3
    assert "3 journeys ended within 7d of the log's end" in proc.stderr


# --- drift --------------------------------------------------------------------------------------


def _drift_log() -> dict[str, tuple[int, list[str]]]:
    """Four weeks from a Wednesday: drop-outs early on and in the last days (those are in progress)."""
    log: dict[str, tuple[int, list[str]]] = {}
    for day in range(0, 26):
        log[f"f{day:02d}"] = (day, FULL)
    for day in (2, 9):
        log[f"d{day:02d}"] = (day, ["Order", "Identity check"])
    for day in (24, 25):
        log[f"r{day:02d}"] = (day, ["Order", "Identity check"])
    return log


def test_drift_windows_start_at_the_first_event_and_leave_journeys_in_progress_out(tmp_path, design):
    journeys = _drift_log()
    _write(tmp_path, journeys)
    events = ingest(tmp_path / "log.csv").events
    d = D.drift(events, design, C.ConformOptions(precision=False), D.DriftOptions(window="1w", min_journeys=1))
    first = min(T0 + dt.timedelta(days=day) for day, _ in journeys.values())
    assert d.windows[0]["start"] == first  # the Wednesday, not the Monday before it
    assert d.windows[0]["end"] == dt.datetime(2026, 3, 9, tzinfo=dt.UTC)
    assert all(w["start"].weekday() == 0 for w in d.windows[1:])
    in_progress = expected_in_progress(journeys, DEFAULT_SETTLE)
    drop_id = "dropped_out:Appointment"
    for w in d.windows:
        members = [j for j, (day, _a) in journeys.items() if w["start"] <= T0 + dt.timedelta(days=day) < w["end"]]
        settled = [j for j in members if j not in in_progress]
        drops = [j for j in settled if j.startswith("d") or j.startswith("r")]
        assert w["journeys"] == len(members)
        assert w["journeys_in_progress"] == len(members) - len(settled)
        assert w["shares"][drop_id] == (len(drops) / len(settled) if settled else None)
    # every journey of the last week is in progress: none has ended, so there is no drop-out share
    assert d.windows[-1]["journeys_in_progress"] == d.windows[-1]["journeys"] > 0
    assert d.windows[-1]["shares"][drop_id] is None
    off = D.drift(events, design, C.ConformOptions(precision=False),
                  D.DriftOptions(window="1w", min_journeys=1, settle=dt.timedelta(0)))
    assert off.windows[-1]["shares"][drop_id] > 0 and off.windows[-1]["journeys_in_progress"] == 0


def test_drift_command_windows_and_headers(tmp_path):
    _write(tmp_path, _drift_log())
    (tmp_path / "design.ptree").write_text(DESIGN + "\n")
    proc = run_cli("drift", "log.csv", "-m", "design.ptree", "--no-config", "--window", "1w", "--min-journeys", "1",
                   "--json", "-", cwd=tmp_path, env={"COLUMNS": "120"})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["windows"][0]["start"] == T0.isoformat()
    assert data["journeys_in_progress"] == len(expected_in_progress(_drift_log(), DEFAULT_SETTLE))
    header = next(line for line in proc.stderr.splitlines() if "from" in line and "journeys" in line)
    cells = [c.strip() for c in header.strip().strip("┃│|").split("┃" if "┃" in header else "│")]
    assert cells == ["from", "journeys", "in progress", "fitness", "fit", "result"]
