"""journeylog.io.store: a store written by write_events reads back as exactly the same events (and
is not detected again), carries its marker in the Parquet footer, is written atomically and is
validated column by column."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from factories import SAMPLE
from journeylog import schema as S
from journeylog.errors import InvalidInput
from journeylog.ingest import read_events
from journeylog.io.store import STORE_KEY, STORE_VERSION, is_store, store_table, validate_store, write_events


def canonical(n: int = 3) -> pl.DataFrame:
    t0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    data = {
        S.JOURNEY_ID: [f"j{i // 2}" for i in range(n)], S.CUSTOMER_ID: [f"c{i // 2}" for i in range(n)],
        S.TIMESTAMP: [t0 + dt.timedelta(minutes=7 * i) for i in range(n)],
        S.CHANNEL: ["web", "phone", "app"][:n] + ["web"] * max(0, n - 3), S.ACTIVITY: [f"Step {i}" for i in range(n)],
        S.OUTCOME: ["success", None, "failure"][:n] + [None] * max(0, n - 3),
        S.SATISFACTION: [None, 4.5, 1.0][:n] + [None] * max(0, n - 3),
        S.CONTACT_REASON: [None] * n, S.TEXT: ["naïve ✓ 支付", None, ""][:n] + [None] * max(0, n - 3),
        S.SOURCE: ["web.csv"] * n, S.SOURCE_ROW: list(range(1, n + 1)), S.INPUT_ORDER: list(range(n)),
    }
    frame = pl.DataFrame(data, schema=S.SCHEMA)
    return frame.with_columns(pl.Series("tier", ["gold", None, "silver"][:n] + [None] * max(0, n - 3)))


def test_round_trip_is_exact(tmp_path):
    events = canonical()
    path = tmp_path / "events.parquet"
    write_events(events, path)
    assert is_store(path)
    assert_frame_equal(pl.read_parquet(path), events)  # every column, type, value and the order
    assert_frame_equal(read_events(path).select(events.columns), events)


def test_round_trip_of_an_ingested_sample(tmp_path):
    events = read_events(SAMPLE / "sources.yaml")
    write_events(events, tmp_path / "sample.parquet")
    assert_frame_equal(read_events(tmp_path / "sample.parquet"), events)


def test_marker_in_the_footer(tmp_path):
    path = tmp_path / "events.parquet"
    write_events(canonical(), path)
    meta = pq.read_schema(path).metadata
    assert json.loads(meta[STORE_KEY.encode()]) == {"version": STORE_VERSION, "columns": list(S.SCHEMA)}
    assert store_table(canonical()).schema.metadata[STORE_KEY.encode()] == meta[STORE_KEY.encode()]


def test_plain_parquet_is_not_a_store(tmp_path):
    canonical().write_parquet(tmp_path / "plain.parquet")
    assert not is_store(tmp_path / "plain.parquet")


def test_write_is_atomic_and_replaces(tmp_path):
    path = tmp_path / "events.parquet"
    write_events(canonical(3), path)
    write_events(canonical(5), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.parquet"]  # no temporary file left behind
    assert pl.read_parquet(path).height == 5


def test_validate_store_names_the_column():
    events = canonical()
    assert validate_store(events, "x.parquet") is events
    with pytest.raises(InvalidInput) as err:
        validate_store(events.drop(S.CHANNEL), "x.parquet")
    assert err.value.message == "journeylog store is missing column 'channel'" and err.value.path == "x.parquet"
    with pytest.raises(InvalidInput, match="column 'source_row' has type Int32, expected Int64"):
        validate_store(events.with_columns(pl.col(S.SOURCE_ROW).cast(pl.Int32)), "x.parquet")


def test_a_damaged_store_is_refused_on_read(tmp_path):
    path = tmp_path / "events.parquet"
    pq.write_table(store_table(canonical().drop(S.ACTIVITY)), path)
    with pytest.raises(InvalidInput, match="missing column 'activity'"):
        read_events(path)


# --- who writes the store: Polars (flat columns) or pyarrow (nested ones), the same store either way


def _pyarrow_store(events: pl.DataFrame, path) -> None:
    """The store as pyarrow wrote it before Polars did: the oracle."""
    pq.write_table(store_table(events), path, compression="zstd")


def _same_store(path, oracle) -> None:
    assert pq.read_schema(path).equals(pq.read_schema(oracle), check_metadata=True)  # types, marker for pyarrow
    assert pl.read_parquet_metadata(path)[STORE_KEY] == pl.read_parquet_metadata(oracle)[STORE_KEY]  # for Polars
    assert_frame_equal(pl.read_parquet(path), pl.read_parquet(oracle))
    assert pq.read_table(path).equals(pq.read_table(oracle))
    assert is_store(path)


def test_the_store_polars_writes_is_the_store_pyarrow_wrote(tmp_path):
    events = canonical(7).with_columns(pl.Series("visits", [1, None, 3, 4, 5, 6, 7], dtype=pl.Int32),
                                       pl.Series("when", [dt.date(2026, 1, 1)] * 7))
    write_events(events, tmp_path / "new.parquet")
    _pyarrow_store(events, tmp_path / "old.parquet")
    _same_store(tmp_path / "new.parquet", tmp_path / "old.parquet")
    assert not pq.ParquetFile(tmp_path / "new.parquet").metadata.created_by.startswith("parquet-cpp-arrow")


def test_nested_attribute_columns_are_written_by_pyarrow_with_the_marker(tmp_path):
    events = canonical(3).with_columns(pl.Series("tags", [["a"], None, []]), pl.Series("kind", ["x", "y", None],
                                                                                    dtype=pl.Categorical))
    write_events(events, tmp_path / "new.parquet")
    _pyarrow_store(events, tmp_path / "old.parquet")
    _same_store(tmp_path / "new.parquet", tmp_path / "old.parquet")
    assert_frame_equal(pl.read_parquet(tmp_path / "new.parquet"), events)


def test_row_groups_of_the_set_size(tmp_path, monkeypatch):
    import journeylog.io.store as store

    monkeypatch.setattr(store, "STORE_ROW_GROUP", 2)
    write_events(canonical(5), tmp_path / "s.parquet")
    meta = pq.ParquetFile(tmp_path / "s.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [2, 2, 1]
