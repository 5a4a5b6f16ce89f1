"""``ingest --engine spark``: one export, a folder of Parquet files, a catalogue table or a YAML
source map ingested on Spark into a journeylog store written by Spark (:func:`ingest_spark`).

The same stages as the Polars path, with the same rules and answers: sources read and
normalised (:mod:`journeylog.ingest.spark_read`), stitched to customers
(:mod:`journeylog.ingest.spark_identity`), numbered in input order, cut into journeys at gaps
(a window per customer ordered by time and input order), exact duplicates counted and dropped
(a window per event content), the customer table joined, and the events written sorted by
(journey, timestamp, input order) as a folder of Parquet files (:func:`journeylog.io.store.
write_store_dir`) that both engines read. Nothing collects events to the driver.

Paths: local files are checked as the Polars path checks them (a source map's files stay in its
folder unless allowed); ``s3a://``, ``abfss://``, ``hdfs://``, ``gs://``, ``dbfs:/`` paths and
catalogue tables are handed to Spark as they are: the cluster's configuration and credentials
decide what they reach (see docs/spark.md).
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from functools import reduce
from pathlib import Path
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.errors import InvalidInput, UsageError, param
from journeylog.ingest.columns import DEFAULT_GAP, ReadOptions
from journeylog.ingest.identity import KnownKeys
from journeylog.ingest.normalise import empty_rejects
from journeylog.ingest.result import IngestResult
from journeylog.ingest.segment import format_gap
from journeylog.ingest.sources import journeys_by_column, known_for, refuse_map_options
from journeylog.ingest.spark_identity import refuse_made_up_collisions, stitch
from journeylog.ingest.spark_read import (
    ORDER,
    REMOTE,
    SparkSource,
    checkpoint,
    is_table_name,
    numbered,
    q,
    read_source,
    scratch_dir,
)

__all__ = ["ingest_spark"]


@dataclass
class _Acc:
    frames: list[Any] = field(default_factory=list)
    rejects: list[pl.DataFrame] = field(default_factory=list)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    known: dict[tuple[str, str | None], KnownKeys] = field(default_factory=dict)


def _check_output(output: str | os.PathLike[str] | None) -> str:
    if output is None:
        raise UsageError(f"{param('engine')} spark writes a journeylog store: give {param('output')}")
    out = os.fspath(output)
    if not out.lower().endswith((".parquet", "/")) and not REMOTE.match(out):
        raise UsageError(f"{param('engine')} spark writes a journeylog store (a folder of Parquet files) only",
                         path=out, hint=f"name it *.parquet, or use {param('engine')} polars for CSV, XES, JSON Lines")
    return out


def ingest_spark(path: str | os.PathLike[str], opts: ReadOptions, *, output: str | os.PathLike[str] | None = None,
                 on_source: Any = None) -> IngestResult:
    """Ingest ``path`` on Spark into the store ``output`` (a folder, see module docstring); the
    result's ``events`` is None and its summary is computed from the store, on Spark."""
    from journeylog.engine.spark_session import spark_session
    from journeylog.io.tabular import sniff_format

    out = _check_output(output)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # a local session's workers run this Python
    label = os.fspath(path)
    if not (REMOTE.match(label) or is_table_name(label) or os.path.isdir(label)):
        from journeylog.io.files import local_file

        local_file(path)
    spark = spark_session(opts.spark_master)
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    with scratch_dir() as tmp:
        scratch = Path(tmp)
        is_map = not (REMOTE.match(label) or is_table_name(label) or os.path.isdir(label)) and \
            sniff_format(path, opts.format) == "yaml"
        if is_map:
            refuse_map_options(opts, path)
            result, events = _source_map(spark, label, opts, scratch, on_source)
        else:
            result, events = _one_file(spark, label, opts, scratch, on_source)
        write_store_dir(spark, events, out)
    result.store = Path(out)
    return SparkIngestResult(**{f.name: getattr(result, f.name) for f in fields(IngestResult)},
                             frame=spark.read.parquet(out if REMOTE.match(out) else str(Path(out).resolve())))


@dataclass
class SparkIngestResult(IngestResult):
    """An :class:`IngestResult` whose summary figures are computed on Spark from the store written
    (``events`` stays None: the events are in the store)."""

    frame: Any = None

    def summary(self) -> dict[str, Any]:
        """As :meth:`IngestResult.summary`, the figures by the Spark engine."""
        return IngestResult.summary(replace(self, events=self.frame, frame=None))


