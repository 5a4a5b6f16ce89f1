"""The customer table of a source map (``customers:``, docs/sources.md): customer attributes
(plan, region, segment, ...) joined onto every event of the customer by ``customer_id``.

Columns keep their names; one that is also an event column is an error (rename it in the table),
so a joined attribute never hides or replaces event data. The key must be unique and present in
every row. Customers without a row get empty attributes, and a note counts them.

>>> import tempfile, pathlib, polars as pl
>>> from journeylog.config.sources import CustomerTable
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "customers.csv").write_text("customer_id,plan\\nc1,business\\nc2,consumer\\n")
>>> ev = pl.DataFrame({"journey_id": ["j1", "j2", "j3"], "customer_id": ["c1", "c1", "c3"]})
>>> joined, notes = join_customers(ev, CustomerTable(d / "customers.csv"), "map.yaml")
>>> joined["plan"].to_list(), notes
(['business', 'business', None], ['customers.csv: plan joined by customer_id; 1 of 2 customers has no row in the table'])
"""

from __future__ import annotations

import os

import polars as pl

from journeylog import schema as S
from journeylog.config.sources import CustomerTable
from journeylog.errors import InvalidInput
from journeylog.ingest.columns import ReadOptions, read_raw

__all__ = ["join_customers"]


def _at(table: CustomerTable, name: str) -> dict[str, int | None]:
    row, col = table.lines.get(name, (table.line, None))
    return {"row": row, "column": col}


def join_customers(events: pl.DataFrame, table: CustomerTable, map_label: str) -> tuple[pl.DataFrame, list[str]]:
    """``events`` with the table's attribute columns joined by ``customer_id``; the notes to show."""
    label = os.path.relpath(table.path) if not table.path.is_absolute() else str(table.path)
    raw = read_raw(table.path, ReadOptions(format=table.format, delimiter=table.delimiter, encoding=table.encoding))
    frame = raw.frame
    found = [c for c in frame.columns if c != S.SOURCE_ROW]
    if table.key not in found:
        raise InvalidInput(f"customers: the key column {table.key!r} is not in {label}", path=map_label,
                           **_at(table, "key"), hint=f"its columns: {', '.join(found)}; set `key:`")
    columns = list(table.columns) if table.columns is not None else [c for c in found if c != table.key]
    for name in columns:
        if name not in found:
            raise InvalidInput(f"customers: no column {name!r} in {label}", path=map_label, **_at(table, name),
                               hint=f"its columns: {', '.join(found)}")
        if name in events.columns or name == table.key:
            raise InvalidInput(f"customers: the column {name!r} of {label} is also an event column", path=map_label,
                               **_at(table, name if name in table.lines else "path"),
                               hint="rename it in the table, or leave it out with `columns:`")
    if not columns:
        raise InvalidInput(f"customers: {label} has no column besides the key {table.key!r}", path=map_label,
                           **_at(table, "path"))
    keys = frame.select(pl.col(table.key).cast(pl.String).str.strip_chars().alias("_key"), pl.col(S.SOURCE_ROW))
    empty = keys.filter(pl.col("_key").is_null() | (pl.col("_key") == ""))
    if empty.height:
        raise InvalidInput("customers: empty key", path=label, row=int(empty[S.SOURCE_ROW][0]), column=table.key,
                           more=f"and {empty.height - 1} more rows like it" if empty.height > 1 else None)
    dup = keys.filter(pl.col("_key").is_duplicated()).sort(S.SOURCE_ROW)
    if dup.height:
        first = dup.row(0, named=True)
        rows = dup.filter(pl.col("_key") == first["_key"])[S.SOURCE_ROW].to_list()
        raise InvalidInput(f"customers: customer {first['_key']!r} has {len(rows)} rows ({', '.join(map(str, rows))})",
                           path=label, row=int(rows[1]), column=table.key, hint="one row per customer")
    attrs = frame.select(keys["_key"].alias(S.CUSTOMER_ID), *columns)
    joined = events.join(attrs, on=S.CUSTOMER_ID, how="left", maintain_order="left")
    customers = events[S.CUSTOMER_ID].drop_nulls().unique()
    missing = int((~customers.is_in(attrs[S.CUSTOMER_ID].implode())).sum())
    note = f"{os.path.basename(label)}: {', '.join(columns)} joined by customer_id"
    if missing:
        verb = "has" if missing == 1 else "have"
        note += f"; {missing:,} of {customers.len():,} customers {verb} no row in the table"
    return joined, [note]
