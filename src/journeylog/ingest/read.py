"""The entry points: :func:`read_events` (one log file into canonical events), :func:`ingest`
(one file or a YAML source map, optionally written as a store) and :func:`open_events` (the events
of one log for analysis, in memory or out of core)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import polars as pl

from journeylog import schema as S
from journeylog.errors import UsageError, param
from journeylog.ingest.columns import (
    ReadOptions,
    column_summary,
    detect_columns,
    guessed_roles,
    read_raw,
)
from journeylog.ingest.event_source import EventSource, batch_sizes, memory_events, select_store
from journeylog.ingest.normalise import empty_rejects, normalise
from journeylog.ingest.out_of_core import (
    ingest_out_of_core,
    parquet_rows,
    refuse_channel_filter,
)
from journeylog.ingest.result import IngestResult
from journeylog.ingest.segment import finish, format_gap
from journeylog.ingest.sources import ingest_source_map, refuse_map_options
from journeylog.ingest.spark_store import open_spark_events, refuse_spark
from journeylog.ingest.store_options import apply_store_plan, check_channel, filter_channel, store_plan
from journeylog.io.export import export_format, write_event_log
from journeylog.io.files import immediately, local_file
from journeylog.io.store import STORE_KEY, check_store_times, is_store_dir, read_store_dir, validate_store
from journeylog.io.tabular import sniff_format
from journeylog.journeys import apply_selection

__all__ = ["ingest", "open_events", "read_events"]

Progress = Callable[[str, int, int], None]


def read_events(path: str | os.PathLike[str], options: ReadOptions | None = None) -> pl.DataFrame:
    """Canonical events from one log file (or a journeylog store). Without options every event
    is kept (exact duplicates too, as pm4py keeps them). See :func:`ingest`. The options'
    ``selection`` keeps whole journeys (:func:`journeylog.journeys.apply_selection`)."""
    opts = options or ReadOptions(drop_duplicates=False)
    refuse_spark(opts)
    result = ingest(path, replace(opts, selection=None))
    assert result.events is not None
    if opts.on_read is not None:
        opts.on_read(result)
    events = apply_selection(result.events, opts.selection)  # whole journeys, before any event filter
    if result.channel_filter is not None:
        events = filter_channel(events, result.channel_filter, os.fspath(path))
    return events


def ingest(
    path: str | os.PathLike[str],
    options: ReadOptions | None = None,
    *,
    on_source: Progress | None = None,
    output: str | os.PathLike[str] | None = None,
) -> IngestResult:
    """Read one log file, a journeylog store, or a YAML source map into canonical events.

    With ``output``, also write them there (atomically) in the format of its suffix
    (:func:`journeylog.io.export.write_event_log`): ``.parquet`` is a journeylog store, ``.csv``,
    ``.xes`` (``.xes.gz``) and ``.jsonl`` the same event table for other tools. Into a store, a
    Parquet log of more than :func:`memory_events` events is ingested out of core, never whole in
    memory, and the result's ``events`` is None (read the store back with :func:`open_events`).
    """
    opts = options or ReadOptions()
    if opts.engine == "spark":
        from journeylog.ingest.spark_ingest import ingest_spark

        return ingest_spark(path, opts, output=output, on_source=on_source)
    if not is_store_dir(path):
        local_file(path)
    out_format = export_format(output) if output is not None else None
    if output is not None and out_format == "parquet" and sniff_format(path, opts.format) == "parquet":
        info = parquet_rows(path)
        if info is not None and info[0] > memory_events() and STORE_KEY not in info[1]:
            big = ingest_out_of_core(path, opts, Path(output), info[0], on_source, refuse_filter=True)
            if big is not None:
                return big
    result = _ingest_in_memory(path, opts, on_source)
    if output is not None:
        refuse_channel_filter(result.channel_filter, path)
        _write_counting(result, output)
        if out_format == "parquet":
            result.store = Path(output)
    return result


#: up to this many events, ingest counts the summary figures while the store is written
#: (:func:`_write_counting`); above, after it (their hash tables would add to the writer's
#: buffers: +0.2 GB of peak memory at 10M events)
OVERLAP_EVENTS = 2_000_000


def _write_counting(result: IngestResult, output: str | os.PathLike[str]) -> None:
    """Write the events to ``output`` while another thread counts the summary figures
    (:meth:`IngestResult.totals`): both are Polars work over the same frame that leaves the
    interpreter free, so on two cores the figures cost no time. The write stays in this thread
    (signals, atomic output); a failed write waits for the figures, then raises. Above
    :data:`OVERLAP_EVENTS` events the figures are counted by the summary, after the write."""
    from concurrent.futures import ThreadPoolExecutor

    assert result.events is not None
    if result.events.height > OVERLAP_EVENTS:
        write_event_log(result.events, output)
        return
    with ThreadPoolExecutor(1, thread_name_prefix="journeylog-totals") as pool:
        totals = pool.submit(result.totals)
        write_event_log(result.events, output)
        totals.result()


def _ingest_in_memory(path: str | os.PathLike[str], opts: ReadOptions, on_source: Progress | None) -> IngestResult:
    """One file (or a source map, or a store) read whole into memory."""
    if is_store_dir(path):  # a store written by Spark
        return _read_store(read_store_dir(path), os.fspath(path), Path(os.fspath(path)).name, opts)
    if sniff_format(path, opts.format) == "yaml":
        refuse_map_options(opts, path)
        return ingest_source_map(path, opts, on_source)
    raw = read_raw(path, opts)
    name = Path(os.fspath(path)).name
    if raw.canonical:
        return _read_store(raw.frame, raw.label, name, opts)
    if on_source:
        on_source(name, 0, 1)
    notes: list[str] = []
    cmap = detect_columns(raw.frame.columns, opts, raw.label)
    good, rejects = normalise(raw, cmap, opts, name, notes)
    use_case = cmap.case is not None
    if not use_case:
        notes.append(f"journeys cut at gaps longer than {format_gap(opts.gap)} (no journey/case column)")
    events, dups = finish([good], use_case, opts.gap, opts.drop_duplicates)
    src = [{
        "name": name, "path": raw.label, "format": raw.fmt, "rows": raw.frame.height, "events": good.height,
        "rejected": rejects.height, "columns": column_summary(cmap), "columns_guessed": guessed_roles(cmap),
    }]
    if on_source:
        on_source(name, 1, 1)
    return IngestResult(events, src, dups, rejects, notes, "column" if use_case else "gap", cmap.channel_filter,
                        opts.drop_duplicates)


def _read_store(frame: pl.DataFrame, label: str, name: str, opts: ReadOptions) -> IngestResult:
    """A store read whole, with the read options applied or refused (see
    :mod:`journeylog.ingest.store_options`)."""
    stored = validate_store(frame.drop(S.SOURCE_ROW) if S.SOURCE_ROW not in S.SCHEMA else frame, label)
    plan = store_plan(stored.columns, opts, label)
    events = apply_store_plan(stored, plan, label)
    dups = stored.height - events.height if plan.drop_duplicates else 0
    src = [{"name": name, "path": label, "format": "journeylog", "rows": stored.height, "events": events.height}]
    return IngestResult(events, src, dups, empty_rejects(), [], "store", plan.channel_filter, plan.drop_duplicates)


def open_events(path: str | os.PathLike[str], options: ReadOptions | None = None, *,
                on_progress: Progress | None = None) -> EventSource:
    """The events of one log for analysis: in memory, or, above :func:`memory_events` events of
    Parquet (a raw export or a journeylog store), on disk in journey-complete batches. Without
    options every event is kept, exact duplicates too (as in :func:`read_events`). The options'
    ``selection`` keeps whole journeys; out of core, into a temporary store (:func:`select_store`).
    With ``engine="spark"`` the events are a Spark DataFrame of the store at ``path``
    (:func:`journeylog.ingest.spark_store.open_spark_events`)."""
    opts = options or ReadOptions(drop_duplicates=False)
    if opts.engine == "spark":
        frame, channel_filter = open_spark_events(path, opts)
        return EventSource(events=frame, channel_filter=channel_filter)
    if not is_store_dir(path):
        local_file(path)
    if not is_store_dir(path) and sniff_format(path, opts.format) == "parquet":
        info = parquet_rows(path)
        if info is not None and (info[0] > memory_events() or _batched_store(path, opts, info)):
            source = _open_large_parquet(path, opts, info, on_progress)
            if source is not None:
                return source if opts.selection is None or not opts.selection.active else select_store(source, opts.selection)
    result = _ingest_in_memory(path, opts, None)
    assert result.events is not None
    if opts.on_read is not None:
        opts.on_read(result)
    if result.channel_filter is not None:
        check_channel(result.channel_filter, result.events[S.CHANNEL].unique().to_list(), os.fspath(path))
    return EventSource(events=apply_selection(result.events, opts.selection), channel_filter=result.channel_filter)


def _batched_store(path: str | os.PathLike[str], opts: ReadOptions, info: tuple[int, dict[str, str]]) -> bool:
    """Whether a store under the memory budget is still read in batches: it holds more than one
    analysis batch and needs no rewrite. The store is already sorted by journey, so the batches
    cost no extra work, and the commands hold a batch instead of the log (at 10M events conform
    took 1.0 GB instead of 4.9 GB with the same CPU time and output)."""
    rows, kv = info
    if STORE_KEY not in kv or rows <= batch_sizes()[2]:
        return False
    plan = store_plan(list(pl.read_parquet_schema(local_file(path))), opts, os.fspath(path))
    return not plan.rewrites


def _open_large_parquet(path: str | os.PathLike[str], opts: ReadOptions, info: tuple[int, dict[str, str]],
                        on_progress: Progress | None) -> EventSource | None:
    """A store as it is, or a raw export ingested into a temporary store (None: read it in memory)."""
    rows, kv = info
    if STORE_KEY in kv:
        label = os.fspath(path)
        schema = pl.read_parquet_schema(local_file(path))
        validate_store(pl.DataFrame(schema=schema), label)
        check_store_times(pl.scan_parquet(local_file(path)), label)
        plan = store_plan(list(schema), opts, label)
        if plan.rewrites:
            raise UsageError(f"re-mapping columns or dropping duplicates of a store above {memory_events():,} events "
                             "is not supported", path=label,
                             hint=f"re-run `journeylog ingest` on the export with those options, or leave out "
                                  f"{param('case')}/{param('customer')}/{param('activity')}/{param('drop_duplicates')}")
        source = EventSource(store=Path(path), channel_filter=plan.channel_filter)
        if plan.channel_filter is not None:
            check_channel(plan.channel_filter, source.distinct(S.CHANNEL).to_list(), label)
        return source
    tmp = tempfile.TemporaryDirectory(prefix="journeylog-")
    try:
        with immediately():  # a scratch store for this run, not one of its outputs
            result = ingest_out_of_core(path, opts, Path(tmp.name) / "events.parquet", rows, on_progress)
    except BaseException:
        tmp.cleanup()
        raise
    if result is not None:
        if opts.on_read is not None:
            opts.on_read(result)
        return EventSource(store=result.store, channel_filter=result.channel_filter, _tmp=tmp)
    tmp.cleanup()
    return None
