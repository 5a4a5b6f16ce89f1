"""Tabular readers: CSV, Parquet and JSON Lines into raw Polars frames.

Raw means: every column as the file has it (CSV: all strings, exactly as written, so ``"007"``,
``"NA"`` and ``"null"`` are ordinary values and nothing is coerced to a date), plus a
``source_row`` column giving the row's line in the file (header = line 1; for JSON Lines the
line number; for Parquet the 1-based row index). The journey-level meaning of the columns is
decided later, in :mod:`journeylog.ingest`.

Malformed files raise :class:`journeylog.errors.InvalidInput` with the file, line and a hint:
empty files, header-only files, ragged rows, undecodable bytes (the hint names ``encoding``), a
``;``- or TAB-separated file read as comma-separated (the hint names ``delimiter``), JSON Lines with a
broken line, files that are not Parquet.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
>>> _ = p.write_text("case,activity,ts\\n007,March,2024-01-01\\n7,NA,2024-01-02\\n")
>>> read_csv(p).rows()
[('007', 'March', '2024-01-01', 2), ('7', 'NA', '2024-01-02', 3)]
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

import polars as pl

from journeylog.errors import InvalidInput, UsageError, param
from journeylog.io.files import local_file, read_input_bytes, refuse_unread_compression
from journeylog.io.jsonio import loads_checked

SOURCE_ROW = "source_row"
_SNIFF_DELIMITERS = (";", "\t", "|")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode_check(data: bytes, encoding: str, label: str) -> None:
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise UsageError(f"unknown encoding {encoding!r}", hint=f"for example {param('encoding')} latin-1") from None
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib: codecs, not text encodings
        raise UsageError(f"{encoding!r} is not a text encoding", hint=f"for example {param('encoding')} latin-1")
    try:
        codecs.decode(data, encoding)
    except LookupError:
        raise UsageError(f"unknown encoding {encoding!r}", hint=f"for example {param('encoding')} latin-1") from None
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        utf16 = data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # what Excel's "Unicode text" writes
        raise InvalidInput(
            f"bytes that are not valid {encoding} (byte 0x{data[exc.start]:02x})"
            + ("; the file starts with a UTF-16 byte order mark" if utf16 else ""),
            path=label,
            row=line,
            hint=f"give {param('encoding')} utf-16" if utf16 else
            f"give {param('encoding')}, e.g. {param('encoding')} latin-1 or cp1252",
        ) from None


def _split_header(first_line: str, delimiter: str) -> list[str]:
    import csv

    return next(csv.reader([first_line], delimiter=delimiter, quotechar='"'))


def _csv_header(data: bytes, enc: str, delimiter: str | None, label: str) -> tuple[list[str], str]:
    """The column names and the delimiter: one character (``\\t`` or ``tab`` for TAB); a
    one-column header holding a likely delimiter, empty or duplicate names are errors."""
    text_head = codecs.decode(data[: 1 << 16], enc, errors="replace").lstrip("\ufeff")
    first_line = text_head.splitlines()[0] if text_head.splitlines() else ""
    sep = delimiter if delimiter is not None else ","
    if sep == "\\t" or sep.lower() == "tab":
        sep = "\t"
    if len(sep) != 1:
        raise UsageError(f"{param('delimiter')} must be one character, got {delimiter!r}")
    header = _split_header(first_line, sep)
    if delimiter is None and len(header) == 1:
        for cand in _SNIFF_DELIMITERS:
            if cand in first_line:
                shown = "TAB" if cand == "\t" else cand
                raise InvalidInput(
                    f"only one column found, but the header contains {shown!r}",
                    path=label,
                    row=1,
                    hint=f"give {param('delimiter')} '{shown if cand != chr(9) else chr(92) + 't'}'",
                )
    names = [h.strip() for h in header]
    if any(not n for n in names):
        idx = [i + 1 for i, n in enumerate(names) if not n]
        raise InvalidInput(f"empty column name in the header (column {idx[0]})", path=label, row=1)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        name = dupes[0]
        where = [str(i + 1) for i, n in enumerate(names) if n == name]
        more = f"; also duplicated: {', '.join(repr(d) for d in dupes[1:])}" if len(dupes) > 1 else ""
        raise InvalidInput(
            f"duplicate column names in the header: {name!r} is columns {', '.join(where)}{more}",
            path=label, row=1,
            hint=f"rename all but one in the header line, e.g. the second to {name + '_2'!r}, "
                 "or drop the extra column before exporting")
    return names, sep


def read_csv(
    path: str | os.PathLike[str],
    *,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    max_bytes: int | None = None,
) -> pl.DataFrame:
    """Read a CSV file with every column as a string, plus ``source_row``.

    Long by design: the checks (encoding, delimiter, header, ragged rows) each need the bytes
    and the parse options of the one pyarrow read they guard, and each names the exact line."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    label = os.fspath(path)
    local_file(path)
    data = read_input_bytes(path, max_bytes=max_bytes)
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise InvalidInput("empty file, expected a header line and events", path=label)
    enc = encoding.lower().replace("_", "-")
    _decode_check(data, enc, label)
    names, sep = _csv_header(data, enc, delimiter, label)

    bad: list[tuple[int | None, int, int]] = []

    def on_invalid(row) -> str:  # pyarrow calls this for rows with the wrong number of fields
        bad.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    def _read(use_threads: bool):
        # The threaded reader drops its last references on one of Arrow's pool threads, after
        # read_csv has returned. A Python object among them (a py_buffer over ``data``, the
        # invalid-row callback) needs the GIL there; if the interpreter is exiting meanwhile, that
        # thread is cancelled inside a C++ destructor and the process aborts ("terminate called
        # without an active exception", exit 134). So the threaded read gets an Arrow-owned copy
        # of the bytes and no callback; the callback only runs on the calling thread.
        source = pa.py_buffer(data)
        if use_threads:
            stream = pa.BufferOutputStream()
            stream.write(source)
            source = stream.getvalue()
        return pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(
                use_threads=use_threads, encoding=enc, column_names=names, skip_rows=1, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True,
                                             invalid_row_handler=None if use_threads else on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    try:
        table = _read(True)
    except pa.ArrowInvalid as exc:
        with contextlib.suppress(pa.ArrowInvalid):  # every row with the wrong number of fields, on this thread
            _read(False)
        if not bad:
            raise InvalidInput(f"cannot parse CSV: {exc}", path=label) from None
    if bad:
        number, expected, actual = bad[0]
        if number is not None:
            number = _physical_line(data, enc, sep, number)
        more = f"{len(bad) - 1} more rows with the wrong number of fields" if len(bad) > 1 else None
        raise InvalidInput(
            f"row has {actual} fields, the header has {expected}",
            path=label,
            row=number,
            hint="check quoting and the delimiter" + (f"; {more}" if more else ""),
        )
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    if frame.height == 0:
        raise InvalidInput(
            "the file has a header but no events", path=label, hint=f"columns found: {', '.join(names)}"
        )
    # The physical line each record starts on: a quoted cell may hold line breaks.
    breaks = pl.sum_horizontal(pl.col(n).str.count_matches("\n") for n in names) if names else pl.lit(0)
    lines = (breaks + 1).cum_sum().shift(1, fill_value=0) + 2
    return frame.with_columns(lines.cast(pl.Int64).alias(SOURCE_ROW))


def _physical_line(data: bytes, enc: str, sep: str, record: int) -> int:
    """The physical line on which CSV record ``record`` (1-based, the header is 1) starts, when
    quoted cells hold line breaks (error path only: one pass of Python's csv reader)."""
    import csv
    import io

    reader = csv.reader(io.StringIO(codecs.decode(data, enc, errors="replace").lstrip("\ufeff"), newline=""),
                        delimiter=sep, quotechar='"')
    start = 1
    for index, _row in enumerate(reader, start=1):
        if index == record:
            return start
        start = reader.line_num + 1
    return record


def parquet_info(path: str | os.PathLike[str]) -> tuple[int, dict[str, str]]:
    """Row count and key-value metadata of a Parquet file, from its footer, read by Polars (no
    pyarrow import: a good part of a second at start-up). Polars' errors pass through; a panic
    on a damaged footer is an ``OSError``."""
    try:
        kv = pl.read_parquet_metadata(os.fspath(path))
        rows = pl.scan_parquet(os.fspath(path)).select(pl.len()).collect().item()
    except pl.exceptions.PanicException as exc:
        raise OSError(str(exc).splitlines()[0] if str(exc) else "damaged Parquet footer") from None
    return int(rows), dict(kv)


def _pyarrow_parquet_info(path: str | os.PathLike[str]) -> tuple[int, dict[str, str]]:
    """:func:`parquet_info` read by pyarrow, whose messages :func:`read_parquet` reports for a
    damaged file (pyarrow's errors pass through)."""
    import pyarrow.parquet as pq

    meta = pq.read_metadata(path)
    return meta.num_rows, {k.decode(errors="replace"): v.decode(errors="replace") for k, v in (meta.metadata or {}).items()}


def collect_parquet(
    lf: pl.LazyFrame, path: str | os.PathLike[str], engine: Literal["auto", "in-memory", "streaming"] = "streaming"
) -> pl.DataFrame:
    """Run a query over a Parquet scan (streaming engine); a file damaged past its footer is
    invalid input, as :func:`read_parquet` reports it, not a crash."""
    try:
        return lf.collect(engine=engine)
    except (pl.exceptions.ComputeError, OSError, pl.exceptions.PanicException) as exc:
        raise InvalidInput(f"not a valid Parquet file ({str(exc).splitlines()[0][:200]})", path=os.fspath(path)) from None


def parquet_batches(path: Path, columns: Sequence[str] | None, rows: int) -> Iterator[pl.DataFrame]:
    """The rows of a Parquet file, ``rows`` at a time, in file order. (Polars slices the scan by
    row group; pyarrow's ``iter_batches`` keeps memory growing over a long file.)"""
    total = parquet_info(path)[0]
    lf = pl.scan_parquet(path)
    if columns:
        lf = lf.select(columns)
    for offset in range(0, total, rows):
        yield collect_parquet(lf.slice(offset, rows), path, engine="auto")


def read_parquet(path: str | os.PathLike[str]) -> tuple[pl.DataFrame, dict[str, str]]:
    """Read a Parquet file; returns the frame (with ``source_row``) and its key-value metadata."""
    label = os.fspath(path)
    p = local_file(path)
    size = p.stat().st_size
    with open(p, "rb") as fh:
        head = fh.read(4)
        if size >= 8:
            fh.seek(-4, os.SEEK_END)
        tail = fh.read(4)
    if size < 12 or head != b"PAR1" or tail != b"PAR1":
        raise InvalidInput("not a valid Parquet file (missing PAR1 magic bytes)", path=label,
                           hint="is this a CSV renamed .parquet? give the right suffix")
    try:
        try:
            kv = parquet_info(p)[1]
        except Exception:  # noqa: BLE001 - a damaged footer is reported with pyarrow's message, as it always was
            kv = _pyarrow_parquet_info(p)[1]
        frame = pl.read_parquet(p)
    except (Exception, pl.exceptions.PanicException) as exc:  # pyarrow/polars raise many types (and panic)
        raise InvalidInput(f"not a valid Parquet file ({str(exc).splitlines()[0][:200]})", path=label) from None
    if frame.height == 0:
        raise InvalidInput("the file has no events", path=label, hint=f"columns found: {', '.join(frame.columns)}")
    if SOURCE_ROW not in frame.columns:
        frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(SOURCE_ROW))
    return frame, kv


