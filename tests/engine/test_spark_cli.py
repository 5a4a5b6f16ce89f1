"""``--engine spark`` through the real command line (in process, sharing the test run's session):
``discover --json`` is byte-identical to ``--engine polars`` (conform, check and drift:
test_spark_conform.py; contacts, funnel, emotion, explain, compare and report: test_spark_cx.py,
test_spark_explain.py); an unknown engine is refused; a catalogue table is read as a store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from journeylog.errors import ExitCode

SAMPLE_MODEL = Path(__file__).resolve().parents[2] / "samples" / "telecom" / "designed_journey.bpmn"


def _discover(run_main: Any, store: Path, folder: Path, engine: str, *args: str) -> bytes:
    out = folder / f"{engine}.json"
    code, _stdout, err = run_main("discover", str(store), "--engine", engine, "--json", str(out), *args, cwd=folder)
    assert code == 0, err
    assert "WARN" not in err and "log4j" not in err.lower(), err  # Spark's noise stays off the terminal
    return out.read_bytes()


@pytest.mark.slow
def test_discover_json_is_byte_identical_on_the_sample(spark: Any, sample_store: Path, run_main: Any,
                                                       tmp_path: Path) -> None:
    polars = _discover(run_main, sample_store, tmp_path, "polars")
    assert _discover(run_main, sample_store, tmp_path, "spark") == polars


@pytest.mark.slow
def test_discover_json_with_filters_and_selection(spark: Any, sample_store: Path, run_main: Any, tmp_path: Path) -> None:
    args = ("--no-model", "--top-variants", "4", "--activities", "0.6", "--from", "2026-05-01",
            "--segment", "plan=business", "--journeys-where", "has channel=phone", "--where", "outcome=failure")
    polars = _discover(run_main, sample_store, tmp_path, "polars", *args)
    assert _discover(run_main, sample_store, tmp_path, "spark", *args) == polars


def test_an_unknown_engine_is_refused(sample_store: Path, run_main: Any, tmp_path: Path) -> None:
    code, _out, err = run_main("discover", str(sample_store), "--engine", "duckdb", cwd=tmp_path)
    assert code == ExitCode.USAGE and "--engine" in err


def test_a_raw_export_is_refused_with_the_way_forward(run_main: Any, tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("journey_id,timestamp,activity\na,2024-01-01T00:00:00Z,x\n", encoding="utf-8")
    code, _out, err = run_main("discover", str(log), "--engine", "spark", cwd=tmp_path)
    assert code == ExitCode.USAGE and "journeylog ingest" in err, err



@pytest.mark.slow
def test_a_catalogue_table_is_read_as_a_store(spark: Any, sample_store: Path, run_main: Any, tmp_path: Path) -> None:
    """A log that is no path but a table (or view) of the session's catalogue is read with
    ``spark.table``: a temporary view and a global one (``global_temp.NAME``) of the sample store
    give the bytes of the store itself; a name the catalogue does not have is one usage error."""
    frame = spark.read.parquet(str(sample_store))
    frame.createOrReplaceTempView("jl_sample_events")
    frame.createOrReplaceGlobalTempView("jl_sample_events")
    outputs = []
    for log, engine in ((str(sample_store), "polars"), ("jl_sample_events", "spark"),
                        ("global_temp.jl_sample_events", "spark")):
        out = tmp_path / f"{len(outputs)}.json"
        code, _stdout, err = run_main("funnel", log, "-m", str(SAMPLE_MODEL), "--engine", engine, "--json", str(out),
                                      cwd=tmp_path)
        assert code == 0, err
        outputs.append(out.read_bytes())
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]
    code, _stdout, err = run_main("funnel", "lake.cx.no_such_table", "-m", str(SAMPLE_MODEL), "--engine", "spark",
                                  cwd=tmp_path)
    assert code == ExitCode.USAGE and "nor a table of the Spark session's catalogue" in err, err


@pytest.mark.slow
def test_a_real_process_says_nothing_but_its_own_lines(spark: Any, sample_store: Path, tmp_path: Path) -> None:
    """In a process of its own (its own JVM), ``conform --engine spark`` writes no Spark log line
    and no Python warning (pyspark's note on the pandas version) to the terminal (both were
    there before the CLI ignored library warnings)."""
    from tests.factories import run_cli

    r = run_cli("conform", str(sample_store), "--model", str(SAMPLE_MODEL), "--engine", "spark", "--spark-master",
                "local[1]", "--no-precision", "--json", str(tmp_path / "out.json"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Warning" not in r.stderr and "WARN" not in r.stderr and "log4j" not in r.stderr.lower(), r.stderr
    assert (tmp_path / "out.json").stat().st_size > 0
