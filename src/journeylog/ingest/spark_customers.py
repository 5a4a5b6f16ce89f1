"""The customer table of a source map joined on Spark (``--engine spark``): the checks and the note
of :func:`journeylog.ingest.customers.join_customers`, the join a Spark broadcast join.

The table (one row per customer) is read and checked on the driver by journeylog's reader, as the
identity table is; the events stay on Spark.
"""

from __future__ import annotations

import os
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.config.sources import CustomerTable
from journeylog.ingest.columns import ReadOptions, read_raw
from journeylog.ingest.customers import join_customers as check_customers
from journeylog.ingest.spark_read import q

__all__ = ["join_customers"]


def join_customers(spark: Any, events: Any, table: CustomerTable, map_label: str) -> tuple[Any, list[str]]:
    """``events`` (Spark) with the table's columns joined by ``customer_id``; the notes to show."""
    from pyspark.sql import functions as F

    stub = pl.DataFrame(schema={c: pl.String for c in events.columns})
    check_customers(stub, table, map_label)  # every check of the Polars path (raises as it does)
    label = os.path.relpath(table.path) if not table.path.is_absolute() else str(table.path)
    frame = read_raw(table.path, ReadOptions(format=table.format, delimiter=table.delimiter,
                                             encoding=table.encoding)).frame
    found = [c for c in frame.columns if c != S.SOURCE_ROW]
    columns = list(table.columns) if table.columns is not None else [c for c in found if c != table.key]
    attrs = frame.select(pl.col(table.key).cast(pl.String).str.strip_chars().alias(S.CUSTOMER_ID), *columns)
    right = spark.createDataFrame(attrs.to_arrow())
    joined = events.join(F.broadcast(right), on=S.CUSTOMER_ID, how="left")
    joined = joined.select(*[q(c) for c in [*events.columns, *columns]])
    customers = events.select(S.CUSTOMER_ID).where(F.col(S.CUSTOMER_ID).isNotNull()).distinct()
    total = customers.count()
    missing = customers.join(F.broadcast(right.select(S.CUSTOMER_ID)), on=S.CUSTOMER_ID, how="left_anti").count()
    note = f"{os.path.basename(label)}: {', '.join(columns)} joined by customer_id"
    if missing:
        verb = "has" if missing == 1 else "have"
        note += f"; {missing:,} of {total:,} customers {verb} no row in the table"
    return joined, [note]
