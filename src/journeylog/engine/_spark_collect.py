"""The one way Spark results reach the driver: :func:`collect_polars`.

Every small result of the Spark engine (variants, map edges, per-journey figures) comes through
here as Arrow and becomes a Polars table; the tests count the rows that pass (nothing else of the
engine calls ``collect``, ``toPandas`` or ``toLocalIterator``).
"""

from __future__ import annotations

import warnings

import polars as pl
from pyspark.sql import DataFrame

__all__ = ["collect_polars"]


def collect_polars(frame: DataFrame) -> pl.DataFrame:
    """``frame`` (a small result) on the driver, as a Polars table."""
    with warnings.catch_warnings():  # pyspark's notes about pandas versions are not the user's business
        warnings.simplefilter("ignore")
        table = frame.toArrow()
    out = pl.from_arrow(table)
    assert isinstance(out, pl.DataFrame)
    return out
