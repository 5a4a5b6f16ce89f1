"""Drift's per-journey arrays (:mod:`journeylog.drift.data`) hold a deviation per variant and a
pattern by its journeys, never an items x journeys matrix. Pinned here against independent
per-journey computations:

* a hand-built log whose variants are shared by settled journeys and journeys in progress: a
  drop-out counts only for the settled ones, the other deviations for all; the oracle is plain
  Python over journeys (which journey is settled from its last event, the drop-outs from the log
  itself), not the per-variant join;
* the same arrays built from the journey table's per-journey ``deviations`` and ``patterns`` lists
  (a journey table given as is) are the same, on a synthetic log with patterns and an allow-list.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter

import numpy as np
import polars as pl
import pytest

from factories import PORTAL, T0, make_log, write_model
from journeylog import conform as C
from journeylog.drift.data import JourneyData, journey_data, series, window_sums
from journeylog.drift.items import FITNESS, FITTING, items_from
from journeylog.models import load_model
from journeylog.window import parse_window

DESIGN = "->('Order', 'Identity check', 'Appointment', 'Install', 'Bill')"
FULL = ["Order", "Identity check", "Appointment", "Install", "Bill"]
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday
SETTLE = dt.timedelta(days=7)

#: journey -> (day of its first event, activities one hour apart). Each deviating variant has
#: settled journeys and journeys in progress (the last 7 days of the log).
JOURNEYS: dict[str, tuple[int, list[str]]] = {
    **{f"full{d:02d}": (d, FULL) for d in range(0, 32, 2)},
    "drop_a": (1, ["Order", "Identity check"]),
    "drop_b": (9, ["Order", "Identity check"]),
    "drop_c": (27, ["Order", "Identity check"]),  # in progress: not (yet) a drop-out
    "drop_d": (29, ["Order", "Identity check"]),  # in progress
    "drop_e": (3, ["Order"]),
    "drop_f": (28, ["Order"]),  # in progress
    "skip_a": (4, ["Order", "Appointment", "Install", "Bill"]),
    "skip_b": (30, ["Order", "Appointment", "Install", "Bill"]),  # in progress, but a skip is a skip
    "skip_drop_a": (5, ["Order", "Appointment"]),  # skips and drops out
    "skip_drop_b": (30, ["Order", "Appointment"]),  # skips; in progress: no drop-out
    "rep_a": (11, ["Order", "Order", "Identity check", "Appointment", "Install", "Bill"]),
    "rep_b": (31, ["Order", "Order", "Identity check", "Appointment", "Install", "Bill"]),
}


@pytest.fixture(scope="module")
def hand_built(tmp_path_factory) -> tuple[pl.DataFrame, object]:
    """The events of :data:`JOURNEYS` (ingested from a CSV) and the designed journey."""
    from journeylog.ingest import ingest

    folder = tmp_path_factory.mktemp("hand_built")
    rows = [{"journey_id": j, "activity": a, "timestamp": (START + dt.timedelta(days=day, hours=i)).isoformat()}
            for j, (day, acts) in JOURNEYS.items() for i, a in enumerate(acts)]
    pl.DataFrame(rows).write_csv(folder / "log.csv")
    (folder / "design.ptree").write_text(DESIGN + "\n")
    return ingest(folder / "log.csv").events, load_model(folder / "design.ptree")


def _settled() -> dict[str, bool]:
    """Plain Python: a journey is settled when its last event is more than SETTLE before the log's."""
    ends = {j: START + dt.timedelta(days=day, hours=len(acts) - 1) for j, (day, acts) in JOURNEYS.items()}
    last = max(ends.values())
    return {j: e < last - SETTLE for j, e in ends.items()}


def _order() -> list[str]:
    """Journeys by (start, journey_id), as drift orders them."""
    return sorted(JOURNEYS, key=lambda j: (JOURNEYS[j][0], j))


def expected(j: str) -> set[str]:
    """The oracle, journey by journey from the log: where it stops on the design (a drop-out when
    settled), what it skips or repeats."""
    acts = JOURNEYS[j][1]
    out = {f"repeated:{a}" for a, n in Counter(acts).items() if n > 1}
    done = [a for a in FULL if a in acts]
    last = FULL.index(done[-1])
    out |= {f"skipped:{a}" for a in FULL[:last] if a not in acts}
    if last < len(FULL) - 1 and _settled()[j]:
        out.add(f"dropped_out:{FULL[last + 1]}")
    return out


def _indicator(data: JourneyData, i: int) -> np.ndarray:
    return data.indicator(i, np.arange(len(data.start), dtype=np.int64))


def test_deviations_per_variant_count_drop_outs_only_for_settled_journeys(hand_built):
    events, model = hand_built
    c = C.conform(events, model, C.ConformOptions(precision=False, settle=SETTLE))
    assert c.journey_parts is not None
    items = items_from(c)
    data, windows = journey_data(c, items, parse_window("1w"))
    settled = _settled()
    order = _order()
    assert [str(s) for s in data.start.to_list()] == [str(START + dt.timedelta(days=JOURNEYS[j][0])) for j in order]
    assert data.settled.tolist() == [settled[j] for j in order]

    ids = {it.id for it in items if it.kind not in (FITNESS, FITTING)}
    assert ids == set().union(*(expected(j) for j in JOURNEYS)) | {"dropped_out:Appointment", "dropped_out:Identity check"}
    for i, it in enumerate(items):
        if it.kind in (FITNESS, FITTING):
            continue
        got = _indicator(data, i).tolist()
        assert got == [it.id in expected(j) for j in order], it.id
        # per window: the journeys showing it, and the window sums the tests use
        per_window = Counter(int(data.window[p]) for p, j in enumerate(order) if it.id in expected(j))
        assert data.counts[i].tolist() == [float(per_window[w]) for w in range(len(windows))], it.id
        x, n = window_sums(data, i, it)
        assert x is data.counts[i]
        base = [sum(1 for p, j in enumerate(order) if data.window[p] == w and (settled[j] or it.kind != "dropped_out"))
                for w in range(len(windows))]
        assert n.tolist() == [float(b) for b in base], it.id
        xs, ns = series(data, i, it, np.arange(len(order)))
        assert xs.tolist() == [float(v) for v in got]
        assert ns.tolist() == [1.0 if (settled[j] or it.kind != "dropped_out") else 0.0 for j in order]
    # no drop-out in progress: the in-progress drop variant shows nothing; the skip shows either way
    assert data.fits_accepted.tolist() == [not expected(j) for j in order]
    # the same as the journey table's lists (journey_deviations: another implementation)
    lists = dict(c.journey_table.select("journey_id", "deviations").iter_rows())
    assert {j: set(lists[j]) for j in JOURNEYS} == {j: expected(j) for j in JOURNEYS}


