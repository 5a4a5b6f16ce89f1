"""conform's pattern table and journey parts, wherever the journeys are held.

:func:`patterns_found` adds the allow-list to the pattern table and says how to list each
reported pattern's journeys; :func:`parts_maker` says how to make
:attr:`journeylog.conform.Conformance.journey_parts` (the journey table with its variants'
figures, the occurrences, journey_id -> pattern) once, on first use: on Spark, when the journeys
were kept on the executors (:mod:`journeylog.explain.kept`), that is when they reach the driver.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from journeylog import schema as S
from journeylog.config.allow import Allow
from journeylog.explain import batches as B
from journeylog.explain import patterns
from journeylog.explain.kept import Kept

__all__ = ["parts_maker", "patterns_found"]


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
