"""ingest out of core: a Parquet log above the memory budget is ingested bucket by bucket and
analysed in journey-complete batches, with exactly the events, figures and errors of the
in-memory path (a tiny budget forces many buckets and batches on a real log)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from journeylog import discover as D
from journeylog import ingest as I
from journeylog import settings
from journeylog.errors import InvalidInput, UsageError

ROOT = Path(__file__).resolve().parents[2]
RECEIPT = ROOT / "tests" / "data" / "models" / "08_receipt.xes.gz"  # REAL: WABO receipt phase (see LICENSE-NOTES)


@pytest.fixture(scope="module")
def raw_log(tmp_path_factory) -> Path:
    """The receipt log as a raw Parquet export: case, customer, activity, timestamp, channel,
    outcome, rows shuffled (exports interleave journeys), 40 exact duplicate rows planted."""
    ev = I.read_events(RECEIPT)
    raw = ev.select(
        pl.col("journey_id").alias("case_id"),
        ("C" + (pl.col("journey_id").rank("dense") % 500).cast(pl.String)).alias("client"),
        "activity", "timestamp", "channel",
        pl.when(pl.col("activity").str.contains("(?i)reject")).then(pl.lit("failed")).otherwise(pl.lit("ok")).alias("status"),
    ).sample(fraction=1.0, shuffle=True, seed=11)
    raw = pl.concat([raw, raw.slice(100, 40)]).sample(fraction=1.0, shuffle=True, seed=12)
    path = tmp_path_factory.mktemp("ooc") / "receipt-export.parquet"
    raw.write_parquet(path)
    return path


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Settings are read from the environment once per run: read them again around each test."""
    settings.use(None)
    yield
    settings.use(None)


def _budget(monkeypatch, events: int) -> None:
    monkeypatch.setenv("JOURNEYLOG_MEMORY_EVENTS", str(events))
    settings.use(None)


@pytest.mark.parametrize("with_case", [True, False], ids=["journey-column", "gap-cut"])
def test_out_of_core_store_equals_in_memory(raw_log, tmp_path, monkeypatch, with_case):
    opts = I.ReadOptions()
    path = raw_log
    if not with_case:
        path = tmp_path / "no-case.parquet"
        pl.read_parquet(raw_log).drop("case_id").write_parquet(path)
        opts = I.ReadOptions(gap=I.parse_gap("7d"))
    memory = I.ingest(path, opts)
    _budget(monkeypatch, 3000)  # ~9k rows -> buckets of 1,500 events, batches of 750
    big = I.ingest(path, opts, output=tmp_path / "store.parquet")
    assert big.events is None and big.store == tmp_path / "store.parquet"
    stored = pl.read_parquet(big.store)
    assert_frame_equal(stored, memory.events, check_exact=True)
    assert big.duplicates == memory.duplicates == 40
    assert big.summary() == memory.summary()
    assert_frame_equal(I.read_events(big.store), memory.events)  # a valid journeylog store


def test_discover_batches_equal_in_memory(raw_log, monkeypatch):
    """Same JSON, byte for byte, for every filter, read in memory or out of core."""
    variants = [
        D.DiscoverOptions(model=True),
        D.DiscoverOptions(model=False, top_variants=5),
        D.DiscoverOptions(model=False, coverage=0.8, min_edge_share=0.01),
        D.DiscoverOptions(model=False, channels=("web",), where=(("outcome", "success"),)),
        D.DiscoverOptions(model=False, date_from=dt.datetime(2011, 6, 1), date_to=dt.datetime(2012, 1, 1)),
    ]
    with I.open_events(raw_log) as mem:
        assert mem.events is not None
        expected = [json.dumps(D.to_json(D.discover(mem, o))) for o in variants]
    _budget(monkeypatch, 2000)
    with I.open_events(raw_log) as big:
        assert big.events is None and big.store is not None
        batches = list(big.batches())
        assert len(batches) > 5
        ids = [b["journey_id"] for b in batches]
        assert sum(s.n_unique() for s in ids) == pl.concat(ids).n_unique()  # no journey split
        got = [json.dumps(D.to_json(D.discover(big, o))) for o in variants]
        tmp = big.store.parent
    assert not tmp.exists()  # the temporary store is removed
    assert got == expected


