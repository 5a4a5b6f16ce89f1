"""Where along the designed journey each event sits, from the alignment of its variant.

An alignment (:func:`journeylog.mining.align`, one per distinct variant) pairs every event with a
*synchronous* move (the event is a model step) or a *log move* (the model has no place for it).
An event in a synchronous move is placed at that model step (``how = "sync"``); an event in a log
move at the nearest synchronised step before it in its journey (``"after"``); a log move before
any synchronised step cannot be placed (``"unplaced"``), nor can the events of a variant whose
alignment timed out. Loops run over variants and their moves, never over events: the result is
joined back to events by (variant, position).

The *designed order* of the steps is the order in which the model's side of the alignments runs
through them: the journeys-weighted mean rank of each step's first visible model-side move
(sync or model move) among the alignments; ties and steps never seen go by name.

>>> moves = [{"kind": "log", "log": "x", "model": None}, {"kind": "sync", "log": "a", "model": "a"},
...          {"kind": "model", "log": None, "model": "b"}, {"kind": "log", "log": "y", "model": None}]
>>> variant_placement(moves)
[(None, 'unplaced'), ('a', 'sync'), ('a', 'after')]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.mining.variants import variant_counts

__all__ = ["PLACEMENT_SCHEMA", "designed_order", "place_events", "placement_table", "variant_placement"]

PLACEMENT_SCHEMA = {"variant_id": pl.UInt32, "position": pl.UInt32, "step": pl.String, "how": pl.String}


def variant_placement(moves: Sequence[dict[str, Any]] | None) -> list[tuple[str | None, str]]:
    """``(step, how)`` for each event of one variant, in order (see the module docstring)."""
    out: list[tuple[str | None, str]] = []
    last: str | None = None
    for m in moves or ():
        if m["kind"] == "sync":
            last = m["model"]
            out.append((last, "sync"))
        elif m["kind"] == "log":
            out.append((last, "after") if last is not None else (None, "unplaced"))
    return out


def placement_table(aligned: pl.DataFrame) -> pl.DataFrame:
    """One row per (variant, event position): ``variant_id``, ``position`` (0 = first event),
    ``step``, ``how``. Variants whose alignment timed out have no rows."""
    out: dict[str, list[Any]] = {k: [] for k in PLACEMENT_SCHEMA}
    for vid, moves in aligned.select("variant_id", "moves").iter_rows():  # a loop over variants
        for pos, (step, how) in enumerate(variant_placement(moves)):
            out["variant_id"].append(vid)
            out["position"].append(pos)
            out["step"].append(step)
            out["how"].append(how)
    return pl.DataFrame(out, schema=PLACEMENT_SCHEMA)


def place_events(events: pl.DataFrame, journey_variants: pl.DataFrame, placement: pl.DataFrame) -> pl.DataFrame:
    """``events`` with ``variant_id``, ``position``, ``step`` and ``how`` (``"unplaced"`` where
    nothing places the event). Events must be sorted by (journey, timestamp, input order), the
    order the variants are read in."""
    placed = (events.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).over(S.JOURNEY_ID).alias("position"))
              .join(journey_variants.select(S.JOURNEY_ID, pl.col("variant_id").cast(pl.UInt32)), on=S.JOURNEY_ID,
                    how="left", maintain_order="left")
              .join(placement, on=["variant_id", "position"], how="left", maintain_order="left"))
    return placed.with_columns(pl.col("how").fill_null("unplaced"))


def designed_order(aligned: pl.DataFrame, variant_table: pl.DataFrame, tasks: Sequence[str]) -> list[str]:
    """The model's ``tasks`` in designed order (see the module docstring)."""
    counts = variant_counts(variant_table)
    rank_sum: dict[str, float] = {}
    weight: dict[str, int] = {}
    for vid, moves in aligned.select("variant_id", "moves").iter_rows():  # a loop over variants
        seen: list[str] = []
        for m in moves or ():
            label = m["model"]
            if m["kind"] in ("sync", "model") and label is not None and label not in seen:
                seen.append(label)
        c = counts.get(int(vid), 0)
        for i, label in enumerate(seen):
            rank = i / max(len(seen) - 1, 1)
            rank_sum[label] = rank_sum.get(label, 0.0) + rank * c
            weight[label] = weight.get(label, 0) + c

    def key(task: str) -> tuple[float, str]:
        w = weight.get(task, 0)
        return (rank_sum[task] / w if w else 2.0, task)

    return sorted(tasks, key=key)
