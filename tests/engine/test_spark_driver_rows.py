"""conform and check on Spark without the journey table asked for: the per-journey table stays on
the executors (journeylog.explain.kept) and only small results reach the driver (variants,
per-deviation, per-pattern and per-variant figures), with the same answers as Polars to the last
bit (exact medians, means summed in journey order), however the journeys are partitioned. The
rows counted (``carried_rows``) include those inside the pickled per-partition results."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from tests.engine.test_spark_conform import same_on_both

pytestmark = pytest.mark.slow


def _options(folder: Path, **options: Any) -> Any:
    from journeylog import conform as C
    from journeylog.explain.patterns import load_rules

    return C.ConformOptions(precision=False, rules=load_rules(folder / "rules.yaml"), allow=C.load_allow(folder / "allow.yaml"),
                            journey_details=False, **options)


def _model(folder: Path) -> Any:
    from journeylog.models import load_model

    return load_model(folder / "design.ptree")


def test_conform_brings_no_row_per_journey(spark: Any, generated: Path, carried_rows: list[int]) -> None:
    """1,500 journeys in 11 variants: no call (and no partition's result) brings more than a
    tenth of the journeys' count of rows; before the journeys stayed on Spark the second pass
    brought 2,047 (every journey's row and every pattern match)."""
    from journeylog import conform as C
    from journeylog.ingest import ReadOptions, open_events

    source = open_events(generated, ReadOptions(engine="spark", drop_duplicates=False))
    result = C.conform(source, _model(generated.parent), _options(generated.parent))
    received = list(carried_rows)
    assert result.journeys == 1500 and result.variant_table.height < 20
    assert result.deviations.height and result.patterns["journeys"].sum() > 100
    assert received and max(received) < result.journeys / 10 and sum(received) < result.journeys / 3, received
    # the journey table is still there for whoever asks (drift's windows): then it comes, whole
    assert result.journey_table.height == 1500


def _scored(generated: Path) -> pl.DataFrame:
    """The generated log with a satisfaction score and a CSAT on some events (1-5, several per
    journey: the journeys' means are fractions, whose sums depend on their order)."""
    ev = pl.read_parquet(generated)
    i = pl.int_range(pl.len())
    return ev.with_columns(
        pl.when(i % 3 == 0).then((i * 7 % 5 + 1).cast(pl.Float64)).alias("satisfaction"),
        pl.when(i % 4 != 1).then((i * 3 % 5 + 1).cast(pl.Float64)).alias("metric_csat"))


@pytest.mark.parametrize("partitions", [4, 40])
def test_the_same_as_polars_whatever_the_partitions(spark: Any, to_spark: Any, generated: Path, partitions: int) -> None:
    """conform on a Spark frame over 4 or 40 partitions, the journeys kept there, equals conform
    on the Polars frame: the JSON (impact figures with scores and with a CSAT metric, patterns,
    fitting shares, journeys in progress) and the journey parts drift reads, brought back."""
    from journeylog import conform as C
    from journeylog.ingest import EventSource

    frame = _scored(generated)
    sdf = to_spark(frame)
    model, batch = _model(generated.parent), math.ceil(frame.height / partitions)
    for metric in (None, ("metric_csat", "CSAT (1-5)")):
        opts = _options(generated.parent, impact_metric=metric)
        expected = C.conform(frame, model, opts)
        got = C.conform(EventSource(events=sdf, batch_events=batch), model, opts)
        data = C.to_json(expected)
        assert any(d["satisfaction_delta"] is not None for d in data["deviations"])
        assert any(p["satisfaction_delta"] is not None for p in data["patterns"])
        assert json.dumps(C.to_json(got)) == json.dumps(data), metric
        assert got.journey_parts is not None and expected.journey_parts is not None
        for mine, theirs in zip(got.journey_parts, expected.journey_parts, strict=True):
            assert mine.equals(theirs), metric
        assert got.journey_table.equals(expected.journey_table)


def test_sample_conform_and_check_without_the_table(spark: Any, sample: Path, run_main: Any) -> None:
    """The sample (satisfaction scores, a CSAT metric) through the command line: conform without
    ``--journeys-out`` keeps the journeys on Spark; the JSON is Polars' byte for byte."""
    for extra in ([], ["--metric", "csat"]):
        out = same_on_both(run_main, sample.parent, [
            "conform", sample.name, "-m", "designed_journey.bpmn", "--rules", "rules.yaml", "--allow", "allow.yaml",
            "--no-precision", *extra, "--json", "c.json"], ["c.json"])
        data = json.loads(out["c.json"])
        assert any(d["satisfaction_delta"] is not None for d in data["deviations"]) and data["patterns"]
    same_on_both(run_main, sample.parent, [
        "check", sample.name, "-m", "designed_journey.bpmn", "--no-config", "--no-precision", "--allow", "allow.yaml",
        "--min-fitting-share", "0.3", "--json", "k.json"], ["k.json"])
