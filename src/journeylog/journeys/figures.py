"""Figures of a log seen in journey-complete batches: the engine-neutral :class:`JourneyFigures`.

A log larger than memory is read in batches that never split a journey; each batch adds to a
partial result of the engine (see :class:`journeylog.journeys.protocol.Engine`), partials of
different batches merge, and the finished figures are the same however the log was cut.

>>> import polars as pl, datetime as dt
>>> ev = pl.DataFrame({"journey_id": ["a", "a", "b"], "activity": ["x", "y", "x"],
...     "timestamp": [dt.datetime(2024, 1, 1, h) for h in (1, 3, 2)]})
>>> dicts = {"activities": ev["activity"].unique(), "parts": ("summary", "variants")}
>>> figs = JourneyFigures.of_batches([ev.head(2)], **dicts).merge(JourneyFigures.of_batches([ev.tail(1)], **dicts))
>>> figs.summary()["journeys"], figs.variant_table()["journeys"].to_list()
(2, [1, 1])
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from journeylog.engine import backend_for, default_engine
from journeylog.engine.results import PARTS, Figures, ProcessMap, Summary
from journeylog.errors import UsageError
from journeylog.journeys.protocol import Engine
from journeylog.schema import ACTIVITY

__all__ = ["PARTS", "JourneyFigures", "figures_of"]


@dataclass(frozen=True)
class _Options:
    activities: pl.Series
    channels: pl.Series | None
    parts: tuple[str, ...]
    spill: Path | None


class JourneyFigures:
    """Mergeable figures of a log seen in *journey-complete* batches (every journey's events in
    one batch, in order): :meth:`add` a batch, :meth:`merge` figures of other batches, then read
    the results (the first read finishes the figures; no batch can be added after it).
    """

    def __init__(self, engine: Engine, partial: Any, options: _Options) -> None:
        self.engine = engine
        self._partial = partial
        self._options = options
        self._finished: Figures | None = None

    def _partial_of(self, batches: Iterable[Any]) -> Any:
        o = self._options
        return self.engine.partial_figures(batches, activities=o.activities, channels=o.channels, parts=o.parts, spill=o.spill)

    @classmethod
    def of_batches(
        cls,
        batches: Iterable[Any],
        *,
        activities: pl.Series,
        channels: pl.Series | None = None,
        parts: Sequence[str] = PARTS,
        spill: Path | None = None,
    ) -> JourneyFigures:
        """Figures of ordered, journey-complete ``batches``; ``activities`` (and ``channels``)
        name every value that can occur. ``parts`` limits the work to what is needed; ``spill``
        is a directory for the rows gathered for exact times (in memory when None). The engine
        is chosen by the type of the first batch."""
        it = iter(batches)
        first = next(it, None)
        engine: Engine = default_engine() if first is None else backend_for(first, "batches")
        figs = cls(engine, None, _Options(activities, channels, tuple(parts), spill))
        figs._partial = figs._partial_of(it if first is None else itertools.chain([first], it))
        return figs

    def _open(self) -> Any:
        if self._finished is not None:
            raise UsageError("figures: already finished, nothing can be added")
        return self._partial

    def add(self, batch: Any) -> JourneyFigures:
        """These figures with one more journey-complete, ordered ``batch``."""
        self._partial = self.engine.merge(self._open(), self._partial_of([batch]))
        return self

    def merge(self, other: JourneyFigures) -> JourneyFigures:
        """These figures with those of ``other`` (other journeys of the same log; used up)."""
        if other.engine is not self.engine:
            raise UsageError("other: figures of different engines cannot be merged")
        self._partial = self.engine.merge(self._open(), other._open())
        other._finished = Figures(events=0, journeys=0)
        return self

    def finish(self) -> Figures:
        """The finished figures (computed once)."""
        if self._finished is None:
            self._finished = self.engine.finish(self._partial)
        return self._finished

    @property
    def events(self) -> int:
        """Events seen."""
        return self.finish().events

    @property
    def journeys(self) -> int:
        """Journeys seen."""
        return self.finish().journeys

    def _part(self, value: Any, part: str) -> Any:
        if value is None:
            raise UsageError(f"parts: the figures were gathered without {part!r}")
        return value

    def summary(self) -> Summary:
        """``events``, ``journeys``, ``customers``, ``activities``, ``channels``, ``first``, ``last``."""
        return dict(self._part(self.finish().summary, "summary"))  # type: ignore[return-value]

    def channel_counts(self) -> pl.DataFrame:
        """Events per channel: ``channel``, ``events``, by events (descending), then name."""
        return self._part(self.finish().channel_counts, "summary")

    def variant_table(self) -> pl.DataFrame:
        """The table of :func:`journeylog.journeys.variants`."""
        return self._part(self.finish().variants, "variants")

    def process_map(self) -> ProcessMap:
        """The :class:`~journeylog.engine.results.ProcessMap`."""
        return self._part(self.finish().process_map, "map")

    def channel_switches(self) -> pl.DataFrame:
        """The table of :func:`journeylog.journeys.channel_switches`."""
        return self._part(self.finish().channel_switches, "switches")


def figures_of(events: Any, part: str) -> JourneyFigures:
    """The figures of one part (``variants``, ``map`` or ``switches``) of a frame of events, in
    one batch (sorted first when it is not)."""
    engine: Engine = backend_for(events, "events")
    frame = engine.ordered(events)
    figs = JourneyFigures(engine, None, _Options(engine.distinct(frame, ACTIVITY), None, (part,), None))
    figs._partial = figs._partial_of([frame])
    return figs
