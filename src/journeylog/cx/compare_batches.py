"""What :func:`journeylog.cx.compare.compare` needs of the events, gathered over journey-complete
batches (a log larger than memory is read from a sorted store in batches that never split a
journey, :class:`journeylog.ingest.EventSource`; in memory: one batch, the same code).

One pass (after the one that numbers the variants, :func:`journeylog.explain.batches.log_facts`,
unless a conformance result brings its variant table) keeps one row per journey and nothing per
event: the journey's stats (:func:`journeylog.journeys.journey_stats`), its first non-empty value
of the ``by`` column, whether each side's selection keeps it, whether it has a failed step, one
boolean per channel it used, its variant id, and the pattern matches
(:class:`journeylog.explain.patterns.PatternGatherer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from journeylog import journeys as J
from journeylog import schema as S
from journeylog.explain import batches as B
from journeylog.explain.patterns import PatternGatherer, PatternPart
from journeylog.ingest import EventSource
from journeylog.journeys import JourneySelection

__all__ = ["PerJourney", "gather_journeys"]

_J = S.JOURNEY_ID


_STATS = ["start", "end", "events", "satisfaction", "duration_seconds"]


@dataclass
class PerJourney:
    """One frame, one row per journey, sorted by journey id (``table``): its stats
    (:func:`journeylog.journeys.journey_stats`), ``value`` (the first non-empty value of the ``by``
    column, text; only with one), ``side:0`` and ``side:1`` (whether each side's selection keeps
    it; only with sides), ``failure``, ``variant_id`` and ``channel:X`` for each channel in
    ``channels``; and the pattern ``matches``."""

    table: pl.DataFrame
    sides: int
    channels: list[str]
    matches: PatternGatherer

    @property
    def stats(self) -> pl.DataFrame:
        """``journey_id`` and the journey stats."""
        return self.table.select(_J, *_STATS)

    @property
    def values(self) -> pl.DataFrame | None:
        """``journey_id``, ``value`` (None without a ``by`` column)."""
        return self.table.select(_J, "value") if "value" in self.table.columns else None

    def side(self, k: int) -> pl.DataFrame:
        """``journey_id`` of the journeys side ``k`` keeps."""
        return self.table.filter(pl.col(f"side:{k}")).select(_J)


def _first_value(events: pl.DataFrame, column: str) -> pl.DataFrame:
    """journey_id, ``value`` (text): the journey's first value of ``column`` that is neither missing
    nor empty (the rule of :mod:`journeylog.journeys.selection`)."""
    text = pl.col(column).cast(pl.String)
    return events.group_by(_J, maintain_order=True).agg(
        text.filter(text.is_not_null() & (text != "")).first().alias("value"))


def _flags(batch: pl.DataFrame, variant_table: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """journey_id, failure, variant_id and one ``channel:X`` column per channel of the batch."""
    names = batch.columns
    chans = sorted(batch[S.CHANNEL].drop_nulls().unique().to_list()) if S.CHANNEL in names else []
    table = batch.group_by(_J).agg(
        (pl.col(S.OUTCOME) == S.FAILURE).any().fill_null(False).alias("failure") if S.OUTCOME in names
        else pl.lit(False).alias("failure"),
        *[(pl.col(S.CHANNEL) == ch).any().fill_null(False).alias(f"channel:{ch}") for ch in chans])
    return table.join(B.journey_variant_ids(batch, variant_table, keys), on=_J, how="left")


@dataclass
class _RowsOf:
    """The pass over one batch: its per-journey rows and pattern matches (pickled to Spark's
    executors with what it needs)."""

    variant_table: pl.DataFrame
    keys: pl.DataFrame
    by_column: str | None
    sides: Sequence[JourneySelection]
    patterns: PatternGatherer

    def __call__(self, batch: pl.DataFrame) -> tuple[pl.DataFrame, PatternPart]:
        row = J.journey_stats(batch).select(_J, *_STATS)
        if self.by_column is not None:
            row = row.join(_first_value(batch, self.by_column), on=_J, how="left")
        for k, sel in enumerate(self.sides):
            kept = J.select_journeys(batch, sel)[0][_J].unique()
            row = row.with_columns(pl.col(_J).is_in(kept.implode()).alias(f"side:{k}"))
        return row.join(_flags(batch, self.variant_table, self.keys), on=_J, how="left"), self.patterns.part(batch)


def gather_journeys(source: EventSource, variant_table: pl.DataFrame, *, by_column: str | None,
                    sides: Sequence[JourneySelection], patterns: PatternGatherer) -> PerJourney:
    """One pass over ``source``: the per-journey rows of :class:`PerJourney` (``by_column``: the
    column segmenting the journeys, if any; ``sides``: the selections of two sides, if any;
    ``patterns`` gathers the matches); ``variant_table`` numbers the variants of the whole log.
    The batches' rows are put together in any order and sorted by journey (on Spark each
    partition's rows come back to the driver: one row per journey)."""
    side_columns = [c for sel in sides for c in sel.segment_values()]
    wanted = [S.ACTIVITY, S.OUTCOME, S.CHANNEL, S.SATISFACTION, *([by_column] if by_column else []), *side_columns,
              *patterns.wanted]
    fn = _RowsOf(variant_table, B.variant_keys(variant_table), by_column, list(sides), patterns)
    rows = []
    for row, part in B.map_batches(source, fn, [c for c in dict.fromkeys(wanted) if c in source.columns]):
        rows.append(row)
        patterns.absorb(part)
    channels = sorted({c.removeprefix("channel:") for f in rows for c in f.columns if c.startswith("channel:")})
    table = pl.concat(rows, how="diagonal_relaxed").sort(_J) if rows else pl.DataFrame(
        schema={_J: pl.String, **dict.fromkeys(_STATS, pl.Float64), "failure": pl.Boolean, "variant_id": pl.UInt32})
    table = table.with_columns(pl.col(f"channel:{c}").fill_null(False) for c in channels)
    fixed = [c for c in table.columns if not c.startswith("channel:")]
    return PerJourney(table.select(*fixed, *[f"channel:{c}" for c in channels]), len(sides), channels, patterns)
