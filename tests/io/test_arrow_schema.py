"""journeylog.io.arrow_schema: the Arrow schema Polars stores with a MarkedSchema is, for pyarrow,
the schema pyarrow's own conversion (``DataFrame.to_arrow()``) gives, with the metadata; the data
reads back unchanged; types it does not build are refused (the store writer then uses pyarrow)."""

from __future__ import annotations

import datetime as dt
import decimal

import polars as pl
import pyarrow.parquet as pq
import pytest

from journeylog.io.arrow_schema import MarkedSchema, arrow_format

FLAT = {
    "s": pl.Series(["a", None, "naïve ✓ 支付"]), "bin": pl.Series([b"x", None, b"\x00\xff"]),
    "b": pl.Series([True, None, False]), "nul": pl.Series([None, None, None], dtype=pl.Null),
    "i8": pl.Series([1, None, -3], dtype=pl.Int8), "i16": pl.Series([1, None, -3], dtype=pl.Int16),
    "i32": pl.Series([1, None, -3], dtype=pl.Int32), "i64": pl.Series([1, None, -3], dtype=pl.Int64),
    "u8": pl.Series([1, None, 3], dtype=pl.UInt8), "u16": pl.Series([1, None, 3], dtype=pl.UInt16),
    "u32": pl.Series([1, None, 3], dtype=pl.UInt32), "u64": pl.Series([1, None, 2**63 + 5], dtype=pl.UInt64),
    "f32": pl.Series([1.5, None, float("nan")], dtype=pl.Float32), "f64": pl.Series([1.5, None, float("-inf")]),
    "d": pl.Series([dt.date(2024, 1, 1), None, dt.date(1, 1, 1)]),
    "t": pl.Series([dt.time(1, 2, 3, 4), None, dt.time(0)]),
    **{f"dur_{u}": pl.Series([dt.timedelta(seconds=1), None, dt.timedelta(days=-3)], dtype=pl.Duration(u))
       for u in ("ms", "us", "ns")},
    **{f"ts_{u}_{tz}": pl.Series([dt.datetime(2024, 1, 1, 12), None, dt.datetime(1970, 1, 1)], dtype=pl.Datetime(u, tz))
       for u in ("ms", "us", "ns") for tz in (None, "UTC", "Europe/Paris")},
    "dec": pl.Series([decimal.Decimal("1.23"), None, decimal.Decimal("-4.50")], dtype=pl.Decimal(10, 2)),
}
META = {"journeylog": '{"version": 1, "columns": ["x"]}', "other key ✓": "value\x00with a NUL"}


def _write(frame: pl.DataFrame, path) -> None:
    frame.write_parquet(path, arrow_schema=MarkedSchema(frame.schema, META), metadata=META)


def _expected(frame: pl.DataFrame):
    return frame.to_arrow().schema.with_metadata(META)


@pytest.mark.parametrize("column", sorted(FLAT))
def test_each_flat_type_reads_back_as_pyarrow_converts_it(tmp_path, column):
    frame = pl.DataFrame({"first": ["x", "y", "z"], column: FLAT[column]})
    path = tmp_path / "one.parquet"
    _write(frame, path)
    assert pq.read_schema(path).equals(_expected(frame), check_metadata=True)
    back = pl.read_parquet(path)
    assert back.schema == frame.schema and back.equals(frame)


def test_all_flat_types_together_and_unusual_names(tmp_path):
    frame = pl.DataFrame(FLAT).rename({"s": "attr.naïve name ✓", "b": "a b"})
    path = tmp_path / "all.parquet"
    _write(frame, path)
    schema = pq.read_schema(path)
    assert schema.equals(_expected(frame), check_metadata=True)
    assert schema.metadata[b"other key \xe2\x9c\x93"] == b"value\x00with a NUL"
    assert pl.read_parquet(path).equals(frame)
    table = pq.read_table(path)  # pyarrow reads the data too (NaN: compared by Polars)
    assert table.schema.equals(_expected(frame), check_metadata=True) and pl.from_arrow(table).equals(frame)


def test_an_empty_frame_and_no_metadata(tmp_path):
    frame = pl.DataFrame(FLAT).head(0)
    path = tmp_path / "empty.parquet"
    frame.write_parquet(path, arrow_schema=MarkedSchema(frame.schema, {}))
    assert pq.read_schema(path).equals(frame.to_arrow().schema, check_metadata=True)
    assert pl.read_parquet(path).schema == frame.schema


@pytest.mark.parametrize("dtype", [pl.List(pl.String()), pl.Struct({"x": pl.Int64()}), pl.Categorical(),
                                   pl.Enum(["a"]), pl.Array(pl.Int32(), 2), pl.Int128(), pl.Object()])
def test_other_types_are_refused(dtype):
    assert arrow_format(dtype) is None
    with pytest.raises(TypeError, match="column 'x'"):
        MarkedSchema(pl.Schema({"a": pl.String(), "x": dtype}), META)


def test_the_capsule_can_be_taken_more_than_once(tmp_path):
    frame = pl.DataFrame({"a": ["x"], "n": [1]})
    schema = MarkedSchema(frame.schema, META)
    for name in ("1.parquet", "2.parquet"):
        frame.write_parquet(tmp_path / name, arrow_schema=schema, metadata=META)
        assert pq.read_schema(tmp_path / name).equals(_expected(frame), check_metadata=True)
