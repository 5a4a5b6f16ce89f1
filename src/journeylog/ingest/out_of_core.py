"""Logs larger than memory: a Parquet export above the memory budget is ingested into a sorted
journeylog store bucket by bucket, with the same events, order, duplicates and errors as the
in-memory path.

Rows are normalised and checked half a million at a time and spread over buckets of journeys (by
ranges of the journey key, so bucket order is journey order); each bucket is then cut into
journeys, de-duplicated and sorted in memory and appended to the store.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.errors import InvalidInput, UsageError, param
from journeylog.ingest.columns import (
    ColumnMap,
    ReadOptions,
    column_summary,
    detect_columns,
    guessed_roles,
    refuse_huge_cells,
    refuse_too_many_events,
)
from journeylog.ingest.event_source import batch_sizes
from journeylog.ingest.normalise import (
    Plan,
    apply_plan,
    empty_rejects,
    make_plan,
    rejects_table,
)
from journeylog.ingest.result import IngestResult
from journeylog.ingest.segment import finish, format_gap
from journeylog.io.files import atomic_output, local_file
from journeylog.io.store import store_table
from journeylog.io.tabular import collect_parquet, parquet_batches, parquet_info

__all__ = ["decision_frame", "ingest_out_of_core", "parquet_rows", "refuse_channel_filter"]

Progress = Callable[[str, int, int], None]


def parquet_rows(path: str | os.PathLike[str]) -> tuple[int, dict[str, str]] | None:
    """Row count and key-value metadata of a Parquet file (None when it is not readable as one:
    the in-memory reader then reports the problem)."""
    try:
        info = parquet_info(local_file(path))
    except Exception:  # noqa: BLE001 - corrupt files are reported by read_parquet
        return None
    refuse_too_many_events(info[0], os.fspath(path), footer=True)
    return info


def refuse_channel_filter(channel_filter: str | None, path: str | os.PathLike[str]) -> None:
    """A channel *filter* (see :class:`ReadOptions`) cannot be written into a store."""
    if channel_filter:
        raise UsageError(f"the log has a channel column; {param('channel')} {channel_filter!r} would overwrite it",
                         path=os.fspath(path), hint=f"name the channel column with {param('channel')}, or leave it out")


def decision_frame(path: Path, schema: pl.Schema, cmap: ColumnMap) -> pl.DataFrame | None:
    """A small frame standing in for the whole file when deciding how to read it: the distinct
    values of the outcome and satisfaction columns, the extremes of a numeric timestamp column,
    every other column empty. None when the timestamps are text (their format is decided over
    every value, so such files are read in memory)."""
    ts_type = schema[cmap.timestamp]
    if ts_type == pl.String:
        return None
    lf = pl.scan_parquet(path)
    values: dict[str, pl.Series] = {}
    for col in sorted({c for c in (cmap.outcome, cmap.satisfaction) if c is not None}):
        values[col] = collect_parquet(lf.select(pl.col(col).unique()), path)[col]
    if ts_type.is_numeric():
        ext = collect_parquet(lf.select(pl.col(cmap.timestamp).min().alias("lo"), pl.col(cmap.timestamp).max().alias("hi")), path)
        values[cmap.timestamp] = pl.Series(cmap.timestamp, [ext["lo"][0], ext["hi"][0]], dtype=ts_type)
    height = max([v.len() for v in values.values()] + [1])
    cols = []
    for name, dtype in schema.items():
        v = values.get(name)
        if v is None:
            cols.append(pl.Series(name, [None] * height, dtype=dtype))
        else:
            cols.append(pl.concat([v, pl.Series(name, [None] * (height - v.len()), dtype=dtype)]).alias(name))
    return pl.DataFrame(cols)


def _bucket_bounds(path: Path, key: pl.Expr, rows: int) -> pl.Series:
    """Journey-key boundaries cutting the file into buckets of about the bucket size in events,
    from a systematic sample of the keys (every ``rows / 200,000``-th row)."""
    buckets = max(1, -(-rows // batch_sizes()[0]))
    if buckets == 1:
        return pl.Series("b", [], dtype=pl.String)
    step = max(1, rows // 200_000)
    sample = collect_parquet(pl.scan_parquet(path).select(key.alias("k")).gather_every(step), path)["k"].drop_nulls().sort()
    if sample.len() == 0:
        return pl.Series("b", [], dtype=pl.String)
    picks = [sample[min(sample.len() - 1, sample.len() * i // buckets)] for i in range(1, buckets)]
    return pl.Series("b", picks, dtype=pl.String).unique().sort()


def _bucket_expr(p: Path, plan: Plan, use_case: bool, rows: int) -> pl.Expr:
    """The bucket of each normalised row. Buckets are ranges of the journey key: the journey id,
    or the customer id + "#" that starts every journey id cut from that customer's timeline."""
    col = "_case" if use_case else "_customer"

    def key_of(ids: pl.Expr) -> pl.Expr:
        return ids if use_case else ids + "#"

    bounds = _bucket_bounds(p, key_of(plan.exprs[col]), rows)
    if not bounds.len():
        return pl.lit(0, pl.UInt32)
    return pl.lit(bounds).search_sorted(key_of(pl.col(col)), side="right").cast(pl.UInt32)


@dataclass
class _Spread:
    """Pass one: the valid rows spread over bucket files; the invalid rows counted."""

    buckets: dict[int, str] = field(default_factory=dict)  # bucket -> Arrow IPC file
    good_rows: int = 0
    bad_total: int = 0
    first_bad: pl.DataFrame | None = None
    bad_frames: list[pl.DataFrame] = field(default_factory=list)


