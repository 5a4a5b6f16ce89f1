"""Smoke test of benchmarks/: a tiny generated log, one run of the DFG and variants steps.

No wall-clock assertions: only that the scripts run, the generator is exact and seeded, and
journeylog's figures equal pm4py's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_generate_is_exact_and_seeded(tmp_path: Path) -> None:
    for name in ("a.parquet", "b.parquet"):
        proc = _run(str(BENCH / "generate.py"), "--events", "5000", "--seed", "3", "-o", name,
                    "--model-out", "designed.ptree", "--quiet", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    a, b = pl.read_parquet(tmp_path / "a.parquet"), pl.read_parquet(tmp_path / "b.parquet")
    assert a.height == 5000
    assert a.equals(b)
    assert a.columns == ["journey_id", "customer_id", "timestamp", "channel", "activity", "outcome"]
    assert a.schema["timestamp"] == pl.Datetime("us", "UTC")
    assert set(a["outcome"].drop_nulls().unique()) <= {"success", "failure"}
    # events the designed model does not contain, and no timestamp ties inside a journey
    assert a.filter(pl.col("activity").str.starts_with("View page: ")).height > 0
    assert a.select(pl.struct("journey_id", "timestamp").is_duplicated().any()).item() is False
    tree = (tmp_path / "designed.ptree").read_text(encoding="utf-8")
    assert "'Place order'" in tree and "'First bill issued'" in tree


def test_bench_smoke_figures_equal(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    proc = _run(str(BENCH / "bench.py"), "--events", "5000", "--runs", "1", "--steps", "dfg,variants",
                "--workdir", str(tmp_path), "--json", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {line.split("|")[1].strip(): line for line in proc.stdout.splitlines() if line.startswith("| ")}
    for step in ("dfg", "variants"):
        assert step in rows, proc.stdout
        assert rows[step].rstrip(" |").endswith("equal"), rows[step]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["events"] == 5000
    for step in ("dfg", "variants"):
        assert doc["steps"][step]["equal"] == "equal"
        for side in ("pm4py", "journeylog"):
            r = doc["steps"][step][side]
            assert r["status"] == "ok" and len(r["times"]) == 1 and r["peak_rss_mb"] > 0


def test_bench_commands_compares_whole_commands_with_pm4py(tmp_path: Path) -> None:
    """bench_commands.py runs journeylog ingest/discover and pm4py's equivalents; the figures are equal."""
    proc = _run(str(BENCH / "bench_commands.py"), "--events", "3000", "--runs", "1", "--steps", "ingest,discover",
                "--workdir", str(tmp_path), "--json", "out.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    for step in ("ingest", "discover"):
        assert report["steps"][step]["equal"] is True
        assert report["steps"][step]["journeylog_best"] > 0
    assert all(report["steps"]["discover"]["rounds"][0]["pm4py_checks"].values())
    assert "ingest" in proc.stdout and "discover" in proc.stdout


def test_scaling_bench_and_plot_smoke(tmp_path: Path) -> None:
    """bench_scaling.py writes one CSV row per step (no timing asserted); the plot is the same bytes twice."""
    out = tmp_path / "scaling.csv"
    proc = _run(str(BENCH / "bench_scaling.py"), "--sizes", "2000", "--steps", "ingest,discover", "--pm4py-steps", "read",
                "--workdir", str(tmp_path), "--csv", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = out.read_text().splitlines()
    assert rows[0] == "events,tool,step,seconds,step_seconds,peak_mb,status"
    assert [r.split(",")[1:3] + [r.split(",")[-1]] for r in rows[1:]] == [
        ["journeylog", "ingest", "ok"], ["journeylog", "discover", "ok"], ["pm4py", "read", "ok"]]
    for name in ("a.png", "b.png"):
        assert _run(str(BENCH / "plot_scaling.py"), str(out), name, cwd=tmp_path).returncode == 0
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_bench_cache_nightly_rerun(tmp_path: Path) -> None:
    """bench_cache.py builds day 2 (5% of the journeys from another seed), runs conform with and
    without day 1's cache and finds the same JSON; the re-run aligned fewer sequences."""
    for seed, name in ((7, "day1.parquet"), (8, "other.parquet")):
        gen = _run(str(BENCH / "generate.py"), "--events", "20000", "--seed", str(seed), "-o", name, "--quiet",
                   "--model-out", "designed.ptree", cwd=tmp_path)
        assert gen.returncode == 0, gen.stderr[-2000:]
    proc = _run(str(BENCH / "bench_cache.py"), "--log", "day1.parquet", "--other", "other.parquet", "--model",
                "designed.ptree", "--json", "out.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert report["identical"] is True and report["replaced"] > 0
    assert "0 of" in report["runs"]["day 1, empty cache"]["cache_line"]
    assert "reused" in report["runs"]["day 2, day 1's cache"]["cache_line"]


def test_bench_conform_with_precision_compares_it_with_pm4py(tmp_path: Path) -> None:
    """bench_conform.py --precision: conform with its defaults against pm4py's fitness_alignments +
    precision_alignments; all four figures equal (exit 0), precision among them."""
    gen = _run(str(BENCH / "generate.py"), "--events", "3000", "--seed", "7", "-o", "log.parquet", "--quiet",
               "--model-out", "designed.ptree", cwd=tmp_path)
    assert gen.returncode == 0, gen.stderr[-2000:]
    proc = _run(str(BENCH / "bench_conform.py"), "--log", "log.parquet", "--model", "designed.ptree", "--runs", "1",
                "--precision", "--json", "out.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-2000:]
    report = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    ours, theirs = report["runs"]["journeylog:journeylog"][0], report["runs"]["pm4py"][0]
    assert ours["precision"] is not None and ours["precision"] == theirs["precision"]
    assert report["unequal"] == [] and "fitness_alignments alone" in proc.stdout
