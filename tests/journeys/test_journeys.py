"""journeys: the figures engine gives the same results in one batch or many, and its times are
exact (checked against rational arithmetic)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from itertools import pairwise

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from factories import random_events
from journeylog import journeys as J


def _events(seed: int, journeys: int = 400) -> pl.DataFrame:
    return random_events(seed, journeys, days=60, steps=8, max_gap_us=10**10, customers=97, activities="ABCDE",
                         channels=["web", "phone", "app"])


def _exact_quantile(values: list[int], q: Fraction) -> float:
    v = sorted(values)
    if q == Fraction(1, 2):
        return float(Fraction(v[(len(v) - 1) // 2] + v[len(v) // 2], 2_000_000))
    pos = q * (len(v) - 1)
    i = int(pos)
    hi = v[min(i + 1, len(v) - 1)]
    # numpy's linear definition; the float result may differ from exact by rounding only
    return float((v[i] + (hi - v[i]) * (pos - i)) / 1_000_000)


def test_times_are_exact():
    ev = _events(3)
    pmap = J.process_map(ev)
    pairs: dict[tuple[str, str], list[int]] = {}
    for _jid, g in ev.sort("journey_id", "timestamp").group_by("journey_id", maintain_order=True):
        rows = g.rows(named=True)
        for a, b in pairwise(rows):
            us = (b["timestamp"] - a["timestamp"]) // dt.timedelta(microseconds=1)
            pairs.setdefault((a["activity"], b["activity"]), []).append(us)
    assert pmap.edges.height == len(pairs)
    for r in pmap.edges.iter_rows(named=True):
        values = pairs[(r["from"], r["to"])]
        assert r["count"] == len(values)
        assert r["median_seconds"] == _exact_quantile(values, Fraction(1, 2))  # correctly rounded
        assert r["p90_seconds"] == pytest.approx(_exact_quantile(values, Fraction(9, 10)), rel=1e-15, abs=0)


@pytest.mark.parametrize("seed", [1, 2])
def test_batches_and_spill_give_identical_figures(seed, tmp_path):
    ev = _events(seed)
    ids = ev["journey_id"].unique().sort()
    cuts = [ids[i] for i in range(0, ids.len(), 37)][1:]
    batches, rest = [], ev.sort("journey_id", "timestamp")
    for c in cuts:
        batches.append(rest.filter(pl.col("journey_id") < c))
        rest = rest.filter(pl.col("journey_id") >= c)
    batches.append(rest)
    dicts = {"activities": ev["activity"].unique(), "channels": ev["channel"].unique()}
    one = J.JourneyFigures.of_batches([J.ordered(ev)], **dicts)
    many = J.JourneyFigures.of_batches([J.ordered(b) for b in batches], **dicts, spill=tmp_path)
    assert one.summary() == many.summary()
    assert_frame_equal(one.variant_table(), many.variant_table(), check_exact=True)
    a, b = one.process_map(), many.process_map()
    for part in ("activities", "edges", "start", "end"):
        assert_frame_equal(getattr(a, part), getattr(b, part), check_exact=True)
    assert_frame_equal(one.channel_switches(), many.channel_switches(), check_exact=True)
    assert list(tmp_path.iterdir()) == []  # spill files are removed once read


def test_ordered_detects_order_and_sorts_stably():
    ev = _events(5)
    assert not J.is_ordered(ev.sample(fraction=1.0, shuffle=True, seed=1))
    srt = ev.sort("journey_id", "timestamp", "input_order")
    assert J.is_ordered(srt) and J.ordered(srt) is srt
    assert_frame_equal(J.ordered(ev.reverse()), srt)
