"""Reading and normalising one source for ``ingest --engine spark`` (:func:`read_source`).

Every row is normalised by the SAME :class:`~journeylog.ingest.normalise.Plan` the Polars path
uses (timestamp formats, time zones and daylight saving, channel and outcome spellings, the row
checks and their order), applied on the executors to Arrow batches (``mapInArrow``): the canonical
values and the row-level errors are those of ``--engine polars`` by construction. Only small
results reach the driver: counts, the first invalid row (for the error), the rejects (with
``skip_invalid_rows``), the distinct values the plan is decided from.

* Parquet (a local file or folder, or an ``s3a://``, ``abfss://``, ``hdfs://``, ... path the
  cluster reads) is read by Spark, split by row groups; each row's number in its file (its
  ``source_row``, 1 = first row) is made exact from the per-partition counts.
* A catalogue table (``catalog.schema.table``, when the session has a catalogue) is read by
  Spark; its rows have no file order, so ``source_row`` is the order Spark reads them in.
* CSV, JSON Lines and XES files (local paths) are read by journeylog's own reader, one Spark task
  per file, which writes the normalised rows to Parquet for Spark: the same parsing, encodings,
  line numbers and errors as ``--engine polars``. A file is then one task: split big exports into
  several files, or convert them to Parquet.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.errors import JourneylogError, UsageError, param
from journeylog.ingest.columns import ColumnMap, ReadOptions, column_summary, detect_columns, guessed_roles
from journeylog.ingest.normalise import Plan, make_plan, rejects_table
from journeylog.ingest.timestamps import DATES_ONLY_NOTE, check_timezone

__all__ = ["ORDER", "REMOTE", "SparkSource", "arrow_frame", "checkpoint", "is_table_name", "numbered", "q", "read_source",
           "scratch_dir"]

#: the schemes of paths Spark reads itself (the cluster holds the credentials)
REMOTE = re.compile(r"^(s3a|s3|s3n|abfss|abfs|wasbs|hdfs|gs|dbfs|file):/", re.IGNORECASE)
#: a catalogue table name: ``table``, ``schema.table`` or ``catalog.schema.table`` (no suffix)
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){1,2}$")
#: the helper column holding a row's place in the input (file order), for input order and errors
ORDER = "_ord"
_LOW = (1 << 33) - 1  # the row number inside a partition, in monotonically_increasing_id


def checkpoint(frame: Any) -> Any:
    """``frame`` computed once and kept on the executors' disks (a local checkpoint: short lineage,
    numbers that do not change when Spark recomputes, and no hold on execution memory, which the
    sorts and windows of a large log need)."""
    from pyspark import StorageLevel

    return frame.localCheckpoint(eager=True, storageLevel=StorageLevel.DISK_ONLY)


def q(name: str) -> Any:
    """The Spark column named ``name`` exactly (a dot in a name such as ``attr.outcome`` is not a
    struct field)."""
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def is_table_name(text: str) -> bool:
    """Whether ``text`` names a catalogue table rather than a file (``sales.events``, no such
    local path, no file suffix).

    >>> is_table_name("lake.crm.events"), is_table_name("events.csv"), is_table_name("web.parquet")
    (True, False, False)
    """
    if REMOTE.match(text) or os.path.exists(text) or not _TABLE.match(text):
        return False
    return text.rsplit(".", 1)[-1].lower() not in ("csv", "tsv", "txt", "parquet", "pq", "jsonl", "ndjson", "json",
                                                   "xes", "gz", "yaml", "yml")


@dataclass
class SparkSource:
    """One source read and normalised on Spark: the good rows (canonical columns, ``_case`` and
    ``_customer``, attributes, ``source``, ``source_row`` and :data:`ORDER`), the summary entry
    and the rejects (a small Polars table)."""

    frame: Any
    summary: dict[str, Any]
    rejects: pl.DataFrame
    cmap: ColumnMap
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Parquet and tables: read by Spark, normalised on the executors
# --------------------------------------------------------------------------------------------


def numbered(frame: Any) -> Any:
    """``frame`` with :data:`ORDER` (0-based, consecutive, in read order) and, unless it has one,
    ``source_row`` (1-based row in its file). Only the per-(file, partition) counts reach the
    driver. Long lineage is cut: the numbered frame is checkpointed (its numbers must not change
    when Spark recomputes it)."""
    from pyspark.sql import functions as F

    frame = frame.withColumn("_mid", F.monotonically_increasing_id()).withColumn("_file", F.input_file_name())
    frame = checkpoint(frame)
    chunks = (frame.groupBy((F.col("_mid").bitwiseAND(F.lit(~_LOW)) / (1 << 33)).cast("long").alias("p"), "_file")
              .agg(F.count(F.lit(1)).alias("n"), F.min("_mid").alias("m")).collect())
    # a file's pieces are in file order in partition order; files in name order
    chunks = sorted(chunks, key=lambda r: (r["_file"], r["p"]))
    global_at: dict[str, int] = {}  # "partition NUL file" -> rows before the chunk, in all and in its file
    file_at: dict[str, int] = {}
    before = 0
    seen: dict[str, int] = {}
    for r in chunks:
        name = f"{r['p']}\x00{r['_file']}"
        global_at[name] = before
        file_at[name] = seen.get(r["_file"], 0)
        before += r["n"]
        seen[r["_file"]] = seen.get(r["_file"], 0) + r["n"]
    key = F.concat_ws("\x00", ((F.col("_mid").bitwiseAND(F.lit(~_LOW)) / (1 << 33)).cast("long")).cast("string"),
                      F.col("_file"))
    first_mid = F.element_at(F.create_map(*[x for r in chunks for x in (F.lit(f"{r['p']}\x00{r['_file']}"),
                                                                         F.lit(r["m"]))]), key)
    within = F.col("_mid") - first_mid

    def lookup(table: dict[str, int]) -> Any:
        return F.element_at(F.create_map(*[x for k, v in table.items() for x in (F.lit(k), F.lit(v))]), key)

    frame = frame.withColumn(ORDER, (lookup(global_at) + within).cast("long"))
    if S.SOURCE_ROW not in frame.columns:
        frame = frame.withColumn(S.SOURCE_ROW, (lookup(file_at) + within + 1).cast("long"))
    return frame.drop("_mid", "_file")


def _polars_schema(spark_schema: Any) -> pl.Schema:
    import pyarrow as pa
    from pyspark.sql.pandas.types import to_arrow_schema

    return pl.from_arrow(pa.Table.from_batches([], schema=to_arrow_schema(spark_schema, timezone="UTC"))).schema  # type: ignore[union-attr]


def _decision_frame(raw: Any, schema: pl.Schema, cmap: ColumnMap, opts: ReadOptions, label: str) -> pl.DataFrame:
    """The stand-in for the whole input the plan is decided from (as the Polars out-of-core path
    decides: :func:`journeylog.ingest.out_of_core.decision_frame`): the distinct outcome and
    satisfaction values and the extremes of a numeric timestamp column. Timestamps as text need
    ``timestamp_format`` (a strftime format, epoch_s or epoch_ms): their format is otherwise
    detected over every value, which Spark does not do yet."""
    from pyspark.sql import functions as F

    ts_type = schema[cmap.timestamp]
    if ts_type == pl.String and opts.timestamp_format in (None, "iso"):
        raise UsageError(f"{param('engine')} spark: timestamps as text need {param('timestamp_format')} (a strftime "
                         "format such as '%Y-%m-%d %H:%M:%S', epoch_s or epoch_ms); detecting their format is not "
                         "supported on Spark yet", path=label, column=cmap.timestamp,
                         hint=f"give {param('timestamp_format')}, or use {param('engine')} polars")
    values: dict[str, pl.Series] = {}
    for col in sorted({c for c in (cmap.outcome, cmap.satisfaction) if c is not None}):
        rows = raw.select(q(col)).distinct().limit(100_001).collect()
        if len(rows) > 100_000 and col not in cmap.explicit:
            raise UsageError(f"{param('engine')} spark: column {col!r} has over 100,000 distinct values", path=label,
                             hint=f"name the {'outcome' if col == cmap.outcome else 'satisfaction'} column, or "
                                  f"use {param('engine')} polars")
        values[col] = pl.Series(col, [r[0] for r in rows], dtype=schema[col])
    if ts_type.is_numeric():
        ext = raw.agg(F.min(q(cmap.timestamp)).alias("lo"), F.max(q(cmap.timestamp)).alias("hi")).collect()[0]
        values[cmap.timestamp] = pl.Series(cmap.timestamp, [ext["lo"], ext["hi"]], dtype=ts_type)
    height = max([v.len() for v in values.values()] + [1])
    cols = []
    for name, dtype in schema.items():
        v = values.get(name)
        pad = pl.Series(name, [None] * (height - (v.len() if v is not None else 0)), dtype=dtype)
        cols.append(pad if v is None else pl.concat([v, pad]).alias(name))
    return pl.DataFrame(cols)


def _planned(plan: Plan, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` normalised by ``plan`` with ``_reason``/``_column`` (as
    :func:`journeylog.ingest.normalise.apply_plan`, invalid rows kept): one Arrow batch's work."""
    out = frame.select(
        *[e.alias(k) for k, e in plan.exprs.items()],
        pl.col(plan.ts_col).cast(pl.String).alias("_ts_raw"),
        pl.col(S.SOURCE_ROW).cast(pl.Int64),
        pl.col(ORDER).cast(pl.Int64),
        *[pl.col(c).alias(r) for c, r in plan.attrs.items()],
    ).with_columns(pl.lit(plan.source).alias(S.SOURCE))
    reason = pl.lit(None, pl.String)
    column = pl.lit(None, pl.String)
    for cond, col, msg, _hint in reversed(plan.checks):
        reason = pl.when(cond.fill_null(False)).then(pl.lit(msg)).otherwise(reason)
        column = pl.when(cond.fill_null(False)).then(pl.lit(col)).otherwise(column)
    return out.with_columns(reason.alias("_reason"), column.alias("_column"))


