"""Candidate factors of a root-cause analysis, and their ranking (:mod:`journeylog.cx.rootcause`).

A **factor** is a binary feature of a journey, "the journey has X". :class:`FactorCounts` reads
the journey-complete batches of a log (:class:`journeylog.ingest.EventSource`), builds per batch
the long rows ``journey_id, kind, column, value`` (one per journey and factor it has) and keeps
only the counts per factor, which add up over batches:

=================  ===========================================================================
kind               the journey has it when
=================  ===========================================================================
``channel``        any of its events is on that channel
``start_channel``  its first event (in time, then input order) with a channel is on that channel
``contact_reason`` any of its events carries that contact reason
``activity``       any of its events is that activity
``failed_step``    any of its events is that activity with the outcome ``failure``
``attribute``      the first non-null value of an attribute column in the journey is that value
                   (for a column constant within each journey: its value); ``column`` names it
``variant``        it follows that path (the variant id of :func:`journeylog.journeys.variants`,
                   1 = the most frequent path)
=================  ===========================================================================

Attribute columns are every non-canonical column of plain values (text, numbers, booleans) with
at most ``max_levels`` distinct per-journey values; the others, and the canonical columns that
are no candidate (ids, times, free text, scores, input bookkeeping), are listed as skipped with
the reason.

:func:`rank_factors` compares, for every factor X, the journeys with the deviation (or pattern)
against those without it. With ``n`` journeys, ``n1`` of them with the deviation, ``journeys`` =
journeys with X and ``support`` = journeys with X and the deviation:

- ``rate_with`` = support / journeys = P(deviation | X); ``rate_without`` = (n1 - support) /
  (n - journeys) = P(deviation | not X);
- ``lift`` = rate_with / rate_without (the relative risk: "3.4 times as common with X as
  without"); null when the deviation never happens without X and does with it (infinite);
- ``share_with`` = support / n1 (share of the journeys with the deviation that have X) and
  ``share_without`` = (journeys - support) / (n - n1) (the same among the journeys without it);
- ``p_value``: the 2x2 table (X or not) x (deviation or not) tested as :func:`journeylog.stats.two_by_two`
  does for drift: chi-square with Yates' continuity correction (the continuity-corrected two-proportion
  z-test, squared), Fisher's exact test when an expected count is below 5; two-sided.

Only factors with ``support >= min_support`` and some journeys without them are tested; every test
(over- and under-represented alike) is one hypothesis of the family adjusted with Holm (default)
or Benjamini-Hochberg (:func:`journeylog.stats.adjust`). The over-represented factors (rate_with >
rate_without) are ranked by adjusted p-value, then raw p-value, then lift (infinite first), then
kind (in the order of the table above), column and value.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from journeylog import schema as S
from journeylog.explain.batches import journey_variant_ids, variant_keys
from journeylog.stats import adjust, two_by_two

__all__ = ["FACTOR_KINDS", "CANONICAL_SKIPPED", "FactorCounts", "FactorPart", "candidate_columns", "rank_factors"]

#: the kinds of factor, in ranking order for ties
FACTOR_KINDS: tuple[str, ...] = ("channel", "start_channel", "contact_reason", "activity", "failed_step", "attribute",
                                 "variant")
#: canonical columns that are no candidate factor, with the reason said
CANONICAL_SKIPPED: dict[str, str] = {
    S.JOURNEY_ID: "the journey id",
    S.CUSTOMER_ID: "an id",
    S.TIMESTAMP: "a time",
    S.SATISFACTION: "a score given during the journey: an effect, not a cause",
    S.TEXT: "free text",
    S.SOURCE: "which input an event came from",
    S.SOURCE_ROW: "input bookkeeping",
    S.INPUT_ORDER: "input bookkeeping",
}
_J = S.JOURNEY_ID
_LONG = {_J: pl.UInt32(), "kind": pl.String(), "column": pl.String(), "value": pl.String()}
_COUNTS = {"kind": pl.String(), "column": pl.String(), "value": pl.String(), "journeys": pl.Int64(), "support": pl.Int64()}
_COMPACT = 16  # merge the counts (and the sets of attribute values) of this many batches into one


def _long(frame: pl.LazyFrame, kind: str, column: str | None = None) -> pl.LazyFrame:
    return frame.select(pl.col(_J), pl.lit(kind).alias("kind"), pl.lit(column, pl.String).alias("column"),
                        pl.col("value").cast(pl.String)).drop_nulls("value").unique()


def _plain(dtype: pl.DataType) -> bool:
    return dtype == pl.String or dtype == pl.Categorical or dtype == pl.Boolean or dtype.is_integer() or (
        isinstance(dtype, pl.Enum))


def candidate_columns(schema: Mapping[str, pl.DataType]) -> tuple[list[str], list[dict[str, str]]]:
    """``(attributes, skipped)``: the attribute columns of plain values (candidates, before their
    levels are counted) and the columns that are no candidate by name or type (``column``,
    ``reason``)."""
    names = list(schema)
    skipped = [{"column": c, "reason": r} for c, r in CANONICAL_SKIPPED.items() if c in names and c != _J]
    attrs = []
    for c in (n for n in names if n not in S.SCHEMA):
        dtype = schema[c]
        if _plain(dtype):
            attrs.append(c)
        elif dtype == pl.Null:
            skipped.append({"column": c, "reason": "no values"})
        elif dtype.is_float():
            skipped.append({"column": c, "reason": "numbers with decimals, not categories"})
        else:
            skipped.append({"column": c, "reason": f"not plain values ({dtype})"})
    return attrs, skipped


def _event_factors(ev: pl.DataFrame, kinds: Collection[str]) -> list[pl.LazyFrame]:
    """The long factor rows of one journey-complete batch (in time order) for the kinds read
    from events (every kind but ``attribute`` and ``variant``)."""
    names = ev.columns
    lf = ev.lazy()
    parts: list[pl.LazyFrame] = []
    if S.CHANNEL in names and "channel" in kinds:
        parts.append(_long(lf.select(_J, pl.col(S.CHANNEL).alias("value")), "channel"))
    if S.CHANNEL in names and "start_channel" in kinds:
        parts.append(_long(lf.group_by(_J).agg(pl.col(S.CHANNEL).drop_nulls().first().alias("value")), "start_channel"))
    if S.CONTACT_REASON in names and "contact_reason" in kinds:
        parts.append(_long(lf.select(_J, pl.col(S.CONTACT_REASON).alias("value")), "contact_reason"))
    if "activity" in kinds:
        parts.append(_long(lf.select(_J, pl.col(S.ACTIVITY).alias("value")), "activity"))
    if S.OUTCOME in names and "failed_step" in kinds:
        parts.append(_long(lf.filter(pl.col(S.OUTCOME) == S.FAILURE).select(_J, pl.col(S.ACTIVITY).alias("value")),
                           "failed_step"))
    return parts


@dataclass
class FactorPart:
    """One batch's share of :class:`FactorCounts`: the candidate attribute columns and those
    skipped (from its schema), each attribute's levels (hashes of its per-journey values) and
    the factor counts (None when none of its journeys is compared)."""

    attrs: list[str]
    skipped: list[dict[str, str]]
    levels: dict[str, pl.Series] = field(default_factory=dict)
    counts: pl.DataFrame | None = None


class FactorCounts:
    """Every candidate factor's ``journeys`` (journeys with it) and ``support`` (of them, those
    with the deviation) over the journey-complete batches of one log: :meth:`add` each batch
    (ordered by journey and time), then :meth:`result`. Counts add up over batches; an attribute
    column's levels (distinct per-journey values) are gathered as sets of 64-bit hashes of the values (8 bytes
    a value, whatever its length: an id column of millions of values stays small), and a column
    found over ``max_levels`` stops being counted.

    ``population``: ``journey_id`` and ``dev`` (has the deviation) of the journeys compared, with
    ``variant_id`` (else ``variant_table`` numbers each batch's journeys); ``columns``: the log's
    column order (the skipped columns are listed in it)."""

    def __init__(self, population: pl.DataFrame, columns: Sequence[str], *, max_levels: int = 50,
                 kinds: Collection[str] = FACTOR_KINDS, variant_table: pl.DataFrame | None = None) -> None:
        self.population, self.columns, self.max_levels, self.kinds = population, list(columns), max_levels, set(kinds)
        self.variant_table = variant_table
        self._keys = variant_keys(variant_table) if variant_table is not None else None
        self._ids = population[_J].implode()
        self._hit = population.filter(pl.col("dev"))[_J].implode()
        self._attrs: list[str] | None = None
        self._skipped: list[dict[str, str]] = []
        self._levels: dict[str, list[pl.Series]] = {}
        self._over: set[str] = set()
        self._parts: list[pl.DataFrame] = []

    def add(self, batch: pl.DataFrame) -> None:
        """Count the factors of one batch's journeys in the population."""
        self.absorb(self.part(batch))

    def part(self, batch: pl.DataFrame) -> FactorPart:
        """What one batch adds (this counter is not changed: batches can be counted anywhere, on
        Spark's executors too, and :meth:`absorb`-ed in any order)."""
        ev = batch.filter(pl.col(_J).is_in(self._ids))
        attrs, skipped = candidate_columns(ev.schema)
        part = FactorPart(attrs, skipped)
        if ev.height == 0:
            return part
        # the batch's journeys as integer codes (in the batch's order), so the long rows stay narrow
        codes = ev.select(pl.col(_J).rank("dense").cast(pl.UInt32).alias("_c"), pl.col(_J).is_in(self._hit).alias("_d"))
        hit = codes.filter("_d")["_c"].implode()
        ev = ev.with_columns(codes["_c"].alias(_J))
        parts = _event_factors(ev, self.kinds)
        if attrs:
            per = ev.lazy().group_by(_J).agg([pl.col(c).drop_nulls().first().cast(pl.String) for c in attrs]).collect()
            part.levels = {c: per[c].drop_nulls().hash().unique() for c in attrs}
            keep = [c for c in attrs if c not in self._over and part.levels[c].len() <= self.max_levels]
            if keep and "attribute" in self.kinds:
                long = per.lazy().unpivot(index=_J, on=keep, variable_name="column", value_name="value")
                parts.append(long.select(pl.col(_J), pl.lit("attribute").alias("kind"), pl.col("column"), pl.col("value"))
                             .drop_nulls("value"))
        if self._keys is not None and "variant" in self.kinds:
            assert self.variant_table is not None
            jv = journey_variant_ids(ev, self.variant_table, self._keys)
            parts.append(_long(jv.lazy().select(_J, pl.col("variant_id").alias("value")), "variant"))
        if parts:
            part.counts = self._count(parts, hit)
        return part

    def absorb(self, part: FactorPart) -> None:
        """Add the counts and attribute levels of one batch (:meth:`part`)."""
        if self._attrs is None:
            self._attrs, self._skipped = part.attrs, part.skipped
            self._levels = {c: [] for c in self._attrs}
        for c, levels in part.levels.items():
            self._levels[c].append(levels)
        if part.levels:
            self._compact_levels()
        if part.counts is not None:
            self._parts.append(part.counts)
        if len(self._parts) >= _COMPACT:
            self._parts = [self._merged()]

    @staticmethod
    def _count(parts: list[pl.LazyFrame], hit: pl.Series) -> pl.DataFrame:
        """The factor counts of long factor rows (``hit``: the codes of the journeys with the deviation)."""
        frames = pl.collect_all([p.select(list(_LONG)).cast(_LONG) for p in parts])  # type: ignore[arg-type]
        return pl.concat(frames, how="vertical").with_columns(pl.col(_J).is_in(hit).alias("dev")).group_by(
            "kind", "column", "value").agg(pl.len().cast(pl.Int64).alias("journeys"),
                                           pl.col("dev").sum().cast(pl.Int64).alias("support"))

    def _merged(self) -> pl.DataFrame:
        """The counts gathered so far as one frame, without the columns over the levels."""
        if not self._parts:
            return pl.DataFrame(schema=_COUNTS)
        merged = pl.concat(self._parts).group_by("kind", "column", "value").agg(pl.col("journeys").sum(),
                                                                               pl.col("support").sum())
        over = pl.Series(sorted(self._over), dtype=pl.String).implode()
        return merged.filter(~pl.col("column").is_in(over).fill_null(False))

    def _compact_levels(self) -> None:
        """Merge each column's sets of values now and then; a column over the levels is marked."""
        for c, sets in self._levels.items():
            if len(sets) >= _COMPACT:
                self._levels[c] = [pl.concat(sets).unique()]
            if max(s.len() for s in self._levels[c]) > self.max_levels:
                self._over.add(c)

    def result(self) -> tuple[pl.DataFrame, list[dict[str, str]]]:
        """``(counts, skipped)``: ``kind``, ``column``, ``value``, ``journeys``, ``support`` per factor
        (unordered), and the columns not used as factors, in the log's column order."""
        skipped = list(self._skipped)
        drop = set()
        for c, sets in self._levels.items():
            levels = pl.concat(sets).n_unique() if sets else 0
            if levels == 0:
                skipped.append({"column": c, "reason": "no values"})
            elif levels > self.max_levels:
                skipped.append({"column": c, "reason": f"{levels:,} distinct values, over {self.max_levels}: "
                                                       "an id or free text"})
            else:
                continue
            drop.add(c)
        self._over |= drop
        counts = self._merged()
        if "variant" in self.kinds and "variant_id" in self.population.columns:
            counts = pl.concat([counts, self.population.group_by("variant_id").agg(
                pl.len().cast(pl.Int64).alias("journeys"), pl.col("dev").sum().cast(pl.Int64).alias("support"),
            ).select(pl.lit("variant").alias("kind"), pl.lit(None, pl.String).alias("column"),
                     pl.col("variant_id").cast(pl.String).alias("value"), "journeys", "support")])
        order = {c: i for i, c in enumerate(self.columns)}
        skipped.sort(key=lambda s: order.get(s["column"], len(order)))
        return counts, skipped


def rank_factors(counts: pl.DataFrame, n: int, n1: int, *, min_support: int = 20, correction: str = "holm",
                 alpha: float = 0.05, exclude: Collection[tuple[str, str]] = ()) -> tuple[pl.DataFrame, dict[str, int]]:
    """``(ranked, counts)``: every candidate factor of :class:`FactorCounts` with its figures (see
    the module docs) for ``n`` journeys compared, ``n1`` of them with the deviation; tested ones
    with ``p_value``, ``p_adjusted``, ``test`` and ``significant`` (adjusted p at most ``alpha``),
    ranked over-represented tested factors first; ``counts``: ``journeys``, ``journeys_with``,
    ``candidates``, ``tests``, ``below_support``.

    ``exclude``: (kind, value) pairs that are part of the deviation's definition, never tested.
    """
    n0 = n - n1
    keyed = counts.lazy()
    if exclude:
        gone = pl.DataFrame(list(exclude), schema={"kind": pl.String, "value": pl.String}, orient="row")
        keyed = keyed.join(gone.lazy(), on=["kind", "value"], how="anti")
    kind_rank = pl.col("kind").replace_strict(FACTOR_KINDS, list(range(len(FACTOR_KINDS))), return_dtype=pl.Int64)
    table = keyed.collect().with_columns(
        (pl.col("support") / pl.col("journeys")).alias("rate_with"),
        pl.when(pl.col("journeys") < n).then((n1 - pl.col("support")) / (n - pl.col("journeys"))).alias("rate_without"),
        (pl.col("support") / n1 if n1 else pl.lit(None, pl.Float64)).alias("share_with"),
        ((pl.col("journeys") - pl.col("support")) / n0 if n0 else pl.lit(None, pl.Float64)).alias("share_without"),
        ((pl.col("support") >= min_support) & (pl.col("journeys") < n) & pl.lit(n0 > 0 and n1 > 0)).alias("tested"),
        kind_rank.alias("_kind"),
    ).with_columns(
        pl.when(pl.col("rate_without") > 0).then(pl.col("rate_with") / pl.col("rate_without"))
        .when(pl.col("rate_with") > 0).then(pl.lit(float("inf"))).otherwise(None).alias("lift"),
    ).sort(["_kind", "column", "value"], nulls_last=False)
    table = _tested(table, n, n1, correction, alpha)
    ranked = table.sort(
        [pl.col("over").not_(), "p_adjusted", "p_value", pl.col("lift").fill_null(0.0), "_kind", "column", "value"],
        descending=[False, False, False, True, False, False, False], nulls_last=True,
    ).drop("_kind")
    figures = {"journeys": n, "journeys_with": n1, "candidates": table.height, "tests": int(table["tested"].sum()),
               "below_support": int(((table["support"] < min_support) & (table["journeys"] < n)).sum())}
    return ranked, figures


def _tested(table: pl.DataFrame, n: int, n1: int, correction: str, alpha: float) -> pl.DataFrame:
    """``table`` with ``p_value``, ``p_adjusted``, ``test`` (null where not tested), ``significant``
    and ``over`` (tested and over-represented): one vectorised test over every tested factor."""
    tested = table["tested"].to_numpy()
    p = np.full(table.height, np.nan)
    q = np.full(table.height, np.nan)
    test = np.full(table.height, None, dtype=object)
    if tested.any():
        a = table["support"].to_numpy()[tested].astype(float)
        c = table["journeys"].to_numpy()[tested].astype(float)
        pv, tv = two_by_two(a, c, n1 - a, n - c)
        p[tested], test[tested] = pv, tv
        q[tested] = adjust(pv.tolist(), correction)
    return table.with_columns(
        pl.Series("p_value", p).fill_nan(None), pl.Series("p_adjusted", q).fill_nan(None),
        pl.Series("test", test.tolist(), dtype=pl.String),
    ).with_columns(
        (pl.col("tested") & (pl.col("p_adjusted") <= alpha)).fill_null(False).alias("significant"),
        (pl.col("tested") & (pl.col("rate_with") > pl.col("rate_without"))).fill_null(False).alias("over"),
    )
