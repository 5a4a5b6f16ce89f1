"""The deviation counts of one journey-complete batch, on integer keys.

Every deviation of a variant is a deviation of each of its journeys (a drop-out only of the
settled ones). What the catalogue needs of those per-journey occurrences adds up over batches
(:func:`journeylog.explain.deviations.merge_counts`): per deviation, how many journeys show it,
the first journey ids, how many of its events failed and how often each relation, context and
channel occurs.

Per batch the occurrences are joined to the journeys on the variant and placed on their event by
position (the row of the journey's first event plus the event's index), with the journey as its
row number in the batch: no journey id strings are copied, hashed or sorted per occurrence (at
2M events a batch has about 1.5M of them). The journey ids appear only for the examples.

>>> import polars as pl
>>> occ = pl.DataFrame({"variant_id": [1, 1], "kind": ["skipped", "extra"], "activity": ["B", "X"],
...                     "context": [None, "A"], "relation": [None, "after"], "event_index": [None, 1],
...                     "stage": [None, None]}).cast({"variant_id": pl.UInt32, "stage": pl.List(pl.String)})
>>> jv = pl.DataFrame({"journey_id": ["j1", "j2"], "variant_id": [1, 1]}).cast({"variant_id": pl.UInt32})
>>> events = pl.DataFrame({"journey_id": ["j1", "j1", "j2", "j2"], "activity": ["A", "X"] * 2,
...                        "channel": ["web", "call", "web", "app"], "outcome": [None, "failure", None, None]})
>>> counts = batch_counts(jv, occurrence_index(occ), events)
>>> counts["ids"].sort("id").select("id", "journeys", "examples", "failed").rows()
[('extra:X', 2, ['j1', 'j2'], 1), ('skipped:B', 2, ['j1', 'j2'], 0)]
>>> counts["channel"].sort("channel").rows()
[('extra:X', 'app', 1), ('extra:X', 'call', 1)]
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from journeylog import schema as S
from journeylog.explain.wording import DeviationKind

__all__ = ["COUNTED", "OccurrenceIndex", "batch_counts", "occurrence_index", "with_ids"]

#: the per-relation, per-context and per-channel parts of the counts
COUNTED = ("relation", "context", S.CHANNEL)


def with_ids(occurrences: pl.DataFrame) -> pl.DataFrame:
    """The occurrences with ``id`` (``kind:activity``) and a ``stage`` column (null when absent);
    as they are when they have both (:func:`with_ids` once, not once per batch)."""
    if "id" in occurrences.columns and "stage" in occurrences.columns:
        return occurrences
    if "stage" not in occurrences.columns:
        occurrences = occurrences.with_columns(pl.lit(None, pl.List(pl.String)).alias("stage"))
    return occurrences.with_columns((pl.col("kind") + ":" + pl.col("activity")).alias("id"))


@dataclass(frozen=True)
class OccurrenceIndex:
    """The per-variant deviation occurrences, made once per log for :func:`batch_counts`:
    ``rows`` (``variant_id``, ``id``, ``context``, ``relation``, ``event_index``, ``_dropped``)
    and what is the same for every occurrence of a deviation, ``ids`` (``id``, ``kind``,
    ``activity``, ``stage``)."""

    rows: pl.DataFrame
    ids: pl.DataFrame


def occurrence_index(occurrences: pl.DataFrame) -> OccurrenceIndex:
    """The :class:`OccurrenceIndex` of the per-variant ``occurrences``
    (:func:`journeylog.explain.deviations.occurrences_table`)."""
    occ = with_ids(occurrences)
    rows = occ.select("variant_id", "id", "context", "relation", pl.col("event_index").cast(pl.Int64),
                      (pl.col("kind") == DeviationKind.DROPPED_OUT.value).fill_null(False).alias("_dropped"))
    # kind, activity and stage are functions of the id (the stage is the drop-out's activity, spelt out)
    ids = occ.select("id", "kind", "activity", "stage").unique("id", keep="first", maintain_order=True)
    return OccurrenceIndex(rows, ids)


def _first_rows(journeys: pl.Series, ids: pl.Series) -> pl.Series | None:
    """The row of each journey's first event, in the order of ``ids`` (the batch's journeys, sorted),
    when the events (``journeys``: their journey ids) are sorted by journey; else None."""
    if not journeys.is_sorted():
        return None
    starts = (journeys != journeys.shift(1)).fill_null(True).arg_true()
    if starts.len() != ids.len() or not journeys.gather(starts).equals(ids, check_names=False):
        return None
    return starts.cast(pl.Int64)


def batch_counts(journey_variants: pl.DataFrame, index: OccurrenceIndex, events: pl.DataFrame,
                 examples: int = 5) -> dict[str, pl.DataFrame]:
    """The deviation counts of one batch: ``ids`` (``id``, ``kind``, ``activity``, ``journeys``,
    the first ``examples`` journey ids, ``stage``, ``failed``, ``occurrences``) and per deviation
    the count ``n`` of each ``relation``, ``context`` and ``channel``.

    ``journey_variants``: ``journey_id``, ``variant_id`` and optionally ``settled`` (a drop-out
    counts only for a settled journey); ``events``: every event of these journeys, sorted by
    journey and time."""
    jv = journey_variants if journey_variants[S.JOURNEY_ID].is_sorted() else journey_variants.sort(S.JOURNEY_ID)
    ids = jv[S.JOURNEY_ID]
    starts = _first_rows(events[S.JOURNEY_ID], ids)
    if starts is None:  # a journey's events apart: put them together, in the order they come
        events = events.sort(S.JOURNEY_ID, maintain_order=True)
        starts = _first_rows(events[S.JOURNEY_ID], ids)
        if starts is None:
            raise ValueError("the events are not those of the journeys of journey_variants")
    keep: list[pl.Expr] = [pl.int_range(pl.len(), dtype=pl.UInt32).alias("_j"), pl.col("variant_id"),
                           *([pl.col("settled")] if "settled" in jv.columns else [])]
    per = jv.select(keep).join(index.rows, on="variant_id", how="inner")
    if "settled" in per.columns:
        per = per.filter(~pl.col("_dropped") | pl.col("settled"))
    row = (pl.lit(starts).gather(pl.col("_j")) + pl.col("event_index")).alias("_row")
    names = events.columns
    per = per.select("_j", "id", "context", "relation", row)
    placed = [pl.lit(events[c]).gather(pl.col("_row")).alias(c) if c in names else pl.lit(None, pl.String).alias(c)
              for c in (S.CHANNEL, S.OUTCOME)]
    per = per.with_columns(placed)
    counted = per.group_by("id").agg(
        pl.col("_j").n_unique().cast(pl.UInt64).alias("journeys"),
        pl.col("_j").unique().sort().head(examples).alias("_ex"),
        (pl.col(S.OUTCOME) == S.FAILURE).fill_null(False).sum().cast(pl.UInt64).alias("failed"),
        pl.len().cast(pl.UInt64).alias("occurrences"),
    )
    named = counted.select("id", pl.col("_ex").list.eval(pl.element().cast(pl.Int64)).alias("_ex"))
    flat = named.explode("_ex").with_columns(pl.lit(ids).gather(pl.col("_ex")).alias("examples"))
    example_ids = flat.group_by("id", maintain_order=True).agg(pl.col("examples").drop_nulls())
    out = {"ids": (counted.join(example_ids, on="id", how="left").join(index.ids, on="id", how="left")
                   .select("id", "kind", "activity", "journeys", "examples", "stage", "failed", "occurrences"))}
    for col in COUNTED:
        out[col] = per.filter(pl.col(col).is_not_null()).group_by("id", col).agg(pl.len().cast(pl.UInt64).alias("n"))
    return out
