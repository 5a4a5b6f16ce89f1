"""Journey selections on Polars frames (:meth:`journeylog.engine.polars.PolarsEngine.select_journeys`).

One ``group_by`` over the events gives every journey's start and its value of each segment column
(the first neither missing nor empty one, and how many distinct ones it has); each journey
condition is one more per-journey flag (a single step: ``any`` over the journey's events; a
sequence: :func:`journeylog.engine.matching.first_matches`). The kept journeys are a semi-join:
whole journeys, in the frame's order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from journeylog.config.rules import Pattern, Step
from journeylog.engine.matching import first_matches, step_expr
from journeylog.schema import JOURNEY_ID, TIMESTAMP

_TEXT = (pl.String, pl.Categorical, pl.Enum)


def _present(column: str, dtype: pl.DataType) -> pl.Expr:
    """Neither missing nor, for text, empty."""
    col = pl.col(column)
    if isinstance(dtype, _TEXT) or dtype == pl.String:
        return col.is_not_null() & (col.cast(pl.String) != "")
    return col.is_not_null()


def _sequence_flag(lf: pl.LazyFrame, schema: pl.Schema, steps: Sequence[Step], name: str) -> pl.LazyFrame:
    """journey_id, ``name`` (true) for each journey with a match of a sequence of ``steps``."""
    pattern = Pattern(name=name, steps=tuple(steps))
    return first_matches(lf, pattern).select(pl.col(JOURNEY_ID).cast(schema[JOURNEY_ID]), pl.lit(True).alias(name))


def select_journeys(
    events: pl.DataFrame,
    segments: Mapping[str, Sequence[str]],
    starts_from: dt.datetime | None,
    starts_before: dt.datetime | None,
    conditions: Sequence[tuple[Sequence[Step], bool]],
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """See :meth:`journeylog.engine.polars.PolarsEngine.select_journeys`; ``events`` is ordered."""
    lf = events.lazy()
    schema = lf.collect_schema()
    aggs = [pl.col(TIMESTAMP).min().alias("_start")]
    for i, column in enumerate(segments):
        present = pl.col(column).filter(_present(column, schema[column]))
        if column != JOURNEY_ID:  # the group key is its own value
            aggs.append(present.first().alias(column))
        aggs.append(present.n_unique().alias(f"_n{i}"))
    flags: list[tuple[str, bool]] = []
    joins = []
    for k, (steps, negated) in enumerate(conditions):
        name = f"_c{k}"
        if any(c not in schema for s in steps for c in s.columns()):
            aggs.append(pl.lit(False).alias(name))  # the log cannot show it: no journey has it
        elif len(steps) == 1:  # one pass: an event flag (row-wise, before grouping), any() per journey
            lf = lf.with_columns(step_expr(steps[0], schema).alias(name))
            aggs.append(pl.col(name).any())
        else:
            joins.append(_sequence_flag(lf, schema, steps, name))
        flags.append((name, negated))
    # within a group, rows keep the frame's (time) order: first() is the first in time
    per = lf.group_by(JOURNEY_ID).agg(aggs)
    for matched in joins:
        per = per.join(matched, on=JOURNEY_ID, how="left")
    keep = pl.lit(True)
    if segments:
        seg_schema = {c: schema[c] for c in segments}
        keep = keep & step_expr(Step({c: list(v) for c, v in segments.items()}), seg_schema)
    if starts_from is not None:
        keep = keep & (pl.col("_start") >= starts_from)
    if starts_before is not None:
        keep = keep & (pl.col("_start") < starts_before)
    for name, negated in flags:
        flag = pl.col(name).fill_null(False)
        keep = keep & (~flag if negated else flag)
    table = per.with_columns(keep.fill_null(False).alias("_keep")).select(
        JOURNEY_ID, "_keep", *(f"_n{i}" for i in range(len(segments)))).collect()
    counts = table.select(
        pl.len().alias("journeys"), pl.col("_keep").sum().alias("kept"),
        *((pl.col(f"_n{i}") > 1).sum().alias(f"_n{i}") for i in range(len(segments)))).row(0, named=True)
    kept_ids = table.filter(pl.col("_keep")).select(JOURNEY_ID)
    frame = events.join(kept_ids, on=JOURNEY_ID, how="semi", maintain_order="left")
    varying = {c: int(counts[f"_n{i}"]) for i, c in enumerate(segments) if counts[f"_n{i}"]}
    return frame, {"journeys": int(counts["journeys"]), "kept": int(counts["kept"] or 0), "events": frame.height,
                   "varying": varying}
