"""``ingest --engine spark`` gives what ``--engine polars`` gives: the same ``--json`` summary, the
same store (rows, order, column types), the same rejects file, the same error line and exit code,
run through the real command in process. The journeys and customers of the hand-built source map
are also checked against plain Python written here (identity links, the gap rule, ties in time),
and one test watches every collect to show that no event rows reach the driver.

One local Spark session serves the whole run (Spark starts slowly); the logs are small.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from journeylog.io.store import is_store_dir, read_store_dir

ROOT = Path(__file__).resolve().parents[2]
SPARK_MISSING = "pyspark or Java 17 is not installed (make setup installs both: pip install 'journeylog[spark]')"


@pytest.fixture(scope="module")
def spark() -> Any:
    from journeylog.engine.spark_session import spark_available, spark_session

    if not spark_available():
        pytest.skip(SPARK_MISSING)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = spark_session("local[2]")
    session.conf.set("spark.sql.shuffle.partitions", "2")
    return session


def both(run_main: Any, folder: Path, log: str, *extra: str) -> dict[str, Any]:
    """Ingest ``log`` with each engine: exit codes, stderr, JSON and the stores read by Polars."""
    out: dict[str, Any] = {}
    for engine in ("polars", "spark"):
        store = folder / f"{engine}.parquet"
        code, _stdout, err = run_main("ingest", log, "-o", str(store), "--json", str(folder / f"{engine}.json"),
                                      "--engine", engine, *extra, cwd=folder)
        out[engine] = {"code": code, "err": err}
        if code == 0:
            out[engine]["json"] = (folder / f"{engine}.json").read_text()
            out[engine]["events"] = read_store_dir(store) if is_store_dir(store) else pl.read_parquet(store)
    return out


def assert_same(result: dict[str, Any]) -> None:
    pol, spk = result["polars"], result["spark"]
    assert pol["code"] == spk["code"] == 0, (pol["err"][-500:], spk["err"][-500:])
    assert pol["json"] == spk["json"]
    assert pol["events"].schema == spk["events"].schema
    assert pol["events"].equals(spk["events"])


def last_line(err: str) -> str:
    return [line for line in err.splitlines() if line.strip()][-1]


# --------------------------------------------------------------------------------------------
# a hand-built source map: three sources, one customer known by three kinds of key
# --------------------------------------------------------------------------------------------

T0 = dt.datetime(2024, 3, 1, 9, 0, 0)


def _t(days: float = 0, seconds: int = 0) -> str:
    return (T0 + dt.timedelta(days=days, seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def write_map(folder: Path) -> None:
    (folder / "ids.csv").write_text("customer_id,id_type,id_value\nC1,login,ann\nC1,phone,+441632960001\n"
                                    "C1,account,ACC-1\nC2,login,bob\n")
    # ann: web at T0 and T0 (a tie, input order decides), a call exactly one gap (1d) later (same
    # journey), an account event 1d + 1s after that (a new journey); an exact duplicate web row;
    # bob with an empty outcome; an unmatched login (own customer)
    (folder / "web.csv").write_text(
        "login,page,ts,result\n"
        f"Ann,Home,{_t()},ok\nann,Basket,{_t()},\nann,Basket,{_t()},\n"
        f"bob,Home,{_t(0.5)},\nzed,Home,{_t(0.25)},error\n")
    (folder / "calls.csv").write_text(f"number,code,start,csat\n01632 960001,Call,{_t(1)},4\n"
                                      f"+44 1632 960001,Call,{_t(1)},\n")
    (folder / "crm.csv").write_text(f"acct,event,at\nACC-1,Order,{_t(2, 1)}\nACC-9,Order,{_t(3)}\n")
    (folder / "map.yaml").write_text("""version: 1
identities: {path: ids.csv, unmatched: own_customer}
default_country: GB
gap: 1d
sources:
  - {name: web, path: web.csv, channel: web, identity: {column: login, kind: login},
     columns: {activity: page, timestamp: ts, outcome: result}, timestamp_format: "%Y-%m-%d %H:%M:%S"}
  - {name: calls, path: calls.csv, channel: phone, identity: {column: number, kind: phone},
     columns: {activity: code, timestamp: start, satisfaction: csat}, timestamp_format: "%Y-%m-%d %H:%M:%S"}
  - {name: crm, path: crm.csv, channel: backoffice, identity: {column: acct, kind: account},
     columns: {activity: event, timestamp: at}, timestamp_format: "%Y-%m-%d %H:%M:%S"}
