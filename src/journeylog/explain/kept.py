"""conform's second pass on Spark with its per-journey rows kept on the executors.

Without the journey table asked for (``ConformOptions.journey_details`` off: ``conform`` without
``--journeys-out``, ``check``, ``drift``), :func:`journeylog.explain.batches.gather` on a Spark
DataFrame runs its per-partition function through
:func:`journeylog.ingest.event_source.keep_distributed`: each partition returns its small result
(the deviation counts, the pattern applicability; pickled, to the driver) and its journeys' rows,
which stay on the executors as one Spark DataFrame (:class:`Kept`): ``journey_id``, ``variant_id``,
``start``, ``end``, ``duration_seconds``, ``satisfaction`` (and ``score``), ``in_progress``,
``settled`` and, per pattern ``i``, ``_p{i}`` (the journey matches), ``_p{i}_s`` (seconds to
contact) and ``_p{i}_a`` (the trigger activity). conform then asks for small figures of it
(:class:`journeylog.explain.journey_groups.JourneyGroups`); the whole table reaches the driver
only if a caller asks for it (:meth:`Kept.table`: drift's windows, ``Conformance.journey_table``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.explain.journey_groups import REFERENCE, GroupFigures, JourneyGroups, impact_between
from journeylog.explain.patterns import Pattern, PatternGatherer, PatternPieces, PatternResult
from journeylog.ingest.event_source import keep_distributed

__all__ = ["Kept", "gather_kept", "pattern_columns", "pattern_result"]

#: the journey columns kept on Spark and their Spark SQL types (``score`` only with a metric)
_BASE = (("journey_id", "string"), ("variant_id", "long"), ("start", "timestamp"), ("end", "timestamp"),
         ("duration_seconds", "double"), ("satisfaction", "double"), ("score", "double"), ("in_progress", "boolean"),
         ("settled", "boolean"))


def pattern_columns(i: int) -> tuple[str, str, str]:
    """The kept columns of the ``i``-th pattern: matched, seconds to contact, trigger activity."""
    return f"_p{i}", f"_p{i}_s", f"_p{i}_a"


@dataclass
class _Keeping:
    """The second pass's function of one partition, with its journeys' rows kept apart (pickled
    to the executors)."""

    inner: Callable[[pl.DataFrame], Any]
    channel: str | None
    columns: list[str]
    pattern_ids: list[str]

    def __call__(self, batch: pl.DataFrame) -> tuple[list[Any], pl.DataFrame | None]:
        if self.channel is not None:
            batch = batch.filter(pl.col(S.CHANNEL) == self.channel)
        if not batch.height:
            return [], None
        part = self.inner(batch)
        rows = part.journeys
        matches = part.patterns.matches if part.patterns is not None else {}
        for i, pid in enumerate(self.pattern_ids):
            hit, secs, act = pattern_columns(i)
            found = matches.pop(pid, None)
            if found is None:
                rows = rows.with_columns(pl.lit(None, pl.Boolean).alias(hit), pl.lit(None, pl.Float64).alias(secs),
                                         pl.lit(None, pl.String).alias(act))
            else:
                rows = rows.join(found.select(S.JOURNEY_ID, pl.lit(True).alias(hit), pl.col("seconds_to_contact").alias(secs),
                                              pl.col("activity").cast(pl.String).alias(act)), on=S.JOURNEY_ID, how="left")
        part.journeys = part.journeys.clear()  # the columns only: the rows stay on the executors
        return [part], rows.select(self.columns)


@dataclass
class Kept:
    """The per-journey rows kept on Spark (``frame``) and how to bring them back (``empty``: the
    rows' Polars columns and types, no rows)."""

    frame: Any
    empty: pl.DataFrame
    pattern_ids: list[str]
    #: the persisted frame ``frame`` is cut from (unpersisted when this goes)
    cached: Any = None
    _table: pl.DataFrame | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # the rows are cached on the executors while a result may still ask for them: freed with it
        done = weakref.finalize(self, _unpersist, self.cached)
        done.atexit = False  # at exit the session goes, and its cache with it

    def figures(self, value: str, reference_variants: pl.Series | None = None) -> JourneyGroups:
        """Small figures of the rows, on Spark."""
        return JourneyGroups(self.frame, value=value, reference_variants=reference_variants)

    def table(self) -> pl.DataFrame:
        """The rows on the driver (once), sorted by journey id, with the pattern columns: the
        Polars engine's journey table (its columns and types)."""
        if self._table is None:
            got = JourneyGroups(self.frame).table()
            base = got.select(self.empty.columns).cast(dict(self.empty.schema))  # type: ignore[arg-type]
            self._table = base.hstack(got.drop(self.empty.columns).get_columns()).sort(S.JOURNEY_ID)
        return self._table

    def pattern_journeys(self, pattern_id: str) -> pl.DataFrame:
        """As :meth:`journeylog.explain.patterns.PatternGatherer.journeys`, from the kept rows."""
        hit, secs, act = pattern_columns(self.pattern_ids.index(pattern_id))
        return self.table().filter(pl.col(hit).fill_null(False)).select(
            S.JOURNEY_ID, pl.col(act).alias("activity"), pl.col(secs).alias("seconds_to_contact"))


def _unpersist(frame: Any) -> None:
    try:
        if frame is not None:
            frame.unpersist()
    except Exception:  # noqa: BLE001 - the session may already be gone; nothing is lost
        pass


def gather_kept(source: Any, fn: Any, columns: list[str], channel: str | None, metric: str | None) -> tuple[list[Any], Kept]:
    """The second pass (``fn``, :class:`journeylog.explain.batches._Gatherer`) over a Spark
    ``source`` keeping its journeys' rows there: the partitions' small results and the :class:`Kept` rows."""
    pattern_ids = list(fn.patterns.matches) if fn.patterns is not None else []
    kept = [(c, t) for c, t in _BASE if c != "score" or metric is not None]
    for i in range(len(pattern_ids)):
        kept += list(zip(pattern_columns(i), ("boolean", "double", "string"), strict=True))
    results, frame, cached = keep_distributed(source, _Keeping(fn, channel, [c for c, _t in kept], pattern_ids), columns, kept)
    parts = [p for r in results for p in r]
    empty = parts[0].journeys if parts else pl.DataFrame(schema={c: pl.String for c, _t in kept[:1]})
    return parts, Kept(frame, empty, pattern_ids, cached)


def pattern_result(gatherer: PatternGatherer, figures: JourneyGroups, pattern_ids: list[str],
                   metric: str | None = None) -> PatternResult:
    """:meth:`journeylog.explain.patterns.PatternGatherer.result` on the kept rows: each
    pattern's journeys, median seconds to contact, first ids and impact against the reference
    journeys as group figures, its trigger activities as counts (all small)."""
    reasons = gatherer.reasons()
    columns = {pid: pattern_columns(i) for i, pid in enumerate(pattern_ids) if reasons.get(pid) is None}
    flagged = {f"p:{pid}": (hit, "duration_seconds") for pid, (hit, _s, _a) in columns.items()}
    flagged |= {f"t:{pid}": (hit, secs) for pid, (hit, secs, _a) in columns.items()}
    groups = figures.groups(pl.DataFrame(schema={"group": pl.String, "variant_id": pl.UInt32, "settled_only": pl.Boolean}),
                            flagged)
    acts = figures.value_counts({pid: (hit, act) for pid, (hit, _s, act) in columns.items()})

    def pieces(p: Pattern) -> PatternPieces:
        found = groups.get(f"p:{p.id}", GroupFigures())
        n = found.journeys
        to_contact = groups.get(f"t:{p.id}", GroupFigures())
        mine = acts.filter(pl.col("key") == p.id).select(pl.col("value").alias("activity"), pl.col("n").alias("journeys"))
        impact = impact_between(found, groups.get(REFERENCE))  # none without journeys
        return PatternPieces(n, to_contact.median if n else None, mine, list(found.first), impact)

    return gatherer.result_of(pieces, total=figures.journeys, metric=metric, fixed_reference=True)
