"""emotion out of core (a store above ``JOURNEYLOG_MEMORY_EVENTS`` read in journey-complete
batches) gives the same bytes as in memory: the JSON (points, gaps, placement, split, detractors,
sentiment and its coverage) and the chart, on the sample (csat, nps, texts) and on a generated
log given satisfaction scores and texts, with several option sets and a channel filter. The
in-memory results are checked against hand computations, scipy and VADER in test_emotion.py;
here the oracle is the in-memory run."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from factories import PTREE, make_log
from out_of_core import both_ways, generated_store

SPLIT = "called after failing on the portal"


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated log of the other out-of-core tests (1,500 journeys, failures on the web
    followed by calls) with a satisfaction score on a third of its events (lowest on the calls)
    and a text on the phone and chat events, as a store with the designed journey."""
    from journeylog.ingest import ingest

    folder = tmp_path_factory.mktemp("scored")
    ev = make_log(n=1500, weeks=12, seed=11, p_fail=0.15, fail_after=0.4, new_step_after=0.3)
    k = pl.col("input_order").cast(pl.Int64)
    ev = ev.with_columns(
        pl.when(k % 3 != 0).then(None).when(pl.col("activity") == "Call: identity check help").then(1 + k % 2)
        .otherwise(1 + (k * 7919) % 5).cast(pl.Float64).alias("satisfaction"),
        pl.when(pl.col("channel") == "phone").then(pl.lit("useless, I waited an hour on hold"))
        .when(pl.col("channel") == "chat").then(pl.lit("great, thanks for the quick help!"))
        .when((pl.col("channel") == "web") & (k % 7 == 0)).then(pl.format("order {} placed", k % 11))
        .alias("text"))
    ev.write_parquet(folder / "raw.parquet")
    ingest(folder / "raw.parquet", output=folder / "log.parquet")
    (folder / "design.ptree").write_text(PTREE + "\n", encoding="utf-8")
    (folder / "desired.yaml").write_text("points:\n  Place order: 4\n  Identity check: 4.5\n", encoding="utf-8")
    return folder / "log.parquet"


def _points(data: dict) -> dict[str, int]:
    return {p["step"] + (f" ({p['channel']})" if p["channel"] else ""): p["responses"] for p in data["points"]}


@pytest.mark.parametrize("extra", [
    [],
    ["--metric", "csat", "--desired", "desired.yaml", "--split-by", SPLIT, "--detractors", "--plot", "e.svg"],
    ["--metric", "nps", "--by", "channel", "--detractors"],
    ["--sentiment", "--by", "channel", "--split-by", SPLIT],
    ["--metric", "csat", "--segment", "plan=consumer", "--min-responses", "5"],
], ids=["defaults", "csat-desired-split-detractors-plot", "nps-by-channel", "sentiment", "segment"])
def test_sample_emotion_is_the_same_out_of_core(sample: Path, run_main, monkeypatch, extra) -> None:
    outputs = ["e.json", *(["e.svg"] if "--plot" in extra else [])]
    args = ["emotion", sample.name, "-m", "designed_journey.bpmn", *extra, "--json", "e.json"]
    mem, disk, _err = both_ways(run_main, monkeypatch, sample.parent, args, outputs)
    assert mem == disk
    data = json.loads(mem["e.json"])
    # non-trivial: scores placed on several steps, and what the options ask for is there
    steps = 1 if "nps" in extra else 2  # the NPS survey follows the installation only
    assert data["placement"]["responses"] > 100 and sum(1 for n in _points(data).values() if n) >= steps
    assert data["journeys"] > 50
    if "--desired" in extra:
        assert data["gaps"] and data["statements"] and len(mem["e.svg"]) > 1000
    if "--detractors" in extra:
        assert data["detractors"]["items"] and data["detractors"]["detractor_journeys"] > 5
    if "--split-by" in extra:
        assert data["split"]["journeys_with"] > 0 and any(p["p"] is not None for p in data["split"]["points"])
    if "--sentiment" in extra:
        assert data["sentiment"]["texts_scored"] > 10 and data["sentiment"]["coverage"]
    if "--by" in extra:
        assert len({p["channel"] for p in data["points"]}) >= 2