def _apply_on_spark(raw: Any, plan: Plan, schema: pl.Schema) -> Any:
    """The plan applied to every Arrow batch of ``raw`` on the executors."""
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    empty = pl.DataFrame(schema={**schema, S.SOURCE_ROW: pl.Int64, ORDER: pl.Int64})
    out_schema = from_arrow_schema(_planned(plan, empty).to_arrow().schema)
    arrow_schema = to_arrow_schema(out_schema, timezone="UTC")
    columns = list(empty.columns)

    def run(batches: Any) -> Any:
        import pyarrow as pa

        for batch in batches:
            frame = pl.from_arrow(pa.Table.from_batches([batch]))
            assert isinstance(frame, pl.DataFrame)
            table = _planned(plan, frame.select(columns)).to_arrow().cast(arrow_schema)
            yield from table.to_batches()

    return raw.mapInArrow(run, out_schema)


def _dates_only(good: Any, tz: str) -> bool:
    """:func:`journeylog.ingest.timestamps.dates_only` as one Spark aggregate."""
    from pyspark.sql import functions as F

    local = F.from_utc_timestamp(F.col(S.TIMESTAMP), tz)
    off = (F.hour(local) != 0) | (F.minute(local) != 0) | (F.second(local) != 0) | \
          (F.unix_micros(local) % 1_000_000 != 0)
    row = good.agg(F.count(S.TIMESTAMP).alias("n"), F.sum(F.when(off, 1).otherwise(0)).alias("off")).collect()[0]
    return bool(row["n"]) and not row["off"]


