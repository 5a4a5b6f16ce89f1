"""discover: variants and directly-follows counts equal pm4py's on real logs; filters; determinism."""

from __future__ import annotations

import datetime as dt
import json
from itertools import pairwise

import polars as pl
import pytest

from factories import SAMPLE, run_cli
from journeylog import discover as D
from journeylog import schema as S
from journeylog.errors import InvalidInput, UsageError
from journeylog.ingest import read_events

REAL_LOGS = [
    "06_bpic2013_closed.xes.gz",  # REAL: BPIC 2013 closed problems
    "08_receipt.xes.gz",  # REAL: WABO receipt phase, with an intake channel
    "12_roadtraffic_1t_per_variant.xes.gz",  # REAL: road traffic fines, one trace per variant
    "running-example.xes",
    "03_repairExample.xes.gz",
    "reviewing.xes",
]


@pytest.fixture(scope="session")
def logs(shared_data):
    return shared_data / "pm4py-core" / "logs"


@pytest.fixture(scope="module", params=REAL_LOGS)
def real_log(request, logs):
    return logs / request.param


def test_variants_and_dfg_equal_pm4py(real_log, pm4py):
    log = pm4py.read_xes(str(real_log))
    expected_variants = {tuple(k): int(v) for k, v in pm4py.get_variants(log).items()}
    dfg, start, end = pm4py.discover_dfg(log)

    events = read_events(real_log)
    result = D.to_json(D.discover(events, D.DiscoverOptions(model=False)))
    got_variants = {tuple(v["activities"]): v["journeys"] for v in result["variants"]}
    assert got_variants == expected_variants
    assert {(e["from"], e["to"]): e["count"] for e in result["dfg"]} == {k: int(v) for k, v in dfg.items()}
    assert {s["activity"]: s["count"] for s in result["start"]} == {k: int(v) for k, v in start.items()}
    assert {s["activity"]: s["count"] for s in result["end"]} == {k: int(v) for k, v in end.items()}
    assert result["events"] == len(log)
    assert result["journeys"] == log["case:concept:name"].nunique()


def test_csv_log_equals_pm4py_on_formatted_frame(logs, pm4py):
    import pandas as pd

    path = logs / "receipt.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["time:timestamp"] = pd.to_datetime(df["time:timestamp"], utc=True, format="ISO8601")
    df = pm4py.format_dataframe(df, case_id="case:concept:name", activity_key="concept:name", timestamp_key="time:timestamp")
    dfg, _start, _end = pm4py.discover_dfg(df)
    events = read_events(path)
    result = D.to_json(D.discover(events, D.DiscoverOptions(model=False)))
    assert {(e["from"], e["to"]): e["count"] for e in result["dfg"]} == {k: int(v) for k, v in dfg.items()}
    assert {tuple(v["activities"]): v["journeys"] for v in result["variants"]} == {
        tuple(k): int(v) for k, v in pm4py.get_variants(df).items()
    }


def test_equal_timestamps_keep_file_order(logs):
    # every timestamp in this log is 1980-01-01 01:01:01 (pm4py cannot even compute variants on it)
    events = read_events(logs / "11_tickets.xes.gz")
    assert events[S.TIMESTAMP].n_unique() == 1
    for _jid, g in events.group_by(S.JOURNEY_ID):
        assert g[S.SOURCE_ROW].is_sorted()
    first = events.filter(pl.col(S.JOURNEY_ID) == "1")[S.ACTIVITY].to_list()
    assert first == ["Assign seriousness", "Take in charge ticket", "Resolve ticket", "Closed"]


def test_timing_figures_against_independent_computation(logs):
    events = read_events(logs / "running-example.xes")
    pmap = D.discover(events, D.DiscoverOptions(model=False)).process_map
    # independent: per pair, all gaps between consecutive events, by hand
    gaps: dict[tuple[str, str], list[float]] = {}
    for _jid, g in events.sort([S.JOURNEY_ID, S.TIMESTAMP, S.INPUT_ORDER]).group_by(S.JOURNEY_ID, maintain_order=True):
        rows = g.rows(named=True)
        for a, b in pairwise(rows):
            gaps.setdefault((a[S.ACTIVITY], b[S.ACTIVITY]), []).append((b[S.TIMESTAMP] - a[S.TIMESTAMP]).total_seconds())
    import statistics

    for row in pmap.edges.iter_rows(named=True):
        values = sorted(gaps[(row["from"], row["to"])])
        assert row["count"] == len(values)
        assert row["median_seconds"] == pytest.approx(statistics.median(values))


def test_variant_order_ties_broken_by_sequence():
    t = lambda h: dt.datetime(2024, 1, 1, h, tzinfo=dt.UTC)  # noqa: E731
    ev = pl.DataFrame({
        "journey_id": ["a", "a", "b", "b", "c"], "timestamp": [t(1), t(2), t(1), t(2), t(1)],
        "activity": ["Z", "A", "B", "A", "Y"], "input_order": [0, 1, 2, 3, 4], "channel": ["web"] * 5,
        "customer_id": ["a", "a", "b", "b", "c"],
    })
    variants = D.to_json(D.discover(ev, D.DiscoverOptions(model=False)))["variants"]
    assert [v["activities"] for v in variants] == [["B", "A"], ["Y"], ["Z", "A"]]
    assert variants[-1]["cumulative_share"] == 1.0