""")


def test_source_map_same_as_polars_and_as_worked_out_by_hand(spark: Any, run_main: Any, tmp_path: Path) -> None:
    write_map(tmp_path)
    result = both(run_main, tmp_path, "map.yaml")
    assert_same(result)
    events = result["spark"]["events"]
    got = sorted(events.select("customer_id", "journey_id", "activity", "source_row", "source").rows())
    # by hand: C1 = ann (web), 01632 960001 and +44 1632 960001 (the same number, calls), ACC-1 (crm)
    want = sorted([
        ("C1", "C1#1", "Home", 2, "web"), ("C1", "C1#1", "Basket", 3, "web"),  # row 4 repeats row 3: dropped
        ("C1", "C1#1", "Call", 2, "calls"), ("C1", "C1#1", "Call", 3, "calls"),  # exactly 1d later: same journey
        ("C1", "C1#2", "Order", 2, "crm"),  # 1d and 1s after the calls: a new journey
        ("C2", "C2#1", "Home", 5, "web"), ("login:zed", "login:zed#1", "Home", 6, "web"),
        ("account:ACC-9", "account:ACC-9#1", "Order", 3, "crm"),
    ])
    assert got == want
    summary = json.loads(result["spark"]["json"])
    assert summary["duplicates"] == 1
    # the tie at T0: input order (file order) decides, so Home comes before Basket in C1#1
    first = events.filter(pl.col("journey_id") == "C1#1")["activity"].to_list()
    assert first[:2] == ["Home", "Basket"]


# --------------------------------------------------------------------------------------------
# one file: rejects, errors
# --------------------------------------------------------------------------------------------


def write_bad_csv(folder: Path) -> Path:
    rows = ["case_id,activity,timestamp,outcome"]
    for i in range(12):
        ts = "2024-01-01 10:00" if i != 6 else "2024-13-45 10:00"
        rows.append(f"j{i % 3},a{i},{ts},{'maybe' if i == 9 else 'ok'}")
    rows.append(",x,2024-01-02 10:00,ok")
    (folder / "bad.csv").write_text("\n".join(rows) + "\n")
    return folder / "bad.csv"


def test_invalid_rows_same_error_and_rejects(spark: Any, run_main: Any, tmp_path: Path) -> None:
    log = str(write_bad_csv(tmp_path))
    result = both(run_main, tmp_path, log, "--timestamp-format", "%Y-%m-%d %H:%M")
    assert result["polars"]["code"] == result["spark"]["code"] == 3
    line = last_line(result["spark"]["err"])
    assert line == last_line(result["polars"]["err"])
    # row 8 = the 7th data row, the first bad one; the empty id of the last row is the other ('maybe'
    # makes the guessed outcome column an attribute, as a note says)
    assert ":8:timestamp:" in line and "1 more invalid rows" in line
    skipped = both(run_main, tmp_path, log, "--timestamp-format", "%Y-%m-%d %H:%M", "--skip-invalid-rows",
                   "--rejects", "rejects.csv")
    # --rejects is written per run; compare the files of the two runs
    assert_same(skipped)
    assert json.loads(skipped["spark"]["json"])["rejected_rows"] == 2


def test_rejects_files_equal(spark: Any, run_main: Any, tmp_path: Path) -> None:
    log = str(write_bad_csv(tmp_path))
    texts = []
    for engine in ("polars", "spark"):
        code, _o, err = run_main("ingest", log, "-o", f"{engine}.parquet", "--engine", engine, "--timestamp-format",
                                 "%Y-%m-%d %H:%M", "--skip-invalid-rows", "--rejects", f"{engine}-rejects.csv", cwd=tmp_path)
        assert code == 0, err
        texts.append((tmp_path / f"{engine}-rejects.csv").read_text())
    assert texts[0] == texts[1]
    assert texts[0].count("\n") == 3  # header + 2 rejected rows


def test_parquet_errors_same_line(spark: Any, run_main: Any, tmp_path: Path) -> None:
    """A Parquet export is read by Spark itself (in parallel): the first bad row in file order, by
    its row number, as the Polars path names it; a missing column the same usage line."""
    n = 5000
    frame = pl.DataFrame({
        "case_id": [f"j{i % 50}" for i in range(n)],
        "activity": ["" if i in (3777, 4100) else f"a{i % 7}" for i in range(n)],
        "timestamp": [dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=i) for i in range(n)],
    })
    frame.write_parquet(tmp_path / "log.parquet", row_group_size=700)
    result = both(run_main, tmp_path, "log.parquet")
    assert result["polars"]["code"] == result["spark"]["code"] == 3
    assert last_line(result["spark"]["err"]) == last_line(result["polars"]["err"])
    assert ":3778:activity: empty activity" in last_line(result["spark"]["err"])
    frame.drop("activity").write_parquet(tmp_path / "noact.parquet")
    result = both(run_main, tmp_path, "noact.parquet")
    assert result["polars"]["code"] == result["spark"]["code"] == 3
    assert last_line(result["spark"]["err"]) == last_line(result["polars"]["err"])


def test_parquet_gap_journeys_and_no_events_to_the_driver(spark: Any, run_main: Any, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Journeys cut at gaps (no journey column), ties and duplicates, on a Parquet log of a few
    thousand events split over row groups; every collect to the driver is watched: none brings
    more than a handful of rows (counts, per-partition figures, the variant-free summary)."""
    from pyspark import RDD

    frame_class = type(spark.range(1))  # the session's DataFrame class (pyspark 4: the classic one)

    n = 3000
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    frame = pl.DataFrame({
        "customer_id": [f"c{(i * 7) % 40}" for i in range(n)],
        "activity": [f"a{i % 5}" for i in range(n)],
        "timestamp": [base + dt.timedelta(hours=(i // 3) * 5) for i in range(n)],  # ties in threes
        "outcome": [None if i % 11 else "success" for i in range(n)],
    })
    frame = pl.concat([frame, frame.slice(100, 5)])  # five exact duplicates
    frame.write_parquet(tmp_path / "gaps.parquet", row_group_size=400)
    largest: list[int] = []

    def watch(cls: Any, name: str) -> None:
        original = getattr(cls, name)

        def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
            out = original(self, *args, **kwargs)
            size = out.num_rows if hasattr(out, "num_rows") else len(out) if hasattr(out, "__len__") else 0
            largest.append(size)
            return out

        monkeypatch.setattr(cls, name, wrapped)

    for name in ("collect", "toArrow", "toPandas", "take", "tail"):
        watch(frame_class, name)
    watch(RDD, "collect")
    code, _o, err = run_main("ingest", "gaps.parquet", "-o", "spark.parquet", "--gap", "1d", "--engine", "spark",
                             "--json", "spark.json", cwd=tmp_path)
    assert code == 0, err
    assert largest and max(largest) <= 64, largest  # 3,005 events; only figures came back
    monkeypatch.undo()
    code, _o, err = run_main("ingest", "gaps.parquet", "-o", "polars.parquet", "--gap", "1d", "--json", "polars.json",
                             cwd=tmp_path)
    assert code == 0, err
    assert (tmp_path / "spark.json").read_text() == (tmp_path / "polars.json").read_text()
    spk, pol = read_store_dir(tmp_path / "spark.parquet"), pl.read_parquet(tmp_path / "polars.parquet")
    assert spk.equals(pol)
    assert json.loads((tmp_path / "spark.json").read_text())["duplicates"] == 5
    # by hand: a customer's events are 35 h apart or less within a run of the same customer; the
    # gap rule (over 1 d = new journey) worked out on the rows themselves
    rows = sorted(frame.unique(maintain_order=True).with_row_index().iter_rows(named=True),
                  key=lambda r: (r["customer_id"], r["timestamp"], r["index"]))
    want, last, k = [], {}, {}
    for r in rows:
        c = r["customer_id"]
        if c not in last or r["timestamp"] - last[c] > dt.timedelta(days=1):
            k[c] = k.get(c, 0) + 1
        last[c] = r["timestamp"]
        want.append(f"{c}#{k[c]}")
    assert sorted(want) == sorted(spk["journey_id"].to_list())


def test_sample_same_as_polars_and_both_engines_read_both_stores(spark: Any, run_main: Any, tmp_path: Path) -> None:
    result = both(run_main, tmp_path, str(ROOT / "samples" / "telecom" / "sources.yaml"))
    assert_same(result)
    for store in ("spark.parquet", "polars.parquet"):
        code, _o, err = run_main("discover", store, "--json", f"{store}.json", cwd=tmp_path)
        assert code == 0, err
    assert (tmp_path / "spark.parquet.json").read_text() == (tmp_path / "polars.parquet.json").read_text()
