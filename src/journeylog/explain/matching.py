"""Pattern matching: the journeys where a pattern occurs, and the column checks of a pattern.

The semantics are described in :mod:`journeylog.explain.patterns`; the vectorised matching itself
(:func:`step_expr`, :func:`first_matches`) is the event-level engine's
(:mod:`journeylog.engine.matching`), shared with journey selections.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from journeylog import schema as S
from journeylog.config.rules import Pattern
from journeylog.engine.matching import first_matches, sorted_events, step_expr
from journeylog.errors import InvalidInput

__all__ = ["JOURNEY_ID", "TIMESTAMP", "sorted_events", "check_columns", "step_expr", "first_matches", "pattern_journeys"]

JOURNEY_ID, TIMESTAMP = S.JOURNEY_ID, S.TIMESTAMP
_J, _T = JOURNEY_ID, TIMESTAMP
_JOURNEY_SCHEMA = {_J: pl.String(), "start_ts": S.TIME_DTYPE, "end_ts": S.TIME_DTYPE, "activity": pl.String(),
                   "seconds_to_contact": pl.Float64()}


def _missing_column_error(pattern: Pattern, column: str, names: Sequence[str]) -> InvalidInput:
    shown = ", ".join(names[:30]) + (" ..." if len(names) > 30 else "")
    return InvalidInput(f"pattern {pattern.name!r} needs the column {column!r}, which the log does not have",
                        path=pattern.path, row=pattern.line, hint=f"the log's columns: {shown}")


def check_columns(pattern: Pattern, names: Sequence[str]) -> list[str]:
    """Missing canonical columns (the pattern is inapplicable); raises for unknown other columns."""
    missing = []
    for step in pattern.steps:
        for column in step.columns():
            if column in names:
                continue
            if column in S.SCHEMA:
                missing.append(column)
            else:
                raise _missing_column_error(pattern, column, list(names))
    return list(dict.fromkeys(missing))


def pattern_journeys(events: pl.DataFrame | pl.LazyFrame, pattern: Pattern) -> pl.DataFrame:
    """The journeys where ``pattern`` occurs, one row each, sorted by ``journey_id``:
    ``journey_id``, ``start_ts`` (step-1 event of the first match), ``end_ts`` (its final event),
    ``activity`` (of the step-1 event), ``seconds_to_contact``.

    A missing canonical column means no journey matches; any other missing column is an error.

    >>> import polars as pl, datetime as dt
    >>> from journeylog.config.rules import Pattern, Step
    >>> app_then_chat = Pattern(name="chatted after failing in the app", steps=(
    ...     Step({"channel": "app", "outcome": "failure"}), Step({"channel": "chat"}, within=dt.timedelta(hours=48))))
    >>> t = lambda h: dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(hours=h)
    >>> ev = pl.DataFrame({"journey_id": ["a", "a", "a"], "timestamp": [t(0), t(1), t(5)],
    ...                    "channel": ["app", "app", "chat"], "activity": ["Pay", "Pay again", "Chat"],
    ...                    "outcome": ["failure", "failure", None]})
    >>> pattern_journeys(ev, app_then_chat).select("journey_id", "activity", "seconds_to_contact").rows()
    [('a', 'Pay again', 14400.0)]
    """
    lf = sorted_events(events)
    names = lf.collect_schema().names()
    if check_columns(pattern, names):
        return pl.DataFrame(schema=_JOURNEY_SCHEMA)
    return first_matches(lf, pattern).collect().cast(_JOURNEY_SCHEMA)  # type: ignore[arg-type]
