"""The Spark engine gives the Polars engine's answers, table for table, on hand-built logs with
ties, missing values and single-event journeys, on a seeded random log and on the sample; and the
driver receives results the size of variants, edges and journeys, never of events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from tests.factories import event_frame, random_events

from journeylog import schema as S
from journeylog.config.rules import Step
from journeylog.engine import POLARS, backend_for
from journeylog.engine.results import PARTS

T = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
COLS = ("journey_id", "customer_id", "timestamp", "activity", "channel", "satisfaction")


def tied_log() -> pl.DataFrame:
    """Rows out of journey order, equal timestamps inside journeys (input order decides), a
    missing channel, customer and satisfaction, single-event journeys, a journey on a date."""
    rows = [
        ("j4", "c4", T, "A", "web", None), ("j1", "c1", T, "A", "web", 4.0), ("j1", "c1", T, "B", "web", None),
        ("j2", "c1", T, "A", "web", 5.0), ("j3", None, T + H, "B", "app", 2.0), ("j4", "c4", T + H, "B", "web", 1.0),
        ("j4", "c4", T + H, "A", "phone", None), ("j1", "c1", T + H, "C", "phone", None),
        ("j2", "c1", T + 2 * H, "C", None, None), ("j4", "c4", T + 3 * H, "C", "web", 3.0),
        ("j5", "c5", dt.datetime(2024, 3, 2, tzinfo=dt.UTC), "C", "chat", None),
        ("j6", "c5", T + 5 * H, "A", "web", None), ("j6", "c5", T + 5 * H, "A", "web", None),
    ]
    return event_frame(rows, COLS)


def random_log() -> pl.DataFrame:
    frame = random_events(11, 80, days=4, steps=7, max_gap_us=7_200_000_000, customers=25, activities="ABCDE",
                          channels=["web", "phone", "app"])
    return frame.with_columns(pl.lit(None, pl.Float64).alias("satisfaction"))


@pytest.fixture(scope="module")
def logs(to_spark: Any) -> tuple[pl.DataFrame, Any]:
    """The tied log and the random one as one log (one Spark frame: Spark jobs are the cost)."""
    tied, rand = tied_log(), random_log()
    frame = pl.concat([tied, rand.with_columns(pl.col(S.INPUT_ORDER) + tied.height)])
    return frame, to_spark(frame)


def _figures(engine: Any, frame: Any, parts: tuple[str, ...] = PARTS) -> Any:
    activities = engine.distinct(frame, S.ACTIVITY)
    channels = engine.distinct(frame, S.CHANNEL)
    return engine.finish(engine.partial_figures([engine.ordered(frame)], activities=activities, channels=channels,
                                                parts=parts))


def _same_figures(a: Any, b: Any) -> None:
    assert (a.events, a.journeys) == (b.events, b.journeys)
    assert a.summary == b.summary
    assert_frame_equal(a.channel_counts, b.channel_counts)
    assert_frame_equal(a.variants, b.variants)
    for part in ("activities", "edges", "start", "end"):
        assert_frame_equal(getattr(a.process_map, part), getattr(b.process_map, part))
    assert_frame_equal(a.channel_switches, b.channel_switches)


def _rows(frame: Any) -> list[tuple]:
    """Events of either engine as sorted (journey, input order) pairs (a test may collect)."""
    if not isinstance(frame, pl.DataFrame):
        frame = pl.from_arrow(frame.select(S.JOURNEY_ID, S.INPUT_ORDER).toArrow())
    return sorted(frame.select(S.JOURNEY_ID, pl.col(S.INPUT_ORDER).cast(pl.Int64)).rows())


def test_the_engine_is_chosen_by_frame_type(logs: tuple[pl.DataFrame, Any]) -> None:
    frame, sdf = logs
    assert backend_for(frame) is POLARS
    assert backend_for(sdf).name == "spark"
    assert backend_for(sdf).is_ordered(sdf)  # a store carries its input order


def test_figures_match_polars(logs: tuple[pl.DataFrame, Any]) -> None:
    frame, sdf = logs
    _same_figures(_figures(POLARS, frame), _figures(backend_for(sdf), sdf))


def test_parts_merge_and_empty(logs: tuple[pl.DataFrame, Any]) -> None:
    frame, sdf = logs
    spark = backend_for(sdf)
    ids = sorted(set(frame[S.JOURNEY_ID].to_list()))
    half = ids[: len(ids) // 2]
    acts = frame[S.ACTIVITY].unique()
    split = [sdf.where(sdf.journey_id.isin(half)), sdf.where(~sdf.journey_id.isin(half))]
    merged = spark.finish(spark.merge(*(spark.partial_figures([s], activities=acts, parts=("variants", "map"))
                                        for s in split)))
    whole = POLARS.finish(POLARS.partial_figures([frame.sort(S.JOURNEY_ID, S.INPUT_ORDER)], activities=acts,
                                                 parts=("variants", "map")))
    assert_frame_equal(merged.variants, whole.variants)
    assert_frame_equal(merged.process_map.edges, whole.process_map.edges)
    empty = spark.finish(spark.partial_figures([], activities=acts, parts=PARTS))
    assert empty.events == 0 and empty.variants is not None and empty.variants.height == 0


def test_per_journey_tables_match(logs: tuple[pl.DataFrame, Any]) -> None:
    frame, sdf = logs
    spark = backend_for(sdf)
    assert_frame_equal(POLARS.journey_stats(frame), spark.journey_stats(sdf))
    seqs = POLARS.journey_sequences(frame).collect().sort(S.JOURNEY_ID)
    assert_frame_equal(seqs, spark.journey_sequences(sdf).collect())
    table = _figures(POLARS, frame, ("variants",)).variants
    assert_frame_equal(POLARS.journey_variants(frame, table), spark.journey_variants(sdf, table))
    for column in (S.ACTIVITY, S.CHANNEL, S.CUSTOMER_ID):
        assert sorted(POLARS.distinct(frame, column).to_list(), key=str) == \
            sorted(spark.distinct(sdf, column).to_list(), key=str)
    assert POLARS.dates_only(frame) is spark.dates_only(sdf) is False
    day = frame.filter(pl.col(S.JOURNEY_ID) == "j5")  # one event at midnight in the tied log, none in the other
    assert POLARS.dates_only(day) is spark.dates_only(sdf.where(sdf.journey_id == "j5")) is (day.height > 0)


FILTERS = [
    {"starts_from": T + H},
    {"starts_before": T + 2 * H, "channels": ["web"]},
    {"where": [("satisfaction", "4.0")]},
    {"where": [("channel", "phone")], "activities": ["A", "C"]},
    {"activities": []},
]


@pytest.mark.parametrize("kwargs", FILTERS)
def test_filters_match(logs: tuple[pl.DataFrame, Any], kwargs: dict[str, Any]) -> None:
    frame, sdf = logs
    spark = backend_for(sdf)
    assert _rows(POLARS.filter_events(frame, **kwargs)) == _rows(spark.filter_events(sdf, **kwargs))


SELECTIONS = [
    {"segments": {"customer_id": ["c1", "c4"]}},
    {"segments": {"channel": ["web"]}, "starts_from": T},
    {"conditions": [((Step({"activity": ["B"]}),), False)]},
    {"conditions": [((Step({"channel": ["phone"]}),), True)], "starts_before": T + 4 * H},
    {"conditions": [((Step({"activity": ["A"]}), Step({"activity": ["C"]}, within=dt.timedelta(hours=2))), False)]},
    {"conditions": [((Step({"activity": ["A"]}), Step({"satisfaction": ["3"]})), False)]},
    {"conditions": [((Step({"no_such": ["x"]}),), True)]},
]


@pytest.mark.parametrize("kwargs", SELECTIONS)
def test_selections_match(logs: tuple[pl.DataFrame, Any], kwargs: dict[str, Any]) -> None:
    frame, sdf = logs
    spark = backend_for(sdf)
    kept_p, counts_p = POLARS.select_journeys(frame, **kwargs)
    kept_s, counts_s = spark.select_journeys(sdf, **kwargs)
    assert counts_p == counts_s
    assert _rows(kept_p) == _rows(kept_s)


def test_journeys_following_match(logs: tuple[pl.DataFrame, Any]) -> None:
    frame, sdf = logs
    spark = backend_for(sdf)
    table = _figures(POLARS, frame, ("variants",)).variants.head(2)
    assert _rows(POLARS.journeys_following(frame, table)) == _rows(spark.journeys_following(sdf, table))


def test_a_frame_without_input_order_keeps_its_read_order(to_spark: Any) -> None:
    frame = tied_log()
    sdf = to_spark(frame.drop(S.INPUT_ORDER))
    spark = backend_for(sdf)
    assert not spark.is_ordered(sdf) and spark.is_ordered(spark.ordered(sdf))
    _same_figures(_figures(POLARS, frame.drop(S.INPUT_ORDER)), _figures(spark, sdf))


@pytest.mark.slow
def test_sample_figures_match(spark: Any, sample_store: Any) -> None:
    frame = pl.read_parquet(sample_store)
    sdf = spark.read.parquet(str(sample_store))
    _same_figures(_figures(POLARS, frame), _figures(backend_for(sdf), sdf))


def test_the_driver_receives_variants_and_edges_not_events(to_spark: Any, driver_rows: list[int]) -> None:
    """4,000 events in 100 journeys of 2 variants: whatever discover brings to the driver is
    bounded by variants, edges, activities and channels (and the journeys' count), never events."""
    from journeylog import discover as D
    from journeylog.ingest import EventSource

    rows = [(f"j{j:03d}", f"c{j}", T + dt.timedelta(minutes=k), f"step{k % (4 + j % 2)}", ("web", "phone")[k % 2], None)
            for j in range(100) for k in range(40)]
    frame = event_frame(rows, COLS)
    sdf = to_spark(frame)
    received = driver_rows
    result = D.discover(EventSource(events=sdf), D.DiscoverOptions(model=False))
    assert result.summary["events"] == frame.height == 4000
    assert received, "the driver received nothing: the counting hook is not on the path"
    assert max(received) <= 30 and sum(received) < frame.height // 20, received
