"""Progress reports of the long steps, and token replay that replays each distinct sequence of
model activities once: per-trace figures still equal pm4py's on a log with activities the model
lacks."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

from factories import ROOT
from journeylog import conform as C
from journeylog import mining
from journeylog.ingest import ingest
from journeylog.journeys import journey_variants, variants
from journeylog.models import load_model

DATA = ROOT / "tests" / "data" / "models"
SAMPLE = ROOT / "samples" / "telecom"


def _log(traces: dict[str, list[str]]) -> pl.DataFrame:
    import datetime as dt

    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = [{"journey_id": j, "activity": a, "timestamp": t0 + dt.timedelta(minutes=i), "channel": "web"}
            for j, acts in traces.items() for i, a in enumerate(acts)]
    return pl.DataFrame(rows).with_columns(pl.int_range(pl.len(), dtype=pl.UInt64).alias("input_order"))


TRACES = {
    "a": ["Order", "Pay", "Ship"], "b": ["Order", "Call", "Pay", "Ship"], "c": ["Order", "Ship"],
    "d": ["Call", "Order", "Pay", "Call", "Ship"], "e": ["Order", "Pay", "Pay", "Ship", "Chat"],
    "f": ["Chat"], "g": ["Order", "Chat", "Ship"],
}


@pytest.fixture()
def model(tmp_path):
    p = tmp_path / "m.ptree"
    p.write_text("->('Order', X('Pay', tau), 'Ship')\n")
    return load_model(p)


def test_token_replay_with_activities_the_model_lacks_equals_pm4py(pm4py, model):
    events = _log(TRACES)
    vt = variants(events)
    order = journey_variants(events, vt)["variant_id"]
    df = pd.DataFrame([{"case:concept:name": j, "concept:name": a, "time:timestamp": pd.Timestamp("2026-01-01", tz="UTC")
                        + pd.Timedelta(minutes=i)} for j, acts in TRACES.items() for i, a in enumerate(acts)])
    ref = pm4py.fitness_token_based_replay(df, model.net, model.initial_marking, model.final_marking)
    per_trace = pm4py.conformance_diagnostics_token_based_replay(df, model.net, model.initial_marking,
                                                                 model.final_marking)
    rep = mining.token_replay(model, vt, trace_order=order)
    assert rep["log_fitness"] == ref["log_fitness"]
    assert rep["fitting_share"] == ref["percentage_of_fitting_traces"] / 100
    assert rep["average_fitness"] == ref["average_trace_fitness"]
    by_variant = {vid: f for vid, f in rep["variants"].select("variant_id", "fitness").iter_rows()}
    jv = dict(journey_variants(events, vt).iter_rows())
    for j, res in zip(sorted(TRACES), per_trace, strict=True):
        assert by_variant[jv[j]] == res["trace_fitness"]


def test_progress_is_reported_per_stage_and_never_changes_a_result(model, tmp_path):
    path = tmp_path / "log.csv"
    _log(TRACES).drop("input_order").write_csv(path)
    events = ingest(path).events
    seen: list[tuple[str, int, int]] = []
    opts = C.ConformOptions(on_progress=lambda *a: seen.append(a))
    with_bar = C.to_json(C.conform(events, model, opts))
    without = C.to_json(C.conform(events, model))
    assert with_bar == without
    stages = {s for s, _d, _t in seen}
    assert stages == {"aligning", "precision"}
    for stage in stages:
        mine = [(d, t) for s, d, t in seen if s == stage]
        assert mine[0][0] == 0 and mine[-1][0] == mine[-1][1] > 0  # from 0 to all of them
        assert [d for d, _t in mine] == sorted(d for d, _t in mine)  # never backwards
    seen.clear()
    C.conform(events, model, C.ConformOptions(method="tbr", precision=False, on_progress=lambda *a: seen.append(a)))
    assert {s for s, _d, _t in seen} == {"token replay", "aligning"}


@pytest.mark.parametrize(("log", "design"), [
    (DATA / "08_receipt.xes.gz", DATA / "receipt.bpmn"),
    (SAMPLE / "sources.yaml", SAMPLE / "designed_journey.bpmn"),
])
def test_tbr_aligns_only_what_replay_does_not_fit_and_explains_the_same(log, design, monkeypatch):
    """tbr searches alignments only for variants replay does not fit (never more than
    alignments does), and its deviation catalogue is the one aligning every variant gives."""
    events = ingest(log).events
    model = load_model(design)
    counts: dict[str, int] = {}
    opts = C.ConformOptions(method="tbr", precision=False, on_progress=lambda s, d, t: counts.__setitem__(s, t))
    fast = C.to_json(C.conform(events, model, opts))
    C.conform(events, model, C.ConformOptions(precision=False, on_progress=lambda s, d, t: counts.__setitem__("all", t)))
    assert counts["aligning"] <= counts["all"]
    monkeypatch.setattr(mining, "align_unfit", lambda model, vt, fit, on_progress=None: mining.align(model, vt))
    slow = C.to_json(C.conform(events, model, C.ConformOptions(method="tbr", precision=False)))
    assert fast == slow
