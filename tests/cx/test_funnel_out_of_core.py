"""funnel out of core (a store above ``JOURNEYLOG_MEMORY_EVENTS`` read in journey-complete
batches) gives the same bytes as in memory: the JSON, the text report and the chart, on the
sample and on a generated log, along the model's main path and along given steps, by channel and
by journey attribute columns, with and without a settle window. The in-memory figures are checked
against a plain-Python oracle in test_funnel.py and test_funnel_cli.py; here the oracle is the
in-memory run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from out_of_core import both_ways


def same_both_ways(run_main, monkeypatch, log: Path, args: list[str], outputs: list[str]) -> dict:
    """Runs ``funnel`` in memory and out of core: the files and the text report (on stderr, with
    the notes) must be the same bytes; returns the JSON."""
    printed: list[str] = []

    def recorded(*a: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        code, out, err = run_main(*a, cwd=cwd, env=env)
        printed.append(out + err)
        return code, out, err

    mem, disk, _err = both_ways(recorded, monkeypatch, log.parent, ["funnel", log.name, *args, "--json", "f.json"],
                                ["f.json", *outputs])
    assert mem == disk
    assert printed[0] == printed[1] and "journeylog funnel" in printed[0]
    return json.loads(mem["f.json"])


def check_non_trivial(f: dict, by: list[str]) -> None:
    """The figures compared have something in them: journeys stopping, times, breakdowns."""
    assert f["journeys"] > 50 and f["funnel"][0]["journeys"] > 0 and len(f["funnel"]) >= 2
    assert any(s["stopped"] for s in f["funnel"][:-1])
    assert all(s["median_seconds_from_previous"] is not None for s in f["funnel"][1:] if s["journeys"])
    if "channel" in by:
        assert len({c["channel"] for s in f["funnel"] for c in s["channels"]}) > 1
    for seg in f["segments"]:
        assert len(seg["segments"]) > 1 and sum(s["journeys"] for s in seg["segments"]) == f["journeys"]


@pytest.mark.parametrize("args", [
    ["-m", "designed_journey.bpmn"],
    ["-m", "designed_journey.bpmn", "--by", "channel", "--by", "plan", "--plot", "f.svg"],
    ["--steps", "Place order,Identity check,Installation completed,First bill issued", "--settle", "0"],
    ["-m", "designed_journey.bpmn", "--by", "product", "--by", "region", "--settle", "30d"],
], ids=["main-path", "channel-plan-plot", "steps-no-settle", "product-region-30d"])
def test_sample_funnel_is_the_same_out_of_core(sample: Path, run_main, monkeypatch, args) -> None:
    outputs = ["f.svg"] if "--plot" in args else []
    f = same_both_ways(run_main, monkeypatch, sample, args, outputs)
    check_non_trivial(f, args)
    assert f["steps_from"] == ("steps" if "--steps" in args else "model")
    if "--settle" not in args:
        assert f["journeys_in_progress"] > 0


@pytest.mark.parametrize("args", [
    ["-m", "design.ptree"],
    ["-m", "design.ptree", "--by", "channel", "--by", "tier"],
    ["--steps", "Place order,Identity check,Schedule appointment,Installation completed", "--settle", "0",
     "--by", "tier"],
    ["-m", "design.ptree", "--by", "channel", "--channel", "web"],
], ids=["main-path", "channel-tier", "steps-no-settle", "channel-filter"])
def test_generated_funnel_is_the_same_out_of_core(generated: Path, run_main, monkeypatch, args) -> None:
    f = same_both_ways(run_main, monkeypatch, generated, args, [])
    if "--channel" in args:  # the web's events only: one channel, and journeys that never left it stop early
        assert f["journeys"] > 50 and [c["channel"] for c in f["funnel"][0]["channels"]] == ["web"]
        return
    check_non_trivial(f, args)
    assert f["journeys"] == 1500
    if "--settle" not in args:
        assert f["journeys_in_progress"] > 0 and any(s["stopped_in_progress"] for s in f["funnel"][:-1])


def test_the_library_takes_an_event_source_in_batches(generated: Path, sample: Path) -> None:
    """funnel and main_path on an EventSource of 50-event batches equal those on the frame, and
    the ``max_segments`` refusal counts the whole log's distinct values, not a batch's."""
    from journeylog.cx.funnel import FunnelOptions, funnel, main_path
    from journeylog.errors import UsageError
    from journeylog.ingest import EventSource, read_events
    from journeylog.models import load_model

    for log, model_file, by in ((generated, "design.ptree", ("channel", "tier")),
                                (sample, "designed_journey.bpmn", ("channel", "plan", "product"))):
        model = load_model(log.parent / model_file)
        events = read_events(log)
        for settle in (dt.timedelta(0), dt.timedelta(days=7)):
            opts = FunnelOptions(by=by, settle=settle)
            mem = funnel(events, model, options=opts).to_json()
            with EventSource(store=log, batch_events=50) as source:
                assert sum(1 for _ in source.batches()) > 20
                disk = funnel(source, model, options=opts).to_json()
                assert main_path(source, model) == main_path(events, model)
            assert mem == disk and mem["segments"] and mem["funnel"][0]["channels"]
    events = read_events(sample)
    first: dict[str, str | None] = {}  # a journey's first customer named (plain Python)
    for r in sorted(events.to_dicts(), key=lambda r: (r["journey_id"], r["timestamp"], r["input_order"])):
        if first.get(r["journey_id"]) is None:
            first[r["journey_id"]] = r["customer_id"]
    distinct = len(set(first.values()))
    assert distinct > 50
    opts = FunnelOptions(by=("customer_id",), max_segments=distinct - 1)
    with pytest.raises(UsageError, match=f"has {distinct:,} distinct values"):
        funnel(events, steps=["Place order"], options=opts)
    with EventSource(store=sample, batch_events=50) as source, \
            pytest.raises(UsageError, match=f"has {distinct:,} distinct values"):
        funnel(source, steps=["Place order"], options=opts)
    with EventSource(store=sample, batch_events=50) as source:  # one more allowed: no refusal
        f = funnel(source, steps=["Place order"], options=FunnelOptions(by=("customer_id",), max_segments=distinct))
    assert len(f.to_json()["segments"][0]["segments"]) == distinct
