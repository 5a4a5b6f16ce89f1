"""Drift options and windows: which window each journey falls in (by its start), and the
per-journey arrays the change finder works on.

Calendar windows are whole calendar units (ISO weeks, months, ...), but the first one starts at
the log's first event, not before it (a log starting on a Wednesday has a first window from that
Wednesday). Journeys in progress at the end of the log (``settle``, see
:mod:`journeylog.config.settle`) are counted per window and left out of the drop-out shares.

Window texts are parsed by :mod:`journeylog.window` (a bottom-layer module, so journeylog.yaml
can be validated without drift).

>>> DriftOptions(window="2w").check()
>>> parse_window("1mo").every
'1mo'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import numpy as np
import polars as pl

from journeylog import schema as S
from journeylog.drift.items import FITNESS, FITTING, Item
from journeylog.errors import InvalidInput, UsageError, param
from journeylog.explain.wording import DeviationKind
from journeylog.window import Window, parse_window

__all__ = ["CORRECTIONS", "DriftOptions", "JourneyData", "Window", "assign_windows", "fitness_of", "journey_data",
           "parse_window", "series"]

CORRECTIONS = ("holm", "bh")


@dataclass(frozen=True)
class DriftOptions:
    """``window``: see :func:`parse_window`. ``alpha``: significance level after the multiple-testing
    ``correction`` (``holm``: family-wise error, default; ``bh``: Benjamini-Hochberg false-discovery rate).
    ``min_effect``: smallest absolute change in a share (or in fitness) worth reporting.
    ``min_journeys``: windows with fewer journeys are reported, not tested.
    ``settle``: journeys whose last event lies within this of the log's end are in progress
    (None: the conform options' value, 7 days by default; ``timedelta(0)``: off)."""

    window: str = "1w"
    alpha: float = 0.01
    min_effect: float = 0.02
    min_journeys: int = 30
    correction: str = "holm"
    settle: timedelta | None = None

    def check(self) -> None:
        """Raise :class:`~journeylog.errors.UsageError` for a value out of range."""
        if self.correction not in CORRECTIONS:
            raise UsageError(f"{param('correction')} must be one of {', '.join(CORRECTIONS)}, not {self.correction!r}")
        parse_window(self.window)
        if not 0 < self.alpha < 1:
            raise UsageError(f"{param('alpha')} must be above 0 and below 1, not {self.alpha:g}")
        if not 0 <= self.min_effect < 1:
            raise UsageError(f"{param('min_effect')} must be from 0 to below 1 (a share), not {self.min_effect:g}")
        if self.min_journeys < 1:
            raise UsageError(f"{param('min_journeys')} must be at least 1, not {self.min_journeys}")



@dataclass
class JourneyData:
    """Journeys in (start, journey_id) order with their window and per-item indicators."""

    start: list[Any]
    window: np.ndarray          # window index of each journey
    aligned: np.ndarray         # bool: has an alignment (cost not null)
    fits: np.ndarray            # bool: fitness == 1 (pm4py's fitting)
    fits_accepted: np.ndarray   # bool: no deviation that is not accepted (aligned only)
    fitness: np.ndarray         # per-journey fitness (nan when not aligned)
    cost: np.ndarray
    bwc: np.ndarray
    indicators: np.ndarray      # items x journeys, bool (deviation and pattern items)
    settled: np.ndarray | None = None  # bool: not in progress at the end of the log (None: all are)


def assign_windows(jt: pl.DataFrame, window: Window) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Sort journeys by start and give each its window index; the list of windows (start, end)."""
    jt = jt.sort(["start", S.JOURNEY_ID])
    if window.every is not None:  # calendar windows
        every = window.every
        jt = jt.with_columns(pl.col("start").dt.truncate(every).alias("_w"))
        first, last = cast(dt.datetime, jt["_w"].min()), cast(dt.datetime, jt["_w"].max())
        starts = pl.datetime_range(first, last, every, eager=True, time_zone="UTC")
        # datetime_range steps calendar units from the first truncated start; keep only aligned ones
        starts = starts.filter(starts.dt.truncate(every) == starts).unique().sort()
        ends = starts.dt.offset_by(every)
        index = {v: i for i, v in enumerate(starts.to_list())}
        jt = jt.with_columns(pl.col("_w").replace_strict(index, return_dtype=pl.Int64).alias("_wi"))
        windows = [{"start": s, "end": e} for s, e in zip(starts.to_list(), ends.to_list(), strict=True)]
        if windows and jt.height:  # the first window starts at the first event, not before it
            windows[0]["start"] = max(windows[0]["start"], jt["start"][0])
    else:
        size = window.size
        jt = jt.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) // size).alias("_wi"))
        bounds = jt.group_by("_wi").agg(pl.col("start").min().alias("s"), pl.col("start").max().alias("e")).sort("_wi")
        windows = [{"start": s, "end": e} for s, e in bounds.select("s", "e").iter_rows()]
    return jt, windows


def journey_data(c: Any, items: Sequence[Item], window: Window) -> tuple[JourneyData, list[dict[str, Any]]]:
    """The journeys of a conformance result (alignments) in time order with their windows and
    per-item indicators, and the windows."""
    jt = c.journey_table
    missing = [col for col in ("start", "cost", "bwc", "fitness", "deviations", "patterns") if col not in jt.columns]
    if missing:
        raise InvalidInput(f"the conformance journey table lacks {', '.join(missing)}; drift needs alignments")
    if jt.height == 0:
        raise InvalidInput("the log has no journeys")
    jt, windows = assign_windows(jt, window)
    accepted = [it.id for it in items if it.accepted and it.kind not in (FITNESS, FITTING, "pattern")]
    jt = jt.with_columns(
        pl.col("cost").is_not_null().alias("_aligned"),
        (pl.col("fitness") == 1.0).fill_null(False).alias("_fits"),
        (pl.col("deviations").list.set_difference(pl.lit(accepted, pl.List(pl.String))).list.len() == 0).alias("_clean"),
        (~pl.col("in_progress") if "in_progress" in jt.columns else pl.lit(True)).alias("_settled"),
    ).with_row_index("_row")
    index = {it.id: i for i, it in enumerate(items)}
    J = jt.height
    ind = np.zeros((len(items), J), dtype=bool)
    for col in ("deviations", "patterns"):
        pairs = jt.select("_row", col).explode(col).drop_nulls(col)
        if pairs.height:
            key = pairs[col].replace_strict(index, default=-1, return_dtype=pl.Int64).to_numpy()
            rows = pairs["_row"].to_numpy().astype(np.int64)
            keep = key >= 0
            ind[key[keep], rows[keep]] = True
    aligned = jt["_aligned"].to_numpy()
    data = JourneyData(
        start=jt["start"].to_list(),
        window=jt["_wi"].to_numpy().astype(np.int64),
        aligned=aligned,
        fits=jt["_fits"].to_numpy() & aligned,
        fits_accepted=jt["_clean"].to_numpy() & aligned,
        fitness=jt["fitness"].fill_null(float("nan")).to_numpy().astype(float),
        cost=jt["cost"].fill_null(0).to_numpy().astype(np.int64),
        bwc=jt["bwc"].fill_null(0).to_numpy().astype(np.int64),
        indicators=ind,
        settled=jt["_settled"].to_numpy().astype(bool),
    )
    return data, windows


def series(data: JourneyData, item_index: int, item: Item, journeys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, n) per journey position for a share item: indicator and whether it counts."""
    if item.kind == FITTING:
        return data.fits_accepted[journeys].astype(float), data.aligned[journeys].astype(float)
    if item.kind == DeviationKind.DROPPED_OUT.value and data.settled is not None:
        # journeys in progress at the end of the log cannot have dropped out yet: they do not count
        return data.indicators[item_index, journeys].astype(float), data.settled[journeys].astype(float)
    return data.indicators[item_index, journeys].astype(float), np.ones(len(journeys))



def fitness_of(cost: np.ndarray, bwc: np.ndarray) -> float | None:
    """1 - sum(cost) / sum(bwc), as pm4py's ``log_fitness``; None without any bwc."""
    total = int(bwc.sum())
    return None if total <= 0 else 1.0 - int(cost.sum()) / total
