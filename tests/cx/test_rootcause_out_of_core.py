"""explain out of core (a store above ``JOURNEYLOG_MEMORY_EVENTS`` read in journey-complete
batches) gives the same bytes as in memory: the JSON (factor counts, p-values, ranking, skipped
columns with their level counts, notes) and the terminal report, for deviations (a drop-out with
journeys in progress too) and patterns, on the sample and on a generated log, with several
option sets. The in-memory results are checked against hand-computed oracles in
``test_rootcause.py``; here the oracle is the in-memory run. A library test feeds 50-event
batches and checks the factor counts against a recount from the whole frame."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from text_both_ways import both_ways_with_text


def _check(mem: dict[str, bytes], disk: dict[str, bytes]) -> dict:
    assert mem == disk
    data = json.loads(mem["e.json"])
    # non-trivial: journeys with and without it, tested factors, some over-represented, sentences printed
    assert 0 < data["journeys_with"] < data["journeys"] and data["tests"] > 3 and data["factors"]
    assert data["subject"]["name"] in mem["stderr"].decode()
    return data


@pytest.mark.parametrize("extra", [
    ["--deviation", "skipped:Identity check", "--top", "0"],
    ["--deviation", "repeated:Schedule appointment", "--correction", "bh", "--factors", "channel,attribute,variant",
     "--max-levels", "400", "--min-support", "5"],
    ["--deviation", "dropped_out:Place order", "--settle", "30d", "--min-support", "5", "--top", "0"],
    ["--deviation", "unexpected:Call: identity check help", "--segment", "plan=consumer", "--min-support", "5"],
], ids=["skipped", "bh-kinds-levels", "dropout-settle", "segment"])
def test_sample_deviation_is_the_same_out_of_core(sample: Path, run_main, monkeypatch, extra) -> None:
    args = ["explain", sample.name, "-m", "designed_journey.bpmn", *extra, "--json", "e.json"]
    data = _check(*both_ways_with_text(run_main, monkeypatch, sample.parent, args, ["e.json"]))
    assert any(s["reason"].endswith("an id or free text") for s in data["skipped_columns"])
    if "dropped_out:Place order" in extra:
        assert any("still in progress left out" in n for n in data["notes"])
    if "--max-levels" in extra:
        assert {f["kind"] for f in data["factors"]} <= {"channel", "attribute", "variant"}


@pytest.mark.parametrize("extra", [
    ["--pattern", "called after failing on the portal", "--min-support", "5", "--top", "0"],
    ["--pattern", "phoned-twice", "--rules", "rules.yaml", "--min-support", "10", "--factors", "start_channel,variant"],
], ids=["builtin", "rules"])
def test_sample_pattern_is_the_same_out_of_core(sample: Path, run_main, monkeypatch, extra) -> None:
    args = ["explain", sample.name, *extra, "--json", "e.json"]
    data = _check(*both_ways_with_text(run_main, monkeypatch, sample.parent, args, ["e.json"]))
    assert data["subject"]["kind"] == "pattern"


@pytest.mark.parametrize("extra", [
    ["-m", "design.ptree", "--deviation", "repeated:Identity check", "--top", "0", "--min-support", "5"],
    ["-m", "design.ptree", "--deviation", "skipped:Identity check", "--min-support", "3", "--correction", "bh"],
    ["--pattern", "web-failure-then-phone", "--min-support", "5", "--factors", "attribute,variant,activity"],
], ids=["repeated", "skipped-bh", "pattern"])
def test_generated_is_the_same_out_of_core(generated: Path, run_main, monkeypatch, extra) -> None:
    args = ["explain", generated.name, *extra, "--json", "e.json"]
    data = _check(*both_ways_with_text(run_main, monkeypatch, generated.parent, args, ["e.json"]))
    # levels counted over every batch: a per-event number is skipped with its exact count, tier is a factor
    assert {"column": "attr.input_order", "reason": "1,500 distinct values, over 50: an id or free text"} \
        in data["skipped_columns"]
    if "repeated:Identity check" not in extra:
        assert any(f["kind"] == "attribute" and f["column"] == "tier" for f in data["factors"])


def test_the_library_takes_an_event_source_in_batches(generated: Path) -> None:
    """explain on an EventSource of 50-event batches equals explain on the frame, and the
    journeys and support of every tested factor equal a recount from the whole frame."""
    from journeylog.cx import rootcause as R
    from journeylog.ingest import EventSource, read_events

    events = read_events(generated)
    opts = R.RootCauseOptions(top=0, min_support=3)
    mem = R.explain(events, pattern="web-failure-then-phone", options=opts)
    with EventSource(store=generated, batch_events=50) as source:
        assert sum(1 for _ in source.batches()) > 100
        disk = R.explain(source, pattern="web-failure-then-phone", options=opts)
    assert R.to_json(mem) == R.to_json(disk)
    assert mem.factors.equals(disk.factors)
    # recount: a journey's first non-null tier, and whether any of its events is on each channel
    from journeylog.explain.patterns import Rules, match_patterns, pattern_journeys

    p = next(p for p in Rules().patterns if p.id == "web-failure-then-phone")
    assert match_patterns(events, [p]).table["journeys"][0] == R.to_json(mem)["journeys_with"]
    hit = set(pattern_journeys(events, p)["journey_id"].to_list())
    rows = events.sort("journey_id", "timestamp", "input_order").select("journey_id", "channel", "tier").rows()
    tier: dict[str, str] = {}
    channels: dict[str, set[str]] = {}
    for jid, channel, t in rows:
        channels.setdefault(jid, set()).add(channel)
        if t is not None:
            tier.setdefault(jid, t)
    factors = R.to_json(mem)["factors"]
    checked = 0
    for f in factors:
        if f["kind"] == "attribute" and f["column"] == "tier":
            having = {j for j, t in tier.items() if t == f["value"]}
        elif f["kind"] == "channel":
            having = {j for j, cs in channels.items() if f["value"] in cs}
        else:
            continue
        assert (f["journeys"], f["support"]) == (len(having), len(having & hit)), f["id"]
        checked += 1
    assert checked >= 1
    assert pl.Series(list(tier.values())).n_unique() == 3
