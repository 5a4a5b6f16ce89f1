"""What ingest returns: the canonical events (or the store they were written to) and what
happened on the way (:class:`IngestResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.ingest.event_source import EventSource
from journeylog.journeys import JourneyFigures

__all__ = ["IngestResult"]


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

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary: totals, per source (identity matches too), per channel,
        duplicates, rejects, notes and warnings."""
        with EventSource(self.events) if self.events is not None else EventSource(store=self.store) as source:
            figs = JourneyFigures.of_batches(source.batches([S.CUSTOMER_ID, S.CHANNEL, S.ACTIVITY]),
                                             activities=source.distinct(S.ACTIVITY), channels=source.distinct(S.CHANNEL),
                                             parts=("summary",), spill=source.spill)
            totals = figs.summary()
            per_channel = figs.channel_counts()
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
