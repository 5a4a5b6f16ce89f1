"""Fixtures of the Spark engine tests: one local SparkSession for the whole run.

``spark``: the session (skipped with one reason when pyspark or Java is missing);
``to_spark``: a Polars frame of events as a Spark frame (written as Parquet and read back, as a
store is read, so the read order is the frame's order).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

SPARK_MISSING = "pyspark or Java 17 is not installed (make setup installs both: pip install 'journeylog[spark]')"


@pytest.fixture(scope="session")
def spark() -> Any:
    """The one local SparkSession of the test run (two cores, few shuffle partitions)."""
    from journeylog.engine.spark_session import spark_available, spark_session

    if not spark_available():
        pytest.skip(SPARK_MISSING)
    session = spark_session("local[2]")
    session.conf.set("spark.sql.shuffle.partitions", "2")
    return session


@pytest.fixture(scope="session")
def to_spark(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Callable[[pl.DataFrame], Any]:
    folder = tmp_path_factory.mktemp("spark-frames")
    counter = itertools.count()

    def convert(frame: pl.DataFrame) -> Any:
        path = Path(folder) / f"f{next(counter)}.parquet"
        frame.write_parquet(path)
        return spark.read.parquet(str(path))

    return convert


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled telecom sample as a journeylog store (``journeylog ingest ... -o``)."""
    from journeylog.ingest import ingest

    path = tmp_path_factory.mktemp("sample") / "journeys.parquet"
    ingest(Path(__file__).resolve().parents[2] / "samples" / "telecom" / "sources.yaml", output=path)
    return path


#: the DataFrame methods that bring rows to the driver
COLLECTORS = ("toArrow", "collect", "toPandas", "toLocalIterator", "take", "tail")


@pytest.fixture()
def driver_rows(spark: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of rows of every call that brings a Spark DataFrame's rows to the driver
    during the test (each of :data:`COLLECTORS` on the session's DataFrame class is counted)."""
    received: list[int] = []
    cls = type(spark.range(1))
    for name in COLLECTORS:
        original = getattr(cls, name)

        def counting(self: Any, *args: Any, _original: Any = original, **kw: Any) -> Any:
            out = _original(self, *args, **kw)
            received.append(out.num_rows if hasattr(out, "num_rows") else len(out) if hasattr(out, "__len__") else 0)
            return out

        monkeypatch.setattr(cls, name, counting)
    return received


@pytest.fixture()
def carried_rows(driver_rows: list[int], monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """:func:`driver_rows`, and for every pass over partitions (``spark_batches.map_partitions``)
    the rows of the Polars frames its pickled results carry (:func:`rows_in`): one binary row per
    partition may hold a per-journey table."""
    from journeylog.engine import spark_batches

    def carried(results: list[Any], _original: Any = spark_batches.received) -> list[Any]:
        driver_rows.append(sum(rows_in(r) for r in results))
        return _original(results)

    monkeypatch.setattr(spark_batches, "received", carried)
    return driver_rows


@pytest.fixture()
def shipped_rows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """For every pass over partitions (``spark_batches.map_partitions``), the rows of the Polars
    frames with a ``journey_id`` column its function carries to the executors (:func:`rows_in`
    of the function and of what a ``functools.partial`` binds)."""
    import functools

    from journeylog.engine import spark_batches

    shipped: list[int] = []

    def carried(fn: Any) -> int:
        if isinstance(fn, functools.partial):
            return carried(fn.func) + sum(carried(a) for a in (*fn.args, *fn.keywords.values()))
        return rows_in(fn, keyed="journey_id")

    def counting(events: Any, fn: Any, columns: Any, batch_events: int, _original: Any = spark_batches.map_partitions) -> Any:
        shipped.append(carried(fn))
        return _original(events, fn, columns, batch_events)

    monkeypatch.setattr(spark_batches, "map_partitions", counting)
    return shipped


@pytest.fixture()
def journey_rows_back(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """For every pass over partitions, the rows of the frames with a ``journey_id`` column (a
    row per journey or per event) inside its pickled results (:func:`rows_in` with ``keyed``)."""
    from journeylog.engine import spark_batches

    back: list[int] = []

    def carried(results: list[Any], _original: Any = spark_batches.received) -> list[Any]:
        back.append(sum(rows_in(r, keyed="journey_id") for r in results))
        return _original(results)

    monkeypatch.setattr(spark_batches, "received", carried)
    return back


def rows_in(obj: Any, keyed: str | None = None) -> int:
    """The rows of every Polars frame (and series) inside ``obj`` (a partition's result); with
    ``keyed``, of the frames with that column only."""
    import dataclasses

    if isinstance(obj, pl.DataFrame):
        return len(obj) if keyed is None or keyed in obj.columns else 0
    if isinstance(obj, pl.Series):
        return len(obj) if keyed is None or obj.name == keyed else 0
    if isinstance(obj, dict):
        return sum(rows_in(v, keyed) for v in obj.values())
    if isinstance(obj, list | tuple):
        return sum(rows_in(v, keyed) for v in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return sum(rows_in(getattr(obj, f.name), keyed) for f in dataclasses.fields(obj))
    return sum(rows_in(v, keyed) for v in vars(obj).values()) if hasattr(obj, "__dict__") else 0