def _checked(planned: Any, plan: Plan, opts: ReadOptions) -> tuple[Any, pl.DataFrame]:
    """The good rows and the rejects table; the error for the first invalid row in file order
    (the same line as ``--engine polars``) unless ``skip_invalid_rows``."""
    from pyspark.sql import functions as F

    planned = checkpoint(planned)  # normalised once, on the executors
    bad = planned.filter(F.col("_reason").isNotNull())
    count = bad.count()
    helpers = [c for c in plan.helpers() if c in planned.columns]
    if not count:
        return planned.drop(*helpers), _empty_rejects()
    keep = [S.SOURCE_ROW, "_reason", "_column", "_ts_raw", *(plan.raw_values or {}).values()]
    if not opts.skip_invalid_rows:
        first = bad.orderBy(ORDER).select(*[q(c) for c in keep]).limit(1).toArrow()
        rejects_table(plan, arrow_frame(first), opts, total=count)  # raises
    rows = bad.orderBy(ORDER).select(S.SOURCE_ROW, "_reason", "_column").toArrow()  # the rejects only
    rejects = rejects_table(plan, arrow_frame(rows), opts)
    return planned.filter(F.col("_reason").isNull()).drop(*helpers), rejects


def arrow_frame(table: Any) -> pl.DataFrame:
    """A small Arrow table from Spark as a Polars frame."""
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _empty_rejects() -> pl.DataFrame:
    from journeylog.ingest.normalise import empty_rejects

    return empty_rejects()


