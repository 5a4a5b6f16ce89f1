"""The per-journey arrays drift works on, in memory bounded by the variants and a few numbers per
journey.

Journeys are in (start, journey_id) order. Each has its window, whether it is aligned, fits, fits
when accepted deviations are ignored, its fitness, cost and worst cost, and whether it is settled
(not in progress at the end of the log). What each item (deviation or pattern) holds is kept
without an items x journeys matrix:

* a **deviation** by the variants that have it: a variant's deviations are the same for all its
  journeys, except that a drop-out counts only for the settled ones (as
  :func:`journeylog.explain.deviations.journey_deviations` lists them);
* a **pattern** by its journeys (positions in journey order; patterns are sparse).

:meth:`JourneyData.indicator` makes one item's per-journey indicator at a time (for the change
finder's journey-level likelihoods); the per-window counts of every item are made once, from
journey counts per (variant, window), not per journey.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import polars as pl

from journeylog import schema as S
from journeylog.drift.items import FITNESS, FITTING, Item
from journeylog.drift.windows import Window, assign_windows
from journeylog.errors import InvalidInput
from journeylog.explain import deviations as DV
from journeylog.explain.wording import DeviationKind

__all__ = ["JourneyData", "fitness_of", "journey_data", "series", "window_sums"]

_DROPPED = DeviationKind.DROPPED_OUT.value
_NO_POSITIONS = np.empty(0, dtype=np.int64)


@dataclass
class JourneyData:
    """Journeys in (start, journey_id) order with their window, their numbers and what each item
    holds (see the module notes); ``counts``: journeys showing each item, per window."""

    start: pl.Series            # the start of each journey (UTC datetimes)
    window: np.ndarray          # window index of each journey (int64, non-decreasing)
    aligned: np.ndarray         # bool: has an alignment (cost not null)
    fits: np.ndarray            # bool: fitness == 1 (pm4py's fitting)
    fits_accepted: np.ndarray   # bool: no deviation that is not accepted (aligned only)
    fitness: np.ndarray         # per-journey fitness (nan when not aligned)
    cost: np.ndarray
    bwc: np.ndarray
    settled: np.ndarray         # bool: not in progress at the end of the log
    n_windows: int
    #: per window (float): ``journeys``, ``settled``, ``aligned``, ``fits``, ``fits_accepted``, ``cost``, ``bwc``
    per_window: dict[str, np.ndarray] = field(default_factory=dict)
    counts: dict[int, np.ndarray] = field(default_factory=dict)  # item index -> journeys showing it, per window
    variant: np.ndarray | None = None  # int32 variant id of each journey (an index into per-variant flags)
    n_variants: int = 0         # length of a per-variant flag array
    variants_of: dict[int, np.ndarray] = field(default_factory=dict)  # deviation item -> the variants with it
    journeys_of: dict[int, np.ndarray] = field(default_factory=dict)  # other items -> sorted journey positions
    settled_only: frozenset[int] = frozenset()  # items shown only by settled journeys (drop-outs)

    def indicator(self, item_index: int, journeys: np.ndarray) -> np.ndarray:
        """Whether each journey of ``journeys`` (positions) shows item ``item_index`` (bool)."""
        if item_index in self.variants_of:
            assert self.variant is not None
            flag = np.zeros(self.n_variants, dtype=bool)
            flag[self.variants_of[item_index]] = True
            hit = flag[self.variant[journeys]]
        else:
            pos = self.journeys_of.get(item_index, _NO_POSITIONS)
            at = np.minimum(np.searchsorted(pos, journeys), max(len(pos) - 1, 0))
            hit = pos[at] == journeys if len(pos) else np.zeros(len(journeys), dtype=bool)
        if item_index in self.settled_only:
            hit &= self.settled[journeys]
        return hit


def series(data: JourneyData, item_index: int, item: Item, journeys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, n) per journey position for a share item: indicator and whether it counts."""
    if item.kind == FITTING:
        return data.fits_accepted[journeys].astype(float), data.aligned[journeys].astype(float)
    x = data.indicator(item_index, journeys).astype(float)
    if item.kind == _DROPPED:
        # journeys in progress at the end of the log cannot have dropped out yet: they do not count
        return x, data.settled[journeys].astype(float)
    return x, np.ones(len(journeys))


