"""The deviation occurrences of every variant from those of its reduced alignment, in Polars.

:func:`journeylog.explain.deviations.occurrences_table` reads each variant's alignment in Python.
Variants that differ only in activities the model lacks (their log moves, put back by
:mod:`journeylog.mining.restore`) share one alignment of the model's activities: at 1M events
20,129 variants, 1,287 such alignments. Here each distinct reduced alignment is read once
(:func:`~journeylog.explain.moves.located_deviations`) and its occurrences are placed in
every variant that has it; the removed events' own occurrences (an extra or repeated step) and
the events before each occurrence (its ``context``, ``event_index``) are column operations.

Why it is the same: a removed event can only be a log move, it is never done out of order (the
model has no such step) and it is repeated exactly when the variant did the same activity
before. Everything else about an occurrence depends on the model side of the alignment, the same
in every variant of the reduced alignment, except the event it is placed at, which
:func:`occurrences_by_reduction` looks up in the variant: a log move is at its own event; a
skipped step or a drop-out comes after every event before the next event of the model's
activities (in :func:`~journeylog.mining.alignments.expand_moves` the removed events go right
after the move of the event before them). Tested against ``occurrences_table`` on generated
alignments and the shared logs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from journeylog.explain.moves import Move, StageFinder, located_deviations
from journeylog.explain.wording import DeviationKind

__all__ = ["SLICE", "occurrences_by_reduction"]

_AT_EVENT = {DeviationKind.UNEXPECTED.value, DeviationKind.REPEATED.value, DeviationKind.WRONG_ORDER.value}
#: variants read at a time
SLICE = 100_000


def occurrences_by_reduction(aligned: pl.DataFrame, labels: set[str], next_steps: StageFinder | None,
                             schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The rows of :func:`~journeylog.explain.deviations.occurrences_table` (``schema``, without
    ``id``) for ``aligned`` (``variant_id``, ``moves`` as a list of ``{kind, log, model,
    transition}`` structs, as :func:`journeylog.mining.align` makes them); ``labels``: the
    model's activities (the others were removed before aligning)."""
    memo: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    parts = [_slice(aligned.slice(start, SLICE), labels, next_steps, schema, memo)
             for start in range(0, aligned.height, SLICE)]
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _slice(aligned: pl.DataFrame, labels: set[str], next_steps: StageFinder | None, schema: dict[str, pl.DataType],
           memo: dict[tuple[Any, ...], list[dict[str, Any]]]) -> pl.DataFrame:
    """:func:`occurrences_by_reduction` of one slice of variants."""
    keep = pl.Series(sorted(labels), dtype=pl.String).implode()
    moves = (aligned.select(pl.col("variant_id").cast(pl.UInt32), "moves").with_row_index("_row")
             .explode("moves").drop_nulls("moves").unnest("moves")
             .select("_row", "variant_id", pl.col("kind").cast(pl.String), pl.col("log").cast(pl.String),
                     pl.col("model").cast(pl.String), pl.col("transition").cast(pl.String))
             .with_columns(pl.col("log").is_not_null().alias("_consumed"),
                           ((pl.col("kind") == "log") & ~pl.col("log").is_in(keep)).alias("_removed")))
    # the variant's events: every move that consumed one, numbered in the variant
    events = (moves.filter("_consumed").select("_row", "log", "_removed")
              .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over("_row").alias("_e")))
    ends = events.group_by("_row").agg(pl.len().cast(pl.Int64).alias("_end"))
    # each distinct reduced alignment once, as a list of move codes
    reduced = moves.filter(~pl.col("_removed"))
    codes = reduced.select("kind", "log", "model", "transition").unique(maintain_order=True).with_row_index("_code")
    lists = (reduced.join(codes, on=["kind", "log", "model", "transition"], how="left", nulls_equal=True,
                          maintain_order="left")
             .group_by("_row", maintain_order=True).agg(pl.col("_code")))
    distinct = lists.select("_code").unique(maintain_order=True).with_row_index("_u")
    per_row = lists.join(distinct, on="_code", how="left", maintain_order="left").select("_row", "_u")
    located = _located(distinct["_code"].to_list(), codes, next_steps, memo)
    # where each occurrence goes in its variant: the position of its reduced event (or the end)
    at = (events.filter(~pl.col("_removed")).select("_row", pl.int_range(pl.len(), dtype=pl.Int64).over("_row").alias("_g"),
                                                    pl.col("_e").alias("_p")))
    placed = (per_row.join(located, on="_u", how="inner")
              .join(at, on=["_row", "_g"], how="left").join(ends, on="_row", how="left")
              .with_columns(pl.coalesce("_p", "_end").alias("_anchor"))
              .with_columns(pl.when(pl.col("_at_event")).then(pl.col("_anchor")).otherwise(pl.col("_anchor") - 1).alias("_ix"),
                            (pl.col("_anchor") - 1).alias("_before")))
    before = events.select("_row", pl.col("_e").alias("_before"), pl.col("log").alias("_previous"))
    placed = (placed.join(before, on=["_row", "_before"], how="left")
              .select("_row", "_anchor", "_j", "kind", "activity",
                      pl.when(pl.col("_last")).then(pl.col("_previous")).otherwise(pl.col("context")).alias("context"),
                      "relation", pl.max_horizontal(pl.col("_ix"), pl.lit(0, pl.Int64)).alias("event_index"), "stage"))
    # the event before (rows are in variant order) and whether the variant did the activity before
    removed = (events.with_columns(pl.when(pl.col("_e") > 0).then(pl.col("log").shift(1)).alias("context"),
                                   pl.struct("_row", "log").is_first_distinct().alias("_first"))
               .filter("_removed")
               .select("_row", pl.col("_e").alias("_anchor"), pl.lit(-1, pl.Int64).alias("_j"),
                       pl.when(~pl.col("_first")).then(pl.lit(DeviationKind.REPEATED.value))
                       .otherwise(pl.lit(DeviationKind.UNEXPECTED.value)).alias("kind"),
                       pl.col("log").alias("activity"), "context", pl.lit("after").alias("relation"),
                       pl.col("_e").alias("event_index"), pl.lit(None, pl.List(pl.String)).alias("stage")))
    variants = aligned.select(pl.col("variant_id").cast(pl.UInt32)).with_row_index("_row")
    return (pl.concat([placed, removed]).sort("_row", "_anchor", "_j")
            .join(variants, on="_row", how="left", maintain_order="left")
            .select(pl.col(name).cast(dtype) for name, dtype in schema.items()))


