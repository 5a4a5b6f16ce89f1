"""Small figures of a per-journey table held in Polars (the Polars engine's side of
:class:`journeylog.explain.journey_groups.JourneyGroups`).

The table has one row per journey, sorted by journey id: ``journey_id``, ``variant_id``,
``duration_seconds``, the impact value (``satisfaction`` or a score), ``settled`` and
``in_progress``, and optionally boolean mask columns. Every figure is the computation conform made
on its journey table before the engines shared this seam: a group's journeys are a ``filter`` of
the table (so a mean sums the same values in the same order, to the last bit), medians are
Polars' ``median``.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from journeylog.schema import JOURNEY_ID

__all__ = ["group_figures", "ordered_sum", "value_counts", "variant_counts"]

#: the columns of :func:`group_figures`' result
GROUP_SCHEMA: dict[str, pl.DataType] = {"group": pl.Int32(), "journeys": pl.Int64(), "median": pl.Float64(),
                                        "mean": pl.Float64(), "first": pl.List(pl.String())}


def variant_counts(rows: pl.DataFrame) -> pl.DataFrame:
    """Per variant: ``journeys``, ``settled`` and ``in_progress`` journeys (Int64), by variant id.
    Variant ids are small dense numbers: counted into arrays (a group-by over 11M journeys held
    +0.3 GB at 100M events)."""
    import numpy as np  # here, not at start-up: ingest never needs it

    vid = rows["variant_id"]
    if rows.height and vid.null_count() == 0 and vid.dtype.is_integer() and int(vid.min()) >= 0:  # type: ignore[arg-type]
        v = vid.to_numpy()
        size = int(v.max()) + 1
        counts = {"journeys": np.bincount(v, minlength=size)} | {
            col: np.bincount(v, weights=rows[col].fill_null(False).to_numpy(), minlength=size)
            for col in ("settled", "in_progress")}
        present = np.flatnonzero(counts["journeys"])
        return pl.DataFrame({"variant_id": pl.Series(present).cast(vid.dtype)} | {
            name: pl.Series(arr[present]).cast(pl.Int64) for name, arr in counts.items()})
    return rows.group_by("variant_id").agg(
        pl.len().cast(pl.Int64).alias("journeys"), pl.col("settled").sum().cast(pl.Int64),
        pl.col("in_progress").sum().cast(pl.Int64)).sort("variant_id")


def group_figures(rows: pl.DataFrame, members: pl.DataFrame, flagged: Mapping[int, tuple[str, str]], *,
                  value: str, first: int = 5) -> pl.DataFrame:
    """Per group (an Int32 code): its journeys, the median of its ``x`` column, the mean of
    ``value`` and its ``first`` journey ids. ``members`` (``group``, ``variant_id``, ``settled_only``): the
    journeys of these variants (only the settled ones when ``settled_only``); ``flagged``: group
    -> (boolean column, x column), the journeys where the column is true. The x of a member
    group is ``duration_seconds``. Groups without journeys have no row."""
    out = []
    for (group,), part in sorted(members.partition_by("group", as_dict=True).items()) if members.height else []:
        hit = pl.col("variant_id").is_in(part["variant_id"].cast(rows.schema["variant_id"]).implode())
        hit = pl.when(part["settled_only"].any()).then(hit & pl.col("settled")).otherwise(hit)
        out.append(_figures(rows, int(group), rows.select(hit.alias("_m")).to_series(), "duration_seconds", value, first))
    for group, (mask, x) in sorted(flagged.items()):
        out.append(_figures(rows, group, rows[mask].fill_null(False), x, value, first))
    return pl.DataFrame([r for r in out if r["journeys"]], schema=GROUP_SCHEMA, orient="row")


def _figures(rows: pl.DataFrame, group: int, mask: pl.Series, x: str, value: str, first: int) -> dict[str, object]:
    """One group's row: the journeys of ``mask`` cut from the table as conform cut them."""
    cut = rows.select(x, value).filter(mask)
    median = cut[x].median() if cut.height else None
    mean = cut[value].mean()
    return {"group": group, "journeys": cut.height, "median": None if median is None else float(median),  # type: ignore[arg-type]
            "mean": None if mean is None else float(mean),  # type: ignore[arg-type]
            "first": rows[JOURNEY_ID].filter(mask).head(first).to_list() if first else []}


def ordered_sum(rows: pl.DataFrame, values: pl.DataFrame) -> float:
    """The left-to-right float sum, in journey-id order, of each journey's variant's ``value``
    (``values``: ``variant_id``, ``value``; journeys of other variants add nothing): pm4py's sum
    over its traces in case order."""
    import numpy as np

    per_journey = rows.select("variant_id").join(values.select("variant_id", "value"), on="variant_id", how="left",
                                                 maintain_order="left")["value"].drop_nulls()
    return float(np.cumsum(per_journey.to_numpy())[-1]) if per_journey.len() else 0.0


def value_counts(rows: pl.DataFrame, columns: Mapping[str, tuple[str, str]]) -> pl.DataFrame:
    """Per key -> (boolean column, value column): how many journeys where the column is true
    have each value (``key``, ``value``, ``n``; the value may be null)."""
    parts = [rows.filter(pl.col(mask).fill_null(False)).group_by(col).agg(pl.len().cast(pl.Int64).alias("n"))
             .select(pl.lit(key).alias("key"), pl.col(col).cast(pl.String).alias("value"), "n")
             for key, (mask, col) in sorted(columns.items())]
    empty = pl.DataFrame(schema={"key": pl.String, "value": pl.String, "n": pl.Int64})
    return pl.concat([empty, *parts])
