"""Event conditions and step sequences in Polars: the one condition language of patterns
(:mod:`journeylog.explain.patterns`), journey selections (:mod:`journeylog.journeys.selection`) and
the analyses above them.

A :class:`~journeylog.config.rules.Step` is a set of column conditions on one event (ANDed; each
column any of its values, ``None`` = missing; numbers compare as numbers on numeric columns) and
regular expressions; :func:`step_expr` is its Polars expression. :func:`first_matches` finds, in
every journey, the first match of a sequence of steps with time windows (the semantics are
described in :mod:`journeylog.explain.patterns` and docs/rules.md). For each step k, every row gets
the time and the chain start of the latest earlier row of its journey that completed step k-1
(``shift(1).forward_fill()``), so the cost is linear in the events per step: no cross join and no
Python loop over events or journeys.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from journeylog import schema as S
from journeylog.config.rules import CondValue, Pattern, Step

__all__ = ["condition_expr", "first_matches", "sorted_events", "step_expr"]

_J, _T = S.JOURNEY_ID, S.TIMESTAMP


def sorted_events(events: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """``events`` sorted by (journey, timestamp, input order when there), lazily."""
    lf = events.lazy()
    names = lf.collect_schema().names()
    keys = [_J, _T] + ([S.INPUT_ORDER] if S.INPUT_ORDER in names else [])
    if isinstance(events, pl.DataFrame) and _in_order(events, keys):
        return lf  # a journey-complete batch is: one pass instead of a sort of millions of rows
    return lf.sort(keys, maintain_order=True)


def _in_order(frame: pl.DataFrame, keys: list[str]) -> bool:
    """Whether ``frame`` is sorted by ``keys`` (nulls nowhere in the first two, as in the canonical table)."""
    if frame.height < 2:
        return True
    later = pl.lit(True)
    for key in reversed(keys):  # (a, b, c) in order: a rises, or a is equal and (b, c) are in order
        col, prev = pl.col(key), pl.col(key).shift(1)
        later = (col > prev) | ((col == prev) & later)
    return bool(frame.select(later.slice(1).fill_null(False).all()).item())


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def condition_expr(column: str, values: tuple[CondValue, ...], dtype: pl.DataType | None) -> pl.Expr:
    """``column`` is any of ``values`` (``None``: missing). On a numeric ``dtype`` numbers compare
    as numbers ("5" matches 5.0; text that is no number matches nothing), else values compare as text."""
    present = [v for v in values if v is not None]
    if dtype is not None and dtype.is_numeric():
        # numbers compare as numbers ("5" matches 5.0); text that is no number matches nothing
        col = pl.col(column).cast(pl.Float64)
        numbers = [x for x in map(_number, present) if x is not None]
        expr = col.is_in(pl.Series(numbers, dtype=pl.Float64).implode()) if numbers else pl.lit(False)
    else:
        col = pl.col(column).cast(pl.String)
        expr = col.is_in(pl.Series(present, dtype=pl.String).implode()) if present else pl.lit(False)
    if None in values:
        expr = expr | col.is_null()
    return expr.fill_null(False)


def step_expr(step: Step, schema: Mapping[str, pl.DataType]) -> pl.Expr:
    """Whether an event satisfies every condition and regular expression of ``step``."""
    expr = pl.lit(True)
    for column, values in step.conditions.items():
        expr = expr & condition_expr(column, values, schema.get(column))
    for column, regex in step.matches.items():
        expr = expr & pl.col(column).cast(pl.String).str.contains(regex).fill_null(False)
    return expr


def first_matches(lf: pl.LazyFrame, pattern: Pattern) -> pl.LazyFrame:
    """journey_id, start_ts, end_ts, activity, seconds_to_contact of each journey's first match.

    ``lf`` is sorted by (journey, timestamp, input order) and has every column the pattern reads.
    Per step, every row learns the time, journey and chain start (a row number) of the latest
    strictly earlier row that completed the previous step: a global ``shift(1).forward_fill()``,
    kept only when that row is in the same journey (rows are grouped by journey, so a value from
    another journey means there is none in this one). This avoids window functions over millions
    of small journeys.
    """
    cols = list(dict.fromkeys([_J, _T, S.ACTIVITY, *(c for s in pattern.steps for c in s.columns())]))
    base = lf.select(cols).with_row_index("_row").with_columns(pl.col(_J).rle_id().alias("_jx"))
    schema = base.collect_schema()
    ts = pl.col(_T)

    def carried(expr: pl.Expr) -> pl.Expr:
        return pl.when("_ok").then(expr).shift(1).forward_fill()

    # step 1: the event itself starts a chain
    chain = base.with_columns(step_expr(pattern.steps[0], schema).alias("_ok")).with_columns(
        pl.when("_ok").then(pl.col("_row")).alias("_start")
    )
    for step in pattern.steps[1:]:
        chain = chain.with_columns(
            carried(ts).alias("_pt"), carried(pl.col("_jx")).alias("_pj"), carried(pl.col("_start")).alias("_ps")
        )
        ok = step_expr(step, schema) & (pl.col("_pj") == pl.col("_jx")).fill_null(False)
        if step.within is not None:
            ok = ok & ((ts - pl.col("_pt")) <= pl.lit(step.within))
        chain = chain.with_columns(ok.fill_null(False).alias("_ok")).with_columns(
            pl.when("_ok").then(pl.col("_ps")).alias("_start")
        ).drop("_pt", "_pj", "_ps")
    firsts = (
        chain.filter(pl.col("_ok"))
        .filter(pl.col("_jx").is_first_distinct())
        .select(pl.col(_J).cast(pl.String), pl.col(_T).alias("end_ts"), "_start")
    )
    starts = base.select(pl.col("_row").alias("_start"), pl.col(_T).alias("start_ts"),
                         pl.col(S.ACTIVITY).cast(pl.String).alias("activity"))
    return (
        firsts.join(starts, on="_start", how="left")
        .select(
            _J, "start_ts", "end_ts", "activity",
            ((pl.col("end_ts") - pl.col("start_ts")).dt.total_microseconds().cast(pl.Float64) / 1_000_000)
            .alias("seconds_to_contact"),
        )
        .sort(_J)
    )
