"""conform's pattern table and journey parts, wherever the journeys are held.

:func:`patterns_found` adds the allow-list to the pattern table and says how to list each
reported pattern's journeys; :func:`parts_maker` says how to make
:attr:`journeylog.conform.Conformance.journey_parts` (the journey table with its variants'
figures, the occurrences, journey_id -> pattern) once, on first use: on Spark, when the journeys
were kept on the executors (:mod:`journeylog.explain.kept`), that is when they reach the driver.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.config.allow import Allow
from journeylog.engine import backend_for
from journeylog.explain import batches as B
from journeylog.explain import patterns
from journeylog.explain.kept import Kept, pattern_columns

__all__ = ["journey_flags", "parts_maker", "patterns_found"]


def patterns_found(found: patterns.PatternResult, gatherer: patterns.PatternGatherer, allow: Allow,
                   notes: list[str], kept: Kept | None = None) -> tuple[pl.DataFrame, Callable[[], pl.DataFrame]]:
    """The cross-channel pattern table (with ``accepted``) and how to get journey_id -> pattern
    name (from the matches, or from the rows ``kept`` on Spark); the notes on skipped patterns
    are added to ``notes``."""
    pat = found.table
    notes.extend(found.notes)
    reported = set(pat["id"].to_list()) if pat.height else set()
    matched = gatherer.journeys if kept is None else kept.pattern_journeys

    def journeys() -> pl.DataFrame:
        return pl.concat(
            [matched(p.id).select(S.JOURNEY_ID, pl.lit(p.name).alias("pattern")) for p in gatherer.patterns if p.id in reported],
            how="vertical",
        ) if reported else pl.DataFrame(schema={S.JOURNEY_ID: pl.String, "pattern": pl.String})
    if pat.height:
        pat = pat.with_columns(pl.col("name").map_elements(allow.accepts_pattern, return_dtype=pl.Boolean).alias("accepted"))
    return pat, journeys


def parts_maker(gathered: B.Gathered, per_variant: pl.DataFrame, occ: pl.DataFrame,
                pat_journeys: Callable[[], pl.DataFrame]) -> Callable[[], tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]]:
    """How to make :attr:`Conformance.journey_parts` (once): the journey table with its variants'
    figures (brought from Spark when kept there), the occurrences, journey_id -> pattern."""
    made: list[tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]] = []

    def parts() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        if not made:
            jt = gathered.journeys if gathered.kept is None else B.with_variant_figures(
                gathered.kept.table().select(gathered.kept.empty.columns), per_variant)
            made.append((jt, occ, pat_journeys()))
        return made[0]
    return parts


def journey_flags(conf: Any, patterns: Sequence[tuple[str, str, str]] = ()) -> Any:
    """Per journey of a :class:`journeylog.conform.Conformance`: ``journey_id``, ``variant_id``,
    ``settled`` and, per (column, pattern id, pattern name) of ``patterns`` (reported ones), whether
    the journey matched the pattern (never null), as a frame of the engine that holds the journeys:
    on Spark (journeys kept there, :mod:`journeylog.explain.kept`) a Spark DataFrame that never
    reaches the driver, else a Polars frame sorted by journey id. A pass over the events gets
    its columns on every event (:func:`journeylog.explain.batches.map_batches` ``journeys=``)."""
    base = [S.JOURNEY_ID, "variant_id", "settled"]
    kept = getattr(conf, "kept", None)
    if kept is not None:
        flags = {col: pattern_columns(kept.pattern_ids.index(pid))[0] for col, pid, _name in patterns}
        return backend_for(kept.frame, "journeys").journey_flags(kept.frame, base, flags)
    parts = conf.journey_parts
    if parts is not None:
        rows, matched = parts[0].select(base), parts[2]
    else:  # a journey table given as it is
        jt = conf.journey_table
        rows = jt.select(S.JOURNEY_ID, "variant_id", (~pl.col("in_progress")).alias("settled"))
        matched = jt.select(S.JOURNEY_ID, pl.col("patterns").alias("pattern")).explode("pattern").drop_nulls()
    rows = rows.with_columns(*(pl.col(S.JOURNEY_ID).is_in(
        matched.filter(pl.col("pattern") == name)[S.JOURNEY_ID].implode()).alias(col) for col, _pid, name in patterns))
    return rows if rows[S.JOURNEY_ID].is_sorted() else rows.sort(S.JOURNEY_ID)
