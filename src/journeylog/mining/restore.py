"""From the alignments of the reduced sequences back to every variant, in Polars.

:func:`journeylog.mining.align` removes the events whose activity the model lacks (they can only
be log moves), aligns each distinct reduced sequence once and puts the removed events back as
log moves. Both ends are here, as column operations over the variant table instead of a Python
loop over every variant and move (at 1M events 20,129 variants share 1,287 reduced sequences;
at 100M, 1.7M variants):

* :func:`reduce_variants`: each variant's reduced sequence, numbered in order of first
  appearance, and the distinct sequences (the only Python objects made);
* :func:`restore`: one row per variant with ``cost``, ``bwc``, ``fitness`` and ``moves``, equal
  to :func:`journeylog.mining.alignments.expand_moves` on each variant (tested against it).

Where a removed event goes: in :func:`~journeylog.mining.alignments.expand_moves`, right after the
step that consumed the event before it, so before the model moves that lead to the next event.
Here each alignment step belongs to the reduced event it leads to (the number of events consumed
before it; steps after the last event belong to "the end"); each step is placed at the position
of its event in the variant (the end: after every position) and each removed event at its own
position; sorting by (position, step) gives the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

__all__ = ["SLICE", "reduce_variants", "restore"]

#: pm4py's "no move" marker on one side of an alignment step (alignments.SKIP)
_SKIP = ">>"
#: pm4py's standard cost of a log move (alignments.LOG_MOVE_COST)
_LOG_MOVE_COST = 10000


def reduce_variants(variant_table: pl.DataFrame, labels: set[str]) -> tuple[pl.Series, list[tuple[str, ...]]]:
    """For every variant of ``variant_table`` (``activities``, in the table's order): the number
    of its sequence without the activities outside ``labels`` (``UInt32``, numbered in order of
    first appearance), and those distinct sequences.

    >>> vt = pl.DataFrame({"activities": [["a", "x", "b"], ["a", "b"], ["y"], ["b"]]})
    >>> numbers, uniques = reduce_variants(vt, {"a", "b"})
    >>> numbers.to_list(), uniques
    ([0, 0, 1, 2], [('a', 'b'), (), ('b',)])
    """
    keep = pl.Series(sorted(labels), dtype=pl.String).implode()
    reduced = variant_table.select(
        pl.col("activities").list.eval(pl.element().filter(pl.element().cast(pl.String).is_in(keep)))
        .cast(pl.List(pl.String)).alias("_r"))
    distinct = reduced.unique(maintain_order=True).with_row_index("_n")
    numbers = reduced.join(distinct, on="_r", how="left", maintain_order="left")["_n"]
    names: dict[str, str] = {}  # one string object per activity
    uniques = [tuple(names.setdefault(a, a) for a in seq) for seq in distinct["_r"].to_list()]
    return numbers, uniques


def restore(variant_table: pl.DataFrame, numbers: pl.Series, uniques: Sequence[tuple[str, ...]],
            results: Sequence[dict[str, Any] | None], labels: set[str], move_dtype: pl.DataType) -> pl.DataFrame:
    """One row per variant of ``variant_table`` (``variant_id``, ``activities``, in the table's
    order): ``variant_id``, ``cost``, ``bwc``, ``fitness`` and ``moves`` (``move_dtype``), from
    the alignment ``results[numbers[i]]`` of its reduced sequence ``uniques[numbers[i]]`` (its
    events of ``labels``) with a log move put back for each removed event and its cost added
    (pm4py's fitness formula on the restored numbers). A result that is ``None`` (not aligned) gives nulls. A result's ``cost``
    may be ``None`` for moves without figures (token replay's fitting variants).
    """
    per_unique = _unique_figures(uniques, results)
    steps = _steps(results)  # once: every slice of variants draws on them
    parts = [_restored(variant_table.slice(start, SLICE), numbers.slice(start, SLICE), per_unique, steps, labels, move_dtype)
             for start in range(0, variant_table.height, SLICE)]
    if not parts:
        return _restored(variant_table, numbers, per_unique, steps, labels, move_dtype)
    return pl.concat(parts, rechunk=True) if len(parts) > 1 else parts[0]


#: variants restored at a time (at 100M events 1.7M variants of about 20 moves)
SLICE = 100_000


def _restored(variant_table: pl.DataFrame, numbers: pl.Series, per_unique: pl.DataFrame, steps: pl.DataFrame,
              labels: set[str], move_dtype: pl.DataType) -> pl.DataFrame:
    """:func:`restore` of one slice of variants."""
    rows = variant_table.select(
        pl.col("variant_id").cast(pl.UInt32),
        pl.col("activities").cast(pl.List(pl.String)),
        numbers.cast(pl.UInt32).alias("_u"),
    ).with_row_index("_row").join(per_unique, on="_u", how="left", maintain_order="left")
    figures = rows.select(
        "variant_id",
        (pl.col("activities").list.len() - pl.col("_red")).alias("_removed"),
        "_cost", "_bwc", "_fit",
    ).select(
        "variant_id",
        (pl.col("_cost") + pl.col("_removed") * _LOG_MOVE_COST).alias("cost"),
        (pl.col("_bwc") + pl.col("_removed") * _LOG_MOVE_COST).alias("bwc"),
        pl.when(pl.col("_removed") == 0).then(pl.col("_fit"))
        .when(pl.col("_bwc").is_null() | pl.col("_cost").is_null()).then(None)
        .when((pl.col("_bwc") + pl.col("_removed") * _LOG_MOVE_COST) // _LOG_MOVE_COST > 0)
        .then(1 - ((pl.col("_cost") + pl.col("_removed") * _LOG_MOVE_COST) // _LOG_MOVE_COST)
              / ((pl.col("_bwc") + pl.col("_removed") * _LOG_MOVE_COST) // _LOG_MOVE_COST))
        .otherwise(0.0).alias("fitness"),
    )
    moves = _moves(rows, steps, labels, move_dtype)
    return figures.with_columns(moves).cast({"variant_id": pl.UInt32, "cost": pl.Int64, "bwc": pl.Int64,
                                              "fitness": pl.Float64})


def _unique_figures(uniques: Sequence[tuple[str, ...]], results: Sequence[dict[str, Any] | None]) -> pl.DataFrame:
    """Per reduced sequence: whether it was aligned, its length, cost, bwc and fitness."""
    return pl.DataFrame({
        "_u": range(len(results)),
        "_has": [r is not None for r in results],
        "_red": [len(seq) for seq in uniques],
        "_cost": [r.get("cost") if r is not None else None for r in results],
        "_bwc": [r.get("bwc") if r is not None else None for r in results],
        "_fit": [float(r["fitness"]) if r is not None and r.get("fitness") is not None else None for r in results],
    }, schema={"_u": pl.UInt32, "_has": pl.Boolean, "_red": pl.UInt32, "_cost": pl.Int64, "_bwc": pl.Int64,
               "_fit": pl.Float64})


def _steps(results: Sequence[dict[str, Any] | None]) -> pl.DataFrame:
    """Every step of every aligned reduced sequence as a move (``kind``, ``log``, ``model``,
    ``transition``, as :func:`~journeylog.mining.alignments.classify` names them), with ``_j``
    (its index) and ``_g`` (the reduced event it leads to: the events consumed before it). The
    label pairs are flattened once and classified in Polars (the web shop's 4,673 sequences have
    190,000 steps)."""
    aligned = [(u, r) for u, r in enumerate(results) if r is not None]
    lengths = np.fromiter((len(r["alignment"]) for _u, r in aligned), dtype=np.int64, count=len(aligned))
    flat = pl.DataFrame({
        "_u": np.repeat(np.fromiter((u for u, _r in aligned), dtype=np.uint32, count=len(aligned)), lengths),
        "_l": [pair[0] for _u, r in aligned for pair in r["alignment"]],
        "_m": [pair[1] for _u, r in aligned for pair in r["alignment"]],
        "_t": [t for _u, r in aligned for t in (r.get("transitions") or [None] * len(r["alignment"]))],
    }, schema={"_u": pl.UInt32, "_l": pl.String, "_m": pl.String, "_t": pl.String})
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    consumed = (flat["_l"] != _SKIP).fill_null(True).to_numpy().astype(np.int64)
    before = np.cumsum(consumed) - consumed  # events consumed before each step, over all sequences
    first = np.repeat(starts, lengths)
    skip_l, skip_m = pl.col("_l") == _SKIP, pl.col("_m") == _SKIP
    return flat.with_columns(
        pl.Series("_j", np.arange(len(flat), dtype=np.int64) - first),
        pl.Series("_g", before - before[first] if len(flat) else before),
    ).select(
        "_u", "_j", "_g",
        pl.when(skip_l).then(pl.when(pl.col("_m").is_null()).then(pl.lit("silent")).otherwise(pl.lit("model")))
        .when(skip_m).then(pl.lit("log")).otherwise(pl.lit("sync")).alias("kind"),
        pl.when(skip_l).then(None).otherwise(pl.col("_l")).alias("log"),
        pl.when(skip_m).then(None).otherwise(pl.col("_m")).alias("model"),
        pl.when(skip_m & ~skip_l).then(None).otherwise(pl.col("_t")).alias("transition"),
    )


def _moves(rows: pl.DataFrame, steps: pl.DataFrame, labels: set[str], move_dtype: pl.DataType) -> pl.Series:
    """The ``moves`` of every row of ``rows`` (``_row``, ``activities``, ``_u``, ``_has``): the
    steps of its reduced sequence and a log move per event outside ``labels``, in variant order."""
    events = (rows.select("_row", pl.col("activities").alias("_a"),
                          pl.int_ranges(0, pl.col("activities").list.len(), dtype=pl.Int64).alias("_p"))
              .explode(["_a", "_p"]).drop_nulls("_p")
              .with_columns(pl.col("_a").is_in(pl.Series(sorted(labels), dtype=pl.String).implode()).alias("_in")))
    # the reduced events: their number in the reduced sequence and position in the variant
    kept = (events.filter(pl.col("_in"))
            .select("_row", (pl.int_range(pl.len()).over("_row")).cast(pl.Int64).alias("_g"), pl.col("_p").alias("_at")))
    ends = rows.select("_row", pl.col("activities").list.len().cast(pl.Int64).alias("_end"))
    placed = (rows.filter(pl.col("_has")).select("_row", "_u")
              .join(steps, on="_u", how="inner")
              .join(kept, on=["_row", "_g"], how="left")
              .join(ends, on="_row", how="left")
              .select("_row", pl.coalesce("_at", "_end").alias("_at"), "_j", "kind", "log", "model", "transition"))
    removed = (events.filter(~pl.col("_in")).join(rows.filter(pl.col("_has")).select("_row"), on="_row", how="semi")
               .select("_row", pl.col("_p").alias("_at"), pl.lit(-1, pl.Int64).alias("_j"), pl.lit("log").alias("kind"),
                       pl.col("_a").alias("log"), pl.lit(None, pl.String).alias("model"),
                       pl.lit(None, pl.String).alias("transition")))
    per_row = (pl.concat([placed, removed]).sort("_row", "_at", "_j")
               .group_by("_row", maintain_order=True)
               .agg(pl.struct("kind", "log", "model", "transition").alias("moves")))
    none = pl.lit([], dtype=per_row.schema["moves"])
    return (rows.select("_row", "_has").join(per_row, on="_row", how="left", maintain_order="left")
            .select(pl.when(pl.col("_has")).then(pl.col("moves").fill_null(none)).cast(pl.List(move_dtype)).alias("moves"))
            ["moves"])
