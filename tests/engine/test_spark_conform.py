"""conform, check and drift with ``--engine spark`` write what ``--engine polars`` writes, byte for
byte (JSON, JUnit, the journey table), through the real command line, on the sample, a generated
log with patterns and journeys in progress, and two pm4py test logs; the library gives the same
answer whatever the partition count; and the driver receives one row per partition, no events."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from tests.factories import event_frame

DATA = Path(__file__).resolve().parents[1] / "data" / "models"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pm4py_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """running-example and receipt (pm4py's test logs) as stores, with their models."""
    from journeylog.ingest import ingest

    folder = tmp_path_factory.mktemp("spark-pm4py")
    ingest(DATA / "running-example.xes", output=folder / "running.parquet")
    ingest(DATA / "08_receipt.xes.gz", output=folder / "receipt.parquet")
    return folder


def _outputs(run_main: Any, folder: Path, args: list[str], outputs: list[str], engine: str) -> tuple[int, dict[str, bytes]]:
    for name in outputs:
        (folder / name).unlink(missing_ok=True)
    code, _out, err = run_main(*args, "--engine", engine, cwd=folder)
    assert code in (0, 1), err
    # Spark's noise (log4j lines: "19:55:14 WARN Utils: ...") stays off the terminal
    assert not re.search(r"\d\d:\d\d:\d\d (WARN|ERROR|INFO) ", err) and "log4j" not in err.lower(), err
    got = {}
    for name in outputs:
        data = (folder / name).read_bytes()
        if name.endswith(".xml"):  # the run's clock is not behaviour
            data = re.sub(rb'( (?:timestamp|time|hostname))="[^"]*"', rb'\1="-"', data)
        got[name] = data
    return code, got


def same_on_both(run_main: Any, folder: Path, args: list[str], outputs: list[str]) -> dict[str, bytes]:
    """The outputs of ``args`` with ``--engine polars``, after checking that ``--engine spark``
    writes the same bytes and exits alike."""
    code, polars = _outputs(run_main, folder, args, outputs, "polars")
    spark_code, spark = _outputs(run_main, folder, args, outputs, "spark")
    assert spark_code == code
    for name in outputs:
        assert spark[name] == polars[name], name
    return polars


def test_sample_conform_rules_allow_metric(spark: Any, sample: Path, run_main: Any) -> None:
    out = same_on_both(run_main, sample.parent, [
        "conform", sample.name, "-m", "designed_journey.bpmn", "--rules", "rules.yaml", "--allow", "allow.yaml",
        "--metric", "csat", "--json", "c.json", "--journeys-out", "journeys.csv"], ["c.json", "journeys.csv"])
    data = json.loads(out["c.json"])
    assert data["deviations"] and data["impact_metric"] and any(d["accepted"] for d in data["deviations"])
    assert data["journeys_in_progress"] > 0 and data["precision"] is not None


def test_sample_conform_tbr_with_a_segment(spark: Any, sample: Path, run_main: Any) -> None:
    out = same_on_both(run_main, sample.parent, [
        "conform", sample.name, "-m", "designed_journey.bpmn", "--method", "tbr", "--no-precision",
        "--segment", "plan=consumer", "--json", "c.json"], ["c.json"])
    data = json.loads(out["c.json"])
    assert data["method"] == "tbr" and data["deviations"] and 0 < data["journeys"] < 3000


def test_generated_conform_patterns_and_a_channel(spark: Any, generated: Path, run_main: Any) -> None:
    out = same_on_both(run_main, generated.parent, [
        "conform", generated.name, "-m", "design.ptree", "--rules", "rules.yaml", "--allow", "allow.yaml",
        "--json", "c.json"], ["c.json"])
    data = json.loads(out["c.json"])
    assert any(p["journeys"] for p in data["patterns"]) and any(p["accepted"] for p in data["patterns"])
    same_on_both(run_main, generated.parent, ["conform", generated.name, "-m", "design.ptree", "--channel", "web",
                                              "--segment", "tier=1", "--json", "c.json"], ["c.json"])


def test_sample_check_json_junit_and_baseline(spark: Any, sample: Path, run_main: Any) -> None:
    base = ["check", sample.name, "-m", "designed_journey.bpmn", "--no-config", "--no-precision"]
    same_on_both(run_main, sample.parent, [*base, "--write-baseline", "baseline.json", "--min-fitness", "0.9",
                                           "--json", "c1.json"], ["c1.json", "baseline.json"])
    out = same_on_both(run_main, sample.parent, [
        *base, "--baseline", "baseline.json", "--allow", "allow.yaml", "--rules", "rules.yaml", "--segment",
        "plan=consumer", "--min-fitting-share", "0.3", "--max-share", "repeated:Schedule appointment=0.01",
        "--junit", "junit.xml", "--json", "c2.json"], ["c2.json", "junit.xml"])
    assert json.loads(out["c2.json"])["summary"]["failed"] > 0


def test_generated_check_on_a_channel(spark: Any, generated: Path, run_main: Any) -> None:
    """check on one channel reads the channel's activities batch by batch (on the executors)."""
    same_on_both(run_main, generated.parent, [
        "check", generated.name, "-m", "design.ptree", "--no-config", "--channel", "web", "--min-fitness", "0.5",
        "--json", "c.json"], ["c.json"])


def test_generated_drift(spark: Any, generated: Path, run_main: Any) -> None:
    out = same_on_both(run_main, generated.parent, [
        "drift", generated.name, "-m", "design.ptree", "--no-config", "--window", "2w", "--min-journeys", "20",
        "--allow", "allow.yaml", "--rules", "rules.yaml", "--json", "d.json"], ["d.json"])
    data = json.loads(out["d.json"])
    assert data["changes"] and data["journeys_in_progress"] > 0


def test_pm4py_logs(spark: Any, pm4py_logs: Path, run_main: Any) -> None:
    same_on_both(run_main, pm4py_logs, ["conform", "running.parquet", "--model", str(DATA / "running-example.pnml"),
                                        "--json", "c.json"], ["c.json"])
    same_on_both(run_main, pm4py_logs, ["check", "running.parquet", "--model", str(DATA / "running-example.pnml"),
                                        "--no-config", "--min-fitness", "0.99", "--junit", "j.xml", "--json", "k.json"],
                 ["k.json", "j.xml"])
    receipt = str(DATA / "receipt.bpmn")
    out = same_on_both(run_main, pm4py_logs, ["conform", "receipt.parquet", "--model", receipt, "--json", "c.json",
                                              "--journeys-out", "journeys.csv"], ["c.json", "journeys.csv"])
    assert json.loads(out["c.json"])["journeys"] == 1434
    same_on_both(run_main, pm4py_logs, ["drift", "receipt.parquet", "--model", receipt, "--no-config",
                                        "--window", "200", "--json", "d.json"], ["d.json"])


# -- the library ---------------------------------------------------------------------------------

T = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
COLS = ("journey_id", "customer_id", "timestamp", "activity", "channel", "outcome")


def _log() -> pl.DataFrame:
    """4,000 events in 100 journeys: four paths, failures on the web, equal timestamps."""
    rows = []
    for j in range(100):
        steps = ["a", "b", "c", "d"][: 2 + j % 3] + (["b"] if j % 7 == 0 else [])
        for k in range(40):
            act = steps[k % len(steps)] if k < 39 else "d"
            rows.append((f"j{j:03d}", f"c{j % 60}", T + dt.timedelta(hours=j, minutes=k // 2), act,
                         ("web", "phone")[(k + j) % 2], "failure" if (k + j) % 11 == 0 else None))
    return event_frame(rows, COLS)


def test_the_same_whatever_the_partition_count(spark: Any, to_spark: Any, tmp_path: Path) -> None:
    """conform on a Spark frame spread over 4 or 40 partitions equals conform on the Polars
    frame (the journey table too): the per-partition results are merged without regard to order."""
    from journeylog import conform as C
    from journeylog.ingest import EventSource
    from journeylog.models import load_model

    model = load_model(_tree_file(tmp_path))
    frame = _log()
    opts = C.ConformOptions(precision=False)
    expected = C.conform(frame, model, opts)
    sdf = to_spark(frame)
    for batch in (100_000, 1_000, 100):
        got = C.conform(EventSource(events=sdf, batch_events=batch), model, opts)
        assert C.to_json(got) == C.to_json(expected), batch
        assert got.journey_table.equals(expected.journey_table), batch


def _tree_file(folder: Path) -> Path:
    path = folder / "design.ptree"
    path.write_text("->('a', 'b', 'c', 'd')\n", encoding="utf-8")
    return path


def test_the_driver_receives_one_row_per_partition(to_spark: Any, driver_rows: list[int], tmp_path: Path) -> None:
    """4,000 events in 100 journeys: what conform brings to the driver is a few rows (one per
    partition of the per-batch passes, the distinct activities, a count), never the events. Each
    partition's row holds its pass's result: variant counts, deviation counts, pattern matches and
    the per-journey rows of the journey table."""
    from journeylog import conform as C
    from journeylog.ingest import EventSource
    from journeylog.models import load_model

    frame = _log()
    sdf = to_spark(frame)
    model = load_model(_tree_file(tmp_path))
    received = driver_rows
    result = C.conform(EventSource(events=sdf, batch_events=1_000), model, C.ConformOptions(precision=False))
    assert result.journeys == 100
    assert received, "the driver received nothing: the counting hook is not on the path"
    assert max(received) <= 10 and sum(received) < 40, received