def test_accepted_deviation_fits_only_when_it_is_the_only_one(hand_built):
    events, model = hand_built
    allow = C.Allow(ids=frozenset({"skipped:Identity check"}))
    c = C.conform(events, model, C.ConformOptions(precision=False, settle=SETTLE, allow=allow))
    data, _w = journey_data(c, items_from(c), parse_window("1w"))
    settled = _settled()
    fine = {j for j in JOURNEYS if not expected(j) - allow.ids}
    # skip_drop_b: the accepted skip, and its drop-out is not yet one; skip_drop_a's is
    assert not settled["skip_drop_b"] and settled["skip_drop_a"]
    assert {"skip_a", "skip_b", "skip_drop_b", "drop_c"} <= fine and not {"skip_drop_a", "drop_a", "rep_a"} & fine
    assert data.fits_accepted.tolist() == [j in fine for j in _order()]
    assert c.figures["fitting_share_accepted"] == pytest.approx(len(fine) / len(JOURNEYS), rel=1e-15)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> C.Conformance:
    model = load_model(write_model(tmp_path_factory.mktemp("model")))
    events = make_log(n=1500, weeks=8, seed=5, drift_at=T0 + dt.timedelta(weeks=4), fail_after=0.2)
    allow = C.Allow(ids=frozenset({"repeated:Schedule appointment"}))
    return C.conform(events, model, C.ConformOptions(precision=False, allow=allow))


@pytest.mark.parametrize("window", ["1w", "100"])
def test_per_variant_arrays_equal_those_of_the_per_journey_lists(synthetic, window):
    items = items_from(synthetic)
    assert any(it.id == PORTAL for it in items) and any(it.accepted for it in items)
    assert synthetic.journeys_in_progress > 0
    by_variant, windows = journey_data(synthetic, items, parse_window(window))
    given = copy.copy(synthetic)
    given.journey_table = synthetic.journey_table  # a table given as is: read from its lists
    assert given.journey_parts is None
    by_list, windows2 = journey_data(given, items, parse_window(window))
    assert windows == windows2
    assert by_variant.variants_of and not by_list.variants_of
    for name in ("window", "aligned", "fits", "fits_accepted", "fitness", "cost", "bwc", "settled"):
        np.testing.assert_array_equal(getattr(by_variant, name), getattr(by_list, name), err_msg=name)
    assert by_variant.start.equals(by_list.start)
    every = np.arange(len(by_variant.start), dtype=np.int64)
    # the per-journey lists, read in plain Python, journey by journey in drift's order
    table = synthetic.journey_table.sort(["start", "journey_id"])
    lists = [set(d) | set(p) for d, p in table.select("deviations", "patterns").iter_rows()]
    for i, it in enumerate(items):
        if it.kind in (FITNESS, FITTING):
            continue
        got = by_variant.indicator(i, every)
        np.testing.assert_array_equal(got, by_list.indicator(i, every), err_msg=it.id)
        assert got.tolist() == [it.id in s for s in lists], it.id
        np.testing.assert_array_equal(by_variant.counts[i], by_list.counts[i], err_msg=it.id)
        # a few journeys at a time, in any order, as the change finder asks
        some = every[::7][::-1].copy()
        np.testing.assert_array_equal(by_variant.indicator(i, some), got[some], err_msg=it.id)
    for key, arr in by_variant.per_window.items():
        np.testing.assert_array_equal(arr, by_list.per_window[key], err_msg=key)


def test_released_parts_give_the_same_data_and_the_table_is_gone(synthetic):
    """``release``: drift takes the per-journey parts from a result it owns and frees them as it
    reads them; the arrays are those of the result left as it is, which drift_from_conformance
    does not change; the released result says so when its journey table is asked for."""
    from journeylog.errors import UsageError

    items = items_from(synthetic)
    kept, windows = journey_data(synthetic, items, parse_window("1w"))
    assert synthetic.journey_parts is not None
    owned = copy.copy(synthetic)
    released, windows2 = journey_data(owned, items, parse_window("1w"), release=True)
    assert windows == windows2 and owned.journey_parts is None and synthetic.journey_parts is not None
    assert owned.variant_table is None and owned.aligned is None and synthetic.variant_table is not None
    for name in ("window", "aligned", "fits", "fits_accepted", "fitness", "cost", "bwc", "settled", "variant"):
        np.testing.assert_array_equal(getattr(released, name), getattr(kept, name), err_msg=name)
    assert released.counts.keys() == kept.counts.keys() and released.variants_of.keys() == kept.variants_of.keys()
    for i in kept.counts:
        np.testing.assert_array_equal(released.counts[i], kept.counts[i])
    with pytest.raises(UsageError, match="released"):
        owned.journey_table  # noqa: B018
