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


def _rows() -> pl.DataFrame:
    """300 journeys (ids not in numeric order), 7 variants, a third without a score, scores
    whose means are fractions, some in progress."""
    n = 300
    ids = [f"j{(i * 37) % n:03d}" for i in range(n)]
    return pl.DataFrame({
        "journey_id": ids,
        "variant_id": pl.Series([(i * 5) % 7 + 1 for i in range(n)], dtype=pl.UInt32),
        "duration_seconds": [float((i * 13) % 50) * 3600.0 + 0.25 * (i % 3) for i in range(n)],
        "satisfaction": [None if i % 3 == 0 else ((i * 7) % 5 + 1) / (1 + i % 4) for i in range(n)],
        "settled": [i % 10 != 0 for i in range(n)],
        "in_progress": [i % 10 == 0 for i in range(n)],
        "_p0": [True if i % 4 == 1 else None for i in range(n)],
        "_p0_s": [float(i % 9) * 60.0 if i % 4 == 1 else None for i in range(n)],
    }).sort("journey_id")


def test_the_engines_give_the_same_group_figures(spark: Any) -> None:
    """The journey_* methods of both engines on one hand-built table: the same counts, medians,
    first ids and means to the last bit; counts, medians and first ids checked against plain
    Python, the ordered sum against a left-to-right loop."""
    import statistics

    from journeylog.engine import POLARS, backend_for

    rows = _rows()
    sdf = spark.createDataFrame(rows.with_columns(pl.col("variant_id").cast(pl.Int64)).to_arrow())
    engine = backend_for(sdf)
    members = pl.DataFrame({"group": pl.Series([0, 0, 1, 2, 2, 2], dtype=pl.Int32),
                            "variant_id": pl.Series([1, 3, 3, 2, 5, 7], dtype=pl.UInt32),
                            "settled_only": [False, False, True, False, False, False]})
    flagged = {3: ("_p0", "duration_seconds"), 4: ("_p0", "_p0_s")}
    want = POLARS.journey_group_figures(rows, members, flagged, value="satisfaction")
    got = engine.journey_group_figures(sdf, members, flagged, value="satisfaction")
    assert got.rows() == want.rows() and want.height == 5
    for (group, n, median, _mean, first), variants, settled_only in zip(
            want.rows()[:3], ([1, 3], [3], [2, 5, 7]), (False, True, False), strict=True):
        mine = [r for r in rows.iter_rows(named=True) if r["variant_id"] in variants and (r["settled"] or not settled_only)]
        assert n == len(mine) and median == statistics.median(r["duration_seconds"] for r in mine), group
        assert first == sorted(r["journey_id"] for r in mine)[:5]
    assert engine.journey_variant_counts(sdf).equals(POLARS.journey_variant_counts(rows))
    values = pl.DataFrame({"variant_id": pl.Series([1, 2, 4], dtype=pl.UInt32), "value": [0.1, 0.7, 1 / 3]})
    total, per_variant = 0.0, {1: 0.1, 2: 0.7, 4: 1 / 3}
    for v in rows["variant_id"].to_list():  # in journey-id order, as pm4py sums its traces
        if v in per_variant:
            total += per_variant[v]
    assert engine.journey_ordered_sum(sdf, values) == POLARS.journey_ordered_sum(rows, values) == total
    counts = {"k": ("_p0", "variant_id")}
    assert engine.journey_value_counts(sdf, counts).sort("value").equals(POLARS.journey_value_counts(rows, counts).sort("value"))