def window_sums(data: JourneyData, item_index: int, item: Item) -> tuple[np.ndarray, np.ndarray]:
    """The sums of :func:`series`' x (counted ones) and n per window, for a share item."""
    pw = data.per_window
    if item.kind == FITTING:
        return pw["fits_accepted"], pw["aligned"]
    return data.counts[item_index], pw["settled" if item.kind == _DROPPED else "journeys"]


def fitness_of(cost: np.ndarray, bwc: np.ndarray) -> float | None:
    """1 - sum(cost) / sum(bwc), as pm4py's ``log_fitness``; None without any bwc."""
    total = int(bwc.sum())
    return None if total <= 0 else 1.0 - int(cost.sum()) / total


def journey_data(c: Any, items: Sequence[Item], window: Window, *,
                 release: bool = False) -> tuple[JourneyData, list[dict[str, Any]]]:
    """The journeys of a conformance result (alignments) in time order with their windows and what
    each item holds, and the windows: from its ``journey_parts`` (the journeys, the per-variant
    deviation occurrences, journey_id -> pattern) when it has them, else from its journey table's
    ``deviations`` and ``patterns`` lists. ``release``: take the parts from ``c``
    (:meth:`journeylog.conform.Conformance.release`) and free each once it is read."""
    parts = c.release() if release and getattr(c, "journey_parts", None) is not None else getattr(
        c, "journey_parts", None)
    index = {it.id: i for i, it in enumerate(items) if it.kind not in (FITNESS, FITTING)}
    accepted = [it.id for it in items if it.accepted and it.kind not in (FITNESS, FITTING, "pattern")]
    settled_only = frozenset(i for i, it in enumerate(items) if it.kind == _DROPPED)
    if parts is None:
        journeys = _by_journey_id(c.journey_table)
        jt, windows = _in_order(journeys, window, ("deviations", "patterns"))
        listed = pl.col("deviations").list.set_difference(pl.lit(accepted, pl.List(pl.String))).list.len() == 0
        clean = jt.select(listed)["deviations"].to_numpy()
        data = _numbers(jt, len(windows), clean, settled_only)
        for col in ("deviations", "patterns"):
            pairs = jt.select("_jrow", pl.col(col).alias("_name")).explode("_name")
            data.journeys_of |= _positions(pairs, index, jt["_jrow"].to_numpy())
    else:
        journeys, occurrences, pattern_journeys = parts
        del parts  # released: each table is freed below once read
        journeys = _by_journey_id(journeys)
        jt, windows = _in_order(journeys, window, ("variant_id",))
        # the row of each pattern's journey by binary search in the sorted ids (no hash table of 10M ids)
        ids = journeys[S.JOURNEY_ID]
        row = ids.search_sorted(pattern_journeys[S.JOURNEY_ID]).clip(0, max(len(ids) - 1, 0))
        pairs = pl.DataFrame({"_jrow": row, "_name": pattern_journeys["pattern"]}).filter(
            ids.gather(row) == pattern_journeys[S.JOURNEY_ID])
        del journeys, ids, row, pattern_journeys
        by_item = _occurrences_by_item(occurrences, index, accepted)
        del occurrences
        data = _by_variant(jt, len(windows), by_item, settled_only)
        data.journeys_of = _positions(pairs, index, jt["_jrow"].to_numpy())
    for i, pos in data.journeys_of.items():
        data.counts[i] = np.bincount(data.window[pos[data.settled[pos]] if i in settled_only else pos],
                                     minlength=len(windows)).astype(float)
    for i in index.values():
        data.counts.setdefault(i, np.zeros(len(windows)))
    return data, windows


def _by_journey_id(journeys: pl.DataFrame) -> pl.DataFrame:
    """``journeys`` sorted by journey id (conform's journey table is: then as it is)."""
    if S.JOURNEY_ID not in journeys.columns or journeys[S.JOURNEY_ID].is_sorted():
        return journeys
    return journeys.sort(S.JOURNEY_ID)


def _in_order(journeys: pl.DataFrame, window: Window, extra: tuple[str, ...]) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """The columns drift needs, with ``_jrow`` (the row in ``journeys``, sorted by journey id), in
    (start, journey_id) order with ``_wi`` (the window), and the windows."""
    missing = [col for col in ("start", "cost", "bwc", "fitness", *extra) if col not in journeys.columns]
    if missing:
        raise InvalidInput(f"the conformance journey table lacks {', '.join(missing)}; drift needs alignments")
    if journeys.height == 0:
        raise InvalidInput("the log has no journeys")
    cols = ["start", "cost", "bwc", "fitness", *extra, *(c for c in ("in_progress",) if c in journeys.columns)]
    return assign_windows(journeys.select(cols).with_row_index("_jrow"), window, tie="_jrow")


