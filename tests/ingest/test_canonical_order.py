"""ingest.segment.canonical_order sorts events exactly as ``sort(journey_id, timestamp,
input_order)`` does (the oracle), on random events in every starting order: already sorted,
sorted by time (each journey's rows grouped in their order), shuffled; ties in time, missing journey ids,
ids that sort differently as text than by length or code point."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from journeylog import schema as S
from journeylog.ingest.segment import canonical_order

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
IDS = ["j1", "j10", "j2", "J2", "é", "e", "", "z" * 30, "j1 ", None]


@st.composite
def events(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(0, 40))
    ids = draw(st.lists(st.sampled_from(IDS if draw(st.booleans()) else IDS[:-1]), min_size=n, max_size=n))
    minutes = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    order = draw(st.permutations(range(n)))  # input_order: distinct, in any order
    frame = pl.DataFrame({S.JOURNEY_ID: ids, S.TIMESTAMP: [T0 + dt.timedelta(minutes=m) for m in minutes],
                          S.INPUT_ORDER: order, "payload": list(range(n))},
                         schema_overrides={S.JOURNEY_ID: pl.String, S.TIMESTAMP: S.TIME_DTYPE, S.INPUT_ORDER: pl.UInt64})
    start = draw(st.sampled_from(["sorted", "by time", "shuffled"]))
    if start == "sorted":
        return frame.sort(list(S.SORT_KEYS))
    if start == "by time":
        return frame.sort(S.TIMESTAMP, S.INPUT_ORDER)
    return frame


@settings(max_examples=400, deadline=None)
@given(events())
def test_the_same_order_as_the_plain_sort(frame):
    assert_frame_equal(canonical_order(frame), frame.sort(list(S.SORT_KEYS)))


def test_a_sorted_frame_is_returned_as_it_is():
    frame = pl.DataFrame({S.JOURNEY_ID: ["a", "a", "b"], S.TIMESTAMP: [T0] * 3, S.INPUT_ORDER: [0, 1, 2]},
                         schema_overrides={S.TIMESTAMP: S.TIME_DTYPE, S.INPUT_ORDER: pl.UInt64})
    assert canonical_order(frame) is frame


def test_a_large_time_ordered_log():
    n = 50_000
    frame = pl.DataFrame({S.JOURNEY_ID: [f"c{(i * 7919) % 3001}" for i in range(n)],
                          S.TIMESTAMP: [T0 + dt.timedelta(seconds=i // 3) for i in range(n)],
                          S.INPUT_ORDER: range(n)}, schema_overrides={S.TIMESTAMP: S.TIME_DTYPE, S.INPUT_ORDER: pl.UInt64})
    assert_frame_equal(canonical_order(frame), frame.sort(list(S.SORT_KEYS)))
