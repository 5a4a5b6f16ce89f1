"""compare out of core (a store above ``JOURNEYLOG_MEMORY_EVENTS`` read in journey-complete
batches) gives the same bytes as in memory: the JSON (segments with their medians, p90s, means and
shares, the tests and their corrected p-values, notes) and the terminal report, by a column, by a
period and for two sides, with and without a model, rules, lumped segments and selections, on the
sample and on a generated log. The in-memory results are checked against an independent
computation in ``test_compare.py``; here the oracle is the in-memory run. A library test feeds
50-event batches and recounts the segment sizes from the whole frame."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from text_both_ways import both_ways_with_text


def _check(mem: dict[str, bytes], disk: dict[str, bytes]) -> dict:
    assert mem == disk
    data = json.loads(mem["c.json"])
    # non-trivial: segments with journeys and figures, items of every kind the log has, tests run
    assert len(data["segments"]) >= 2 and all(s["journeys"] > 0 for s in data["segments"])
    assert data["tests"] > 0 and {i["kind"] for i in data["items"]} >= {"failure", "channel", "variant"}
    assert data["segments"][0]["name"] in mem["stdout"].decode() + mem["stderr"].decode()
    return data


@pytest.mark.parametrize("extra", [
    ["--by", "plan"],
    ["--by", "month", "--alpha", "0.05", "--min-effect", "0"],
    ["--a", "month=2026-03", "--b", "month=2026-05", "--top-variants", "8"],
    ["--by", "region", "-m", "designed_journey.bpmn", "--rules", "rules.yaml", "--allow", "allow.yaml", "--max-segments", "3"],
    ["--by", "queue", "-m", "designed_journey.bpmn", "--journeys-where", "has channel=phone", "--correction", "bh"],
    ["--a", "plan=consumer", "--b", "plan=consumer", "--a", "month=2026-04", "--channel", "web", "--min-journeys", "5"],
], ids=["plan", "month", "sides", "model-rules-lumped", "model-where-bh", "sides-overlap-channel"])
def test_sample_compare_is_the_same_out_of_core(sample: Path, run_main, monkeypatch, extra) -> None:
    args = ["compare", sample.name, *extra, "--json", "c.json"]
    data = _check(*both_ways_with_text(run_main, monkeypatch, sample.parent, args, ["c.json"]))
    if "-m" in extra:
        assert any(i["kind"] == "fitting_share" for i in data["items"]) and data["segments"][0]["fitness"] is not None
    if "--max-segments" in extra:
        assert any("the rest together" in n for n in data["notes"])
    if "--rules" in extra:
        assert any(i["kind"] == "pattern" for i in data["items"])
    if "--channel" in extra:
        assert any("belong to both segments" in n for n in data["notes"])
    if "month" in extra:
        assert data["differences"]


@pytest.mark.parametrize("extra", [
    ["--by", "tier", "-m", "design.ptree", "--rules", "rules.yaml"],
    ["--by", "week", "--settle", "0", "--min-journeys", "10"],
    ["--a", "tier=1", "--b", "tier=2", "--segment", "channel=web"],
], ids=["tier-model", "week", "sides-segment"])
def test_generated_compare_is_the_same_out_of_core(generated: Path, run_main, monkeypatch, extra) -> None:
    args = ["compare", generated.name, *extra, "--json", "c.json"]
    data = _check(*both_ways_with_text(run_main, monkeypatch, generated.parent, args, ["c.json"]))
    if "week" in extra:
        assert len(data["segments"]) >= 12 and data["differences"]  # the log drifts after week 6


def test_the_library_takes_an_event_source_in_batches(generated: Path) -> None:
    """compare on an EventSource of 50-event batches equals compare on the frame; the segment
    sizes and event counts equal a recount of each journey's first tier from the frame."""
    from journeylog.cx.compare import CompareOptions, compare, to_json
    from journeylog.ingest import EventSource, read_events

    events = read_events(generated)
    opts = CompareOptions(by="tier", min_journeys=10)
    mem = to_json(compare(events, opts))
    with EventSource(store=generated, batch_events=50) as source:
        assert sum(1 for _ in source.batches()) > 100
        disk = to_json(compare(source, opts))
    assert mem == disk
    first: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for jid, tier in events.sort("journey_id", "timestamp", "input_order").select("journey_id", "tier").rows():
        sizes[jid] = sizes.get(jid, 0) + 1
        if tier is not None:
            first.setdefault(jid, tier)
    for seg in mem["segments"]:
        members = [j for j in sizes if first.get(j, "(missing)") == seg["name"]]
        assert (seg["journeys"], seg["events"]) == (len(members), sum(sizes[j] for j in members)), seg["name"]
    assert pl.Series(list(first.values())).n_unique() == 3 == len(mem["segments"])
    assert sum(seg["journeys"] for seg in mem["segments"]) == len(sizes) == 1500