def _numbers(jt: pl.DataFrame, n_windows: int, clean: np.ndarray, settled_only: frozenset[int]) -> JourneyData:
    """The per-journey numbers of ``jt`` (in journey order) and their sums per window; ``clean``:
    no deviation that is not accepted."""
    aligned = jt["cost"].is_not_null().to_numpy()
    settled = (~jt["in_progress"]).to_numpy() if "in_progress" in jt.columns else np.ones(jt.height, dtype=bool)
    data = JourneyData(
        start=jt["start"],
        window=jt["_wi"].to_numpy().astype(np.int64),
        aligned=aligned,
        fits=(jt["fitness"] == 1.0).fill_null(False).to_numpy() & aligned,
        fits_accepted=clean.astype(bool) & aligned,
        fitness=jt["fitness"].fill_null(float("nan")).to_numpy().astype(float),
        cost=jt["cost"].fill_null(0).to_numpy().astype(np.int64),
        bwc=jt["bwc"].fill_null(0).to_numpy().astype(np.int64),
        settled=settled.astype(bool),
        n_windows=n_windows,
        settled_only=settled_only,
    )
    w = data.window
    data.per_window = {"journeys": np.bincount(w, minlength=n_windows).astype(float)} | {
        name: np.bincount(w, weights=getattr(data, name).astype(float), minlength=n_windows)
        for name in ("settled", "aligned", "fits", "fits_accepted", "cost", "bwc")}
    return data


def _positions(pairs: pl.DataFrame, index: dict[str, int], rows: np.ndarray) -> dict[int, np.ndarray]:
    """Item index -> the sorted journey positions of ``pairs`` (``_jrow``, ``_name``: an item id);
    ``rows``: the ``_jrow`` of each position."""
    pairs = pairs.select("_jrow", pl.col("_name").replace_strict(index, default=-1, return_dtype=pl.Int64).alias("_item"))
    pairs = pairs.filter(pl.col("_item") >= 0)
    if pairs.height == 0:
        return {}
    position = np.empty(len(rows), dtype=np.int64)
    position[rows] = np.arange(len(rows), dtype=np.int64)
    item = pairs["_item"].to_numpy()
    pos = position[pairs["_jrow"].to_numpy()]
    order = np.lexsort((pos, item))
    item, pos = item[order], pos[order]
    cuts = np.flatnonzero(np.diff(item)) + 1
    return {int(part_item[0]): np.unique(part) for part_item, part in zip(np.split(item, cuts), np.split(pos, cuts), strict=True)}


def _by_variant(jt: pl.DataFrame, n_windows: int, by_item: _ByItem, settled_only: frozenset[int]) -> JourneyData:
    """The numbers of ``jt`` (in journey order, with ``variant_id``) and its deviations per variant
    (:func:`_occurrences_by_item`): which variants have each item, whether a journey has a
    deviation that is not accepted (a variant's deviations are the same for all its journeys; a
    drop-out counts only for settled ones) and the journeys showing each deviation per window."""
    vid = jt["variant_id"].cast(pl.Int64)
    n_variants = max(int(cast(int, vid.max() or 0)), by_item.max_variant) + 2  # the last: no variant (never flagged)
    variant = vid.fill_null(n_variants - 1).to_numpy().astype(np.int32)
    settled = (~jt["in_progress"]).to_numpy().astype(bool) if "in_progress" in jt.columns else np.ones(jt.height, bool)

    def flags(per_variant: np.ndarray) -> np.ndarray:
        out = np.zeros(n_variants, dtype=bool)
        out[:len(per_variant)] = per_variant
        return out

    always, if_settled = flags(by_item.always), flags(by_item.if_settled)
    data = _numbers(jt, n_windows, ~(always[variant] | (if_settled[variant] & settled)), settled_only)
    data.variant, data.n_variants = variant, n_variants
    item, v = by_item.item, by_item.variant
    cuts = np.flatnonzero(np.diff(item)) + 1
    data.variants_of = {int(i[0]): vs for i, vs in zip(np.split(item, cuts), np.split(v, cuts), strict=True) if len(i)}
    data.counts = _variant_window_counts(data, item, v, settled_only)
    return data


