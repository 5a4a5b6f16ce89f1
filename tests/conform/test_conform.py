"""conform: figures equal pm4py on the full log; each deviation kind on tiny hand-built logs;
allow-lists; the command's exit codes on bad and unsafe models."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from factories import SAMPLE, run_cli
from journeylog import conform as C
from journeylog import schema as S
from journeylog.ingest import ingest
from journeylog.models import load_model


@pytest.fixture(scope="module")
def sample_events():
    return ingest(SAMPLE / "sources.yaml").events


@pytest.fixture(scope="module")
def sample_conformance(sample_events):
    return C.conform(sample_events, load_model(SAMPLE / "designed_journey.bpmn"))


def _pandas_log(events: pl.DataFrame):
    df = events.select(
        pl.col(S.JOURNEY_ID).alias("case:concept:name"), pl.col(S.ACTIVITY).alias("concept:name"),
        pl.col(S.TIMESTAMP).alias("time:timestamp"),
    ).to_pandas()
    return df


@pytest.mark.slow
def test_sample_figures_equal_pm4py_on_the_full_log(sample_events, sample_conformance, pm4py):
    model = load_model(SAMPLE / "designed_journey.bpmn")
    df = _pandas_log(sample_events)
    fit = pm4py.fitness_alignments(df, model.net, model.initial_marking, model.final_marking, multi_processing=False)
    prec = pm4py.precision_alignments(df, model.net, model.initial_marking, model.final_marking, multi_processing=False)
    data = C.to_json(sample_conformance)
    assert data["fitness"] == fit["log_fitness"]
    assert data["fitting_share"] == fit["percentage_of_fitting_traces"] / 100
    assert data["average_fitness"] == fit["average_trace_fitness"]  # needs the journeys in case order
    assert data["precision"] == prec
    assert data["journeys"] == sample_events[S.JOURNEY_ID].n_unique()


def test_sample_catalogue_is_consistent(sample_events, sample_conformance):
    data = C.to_json(sample_conformance)
    assert data["deviations"], "the sample has planted deviations"
    kinds = {d["kind"] for d in data["deviations"]}
    assert {"skipped", "unexpected", "repeated", "wrong_order", "dropped_out"} <= kinds
    journeys = data["journeys"]
    settled = journeys - data["journeys_in_progress"]  # drop-outs are counted over these only
    for d in data["deviations"]:
        assert 0 < d["journeys"] <= journeys
        assert d["share"] == d["journeys"] / (settled if d["kind"] == "dropped_out" else journeys)
        noun = "journey" if d["journeys"] == 1 else "journeys"
        assert d["statement"].endswith(".") and f"{d['journeys']:,} {noun} (" in d["statement"]
        assert "journeys took" not in d["statement"] or "than journeys that fit" in d["statement"] \
            or "as long as journeys that fit" in d["statement"]
        assert len(d["examples"]) <= 5 and d["examples"] == sorted(d["examples"])
    # sorted by journeys affected
    counts = [d["journeys"] for d in data["deviations"]]
    assert counts == sorted(counts, reverse=True)
    # the per-journey table agrees with the catalogue counts
    jt = sample_conformance.journey_table
    for d in data["deviations"][:5]:
        assert jt.filter(pl.col("deviations").list.contains(d["id"])).height == d["journeys"]
    # journeys that fit have no deviations, and vice versa
    fit = jt.filter(pl.col("fitness") == 1.0)
    assert fit["deviations"].list.len().sum() == 0
    assert jt.filter((pl.col("fitness") < 1.0) & ~pl.col("in_progress"))["deviations"].list.len().min() > 0
    assert fit.height / jt.height == data["fitting_share"]
    names = {p["name"] for p in data["patterns"]}
    assert "called after failing on the portal" in names


# ----------------------------------------------------------------------------------------------
# Each deviation kind on a tiny log
# ----------------------------------------------------------------------------------------------

DESIGN = "->('Order', 'Identity check', 'Appointment', 'Install', 'Bill')"


def _log(tmp_path: Path, journeys: dict[str, list[str]]) -> pl.DataFrame:
    rows = []
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    for j, acts in journeys.items():
        for i, a in enumerate(acts):
            rows.append({"journey_id": j, "activity": a, "timestamp": (t0 + dt.timedelta(hours=i)).isoformat()})
    p = tmp_path / "log.csv"
    pl.DataFrame(rows).write_csv(p)
    return ingest(p).events


@pytest.fixture()
def design(tmp_path):
    p = tmp_path / "design.ptree"
    p.write_text(DESIGN + "\n")
    return load_model(p)


FULL = ["Order", "Identity check", "Appointment", "Install", "Bill"]


@pytest.mark.parametrize(
    "journey, kind, activity, needle",
    [
        (["Order", "Appointment", "Install", "Bill"], "skipped", "Identity check", "Skipped 'Identity check'"),
        (["Order", "Identity check", "Call", "Appointment", "Install", "Bill"], "unexpected", "Call", "Extra step 'Call'"),
        (["Order", "Identity check", "Appointment", "Appointment", "Install", "Bill"], "repeated", "Appointment",
         "Repeated 'Appointment'"),
        (["Order", "Appointment", "Identity check", "Install", "Bill"], "wrong_order", None, "against the designed order"),
        (["Order", "Identity check"], "dropped_out", "Appointment", "Dropped out before 'Appointment'"),
    ],
)
def test_each_deviation_kind(tmp_path, design, journey, kind, activity, needle):
    events = _log(tmp_path, {"fit1": FULL, "fit2": FULL, "dev": journey})
    # every journey of this log ends within hours of its end: with the default settle window all
    # are in progress and none drops out (tests/conform/test_in_progress.py)
    data = C.to_json(C.conform(events, design, C.ConformOptions(settle=dt.timedelta(0))))
    devs = [d for d in data["deviations"] if d["kind"] == kind]
    assert len(devs) == 1, data["deviations"]
    d = devs[0]
    if activity:
        assert d["activity"] == activity
    assert d["journeys"] == 1 and d["examples"] == ["dev"]
    assert needle in d["statement"]
    assert " in 1 journey (" in d["statement"] and "1 journeys" not in d["statement"]
    assert "these journeys" not in d["statement"]  # one journey: "this journey took ..."
    assert data["fitting_share"] == pytest.approx(2 / 3)
    # drop-out: consecutive skips at the end read as ONE drop-out, not skips
    if kind == "dropped_out":
        assert not [x for x in data["deviations"] if x["kind"] == "skipped"]


def test_impact_against_fitting_journeys(tmp_path, design):
    rows = []
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    for j, (acts, step_hours, score) in {"f1": (FULL, 1, 5), "f2": (FULL, 1, 5), "d1": (FULL[:1] + FULL[2:], 10, 2)}.items():
        for i, a in enumerate(acts):
            rows.append({"journey_id": j, "activity": a, "timestamp": (t0 + dt.timedelta(hours=i * step_hours)).isoformat(),
                         "satisfaction": score if i == len(acts) - 1 else None})
    p = tmp_path / "impact.csv"
    pl.DataFrame(rows).write_csv(p)
    data = C.to_json(C.conform(ingest(p).events, design))
    skip = next(d for d in data["deviations"] if d["kind"] == "skipped")
    assert skip["median_extra_seconds"] == (3 * 10 - 4 * 1) * 3600
    assert skip["satisfaction_delta"] == -3.0
    assert "this journey took 1.1 d longer than journeys that fit and scored 3.0 points lower" in skip["statement"]


def test_allow_list(tmp_path, design):
    events = _log(tmp_path, {"fit": FULL, "rep": ["Order", "Identity check", "Appointment", "Appointment", "Install", "Bill"],
                             "skip": ["Order", "Appointment", "Install", "Bill"]})
    allow = tmp_path / "allow.yaml"
    allow.write_text("accepted:\n  - {kind: repeated, activity: Appointment, reason: rescheduling is fine}\n")
    data = C.to_json(C.conform(events, design, C.ConformOptions(allow=C.load_allow(allow))))
    by_kind = {d["kind"]: d for d in data["deviations"]}
    assert by_kind["repeated"]["accepted"] is True and by_kind["skipped"]["accepted"] is False
    assert data["fitting_share"] == pytest.approx(1 / 3)
    assert data["fitting_share_accepted"] == pytest.approx(2 / 3)
    bad = tmp_path / "bad.yaml"
    bad.write_text("accepted:\n  - {kind: nonsense, activity: X}\n")
    from journeylog.errors import InvalidInput

    with pytest.raises(InvalidInput):
        C.load_allow(bad)


def test_label_check_suggests_near_misses(tmp_path, design):
    events = _log(tmp_path, {"a": ["Order", "identity  check", "Appointment", "Install", "Bill"]})
    data = C.to_json(C.conform(events, design))
    assert {"activity": "identity  check", "suggestion": "Identity check"} in data["unknown_activities"]
    assert any(t["task"] == "Identity check" for t in data["unseen_tasks"])


# ----------------------------------------------------------------------------------------------
# The command
# ----------------------------------------------------------------------------------------------


def test_cli_conform_json_is_deterministic(tmp_path, shared_data):
    log = shared_data / "pm4py-core" / "logs" / "running-example.xes"
    model = shared_data / "pm4py-core" / "models" / "running-example.pnml"
    outs = []
    for seed in ("0", "1"):
        out = tmp_path / f"c{seed}.json"
        r = run_cli("conform", str(log), "--model", str(model), "--json", str(out), env={"PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    data = json.loads(outs[0])
    assert list(data)[:7] == ["method", "fitness", "fitting_share", "average_fitness", "precision", "fitting_share_accepted",
                              "journeys"]


def test_cli_unsupported_bpmn_is_one_line_exit_3(tmp_path, shared_data):
    model = shared_data / "bpmn-miwg-test-suite" / "B.1.0.bpmn"
    r = run_cli("conform", str(SAMPLE / "web_clickstream.csv"), "--customer", "login", "--activity", "page_event",
             "--timestamp", "event_time", "--model", str(model))
    assert r.returncode == 3, r.stderr
    lines = r.stderr.strip().splitlines()
    # one error line, optionally one more counting further problems of the same kind
    assert lines[0].startswith("journeylog: error: ") and "callActivity" in lines[0] and "B.1.0.bpmn" in lines[0]
    assert len(lines) <= 2 and all(line.startswith("journeylog: ") for line in lines)
    assert "Traceback" not in r.stderr


def test_cli_model_with_doctype_is_refused(tmp_path):
    evil = tmp_path / "evil.bpmn"
    evil.write_text('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</definitions>')
    r = run_cli("conform", str(SAMPLE / "web_clickstream.csv"), "--customer", "login", "--activity", "page_event",
             "--timestamp", "event_time", "--model", str(evil))
    assert r.returncode == 5 and "root:" not in r.stderr + r.stdout


def test_cli_journeys_out(tmp_path, shared_data):
    log = shared_data / "pm4py-core" / "logs" / "running-example.xes"
    model = shared_data / "pm4py-core" / "models" / "running-example.pnml"
    out = tmp_path / "journeys.csv"
    r = run_cli("conform", str(log), "--model", str(model), "--journeys-out", str(out), "--no-precision")
    assert r.returncode == 0, r.stderr
    table = pl.read_csv(out)
    assert table.height == 6 and {"journey_id", "fitness", "deviations"} <= set(table.columns)


def test_vocabulary_rewords_deviations_and_patterns(sample_events, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("vocabulary:\n  app: {failing: in the MyTelco app}\n")
    from journeylog.explain.patterns import load_rules

    data = C.to_json(C.conform(sample_events, load_model(SAMPLE / "designed_journey.bpmn"),
                               C.ConformOptions(precision=False, rules=load_rules(rules))))
    skip = next(d for d in data["deviations"] if d["id"] == "skipped:Identity check")
    assert skip["channel"] == "app" and "mostly in the MyTelco app" in skip["statement"]
    assert any("in the MyTelco app" in p["statement"] or "in the MyTelco app" in p["name"] for p in data["patterns"])
