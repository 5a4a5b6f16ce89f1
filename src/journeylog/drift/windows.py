"""Drift options and windows: which window each journey falls in (by its start). The
per-journey arrays the change finder works on: :mod:`journeylog.drift.data`.

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
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import polars as pl

from journeylog import schema as S
from journeylog.errors import UsageError, param
from journeylog.window import Window, parse_window

__all__ = ["CORRECTIONS", "DriftOptions", "Window", "assign_windows", "parse_window"]

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



def assign_windows(jt: pl.DataFrame, window: Window, tie: str = S.JOURNEY_ID) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Sort journeys by start (ties by ``tie``) and give each its window index (``_wi``); the
    list of windows (start, end)."""
    jt = jt.sort(["start", tie])
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