@dataclass
class _ByItem:
    """The deviation occurrences by item: the distinct (``item``, ``variant``) pairs sorted by
    item then variant, per variant id whether it has a deviation that is not accepted (``always``;
    drop-outs: ``if_settled``; :func:`~journeylog.explain.deviations.unaccepted_variants`) and the
    largest variant id."""

    item: np.ndarray
    variant: np.ndarray
    always: np.ndarray
    if_settled: np.ndarray
    max_variant: int


def _occurrences_by_item(occurrences: pl.DataFrame, index: dict[str, int], accepted: list[str]) -> _ByItem:
    """The occurrences (``variant_id``, ``kind``, ``activity`` or ``id``) by item: the few hundred
    distinct ids are named once and joined to the millions of occurrences as numbers."""
    ids = pl.col("id") if "id" in occurrences.columns else pl.col("kind") + ":" + pl.col("activity")
    occ = occurrences.select(pl.col("variant_id").alias("_v"), ids.alias("_id"))
    names = occ.select(pl.col("_id").unique()).with_columns(
        pl.col("_id").cast(pl.String).replace_strict(index, default=-1, return_dtype=pl.Int32).fill_null(-1).alias("_item"))
    occ = occ.join(names, on="_id", how="left").drop("_id")
    # the distinct pairs as one sorted 64-bit key (item, variant): a unique over two columns of
    # 12.6M rows held +0.8 GB, a sort of one column holds its copy
    key = (pl.col("_item").cast(pl.UInt64) * (1 << 32) + pl.col("_v").cast(pl.UInt64)).alias("_k")
    keys = occ.filter(pl.col("_item") >= 0).select(key)["_k"].sort()
    keys = keys.filter((keys != keys.shift(1)).fill_null(True))
    max_variant = int(cast(int, occ["_v"].max())) if occ.height else 0
    del occ
    always, if_settled = DV.unaccepted_variants(occurrences, accepted, max_variant + 1)
    return _ByItem(item=(keys // (1 << 32)).cast(pl.Int32).to_numpy(), variant=(keys % (1 << 32)).cast(pl.Int32).to_numpy(),
                   always=always, if_settled=if_settled, max_variant=max_variant)


def _variant_window_counts(data: JourneyData, item: np.ndarray, variant: np.ndarray,
                           settled_only: frozenset[int]) -> dict[int, np.ndarray]:
    """The journeys showing each deviation item per window: the (item, variant) incidence times
    the journeys per (variant, window) (the settled ones for drop-outs), not a row per journey.
    ``item``, ``variant``: the distinct pairs, sorted by item (the incidence is built in place)."""
    from scipy import sparse

    assert data.variant is not None
    per = _per_variant_and_window(data)
    n_items = int(item.max()) + 1 if len(item) else 0
    dropped = np.isin(item, np.fromiter(settled_only, dtype=np.int64, count=len(settled_only)))
    total = np.zeros((n_items, data.n_windows), dtype=np.int64)
    for pick, col in ((~dropped, "n"), (dropped, "ns")):
        if pick.any():
            rows, cols = item[pick], variant[pick]
            indptr = np.zeros(n_items + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows, minlength=n_items), out=indptr[1:])
            a = sparse.csr_matrix((np.ones(len(cols), dtype=np.int8), cols, indptr), shape=(n_items, data.n_variants))
            total += (a @ per[col]).toarray()
    return {i: total[i].astype(float) for i in np.unique(item).tolist()}


def _per_variant_and_window(data: JourneyData) -> dict[str, Any]:
    """The journeys (``n``) and the settled journeys (``ns``) per (variant, window), as sparse
    variants x windows matrices. Journeys are in window order, so each window is a slice whose
    variants are counted by sorting it (no hash table over millions of journeys)."""
    from scipy import sparse

    assert data.variant is not None
    bounds = np.searchsorted(data.window, np.arange(data.n_windows + 1), side="left")
    out = {}
    for name, keep in (("n", None), ("ns", data.settled)):
        indices, counts, indptr = [], [], [0]
        for k in range(data.n_windows):
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            part = data.variant[lo:hi] if keep is None else data.variant[lo:hi][keep[lo:hi]]
            u, c = np.unique(part, return_counts=True)
            indices.append(u)
            counts.append(c.astype(np.int64))
            indptr.append(indptr[-1] + len(u))
        out[name] = sparse.csc_matrix((np.concatenate(counts) if counts else np.zeros(0, np.int64),
                                       np.concatenate(indices) if indices else np.zeros(0, np.int32), np.asarray(indptr)),
                                      shape=(data.n_variants, data.n_windows))
    return out
