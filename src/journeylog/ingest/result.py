"""What ingest returns: the canonical events (or the store they were written to) and what
happened on the way (:class:`IngestResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from journeylog import schema as S

__all__ = ["IngestResult", "frame_totals"]


@dataclass
class IngestResult:
    """Canonical events plus what happened on the way (see :meth:`summary`)."""

    events: pl.DataFrame | None  # None when written out of core straight to ``store``
    sources: list[dict[str, Any]]
    duplicates: int  # exact duplicate events found (dropped when ReadOptions.drop_duplicates)
    rejects: pl.DataFrame
    notes: list[str]
    journeys_from: str  # "column" or "gap"
    channel_filter: str | None = None  # see ReadOptions.channel
    duplicates_dropped: bool = True
    store: Path | None = None  # the journeylog store written, if any
    warnings: list[str] = field(default_factory=list)  # e.g. a source matching few identities
    _totals: tuple[dict[str, Any], pl.DataFrame] | None = field(default=None, repr=False, compare=False)

    def totals(self) -> tuple[dict[str, Any], pl.DataFrame]:
        """The figures of :meth:`summary` (computed once): the totals (``events``, ``journeys``,
        ``customers``, ``activities``, ``first``, ``last``) and the events per channel
        (``channel``, ``events``, by events descending, then name)."""
        if self._totals is None:
            self._totals = (frame_totals(self.events) if isinstance(self.events, pl.DataFrame)
                            else _engine_totals(self.events, self.store))
        return self._totals

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary: totals, per source (identity matches too), per channel,
        duplicates, rejects, notes and warnings."""
        totals, per_channel = self.totals()
        first, last = totals["first"], totals["last"]
        return {
            "events": totals["events"],
            "journeys": totals["journeys"],
            "customers": totals["customers"],
            "activities": totals["activities"],
            "first": first.isoformat() if first else None,
            "last": last.isoformat() if last else None,
            "journeys_from": self.journeys_from,
            "duplicates": self.duplicates,
            "duplicates_dropped": self.duplicates_dropped,
            "rejected_rows": self.rejects.height,
            "sources": self.sources,
            "channels": [{"channel": c, "events": n} for c, n in per_channel.iter_rows()],
            "notes": self.notes,
            "warnings": self.warnings,
        }


def frame_totals(events: pl.DataFrame) -> tuple[dict[str, Any], pl.DataFrame]:
    """:meth:`IngestResult.totals` of events in memory, in one pass over the frame: the figures
    :class:`journeylog.journeys.JourneyFigures` gives, counted directly. The journeys are the
    runs of equal journey ids when the frame is sorted by journey (as canonical events are), else
    the distinct journey ids (a missing id, which ingest never writes, sorts first and starts no
    run, as in the engine); the customers are the journeys when every customer id is its
    journey id, else the distinct customer ids."""
    j, c = pl.col(S.JOURNEY_ID), pl.col(S.CUSTOMER_ID)
    if events[S.JOURNEY_ID].is_sorted():  # runs: a leading run of missing ids is no journey
        journeys = (j.rle_id().max().cast(pl.Int64) + 1 - j.first().is_null().cast(pl.Int64)).fill_null(0)
    else:
        journeys = j.drop_nulls().n_unique()
    row = events.select(
        pl.len().alias("events"), journeys.cast(pl.Int64).alias("journeys"), (c == j).all().alias("same"),
        c.n_unique().alias("customers"), pl.col(S.ACTIVITY).n_unique().alias("activities"),
        pl.col(S.TIMESTAMP).min().alias("first"), pl.col(S.TIMESTAMP).max().alias("last"),
    ).row(0, named=True)
    if row.pop("same"):
        row["customers"] = row["journeys"]
    per_channel = (events.group_by(S.CHANNEL).agg(pl.len().cast(pl.Int64).alias("events"))
                   .sort(["events", S.CHANNEL], descending=[True, False]))
    return row, per_channel


def _engine_totals(events: Any, store: Path | None) -> tuple[dict[str, Any], pl.DataFrame]:
    """:meth:`IngestResult.totals` by the figures engine: of a store written out of core (batch
    by batch), or of another engine's frame (Spark)."""
    from journeylog.ingest.event_source import EventSource
    from journeylog.journeys import JourneyFigures

    with EventSource(events) if events is not None else EventSource(store=store) as source:
        figs = JourneyFigures.of_batches(source.batches([S.CUSTOMER_ID, S.CHANNEL, S.ACTIVITY]),
                                         activities=source.distinct(S.ACTIVITY), channels=source.distinct(S.CHANNEL),
                                         parts=("summary",), spill=source.spill)
        return dict(figs.summary()), figs.channel_counts()
