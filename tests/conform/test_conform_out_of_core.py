"""conform out of core (a store above ``JOURNEYLOG_MEMORY_EVENTS`` read in journey-complete
batches) gives the same bytes as in memory: the JSON (figures, deviation catalogue with its
medians and examples, patterns, notes) and the per-journey table, on the sample and on a
generated log, with journeys in progress, rules, allow-lists, ``--metric``, ``--segment``,
token replay and a channel filter. The in-memory results are themselves checked against pm4py
and hand-built oracles in the other conform tests; here the oracle is the in-memory run."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from out_of_core import both_ways

OUTPUTS = ["c.json", "journeys.csv"]


@pytest.mark.parametrize("extra", [
    [],
    ["--rules", "rules.yaml", "--allow", "allow.yaml", "--metric", "csat"],
    ["--segment", "plan=consumer", "--settle", "0"],
    ["--method", "tbr", "--settle", "30d"],
], ids=["defaults", "rules-allow-metric", "segment-no-settle", "tbr"])
def test_sample_conform_is_the_same_out_of_core(sample: Path, run_main, monkeypatch, extra) -> None:
    args = ["conform", sample.name, "-m", "designed_journey.bpmn", "--no-precision", *extra,
            "--json", "c.json", "--journeys-out", "journeys.csv"]
    mem, disk, _err = both_ways(run_main, monkeypatch, sample.parent, args, OUTPUTS)
    assert mem == disk
    data = json.loads(mem["c.json"])
    assert data["deviations"] and data["journeys"] > 50
    if "--rules" in extra:
        assert any(d["accepted"] for d in data["deviations"]) and data["impact_metric"]


@pytest.mark.parametrize("extra", [
    ["--rules", "rules.yaml", "--allow", "allow.yaml"],
    ["--segment", "tier=1", "--channel", "web"],
], ids=["rules-allow", "segment-channel"])
def test_generated_conform_is_the_same_out_of_core(generated: Path, run_main, monkeypatch, extra) -> None:
    args = ["conform", generated.name, "-m", "design.ptree", *extra, "--json", "c.json", "--journeys-out", "journeys.csv"]
    mem, disk, err = both_ways(run_main, monkeypatch, generated.parent, args, OUTPUTS)
    assert mem == disk
    data = json.loads(mem["c.json"])
    if "--channel" not in extra:
        # the log has what the comparison is about: patterns, journeys in progress, accepted items
        assert data["journeys_in_progress"] > 0 and any(p["journeys"] for p in data["patterns"])
        assert any(p["accepted"] for p in data["patterns"]) and any(d["accepted"] for d in data["deviations"])
        table = pl.read_csv(generated.parent / "journeys.csv")
        assert table.height == data["journeys"] == 1500


def test_the_library_takes_an_event_source_in_batches(generated: Path) -> None:
    """conform on an EventSource of 50-event batches equals conform on the frame (library)."""
    from journeylog import conform as C
    from journeylog.ingest import EventSource, read_events
    from journeylog.models import load_model

    model = load_model(generated.parent / "design.ptree")
    events = read_events(generated)
    opts = C.ConformOptions(precision=False, rules=None)
    mem = C.conform(events, model, opts)
    with EventSource(store=generated, batch_events=50) as source:
        assert sum(1 for _ in source.batches()) > 100
        disk = C.conform(source, model, opts)
    assert C.to_json(mem) == C.to_json(disk)
    assert mem.journey_table.equals(disk.journey_table)