def read_jsonl(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> pl.DataFrame:
    """Read JSON Lines (one JSON object per line); blank lines are allowed and skipped.

    Values keep their JSON types; a field whose type changes between lines becomes a string
    column (its values as written). Broken lines name their line number.
    """
    label = os.fspath(path)
    local_file(path)
    data = read_input_bytes(path, max_bytes=max_bytes)
    if not data.strip():
        raise InvalidInput("empty file, expected one JSON object per line", path=label)
    _decode_check(data, "utf-8", label)
    try:
        frame = pl.read_ndjson(data, infer_schema_length=None)
        if frame.height == 0:
            raise ValueError("no objects")
    except Exception:
        frame = _jsonl_slow(data, label)
    lines = _object_lines(data)
    if len(lines) != frame.height:  # pragma: no cover - defensive
        frame = _jsonl_slow(data, label)
    _refuse_duplicate_keys(data, label)
    return frame.with_columns(pl.Series(SOURCE_ROW, lines, dtype=pl.Int64))


#: a JSON key: a string followed by a colon (over-approximates; candidates are parsed exactly)
_JSON_KEY = r'"((?:[^"\\]|\\.)*)"\s*:'


def _refuse_duplicate_keys(data: bytes, label: str) -> None:
    """A key twice in one object of a line is an error naming the line and the key (Polars keeps
    the first silently). Lines whose keys repeat at all, or hold an escape (``"\\u0061"`` is
    ``"a"``), are parsed exactly, the rest are not."""
    text = pl.Series("line", data.split(b"\n"), dtype=pl.Binary).cast(pl.String, strict=False)
    keys = text.str.extract_all(_JSON_KEY)
    numbered = pl.DataFrame({"line": text, "keys": keys}).with_row_index("number", offset=1)
    escaped = pl.col("keys").list.eval(pl.element().str.contains("\\", literal=True)).list.any()
    suspects = numbered.filter((pl.col("keys").list.len() > pl.col("keys").list.n_unique()) | escaped)
    for number, line in suspects.select("number", "line").iter_rows():
        loads_checked(line, label=label, row=number)


def _object_lines(data: bytes) -> list[int]:
    return [i + 1 for i, line in enumerate(data.split(b"\n")) if line.strip()]


def _jsonl_slow(data: bytes, label: str) -> pl.DataFrame:
    """Error path and type-drift path: parse line by line to find the culprit or unify types."""
    rows: list[dict] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = loads_checked(line, label=label, row=number)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"not valid JSON ({exc.msg})", path=label, row=number, column=exc.colno,
                               hint="one JSON object per line; is the last line truncated?") from None
        if not isinstance(obj, dict):
            raise InvalidInput("a JSON Lines row must be an object {...}", path=label, row=number)
        rows.append(obj)
    keys: dict[str, set[type]] = {}
    for obj in rows:
        for k, v in obj.items():
            keys.setdefault(k, set()).add(type(v))
    drifting = {k for k, types in keys.items() if len(types - {type(None)}) > 1 or types & {dict, list}}
    def as_text(v):
        if v is None:
            return None
        return v if isinstance(v, str) else json.dumps(v, sort_keys=True, ensure_ascii=False)
    columns = {k: [as_text(o.get(k)) if k in drifting else o.get(k) for o in rows] for k in keys}
    return pl.DataFrame(columns, strict=False)