@pytest.mark.parametrize("extra", [
    [],
    ["--desired", "desired.yaml", "--split-by", "unexpected:Call: identity check help", "--detractors", "--min-responses", "50"],
    ["--sentiment", "--detractors"],
    ["--channel", "web", "--by", "channel"],
], ids=["defaults", "desired-split-detractors", "sentiment-detractors", "channel-filter"])
def test_generated_emotion_is_the_same_out_of_core(scored: Path, run_main, monkeypatch, extra) -> None:
    args = ["emotion", scored.name, "-m", "design.ptree", *extra, "--json", "e.json"]
    mem, disk, _err = both_ways(run_main, monkeypatch, scored.parent, args, ["e.json"])
    assert mem == disk
    data = json.loads(mem["e.json"])
    assert data["placement"]["responses"] > 300 and data["placement"]["synchronised"] > 100
    assert sum(1 for n in _points(data).values() if n) >= 3
    if "--split-by" not in extra and "--channel" not in extra:
        assert data["journeys"] == 1500
    if "--detractors" in extra:
        assert data["detractors"]["items"]
    if "--split-by" in extra:
        assert data["split"]["kind"] == "deviation" and data["split"]["journeys_with"] > 50
    if "--sentiment" in extra:
        raw = pl.read_parquet(scored.parent / "raw.parquet")
        assert data["sentiment"]["texts_scored"] == raw["text"].drop_nulls().n_unique() > 10


def test_the_library_takes_an_event_source_in_batches(scored: Path) -> None:
    """emotion on an EventSource of 50-event batches equals emotion on the frame, with its own
    alignments and with a conformance passed in (as the report does)."""
    from journeylog.conform import ConformOptions, conform
    from journeylog.cx import emotion as E
    from journeylog.ingest import EventSource, read_events
    from journeylog.models import load_model

    model = load_model(scored.parent / "design.ptree")
    events = read_events(scored)
    opts = E.EmotionOptions(split_by="unexpected:Call: identity check help", detractors=True, by="channel")
    mem = E.to_json(E.emotion(events, model, opts))
    conf = conform(events, model, ConformOptions(precision=False))
    with EventSource(store=scored, batch_events=50) as source:
        assert sum(1 for _ in source.batches()) > 100
        disk = E.to_json(E.emotion(source, model, opts))
        reused = E.to_json(E.emotion(source, model, opts, conformance=conf))
    assert mem == disk == reused
    assert mem["placement"]["responses"] == events["satisfaction"].is_not_null().sum()


def test_no_score_is_the_same_error_out_of_core(tmp_path: Path, run_main, monkeypatch) -> None:
    """The first pass finds that no event of the plain generated log has a satisfaction score,
    in memory and out of core, before aligning anything."""
    store = generated_store(tmp_path)
    assert pl.read_parquet(store)["satisfaction"].is_not_null().sum() == 0
    errors = []
    for env in ({}, {"JOURNEYLOG_MEMORY_EVENTS": "400"}):
        monkeypatch.delenv("JOURNEYLOG_MEMORY_EVENTS", raising=False)
        code, _out, err = run_main("emotion", store.name, "-m", "design.ptree", cwd=tmp_path, env=env)
        errors.append((code, err))
    monkeypatch.delenv("JOURNEYLOG_MEMORY_EVENTS", raising=False)
    assert errors[0] == errors[1] and errors[0][0] != 0 and "no event has a satisfaction score" in errors[0][1]


def test_the_report_s_conformance_places_scores_without_a_journey_table(scored: Path) -> None:
    """Without detractors the curve needs each journey's variant only: with the report's
    conformance (no journey details, its journey table never built: building it fails here) the
    curve equals the one emotion aligns for itself."""
    from dataclasses import replace

    from journeylog.conform import ConformOptions, conform
    from journeylog.cx import emotion as E
    from journeylog.ingest import read_events
    from journeylog.models import load_model

    model = load_model(scored.parent / "design.ptree")
    events = read_events(scored)
    opts = E.EmotionOptions(by="channel")
    conf = conform(events, model, ConformOptions(precision=False, journey_details=False))
    assert conf.journey_parts is not None

    def not_built() -> pl.DataFrame:
        raise AssertionError("the journey table was built")

    reused = E.to_json(E.emotion(events, model, opts, conformance=replace(conf, _journeys=not_built)))
    assert reused == E.to_json(E.emotion(events, model, opts))
    assert reused["placement"]["responses"] > 0