def _one_file(spark: Any, label: str, opts: ReadOptions, scratch: Path, on_source: Any) -> tuple[IngestResult, Any]:
    name = Path(label.rstrip("/")).name
    if on_source:
        on_source(name, 0, 1)
    src = read_source(spark, label, label, opts, name, scratch=scratch)
    if src.cmap.channel_filter is not None:
        from journeylog.ingest.out_of_core import refuse_channel_filter

        refuse_channel_filter(src.cmap.channel_filter, label)
    notes = list(src.notes)
    use_case = src.cmap.case is not None
    if not use_case:
        notes.append(f"journeys cut at gaps longer than {format_gap(opts.gap)} (no journey/case column)")
    good = src.frame.withColumn(MARK, _lit(0))
    events, dups = _finish([good], use_case, opts.gap, opts.drop_duplicates)
    events_n = good.count()
    s = src.summary
    summary = {"name": s["name"], "path": s["path"], "format": s["format"], "rows": s["rows"], "events": events_n,
               "rejected": src.rejects.height, "columns": s["columns"], "columns_guessed": s["columns_guessed"]}
    if on_source:
        on_source(name, 1, 1)
    return IngestResult(None, [summary], dups, src.rejects, notes, "column" if use_case else "gap", None,
                        opts.drop_duplicates), events


MARK = "_src"  # the source's index: input order is (source, order in the source)


def _lit(value: Any) -> Any:
    from pyspark.sql import functions as F

    return F.lit(value)


def _source_map(spark: Any, label: str, opts: ReadOptions, scratch: Path, on_source: Any) -> tuple[IngestResult, Any]:
    from journeylog.config.sources import load_source_map
    from journeylog.ingest.identity import read_identities
    from journeylog.ingest.sources import _source_options as source_options

    smap = load_source_map(label, allow_outside_paths=opts.allow_outside_paths)
    if smap.gap is not None and opts.gap != DEFAULT_GAP and opts.gap != smap.gap:
        raise UsageError(f"{param('gap')} {format_gap(opts.gap)} and the source map's gap: {format_gap(smap.gap)} "
                         "disagree", path=smap.label, hint="drop one of them: the map's gap: applies to every run of it")
    gap = smap.gap if smap.gap is not None else opts.gap
    id_table = read_identities(smap.identities.path) if smap.identities is not None else None
    acc = _Acc()
    n = len(smap.sources)
    for i, spec in enumerate(smap.sources):
        if on_source:
            on_source(spec.name, spec.index, n)
        src_opts = source_options(spec, opts)
        path = os.path.relpath(spec.path) if not spec.path.is_absolute() else str(spec.path)
        src = read_source(spark, str(spec.path), path, src_opts, spec.name, scratch=scratch,
                          identity=spec.identity.column if spec.identity else None, channel_value=spec.channel,
                          channel_names=dict(spec.channel_names) if spec.channel_names else None)
        _stitched(spark, src, spec, smap, id_table, acc, i)
    if on_source:
        on_source("", n, n)
    use_case = journeys_by_column(smap, gap, acc.notes, lambda: _no_customer(acc))
    counts = [s["events"] for s in acc.summaries]
    nonempty = refuse_made_up_collisions([f for f, c in zip(acc.frames, counts, strict=True) if c], smap.label)
    if not nonempty:
        raise InvalidInput("no events left after reading the sources", path=smap.label)
    events, dups = _finish(nonempty, use_case, gap, opts.drop_duplicates)
    if smap.customers is not None:
        from journeylog.ingest.spark_customers import join_customers

        events, notes = join_customers(spark, events, smap.customers, smap.label)
        acc.notes.extend(notes)
    rejects = pl.concat(acc.rejects, how="diagonal_relaxed") if acc.rejects else empty_rejects()
    return IngestResult(None, acc.summaries, dups, rejects, acc.notes, "column" if use_case else "gap", None,
                        opts.drop_duplicates, warnings=acc.warnings), events


def _stitched(spark: Any, src: SparkSource, spec: Any, smap: Any, id_table: pl.DataFrame | None, acc: _Acc,
              index: int) -> None:
    """Stitch one source (as :func:`journeylog.ingest.sources._read_source` does) into ``acc``."""
    good, rej = src.frame, src.rejects
    acc.notes.extend(src.notes)
    for m in spec.metrics:
        acc.notes.append(f"{spec.name}: metric {m.name} ({m.scale}) from column {m.column!r}, kept as {m.event_column}")
    summary = dict(src.summary)
    more = None
    if spec.identity is not None:
        unmatched = smap.identities.unmatched if smap.identities else "own_customer"
        country = smap.country_of(spec)
        known = known_for(smap, id_table, spec.identity.kind, country, acc.known, acc.warnings)
        good, more, figures, warnings = stitch(spark, good, spec.identity.kind, spec.identity.column, known,
                                               unmatched=unmatched, source=spec.name, label=src.summary["path"],
                                               country=country, min_match_rate=smap.min_match_rate_of(spec))
        summary.update(figures)
        acc.warnings.extend(warnings)
        if more is not None:
            rej = pl.concat([rej, more])
    events = summary.get("events_matched") if more is not None else None
    summary.update(events=good.count() if events is None else events, rejected=rej.height)
    acc.summaries.append(summary)
    acc.frames.append(good.withColumn(MARK, _lit(index)))
    acc.rejects.append(rej)


