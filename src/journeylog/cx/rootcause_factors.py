"""Candidate factors of a root-cause analysis, and their ranking (:mod:`journeylog.cx.rootcause`).

A **factor** is a binary feature of a journey, "the journey has X". :func:`journey_factors` builds
one long table ``journey_id, kind, column, value`` with one row per journey and factor it has:

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

from collections.abc import Collection, Sequence

import numpy as np
import polars as pl

from journeylog import journeys as J
from journeylog import schema as S
from journeylog.stats import adjust, two_by_two

__all__ = ["FACTOR_KINDS", "CANONICAL_SKIPPED", "journey_factors", "rank_factors"]

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
_LONG = {_J: pl.String(), "kind": pl.String(), "column": pl.String(), "value": pl.String()}


def _long(frame: pl.LazyFrame, kind: str, column: str | None = None) -> pl.LazyFrame:
    return frame.select(pl.col(_J).cast(pl.String), pl.lit(kind).alias("kind"), pl.lit(column, pl.String).alias("column"),
                        pl.col("value").cast(pl.String)).drop_nulls("value").unique()


def _plain(dtype: pl.DataType) -> bool:
    return dtype == pl.String or dtype == pl.Categorical or dtype == pl.Boolean or dtype.is_integer() or (
        isinstance(dtype, pl.Enum))


def journey_factors(events: pl.DataFrame, variants: pl.DataFrame | None = None, *,
                    max_levels: int = 50) -> tuple[pl.DataFrame, list[dict[str, str]]]:
    """``(factors, skipped)``: the long factor table (see the module docs; unordered) and the columns
    not used as factors (``column``, ``reason``), in the log's column order.

    ``variants``: ``journey_id`` -> ``variant_id`` (None: no path factors). One lazy plan per kind
    of factor, all collected together; attributes are one ``group_by`` over every column.
    """
    ev = J.ordered(events)
    names = ev.columns
    lf = ev.lazy()
    parts: list[pl.LazyFrame] = []
    if S.CHANNEL in names:
        parts.append(_long(lf.select(_J, pl.col(S.CHANNEL).alias("value")), "channel"))
        parts.append(_long(lf.group_by(_J).agg(pl.col(S.CHANNEL).drop_nulls().first().alias("value")), "start_channel"))
    if S.CONTACT_REASON in names:
        parts.append(_long(lf.select(_J, pl.col(S.CONTACT_REASON).alias("value")), "contact_reason"))
    parts.append(_long(lf.select(_J, pl.col(S.ACTIVITY).alias("value")), "activity"))
    if S.OUTCOME in names:
        parts.append(_long(lf.filter(pl.col(S.OUTCOME) == S.FAILURE).select(_J, pl.col(S.ACTIVITY).alias("value")),
                           "failed_step"))
    skipped = [{"column": c, "reason": r} for c, r in CANONICAL_SKIPPED.items() if c in names and c != _J]
    attrs = []
    for c in S.attribute_columns(ev):
        dtype = ev.schema[c]
        if _plain(dtype):
            attrs.append(c)
        elif dtype == pl.Null:
            skipped.append({"column": c, "reason": "no values"})
        elif dtype.is_float():
            skipped.append({"column": c, "reason": "numbers with decimals, not categories"})
        else:
            skipped.append({"column": c, "reason": f"not plain values ({dtype})"})
    if attrs:
        per = lf.group_by(_J).agg([pl.col(c).drop_nulls().first().cast(pl.String) for c in attrs]).collect()
        levels = per.select(pl.col(c).drop_nulls().n_unique() for c in attrs).row(0, named=True)
        keep = []
        for c in attrs:
            if levels[c] == 0:
                skipped.append({"column": c, "reason": "no values"})
            elif levels[c] > max_levels:
                skipped.append({"column": c, "reason": f"{levels[c]:,} distinct values, over {max_levels}: "
                                                       "an id or free text"})
            else:
                keep.append(c)
        if keep:
            long = per.lazy().unpivot(index=_J, on=keep, variable_name="column", value_name="value")
            parts.append(long.select(pl.col(_J), pl.lit("attribute").alias("kind"), pl.col("column"), pl.col("value"))
                         .drop_nulls("value"))
    if variants is not None:
        parts.append(_long(variants.lazy().select(_J, pl.col("variant_id").alias("value")), "variant"))
    frames = pl.collect_all([p.select(list(_LONG)).cast(_LONG) for p in parts])  # type: ignore[arg-type]
    order = {c: i for i, c in enumerate(names)}
    skipped.sort(key=lambda s: order.get(s["column"], len(order)))
    return pl.concat(frames, how="vertical"), skipped


def rank_factors(factors: pl.DataFrame, population: Sequence[str] | pl.Series, affected: Sequence[str] | pl.Series, *,
                 min_support: int = 20, correction: str = "holm", alpha: float = 0.05,
                 exclude: Collection[tuple[str, str]] = ()) -> tuple[pl.DataFrame, dict[str, int]]:
    """``(ranked, counts)``: every candidate factor of the journeys in ``population`` with its
    figures (see the module docs), tested ones with ``p_value``, ``p_adjusted``, ``test`` and
    ``significant`` (adjusted p at most ``alpha``), ranked over-represented tested factors first;
    ``counts``: ``journeys``, ``journeys_with``, ``candidates``, ``tests``, ``below_support``.

    ``affected``: the journeys with the deviation (those outside ``population`` are ignored);
    ``exclude``: (kind, value) pairs that are part of the deviation's definition, never tested.
    """
    def ids(values: Sequence[str] | pl.Series) -> pl.Series:
        return (values if isinstance(values, pl.Series) else pl.Series(list(values))).cast(pl.String).rename(_J).unique()

    members = ids(population)
    hit = ids(affected)
    hit = hit.filter(hit.is_in(members.implode()))
    n, n1 = members.len(), hit.len()
    n0 = n - n1
    keyed = factors.lazy().filter(pl.col(_J).is_in(members.implode())).with_columns(
        pl.col(_J).is_in(hit.implode()).alias("dev"))
    if exclude:
        gone = pl.DataFrame(list(exclude), schema={"kind": pl.String, "value": pl.String}, orient="row")
        keyed = keyed.join(gone.lazy(), on=["kind", "value"], how="anti")
    kind_rank = pl.col("kind").replace_strict(FACTOR_KINDS, list(range(len(FACTOR_KINDS))), return_dtype=pl.Int64)
    table = keyed.group_by("kind", "column", "value").agg(
        pl.len().cast(pl.Int64).alias("journeys"), pl.col("dev").sum().cast(pl.Int64).alias("support"),
    ).collect().with_columns(
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
    counts = {"journeys": n, "journeys_with": n1, "candidates": table.height, "tests": int(table["tested"].sum()),
              "below_support": int(((table["support"] < min_support) & (table["journeys"] < n)).sum())}
    return ranked, counts


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