@pytest.fixture(scope="module")
def sample_events():
    from journeylog.ingest import ingest

    return ingest(SAMPLE / "sources.yaml").events


def test_filters(sample_events):
    full = D.discover(sample_events, D.DiscoverOptions(model=False))
    top = D.discover(sample_events, D.DiscoverOptions(model=False, top_variants=3))
    assert top.journeys_in_map == int(full.variants["journeys"].head(3).sum())
    assert int(top.process_map.start["count"].sum()) == top.journeys_in_map
    cov = D.discover(sample_events, D.DiscoverOptions(model=False, coverage=0.5))
    kept = cov.journeys_in_map / full.summary["journeys"]
    assert kept >= 0.5
    # the smallest prefix: dropping the last kept variant would fall below 50%
    n_kept = int((full.variants["cumulative_share"] < 0.5 - 1e-12).sum()) + 1
    assert cov.journeys_in_map == int(full.variants["journeys"].head(n_kept).sum())
    web = D.discover(sample_events, D.DiscoverOptions(model=False, channels=("web",)))
    assert web.summary["events"] == sample_events.filter(pl.col(S.CHANNEL) == "web").height
    where = D.discover(sample_events, D.DiscoverOptions(model=False, where=(("outcome", "failure"),)))
    assert where.summary["events"] == sample_events.filter(pl.col(S.OUTCOME) == "failure").height
    may = D.discover(sample_events, D.DiscoverOptions(model=False, date_from=dt.datetime(2026, 5, 1),
                                                      date_to=dt.datetime(2026, 6, 1)))
    starts = sample_events.group_by(S.JOURNEY_ID).agg(pl.col(S.TIMESTAMP).min())
    expected = starts.filter((pl.col(S.TIMESTAMP) >= dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
                             & (pl.col(S.TIMESTAMP) < dt.datetime(2026, 6, 1, tzinfo=dt.UTC))).height
    assert may.summary["journeys"] == expected
    sparse = D.discover(sample_events, D.DiscoverOptions(model=False, min_edge_share=0.05))
    assert (sparse.process_map.edges["count"] >= 0.05 * sparse.journeys_in_map).all()
    assert sparse.process_map.edges.height < full.process_map.edges.height


def test_filter_errors(sample_events):
    with pytest.raises(UsageError):
        D.discover(sample_events, D.DiscoverOptions(model=False, top_variants=2, coverage=0.5))
    with pytest.raises(UsageError):
        D.discover(sample_events, D.DiscoverOptions(model=False, where=(("nope", "x"),)))
    with pytest.raises(InvalidInput, match="no events left"):
        D.discover(sample_events, D.DiscoverOptions(model=False, channels=("social",)))


def test_json_is_byte_identical_across_runs_and_hash_seeds(tmp_path, logs):
    log = logs / "running-example.xes"
    outs = []
    for seed in ("0", "1", "12345"):
        target = tmp_path / f"d{seed}.json"
        dot = tmp_path / f"d{seed}.dot"
        r = run_cli("discover", str(log), "--json", str(target), "--graph", str(dot),
                    env={"PYTHONHASHSEED": seed, "PM4PY_DEFAULT_XES_PARSER": "chunk_regex"})
        assert r.returncode == 0, r.stderr
        outs.append((target.read_bytes(), dot.read_bytes()))
    assert outs[0] == outs[1] == outs[2]
    data = json.loads(outs[0][0])
    assert "model" in data and data["model"]["process_tree"]


@pytest.mark.parametrize("budget", [None, "2"])
def test_a_dates_only_log_is_said_to_be_one(tmp_path, run_main, monkeypatch, budget):
    """Order within a day is file order and same-day durations are 0: discover says so, in memory
    and out of core (issue 11, item 6); a log with times says nothing."""
    from journeylog import settings
    from journeylog.ingest.timestamps import DATES_ONLY_NOTE

    if budget:
        monkeypatch.setenv("JOURNEYLOG_MEMORY_EVENTS", budget)
    settings.use(None)
    rows = "case,activity,time\nc1,register,2024-01-02\nc1,pay,2024-01-05\nc2,register,2024-01-03\nc2,pay,2024-01-03\n"
    (tmp_path / "dates.csv").write_text(rows)
    code, _out, err = run_main("ingest", "dates.csv", "-o", "dates.parquet", cwd=tmp_path)
    assert code == 0, err
    (tmp_path / "times.csv").write_text(rows.replace("-02\n", "-02T09:00:00\n").replace("-03\n", "-03T10:00:00\n")
                                        .replace("-05\n", "-05T11:00:00\n"))
    assert run_main("ingest", "times.csv", "-o", "times.parquet", cwd=tmp_path)[0] == 0
    code, out, err = run_main("discover", "dates.parquet", "--no-model", "--json", "-", cwd=tmp_path)
    assert code == 0, err
    assert json.loads(out)["notes"] == [DATES_ONLY_NOTE] and "dates only" in err
    code, out, err = run_main("discover", "times.parquet", "--no-model", "--json", "-", cwd=tmp_path)
    assert code == 0, err
    assert json.loads(out)["notes"] == []
    settings.use(None)