def _located(distinct: Sequence[Sequence[int]], codes: pl.DataFrame, next_steps: StageFinder | None,
             memo: dict[tuple[Any, ...], list[dict[str, Any]]]) -> pl.DataFrame:
    """The occurrences of each distinct reduced alignment (``_u``: its number), with what places
    them: ``_g`` (the reduced event they are at or come before), ``_at_event``, ``_j`` (their
    move), ``_last`` (the context is the event before)."""
    move_of = [(log, model, transition) for _k, log, model, transition in codes.select("kind", "log", "model", "transition")
               .iter_rows()]
    cols: dict[str, list[Any]] = {k: [] for k in ("_u", "_g", "_at_event", "_j", "_last", "kind", "activity", "context",
                                                  "relation", "stage")}
    for u, seq in enumerate(distinct):
        full: list[Move] = [move_of[c] for c in seq]
        key = tuple(full)
        found = memo.get(key)
        if found is None:
            found = memo[key] = located_deviations(full, next_steps)
        for occ in found:
            kind = getattr(occ["kind"], "value", occ["kind"])
            at_event = kind in _AT_EVENT
            cols["_u"].append(u)
            cols["_g"].append(occ["_index"] if at_event else occ["_index"] + 1)
            cols["_at_event"].append(at_event)
            cols["_j"].append(occ["_pos"])
            cols["_last"].append(occ["_last"])
            cols["kind"].append(kind)
            cols["activity"].append(occ["activity"])
            cols["context"].append(occ["context"])
            cols["relation"].append(occ["relation"])
            cols["stage"].append(occ.get("stage"))
    return pl.DataFrame(cols, schema={"_u": pl.UInt32, "_g": pl.Int64, "_at_event": pl.Boolean, "_j": pl.Int64,
                                      "_last": pl.Boolean, "kind": pl.String, "activity": pl.String, "context": pl.String,
                                      "relation": pl.String, "stage": pl.List(pl.String)})
