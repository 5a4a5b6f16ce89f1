"""Explain: alignment moves -> typed deviations -> plain-language statements with their impact.

pm4py answers conformance with move lists such as ``[('login', 'login'), ('>>', None),
('chat', '>>')]``. This module turns them into a *deviation catalogue* a journey owner can read:

==============  ================================================================================
kind            what it means (from the alignment of one journey with the designed model)
==============  ================================================================================
``skipped``     a model move: the design expected the step, the journey never did it there
``dropped_out`` model moves at the very end: the journey stopped before the design's end; the
                consecutive skips read as one drop-out, named by the first step never reached
``unexpected``  a log move of an activity the journey had not done before: a step the design
                does not have at that point (contacts, page views, extra steps)
``repeated``    a log move of an activity the journey already did: rework, retries, repeats
``wrong_order`` a step done out of order: the same activity is both a log move and a model move
                in one alignment (it happened, but not where the design wanted it)
==============  ================================================================================

Variants are analysed once (pm4py aligned one trace per variant); occurrences are then joined
to the journeys of each variant to count journeys, find the channel where it happened and
compute the impact against journeys that fit the design.

>>> moves = [("Order", "Order"), (">>", "Identity check"), ("Call", ">>"), ("Pay", "Pay"), (">>", "Install"), (">>", "Bill")]
>>> [(o["kind"].value, o["activity"], o["context"]) for o in variant_deviations(moves)]
[('skipped', 'Identity check', 'Order'), ('unexpected', 'Call', 'Order'), ('dropped_out', 'Install', 'Pay')]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl

from journeylog import journeys as J
from journeylog import schema as S
from journeylog.explain.wording import DeviationKind, deviation_statement

__all__ = ["KINDS", "SKIP", "variant_deviations", "occurrences_table", "catalogue"]

#: Every kind's value, in the order of :class:`DeviationKind`.
KINDS: tuple[str, ...] = tuple(k.value for k in DeviationKind)
SKIP = ">>"  # pm4py's "no move"


def _move(pair: Sequence[Any]) -> tuple[str | None, str | None]:
    """Normalise a pm4py move: ``>>`` becomes None; silent moves are (None, None)."""
    log, model = pair[0], pair[1]
    return (None if log == SKIP else log, None if model == SKIP else model)


def variant_deviations(moves: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """Deviation occurrences in one alignment.

    Each occurrence: ``kind``, ``activity``, ``context`` (the activity done just before, or for
    ``wrong_order`` the step it was done before/after), ``relation`` (``after``/``before``) and
    ``event_index``: the 0-based index of the journey event it is about (for skips, the event
    just before the skipped step), used to find its channel.
    """
    seq = [_move(m) for m in moves]
    seq = [m for m in seq if not (m[0] is None and m[1] is None)]  # silent transitions
    log_moved = {m[0] for m in seq if m[0] is not None and m[1] is None}
    model_moved = {m[1] for m in seq if m[0] is None and m[1] is not None}
    out_of_order = log_moved & model_moved
    # trailing model moves = drop-out
    tail = len(seq)
    while tail > 0 and seq[tail - 1][0] is None:
        tail -= 1
    occurrences: list[dict[str, Any]] = []
    done: set[str] = set()
    last_done: str | None = None
    index = -1  # index of the last log event consumed
    for pos, (log, model) in enumerate(seq):
        if log is not None:
            index += 1
        if log is not None and model is not None:  # synchronous
            done.add(log)
            last_done = log
            continue
        if log is not None:  # log move
            if log in out_of_order:
                nxt = next((m[0] for m in seq[pos + 1:] if m[0] is not None and m[1] is not None), None)
                prev = last_done
                early = any(m[0] is None and m[1] == log for m in seq[pos + 1:])
                occurrences.append({"kind": DeviationKind.WRONG_ORDER, "activity": log, "context": nxt if early else prev,
                                    "relation": "before" if early else "after", "event_index": index})
            elif log in done:
                occurrences.append({"kind": DeviationKind.REPEATED, "activity": log, "context": last_done, "relation": "after",
                                    "event_index": index})
            else:
                occurrences.append({"kind": DeviationKind.UNEXPECTED, "activity": log, "context": last_done, "relation": "after",
                                    "event_index": index})
            done.add(log)
            last_done = log
            continue
        # model move
        if model in out_of_order:
            continue  # reported once, as wrong_order, at its log move
        if pos >= tail:
            occurrences.append({"kind": DeviationKind.DROPPED_OUT, "activity": model, "context": last_done, "relation": "after",
                                "event_index": max(index, 0)})
            break
        occurrences.append({"kind": DeviationKind.SKIPPED, "activity": model, "context": last_done, "relation": "after",
                            "event_index": max(index, 0)})
    return occurrences


def occurrences_table(aligned: pl.DataFrame) -> pl.DataFrame:
    """Per-variant deviation occurrences from a frame with ``variant_id`` and ``moves``.

    ``moves`` is a list of (log, model) pairs (pm4py's alignment, ``>>`` or null for no move)
    or of structs with ``log`` and ``model`` fields. One Python pass per *variant*, not per event.
    """
    rows: list[dict[str, Any]] = []
    for vid, moves in aligned.select("variant_id", "moves").iter_rows():
        pairs = [(m["log"], m["model"]) if isinstance(m, dict) else m for m in (moves or [])]
        for occ in variant_deviations(pairs):
            rows.append({"variant_id": vid, **occ})
    schema = {"variant_id": pl.UInt32, "kind": pl.String, "activity": pl.String, "context": pl.String,
              "relation": pl.String, "event_index": pl.Int64}
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


def catalogue(
    occurrences: pl.DataFrame,
    journey_variants: pl.DataFrame,
    events: pl.DataFrame,
    *,
    reference: Sequence[str],
    stats: pl.DataFrame | None = None,
    examples: int = 5,
    tasks: Sequence[str] | None = None,
    vocabulary: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The deviation catalogue and the per-journey deviation ids.

    ``journey_variants``: journey_id -> variant_id; ``reference``: ids of the journeys that fit
    (impact is measured against them); ``tasks``: the model's steps (an unexpected activity the
    model never mentions reads as an "extra step"). Returns (catalogue, journey_deviations) where the
    catalogue has ``id, kind, activity, channel, journeys, share, examples, median_extra_seconds,
    satisfaction_delta, statement`` (+ context fields), sorted by journeys, then extra time, then id.

    Long by design: one Polars plan per step (group occurrences, examples, impact, statements)
    over the same intermediate frames; split apart they would pass six frames between helpers.
    """
    total = journey_variants.height
    stats = J.journey_stats(events) if stats is None else stats
    if occurrences.height == 0:
        empty = pl.DataFrame(schema={"journey_id": pl.String, "deviation_id": pl.String})
        return pl.DataFrame(schema={"id": pl.String, "kind": pl.String, "activity": pl.String, "journeys": pl.UInt64}), empty
    occ = occurrences.with_columns((pl.col("kind") + ":" + pl.col("activity")).alias("id"))
    per_journey = journey_variants.join(occ, on="variant_id", how="inner")
    # channel and outcome of the event each occurrence points at
    positioned = events.select(
        S.JOURNEY_ID, S.CHANNEL, S.OUTCOME,
        pl.int_range(pl.len()).over(S.JOURNEY_ID).cast(pl.Int64).alias("event_index"),
    )
    per_journey = per_journey.join(positioned, on=[S.JOURNEY_ID, "event_index"], how="left")
    journey_devs = (per_journey.select(S.JOURNEY_ID, pl.col("id").alias("deviation_id")).unique()
                    .sort([S.JOURNEY_ID, "deviation_id"]))

    grouped = per_journey.group_by("id", "kind", "activity").agg(
        pl.col(S.JOURNEY_ID).n_unique().cast(pl.UInt64).alias("journeys"),
        pl.col(S.JOURNEY_ID).unique().sort().head(examples).alias("examples"),
        pl.col("relation").drop_nulls().mode().sort().first().alias("relation"),
        (pl.col(S.OUTCOME) == S.FAILURE).fill_null(False).mean().alias("failed_share"),
        pl.col("context").alias("_contexts"),
        pl.col(S.CHANNEL).alias("_channels"),
    )
    rows = []
    ref = list(reference)
    for r in grouped.sort("id").iter_rows(named=True):
        r["context"], r["context_share"] = _mode_share(Counter(c for c in r.pop("_contexts") if c is not None))
        chans = Counter(c for c in r.pop("_channels") if c is not None)
        r["channel"], r["channel_share"] = _mode_share(chans)
        affected = per_journey.filter(pl.col("id") == r["id"])[S.JOURNEY_ID].unique()
        r.update(J.impact(stats, affected, ref))
        r["share"] = r["journeys"] / total if total else 0.0
        r["in_model"] = None if tasks is None else r["activity"] in set(tasks)
        r["statement"] = deviation_statement(r, vocabulary)
        rows.append(r)
    cat = pl.DataFrame(rows)
    cat = cat.with_columns(pl.col("median_extra_seconds").cast(pl.Float64), pl.col("satisfaction_delta").cast(pl.Float64))
    cat = cat.sort(["journeys", pl.col("median_extra_seconds").fill_null(float("-inf")), "id"], descending=[True, True, False])
    cols = ["id", "kind", "activity", "channel", "channel_share", "context", "context_share", "relation", "failed_share",
            "journeys", "share", "examples", "median_extra_seconds", "satisfaction_delta", "statement"]
    return cat.select(cols), journey_devs


def _mode_share(counts: Counter) -> tuple[str | None, float | None]:
    if not counts:
        return None, None
    total = sum(counts.values())
    value, n = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return value, n / total