def _read_spark(spark: Any, path: str, fmt: str) -> Any:
    """The input as Spark reads it; what Spark cannot find or read is a usage error naming it."""
    from pyspark.errors import AnalysisException

    try:
        if fmt == "table":
            return spark.read.table(path)
        return spark.read.parquet(path if REMOTE.match(path) else str(Path(path).resolve()))
    except AnalysisException as exc:
        what = "table" if fmt == "table" else "Parquet input"
        raise UsageError(f"Spark cannot read this {what}: {str(exc).splitlines()[0][:200]}", path=path,
                         hint="a local file, a folder of Parquet files, a path the cluster reads (s3a://, abfss://, "
                              "hdfs://) or a catalogue table") from None


def _spark_native(spark: Any, path: str, label: str, fmt: str, opts: ReadOptions, source: str,
                  notes: list[str], prepare: Any) -> tuple[Any, pl.DataFrame, ColumnMap, int]:
    """A Parquet file or folder, or a table: (good rows, rejects, column map, rows read)."""
    raw = numbered(_read_spark(spark, path, fmt))
    schema = _polars_schema(raw.drop(ORDER).schema)
    cmap = prepare(list(schema))
    decision = _decision_frame(raw, schema, cmap, opts, label)
    plan = make_plan(decision, label, cmap, opts, source, notes)
    planned = _apply_on_spark(raw, plan, schema)
    good, rejects = _checked(planned, plan, opts)
    if _dates_only(good, check_timezone(opts.timezone)):
        notes.append(f"{source}: {DATES_ONLY_NOTE}")
    return good, rejects, cmap, raw.count()


# --------------------------------------------------------------------------------------------
# CSV, JSON Lines, XES: journeylog's reader, one task per file
# --------------------------------------------------------------------------------------------


def _normalise_file(path: str, label: str, opts: ReadOptions, source: str, out: str, identity: str | None,
                    channel_value: str | None, channel_names: dict[str, str] | None) -> dict[str, Any]:
    """Runs on an executor: read one file with journeylog's reader, normalise it exactly as the
    Polars path does, write the good rows to ``out`` (Parquet); return the small results."""
    from journeylog.ingest.columns import read_raw
    from journeylog.ingest.normalise import normalise

    try:
        raw = read_raw(path, opts)
        raw.label = label
        cmap = _column_map(raw.frame.columns, opts, label, identity, channel_value)
        if channel_names and cmap.channel is not None:
            col = pl.col(cmap.channel).cast(pl.String).str.strip_chars()
            raw.frame = raw.frame.with_columns(col.replace(channel_names).alias(cmap.channel))
        notes: list[str] = []
        good, rejects = normalise(raw, cmap, opts, source, notes)
        good.with_row_index(ORDER).with_columns(pl.col(ORDER).cast(pl.Int64)).write_parquet(out)
        return {"cmap": cmap, "notes": notes, "rejects": rejects, "rows": raw.frame.height, "fmt": raw.fmt,
                "schema": dict(good.schema)}
    except JourneylogError as exc:
        return {"error": exc}


def _column_map(columns: list[str], opts: ReadOptions, label: str, identity: str | None,
                channel_value: str | None) -> ColumnMap:
    """The column map of a source: ``identity`` is its identity column (a source map), a fixed
    ``channel_value`` replaces any channel column (``channel:`` in a source map)."""
    cmap = detect_columns(columns, opts, label, identity=identity)
    if channel_value is not None:
        cmap = replace(cmap, channel=None, channel_value=channel_value)
    return cmap


