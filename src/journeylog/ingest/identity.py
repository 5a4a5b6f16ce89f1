"""Identities: how keys of each kind are compared, the identity table (``customer_id, id_type,
id_value``), and stitching a source's events to customers through it.

>>> import polars as pl
>>> pl.select(normalise_identity("phone", pl.lit("0044 7700-900123"))).item()
'+447700900123'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.errors import InvalidInput
from journeylog.io.tabular import read_csv, read_jsonl, read_parquet, sniff_format

__all__ = ["Stitched", "normalise_identity", "read_identities", "stitch_identities"]

_ID_COLUMNS = ("customer_id", "id_type", "id_value")


def normalise_identity(kind: str, value: pl.Expr) -> pl.Expr:
    """How identity values are compared: e-mails case-insensitively, phones by digits (and a
    leading +), everything else trimmed."""
    v = value.cast(pl.String).str.strip_chars()
    k = kind.lower()
    if k in ("email", "e-mail", "mail"):
        return v.str.to_lowercase()
    if k in ("phone", "msisdn", "mobile", "telephone"):
        return v.str.replace_all(r"[^\d+]", "").str.replace(r"^00", "+")
    return v


def read_identities(path: Path) -> pl.DataFrame:
    """The identity table at ``path`` (CSV, Parquet or JSON Lines), checked: every value filled,
    no key of two customers."""
    label = os.path.relpath(path) if not path.is_absolute() else str(path)
    fmt = sniff_format(path)
    frame = read_csv(path) if fmt == "csv" else read_parquet(path)[0] if fmt == "parquet" else read_jsonl(path)
    missing = [c for c in _ID_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput(f"identity table lacks column(s) {', '.join(missing)}", path=label,
                           hint=f"columns found: {', '.join(c for c in frame.columns if c != 'source_row')}")
    frame = frame.with_columns(pl.col(c).cast(pl.String) for c in _ID_COLUMNS)
    empty = frame.filter(pl.any_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in _ID_COLUMNS))
    if empty.height:
        raise InvalidInput("empty value in the identity table", path=label, row=empty["source_row"][0])
    clash = (
        frame.group_by("id_type", "id_value")
        .agg(pl.col("customer_id").n_unique().alias("n"), pl.col("source_row").min().alias("row"))
        .filter(pl.col("n") > 1).sort("row")
    )
    if clash.height:
        r = clash.row(0, named=True)
        raise InvalidInput(f"{r['id_type']} {r['id_value']!r} belongs to several customers", path=label, row=r["row"],
                           hint="an identity value must map to one customer")
    return frame.select(*_ID_COLUMNS)


@dataclass
class Stitched:
    """A source's events with ``_customer`` set from the identity table, the rows rejected as
    unmatched (``unmatched: reject``) and the match figures for the summary."""

    events: pl.DataFrame
    rejects: pl.DataFrame | None
    summary: dict[str, Any]


def stitch_identities(good: pl.DataFrame, kind: str, column: str, id_table: pl.DataFrame | None, *,
                      unmatched: str, source: str, label: str) -> Stitched:
    """Map the identity keys in ``_customer`` to customer ids: a key found in ``id_table`` (of
    the same kind) takes its customer; others become ``KIND:KEY`` or, with ``unmatched="reject"``
    and a table, are rejected. Input order is kept."""
    good = good.with_columns(normalise_identity(kind, pl.col("_customer")).alias("_key"))
    if id_table is not None:
        known = id_table.filter(pl.col("id_type") == kind).select(
            normalise_identity(kind, pl.col("id_value")).alias("_key"), pl.col("customer_id").alias("_cid")
        ).unique("_key")
        good = good.join(known, on="_key", how="left", maintain_order="left")  # keeps input order
    else:
        good = good.with_columns(pl.lit(None, pl.String).alias("_cid"))
    matched = good["_cid"].is_not_null()
    summary: dict[str, Any] = {
        "identity_kind": kind, "identity_column": column, "keys": good["_key"].n_unique(),
        "keys_matched": good.filter(matched)["_key"].n_unique(), "events_matched": int(matched.sum()),
        "match_rate": round(float(matched.mean()), 6) if good.height else None,  # type: ignore[arg-type]
    }
    rejects = None
    if unmatched == "reject" and id_table is not None:
        rejects = good.filter(~matched).select(
            pl.lit(source).alias(S.SOURCE), pl.lit(label).alias("file"), pl.col(S.SOURCE_ROW),
            pl.lit(column).alias("column"), pl.lit(f"{kind} not in the identity table").alias("reason"))
        good = good.filter(matched)
    good = good.with_columns(
        pl.coalesce(pl.col("_cid"), pl.lit(kind + ":") + pl.col("_key")).alias("_customer")).drop("_key", "_cid")
    return Stitched(good, rejects, summary)
