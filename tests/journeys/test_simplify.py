"""Simplifying a map: activities kept by event coverage, paths by strength, always connected."""

from __future__ import annotations

import math
from collections import Counter

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import random_events
from journeylog.errors import UsageError
from journeylog.journeys import activities_to_keep, drop_weak_edges, keep_paths, process_map
from journeylog.journeys.simplify import END, START, arcs_of


def reach(arcs, root, reverse=False):
    """Breadth-first search written apart from the implementation."""
    nxt: dict = {}
    for a, b in arcs:
        src, dst = (b, a) if reverse else (a, b)
        nxt.setdefault(src, set()).add(dst)
    seen, frontier = {root}, [root]
    while frontier:
        frontier = [n for f in frontier for n in nxt.get(f, ()) if n not in seen]
        seen.update(frontier)
    return seen


def assert_connected(pm):
    arcs = list(arcs_of(pm))
    acts = set(pm.activities["activity"].to_list())
    assert acts <= reach(arcs, START), "an activity cannot be reached from start"
    assert acts <= reach(arcs, END, reverse=True), "an activity cannot reach end"
    for a, b in arcs:  # no arc to or from a hidden activity
        assert a is START or a in acts
        assert b is END or b in acts


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), share=st.floats(0, 1), journeys=st.integers(1, 40))
def test_keep_paths_always_connected(seed, share, journeys):
    ev = random_events(seed, journeys, days=3, steps=6, max_gap_us=10**9, customers=journeys,
                       activities="ABCDEFGHIJ", channels=["web", "app"])
    pm = process_map(ev)
    shown, repaired = keep_paths(pm, share)
    assert_connected(shown)
    assert shown.activities.height == pm.activities.height
    arcs, kept = arcs_of(pm), arcs_of(shown)
    assert set(kept) <= set(arcs) and all(kept[a] == arcs[a] for a in kept)
    strong = max(1, math.ceil(share * len(arcs) - 1e-9))
    assert len(kept) == strong + repaired
    # the strongest arcs are all there
    threshold = sorted(arcs.values(), reverse=True)[strong - 1]
    assert all(a in kept for a, c in arcs.items() if c > threshold)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), threshold=st.integers(1, 6))
def test_drop_weak_edges_leaves_no_island(seed, threshold):
    ev = random_events(seed, 30, days=3, steps=5, max_gap_us=10**9, customers=30, activities="ABCDEFG", channels=["web"])
    pm = drop_weak_edges(process_map(ev), threshold)
    assert_connected(pm)
    assert all(c >= threshold for c in pm.edges["count"].to_list())


def test_paths_one_keeps_everything_and_repair_uses_widest_path():
    ev = random_events(3, 50, days=3, steps=6, max_gap_us=10**9, customers=50, activities="ABCDEF", channels=["web"])
    pm = process_map(ev)
    assert arcs_of(keep_paths(pm, 1.0)[0]) == arcs_of(pm)
    # with share 0 only the strongest arc is chosen; each activity then hangs on arcs of the map
    shown, repaired = keep_paths(pm, 0.0)
    assert repaired == len(arcs_of(shown)) - 1
    assert_connected(shown)


def test_activities_to_keep_against_a_plain_count():
    ev = random_events(5, 80, days=3, steps=8, max_gap_us=10**9, customers=80, activities="ABCDEFGHIJKLMNOP", channels=["web"])
    pm = process_map(ev)
    counts = Counter(ev["activity"].to_list())
    ranked = sorted(counts, key=lambda a: (-counts[a], a))
    total = sum(counts.values())
    for share in (0.1, 0.5, 0.8, 0.9, 0.999, 1.0):
        n = next(i for i in range(1, len(ranked) + 1) if sum(counts[a] for a in ranked[:i]) >= share * total)
        assert activities_to_keep(pm.activities, share) == ranked[:n]


@pytest.mark.parametrize("share", [0.0, -0.1, 1.5, float("nan")])
def test_activities_share_out_of_range(share):
    pm = process_map(random_events(1, 3, days=1, steps=3, max_gap_us=10, customers=3, activities="AB", channels=["web"]))
    with pytest.raises(UsageError, match="activities"):
        activities_to_keep(pm.activities, share)


def test_channel_mix_against_plain_counts():
    ev = random_events(9, 60, days=3, steps=6, max_gap_us=10**9, customers=60, activities="ABCD",
                       channels=["web", "app", "phone", "store"])
    pm = process_map(ev)
    expected = Counter(zip(ev["activity"].to_list(), ev["channel"].to_list(), strict=True))
    for row in pm.activities.iter_rows(named=True):
        mix = [(m["channel"], m["events"]) for m in row["channel_mix"]]
        want = sorted(((c, n) for (a, c), n in expected.items() if a == row["activity"]), key=lambda p: (-p[1], p[0]))
        assert mix == want
        assert sum(n for _c, n in mix) == row["count"]


def test_activity_time_to_next_is_the_median_of_its_gaps():
    ev = random_events(11, 40, days=3, steps=5, max_gap_us=10**9, customers=40, activities="ABC", channels=["web"])
    pm = process_map(ev)
    gaps = (ev.sort("journey_id", "timestamp", "input_order")
            .with_columns((pl.col("timestamp").shift(-1).over("journey_id") - pl.col("timestamp")).dt.total_microseconds()
                          .alias("gap"))
            .drop_nulls("gap"))
    for row in pm.activities.iter_rows(named=True):
        values = sorted(gaps.filter(pl.col("activity") == row["activity"])["gap"].to_list())
        if not values:
            assert row["median_seconds"] is None
            continue
        n = len(values)
        median = (values[(n - 1) // 2] + values[n // 2]) / 2 / 1e6
        assert row["median_seconds"] == pytest.approx(median)