def _by_task(spark: Any, path: str, label: str, opts: ReadOptions, source: str, identity: str | None,
             channel_value: str | None, channel_names: dict[str, str] | None,
             scratch: Path) -> tuple[Any, pl.DataFrame, ColumnMap, int, list[str], str]:
    """A local CSV, JSON Lines or XES file read and normalised by one Spark task."""
    out = str(scratch / f"{len(list(scratch.iterdir()))}.parquet")
    args = (str(Path(path).resolve()), label, opts, source, out, identity, channel_value, channel_names)
    done = spark.sparkContext.parallelize([args], 1).map(lambda a: _normalise_file(*a)).collect()[0]
    if "error" in done:
        raise done["error"]
    good = spark.read.parquet(out)
    return good, done["rejects"], done["cmap"], done["rows"], done["notes"], done["fmt"]


def read_source(spark: Any, path: str, label: str, opts: ReadOptions, source: str, *, scratch: Path,
                identity: str | None = None, channel_value: str | None = None,
                channel_names: dict[str, str] | None = None) -> SparkSource:
    """One source (a file, a folder of Parquet files or a table) read and normalised on Spark."""
    from journeylog.io.tabular import sniff_format

    if is_table_name(path):
        fmt = "table"
    elif os.path.isdir(path) or (REMOTE.match(path) and not os.path.splitext(path)[1]):
        fmt = "parquet" if opts.format in (None, "parquet") else opts.format
    else:
        fmt = sniff_format(path, opts.format)
    _refuse_store(path, fmt, label)
    notes: list[str] = []
    if fmt in ("parquet", "table"):
        def prepare(columns: list[str]) -> ColumnMap:
            return _column_map(columns, opts, label, identity, channel_value)

        if channel_names:
            raise UsageError(f"{param('engine')} spark: `channel_names:` on a Parquet source is not supported yet",
                             path=label, hint=f"use {param('engine')} polars")
        good, rejects, cmap, rows = _spark_native(spark, path, label, fmt, opts, source, notes, prepare)
        shown = "parquet" if fmt == "parquet" else "table"
    else:
        if REMOTE.match(path):
            raise UsageError(f"{param('engine')} spark reads {fmt.upper()} from local paths only (yet)", path=label,
                             hint="convert the export to Parquet on the cluster, or copy it here")
        if not os.path.isfile(path):
            from journeylog.io.files import local_file

            local_file(path)  # the Polars path's error for a missing file, a directory, a device
        good, rejects, cmap, rows, task_notes, shown = _by_task(spark, path, label, opts, source, identity,
                                                                channel_value, channel_names, scratch)
        notes.extend(task_notes)
    summary: dict[str, Any] = {"name": source, "path": label, "format": shown, "rows": rows,
                               "columns": column_summary(cmap), "columns_guessed": guessed_roles(cmap)}
    return SparkSource(good, summary, rejects, cmap, notes)


def _refuse_store(path: str, fmt: str, label: str) -> None:
    """A journeylog store is not ingested again on Spark (the Polars path re-reads it as a store)."""
    from journeylog.io.store import STORE_KEY, is_store_dir
    from journeylog.io.tabular import parquet_info

    store = is_store_dir(path)
    if not store and fmt == "parquet" and os.path.isfile(path):
        try:
            store = STORE_KEY in parquet_info(path)[1]
        except Exception:  # noqa: BLE001 - a damaged file is reported when Spark reads it
            store = False
    if store:
        raise UsageError(f"{param('engine')} spark: the input is a journeylog store already; re-ingesting a store "
                         "is not supported on Spark yet", path=label,
                         hint=f"analyse it with {param('engine')} spark directly, or use {param('engine')} polars")


def scratch_dir() -> tempfile.TemporaryDirectory[str]:
    """A scratch folder for the Parquet files the per-file tasks write."""
    return tempfile.TemporaryDirectory(prefix="journeylog-spark-")
