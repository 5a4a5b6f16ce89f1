"""Event-level engines, chosen by the frame's type.

:func:`backend_for` returns the engine for a frame of events: Polars DataFrames and LazyFrames get
:data:`~journeylog.engine.polars.POLARS`; pyspark DataFrames get the Apache Spark engine
(:data:`~journeylog.engine.spark.SPARK`), imported only then (pyspark is an optional extra: a frame
whose type is not from ``pyspark`` never imports it). What an engine must provide is :class:`journeylog.journeys.protocol.Engine`;
the results it hands back are in :mod:`journeylog.engine.results`. This package never imports
:mod:`journeylog.journeys` (the protocol is structural): the journeys API sits on top of it.

>>> import polars as pl
>>> backend_for(pl.DataFrame({"journey_id": ["a"]})).name
'polars'
>>> backend_for([1, 2], "events")
Traceback (most recent call last):
...
journeylog.errors.UsageError: events: expected a Polars DataFrame or LazyFrame (or a pyspark DataFrame), got list
"""

from __future__ import annotations

from typing import Any

from journeylog.engine.polars import POLARS, PolarsEngine
from journeylog.engine.results import (
    PARTS,
    Figures,
    ProcessMap,
    Summary,
    quantile_seconds,
)
from journeylog.errors import UsageError

__all__ = [
    "PARTS", "POLARS", "Figures", "PolarsEngine", "ProcessMap", "Summary", "backend_for", "default_engine", "quantile_seconds",
]

_ENGINES: list[Any] = [POLARS]


def _spark_engine() -> Any:
    """The Spark engine, registered in ``_ENGINES`` on first use."""
    from journeylog.engine.spark import SPARK

    if SPARK not in _ENGINES:
        _ENGINES.append(SPARK)
    return SPARK


def backend_for(frame: object, parameter: str = "events") -> Any:
    """The engine for ``frame`` (a :class:`~journeylog.journeys.protocol.Engine`); an unknown type
    is a :class:`~journeylog.errors.UsageError` naming ``parameter``."""
    for engine in _ENGINES:
        if isinstance(frame, engine.frame_types):
            return engine
    if type(frame).__module__.split(".")[0] == "pyspark":  # only a pyspark frame imports pyspark
        engine = _spark_engine()
        if isinstance(frame, engine.frame_types):
            return engine
    raise UsageError(f"{parameter}: expected a Polars DataFrame or LazyFrame (or a pyspark DataFrame), "
                     f"got {type(frame).__name__}")


def default_engine() -> PolarsEngine:
    """The engine used when there is no frame to choose by (an empty sequence of batches)."""
    return POLARS