def _no_customer(acc: _Acc) -> bool:
    """Whether an event of ``acc``'s frames lacks a customer (one row at most reaches the driver)."""
    from pyspark.sql import functions as F

    nulls = reduce(lambda a, b: a.unionByName(b), [f.select("_customer").where(F.col("_customer").isNull()).limit(1)
                                                   for f in acc.frames])
    return bool(nulls.limit(1).count())


_SPARK_TYPES = {S.JOURNEY_ID: "string", S.CUSTOMER_ID: "string", S.TIMESTAMP: "timestamp", S.CHANNEL: "string",
                S.ACTIVITY: "string", S.OUTCOME: "string", S.SATISFACTION: "double", S.CONTACT_REASON: "string",
                S.TEXT: "string", S.SOURCE: "string", S.SOURCE_ROW: "long", S.INPUT_ORDER: "long"}


def _finish(frames: list[Any], use_case: bool, gap: timedelta, drop_duplicates: bool) -> tuple[Any, int]:
    """As :func:`journeylog.ingest.segment.finish`: input order over (source, order in it),
    journeys, canonical types, exact duplicates; returns the events (unsorted) and the number of
    duplicates."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    events = reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))  # Polars' diagonal concat order
    events = numbered(events.orderBy(MARK, ORDER).drop(ORDER).select([q(c) for c in columns if c != ORDER]))
    events = events.withColumn(S.INPUT_ORDER, F.col(ORDER)).drop(ORDER, MARK)
    if use_case:
        events = events.withColumn(S.JOURNEY_ID, F.col("_case")) \
            .withColumn(S.CUSTOMER_ID, F.coalesce(F.col("_customer"), F.col("_case")))
    else:
        events = events.withColumn(S.CUSTOMER_ID, F.col("_customer"))
        w = Window.partitionBy(S.CUSTOMER_ID).orderBy(S.TIMESTAMP, S.INPUT_ORDER)
        step = F.unix_micros(F.col(S.TIMESTAMP)) - F.lag(F.unix_micros(F.col(S.TIMESTAMP))).over(w)
        new = F.coalesce(step > F.lit(gap // timedelta(microseconds=1)), F.lit(True)).cast("long")
        n = F.sum(new).over(w.rowsBetween(Window.unboundedPreceding, Window.currentRow))
        events = events.withColumn(S.JOURNEY_ID, F.concat(F.col(S.CUSTOMER_ID), F.lit("#"), n.cast("string")))
    events = events.drop("_case", "_customer")
    attrs = [c for c in events.columns if c not in S.SCHEMA]
    events = events.select([F.col(c).cast(t).alias(c) for c, t in _SPARK_TYPES.items()] + [q(c) for c in attrs])
    content = [c for c in events.columns if c not in (S.SOURCE_ROW, S.INPUT_ORDER)]
    nth = F.row_number().over(Window.partitionBy(*[q(c) for c in content]).orderBy(S.INPUT_ORDER))
    events = checkpoint(events.withColumn("_nth", nth))
    dups = events.where(F.col("_nth") > 1).count()
    if drop_duplicates and dups:
        events = events.where(F.col("_nth") == 1)
    return events.drop("_nth"), dups


def write_store_dir(spark: Any, events: Any, out: str) -> None:
    """Write ``events`` sorted by (journey, timestamp, input order) as a store folder: Parquet
    part files in key order (range-partitioned by the sort) and the marker file
    (:data:`journeylog.io.store.STORE_MARKER`). A local folder is replaced atomically (written
    beside it, then renamed); a remote one is written in place by Spark."""
    from journeylog.io.store import STORE_MARKER, store_marker

    ordered = events.orderBy(*S.SORT_KEYS)
    if REMOTE.match(out):
        ordered.write.mode("overwrite").option("compression", "zstd").parquet(out)
        jvm = spark.sparkContext._jvm
        marker = jvm.org.apache.hadoop.fs.Path(out.rstrip("/") + "/" + STORE_MARKER)
        fs = marker.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
        stream = fs.create(marker, True)
        stream.write(bytearray(store_marker().encode()))
        stream.close()
        return
    target = Path(out).resolve()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    old = target.with_name(f".{target.name}.{os.getpid()}.old")
    ordered.write.mode("overwrite").option("compression", "zstd").parquet(str(tmp))
    (tmp / STORE_MARKER).write_text(store_marker(), encoding="utf-8")
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    if old.is_dir():
        shutil.rmtree(old)
    elif old.exists():
        old.unlink()