def sniff_format(path: str | os.PathLike[str], declared: str | None = None) -> str:
    """``csv``, ``parquet``, ``jsonl``, ``xes`` or ``yaml`` from a declared format or the suffix."""
    if declared:
        fmt = declared.lower()
        if fmt in ("ndjson", "json"):
            fmt = "jsonl"
        if fmt in ("tsv", "txt"):
            fmt = "csv"
        if fmt not in ("csv", "parquet", "jsonl", "xes", "yaml"):
            raise UsageError(f"unknown format {declared!r}", hint="csv, parquet, jsonl or xes")
        return fmt
    name = Path(os.fspath(path)).name.lower()
    for suffix, fmt in (
        (".xes.gz", "xes"), (".xes", "xes"), (".csv.gz", "csv"), (".csv", "csv"), (".tsv", "csv"), (".txt", "csv"),
        (".parquet", "parquet"), (".pq", "parquet"), (".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "jsonl"),
        (".yaml", "yaml"), (".yml", "yaml"),
    ):
        if name.endswith(suffix):
            return fmt
    refuse_unread_compression(path, b"")
    raise UsageError(
        "cannot tell the file format from its name",
        path=os.fspath(path),
        hint=f"use a .csv, .tsv, .parquet, .jsonl, .xes, .xes.gz or .yaml suffix, or {param('format')}",
    )