def _spread(p: Path, plan: Plan, bucket_of: pl.Expr, opts: ReadOptions, tmp: str, progress: Callable[[int], None]) -> _Spread:
    """Normalise and check the file a batch at a time and append the valid rows, numbered in input
    order, to one Arrow file per bucket. After the first invalid row (without
    ``skip_invalid_rows``) the rest is only counted, for the error."""
    import pyarrow as pa

    out = _Spread()
    writers: dict[int, Any] = {}
    done = 0
    for batch in parquet_batches(p, None, batch_sizes()[1]):
        if S.SOURCE_ROW not in batch.columns:
            batch = batch.with_columns(pl.int_range(done + 1, done + batch.height + 1, dtype=pl.Int64).alias(S.SOURCE_ROW))
        done += batch.height
        refuse_huge_cells(batch, plan.label)
        good, bad = apply_plan(plan, batch)
        if bad.height:
            out.bad_total += bad.height
            if out.first_bad is None:
                out.first_bad = bad.head(1)
            if opts.skip_invalid_rows:
                out.bad_frames.append(rejects_table(plan, bad, opts))
        if out.first_bad is not None and not opts.skip_invalid_rows:
            continue  # only counting the invalid rows from here on
        good = good.with_columns(pl.int_range(out.good_rows, out.good_rows + good.height, dtype=pl.UInt64).alias(S.INPUT_ORDER),
                                 bucket_of.alias("_bucket"))
        out.good_rows += good.height
        for (b,), part in good.partition_by("_bucket", as_dict=True, include_key=False).items():
            table = part.to_arrow()
            if b not in writers:
                out.buckets[b] = os.path.join(tmp, f"bucket-{b}.arrow")
                writers[b] = (pa.ipc.new_file(out.buckets[b], table.schema,
                                              options=pa.ipc.IpcWriteOptions(compression="lz4")), table.schema)
            w, sch = writers[b]
            if table.schema != sch:
                frame = pl.from_arrow(table)
                assert isinstance(frame, pl.DataFrame)
                table = frame.cast(pl.Schema(sch)).to_arrow()
            w.write_table(table)
        progress(done)
    for w, _sch in writers.values():
        w.close()
    return out


def _sorted_buckets(buckets: dict[int, str], use_case: bool, opts: ReadOptions) -> Iterator[tuple[int, pl.DataFrame, int]]:
    """Each bucket, in journey order, cut into journeys, de-duplicated and sorted:
    (bucket, events, duplicates); its file is removed once read."""
    for b in sorted(buckets):
        events, dups = finish([pl.read_ipc(buckets[b])], use_case, opts.gap, opts.drop_duplicates, numbered=True)
        os.unlink(buckets[b])
        yield b, events, dups


def _write_store(spread: _Spread, use_case: bool, opts: ReadOptions, output: Path, progress: Callable[[int], None]) -> int:
    """Pass two: append the sorted buckets to the store at ``output`` (atomically); the duplicates found."""
    import pyarrow.parquet as pq

    duplicates = 0
    with atomic_output(output) as out_tmp:
        writer = None
        for b, events, dups in _sorted_buckets(spread.buckets, use_case, opts):
            duplicates += dups
            table = store_table(events)
            if writer is None:
                writer = pq.ParquetWriter(out_tmp, table.schema, compression="zstd")
            elif table.schema != writer.schema:
                table = table.cast(writer.schema)
            writer.write_table(table, row_group_size=1_000_000)
            del events, table
            progress(b)
        assert writer is not None
        writer.close()
    return duplicates


def ingest_out_of_core(path: str | os.PathLike[str], opts: ReadOptions, output: Path, rows: int,
                       on_progress: Progress | None = None, *,
                       refuse_filter: bool = False) -> IngestResult | None:
    """Ingest one large Parquet log into a sorted journeylog store at ``output`` without holding
    the log in memory; the same events, order, duplicates and errors as :func:`journeylog.ingest.ingest`.
    None when the file cannot be read this way (text timestamps): the caller reads it in memory.
    """
    label = os.fspath(path)
    p = local_file(path)
    name = Path(label).name
    schema = pl.read_parquet_schema(p)
    cmap = detect_columns(list(schema), opts, label)
    if refuse_filter:
        refuse_channel_filter(cmap.channel_filter, path)
    decision = decision_frame(p, pl.Schema(schema), cmap)
    if decision is None:
        return None
    notes: list[str] = []
    plan = make_plan(decision, label, cmap, opts, name, notes)
    use_case = cmap.case is not None
    if not use_case:
        notes.append(f"journeys cut at gaps longer than {format_gap(opts.gap)} (no journey/case column)")
    bucket_of = _bucket_expr(p, plan, use_case, rows)

    def reading(done: int) -> None:
        if on_progress:
            on_progress(name, done, rows * 2)

    with tempfile.TemporaryDirectory(prefix="journeylog-") as tmp:
        spread = _spread(p, plan, bucket_of, opts, tmp, reading)
        if spread.first_bad is not None and not opts.skip_invalid_rows:
            rejects_table(plan, spread.first_bad, opts, total=spread.bad_total)  # raises
        if spread.good_rows == 0:
            raise InvalidInput("no valid events in the file", path=label)

        def writing(b: int) -> None:
            if on_progress:
                on_progress(name, rows + (b + 1) * rows // max(1, len(spread.buckets)), rows * 2)

        duplicates = _write_store(spread, use_case, opts, output, writing)
    rejects = pl.concat(spread.bad_frames) if spread.bad_frames else empty_rejects()
    src = [{
        "name": name, "path": label, "format": "parquet", "rows": rows, "events": spread.good_rows,
        "rejected": rejects.height, "columns": column_summary(cmap), "columns_guessed": guessed_roles(cmap),
    }]
    return IngestResult(None, src, duplicates, rejects, notes, "column" if use_case else "gap", cmap.channel_filter,
                        opts.drop_duplicates, store=output)