def test_invalid_rows_same_error_and_rejects(tmp_path, monkeypatch):
    rows = 5000
    frame = pl.DataFrame({
        "case_id": [f"c{i // 5}" for i in range(rows)],
        "activity": ["" if i in (3100, 4321) else f"step {i % 5}" for i in range(rows)],
        "timestamp": pl.datetime_range(pl.datetime(2024, 1, 1), pl.datetime(2024, 1, 1) + pl.duration(minutes=rows - 1),
                                       "1m", eager=True, time_zone="UTC"),
    })
    path = tmp_path / "bad.parquet"
    frame.write_parquet(path)
    with pytest.raises(InvalidInput) as mem_err:
        I.ingest(path)
    _budget(monkeypatch, 1000)
    with pytest.raises(InvalidInput) as big_err:
        I.ingest(path, output=tmp_path / "out.parquet")
    assert big_err.value.one_line() == mem_err.value.one_line()
    assert ":3101:activity" in mem_err.value.one_line() and "1 more invalid rows" in mem_err.value.one_line()
    assert not (tmp_path / "out.parquet").exists() and list(tmp_path.iterdir()) == [path]
    skip = I.ReadOptions(skip_invalid_rows=True)
    big = I.ingest(path, skip, output=tmp_path / "out.parquet")
    monkeypatch.delenv("JOURNEYLOG_MEMORY_EVENTS")
    settings.use(None)
    memory = I.ingest(path, skip)
    assert_frame_equal(big.rejects, memory.rejects)
    assert_frame_equal(pl.read_parquet(tmp_path / "out.parquet"), memory.events)


def test_damaged_parquet_is_invalid_input_not_a_crash(raw_log, tmp_path, monkeypatch):
    """Data pages damaged behind an intact footer: exit 3 with the file named, as in memory."""
    data = bytearray(raw_log.read_bytes())
    for i in range(200, len(data) // 2, 97):
        data[i] ^= 0x55
    bad = tmp_path / "damaged.parquet"
    bad.write_bytes(bytes(data))
    _budget(monkeypatch, 2000)
    for run in (lambda: I.open_events(bad), lambda: I.ingest(bad, output=tmp_path / "out.parquet")):
        with pytest.raises(InvalidInput, match="not a valid Parquet file") as err:
            run()
        assert err.value.code == 3 and "damaged.parquet" in err.value.one_line()
    assert not (tmp_path / "out.parquet").exists()


def test_budget_setting_is_checked(monkeypatch):
    monkeypatch.setenv("JOURNEYLOG_MEMORY_EVENTS", "lots")
    settings.use(None)
    with pytest.raises(UsageError):
        I.memory_events()
    monkeypatch.setenv("JOURNEYLOG_MEMORY_EVENTS", "0")
    settings.use(None)
    with pytest.raises(UsageError):
        I.memory_events()
    monkeypatch.delenv("JOURNEYLOG_MEMORY_EVENTS")
    settings.use(None)
    assert I.memory_events() == I.MEMORY_EVENTS
    settings.use(settings.Settings(memory_events=1234))  # a run's settings, without the environment
    assert I.memory_events() == 1234


def test_cli_ingest_then_discover_out_of_core(raw_log, tmp_path):
    """The real command: ingest writes the store out of core; discover on the store and on the
    raw export (read out of core into a temporary store) print what the in-memory run prints."""
    exe = Path(sys.executable).with_name("journeylog")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "journeylog.cli"]
    env_big = {"JOURNEYLOG_MEMORY_EVENTS": "2500", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"}
    env_mem = {"NO_COLOR": "1", "PATH": "/usr/bin:/bin"}
    store = tmp_path / "store.parquet"
    r = subprocess.run([*cmd, "ingest", str(raw_log), "-o", str(store), "--json", str(tmp_path / "i-big.json")],
                       env=env_big, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([*cmd, "ingest", str(raw_log), "-o", str(tmp_path / "m.parquet"), "--json", str(tmp_path / "i-mem.json")],
                       env=env_mem, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "i-big.json").read_bytes() == (tmp_path / "i-mem.json").read_bytes()
    outs = []
    for log, env in ((store, env_big), (raw_log, env_big), (raw_log, env_mem)):
        r = subprocess.run([*cmd, "discover", str(log), "--json", "-"], env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        outs.append(json.loads(r.stdout))
    # the store has the duplicates dropped; the raw export keeps them (as pm4py does)
    assert outs[1] == outs[2]
    assert outs[0]["events"] == outs[2]["events"] - 40
