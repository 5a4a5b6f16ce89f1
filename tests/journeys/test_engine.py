"""engine: the Polars backend satisfies the journeys Engine protocol, is chosen by frame type, and
partial figures of three batches merge into exactly the figures of one batch."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from factories import random_events
from journeylog import engine
from journeylog import journeys as J
from journeylog.engine.results import Figures
from journeylog.errors import UsageError


def _events(seed: int, journeys: int = 300) -> pl.DataFrame:
    return random_events(seed, journeys, days=30, steps=7, max_gap_us=10**9, customers=53, activities="ABCD",
                         channels=["web", "phone", "app", "shop"])


def _three_batches(ev: pl.DataFrame) -> list[pl.DataFrame]:
    ids = ev["journey_id"].unique().sort()
    a, b = ids[ids.len() // 3], ids[2 * ids.len() // 3]
    srt = J.ordered(ev)
    return [srt.filter(pl.col("journey_id") < a),
            srt.filter((pl.col("journey_id") >= a) & (pl.col("journey_id") < b)),
            srt.filter(pl.col("journey_id") >= b)]


def _assert_same(one: Figures, merged: Figures) -> None:
    assert (one.events, one.journeys, one.summary) == (merged.events, merged.journeys, merged.summary)
    for name in ("channel_counts", "variants", "channel_switches"):
        assert_frame_equal(getattr(one, name), getattr(merged, name), check_exact=True)
    assert one.process_map is not None and merged.process_map is not None
    for part in ("activities", "edges", "start", "end"):
        assert_frame_equal(getattr(one.process_map, part), getattr(merged.process_map, part), check_exact=True)


def test_polars_backend_satisfies_the_protocol() -> None:
    ev = _events(1, 5)
    backend = engine.backend_for(ev)
    assert isinstance(backend, J.Engine)
    assert engine.backend_for(ev.lazy()) is backend
    for name in ("is_ordered", "ordered", "journey_sequences", "journey_variants", "journey_stats", "distinct",
                 "filter_events", "journeys_following", "partial_figures", "merge", "finish"):
        assert callable(getattr(backend, name)), name


@pytest.mark.parametrize("frame", [[1, 2], {"journey_id": ["a"]}, "events.parquet"])
def test_unknown_frame_type_is_a_usage_error_naming_the_parameter(frame: object) -> None:
    with pytest.raises(UsageError, match="^events: expected a Polars DataFrame or LazyFrame"):
        J.variants(frame)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="^batches: "):
        J.JourneyFigures.of_batches([frame], activities=pl.Series(["A"]))


@pytest.mark.parametrize("spill", [False, True])
def test_three_merged_batches_equal_one_batch(tmp_path: Path, spill: bool) -> None:
    ev = _events(2)
    backend = engine.backend_for(ev)
    # the dictionary of channels is incomplete on purpose: batches widen it in different orders
    dicts = {"activities": ev["activity"].unique(), "channels": pl.Series(["web"]), "spill": tmp_path if spill else None}
    one = backend.finish(backend.partial_figures([J.ordered(ev)], **dicts))
    first, second, third = (backend.partial_figures([b], **dicts) for b in _three_batches(ev))
    merged = backend.finish(backend.merge(first, backend.merge(third, second)))
    _assert_same(one, merged)
    assert list(tmp_path.iterdir()) == []


def test_journey_figures_add_and_merge_equal_one_pass() -> None:
    ev = _events(3)
    dicts = {"activities": ev["activity"].unique(), "channels": ev["channel"].unique()}
    a, b, c = _three_batches(ev)
    one = J.JourneyFigures.of_batches([J.ordered(ev)], **dicts)
    figs = J.JourneyFigures.of_batches([a], **dicts).add(b).merge(J.JourneyFigures.of_batches([c], **dicts))
    _assert_same(one.finish(), figs.finish())
    with pytest.raises(UsageError, match="already finished"):
        figs.add(a)


def test_merging_needs_the_same_parts_and_activities() -> None:
    ev = _events(4, 20)
    backend = engine.backend_for(ev)
    acts = ev["activity"].unique()
    with pytest.raises(UsageError, match="^parts: "):
        backend.merge(backend.partial_figures([ev], activities=acts, parts=("map",)),
                      backend.partial_figures([ev], activities=acts, parts=("variants",)))
    with pytest.raises(UsageError, match="^activities: "):
        backend.merge(backend.partial_figures([ev], activities=acts), backend.partial_figures([], activities=pl.Series(["Z"])))
