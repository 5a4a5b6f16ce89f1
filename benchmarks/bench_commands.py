#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# This file is part of journeylog.
"""Whole ``journeylog`` commands against plain pm4py, side by side in one run, with the figures compared.

::

    python benchmarks/bench_commands.py --events 1000000 --runs 3           # generate (seed 7), then run
    python benchmarks/bench_commands.py --log bench-1m.parquet --model designed.ptree --steps ingest,discover,tbr

Steps (``--steps``, comma-separated; default ``ingest,discover,tbr``):

==========  ===============================================================  ==========================================
step        journeylog (wall, process start to exit)                          the other side (timed in its process)
==========  ===============================================================  ==========================================
ingest      ``journeylog ingest LOG -o STORE --json ...``                     pm4py: ``pandas.read_parquet(LOG)`` +
                                                                              ``pm4py.format_dataframe`` (imports not timed)
discover    ``journeylog discover STORE --json ...`` (variants, map,          pm4py: read + format + ``discover_dfg`` +
            switches, the default miner: IMd on this log)                     ``get_variants`` + IMd on that DFG
tbr         ``journeylog conform STORE -m MODEL --method tbr --no-precision``  ``journeylog conform STORE -m MODEL
                                                                              --no-precision`` (alignments), also whole
==========  ===============================================================  ==========================================

Every run, each side runs in a fresh process, one after the other (journeylog first, then the
other side); ``--runs`` such alternating rounds; the table gives the best (smallest) time of each
side and the ratio of the bests. Figures are compared exactly (``==``), outside the timing:

* ingest: the events as (journey, activity, timestamp) triples, sorted, of the store and of
  pm4py's frame, hence the event, journey and activity counts;
* discover: every directly-follows count, start and end count, every variant and its count, and
  the process tree (pm4py's, made canonical by ``journeylog.mining.canonical_tree``) against the
  ``discover --json`` output;
* tbr: nothing to compare (token replay and alignments give different fitness by definition); the
  target is the time.

Besides the wall times (the targets), the table gives the ratio of CPU seconds (user + system,
every thread; journeylog's whole process, pm4py's timed section), which a machine shared with other
jobs distorts less: under load, wall time is mostly waiting for a core.

Exit status 1 when a compared figure differs or a command fails. ``--json FILE`` writes every run.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STEPS = ("ingest", "discover", "tbr")
#: the targets of issue 16 item 3: (side compared, ratio the other side's time / journeylog's at least)
TARGETS = {"ingest": 1.0, "discover": 5.0, "tbr": 1.0}

PM4PY_SIDE = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
import pm4py
from pm4py.algo.discovery.inductive import algorithm as inductive
from pm4py.objects.dfg.obj import DFG
step, log, store, out = sys.argv[1:5]
t0, c0 = time.perf_counter(), time.process_time()
df = pm4py.format_dataframe(pd.read_parquet(log), case_id="journey_id", activity_key="activity",
                            timestamp_key="timestamp")
if step == "discover":
    dfg, start, end = pm4py.discover_dfg(df)
    variants = pm4py.get_variants(df)
    tree = inductive.apply(DFG(dfg, start, end), variant=inductive.Variants.IMd)
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
result = {"seconds": seconds, "cpu": cpu}
if step == "ingest":
    import numpy as np
    import polars as pl
    mine = pl.read_parquet(store, columns=["journey_id", "activity", "timestamp"])
    mine = mine.with_columns(pl.col("timestamp").dt.epoch("us")).sort(["journey_id", "activity", "timestamp"])
    theirs = pl.DataFrame({"journey_id": df["case:concept:name"].astype(str).to_numpy(),
                           "activity": df["concept:name"].astype(str).to_numpy(),
                           "timestamp": df["time:timestamp"].dt.tz_convert("UTC").astype("int64").to_numpy()
                                        // {"ns": 1000, "us": 1, "ms": 1 / 1000}[str(df["time:timestamp"].dt.unit)]})
    theirs = theirs.with_columns(pl.col("timestamp").cast(pl.Int64)).sort(["journey_id", "activity", "timestamp"])
    result["equal"] = mine.equals(theirs)
    result["figures"] = {"events": len(df), "journeys": int(df["case:concept:name"].nunique()),
                         "activities": int(df["concept:name"].nunique())}
else:
    from journeylog.mining import canonical_tree
    data = json.load(open(out, encoding="utf-8"))
    mine_dfg = {(e["from"], e["to"]): e["count"] for e in data["dfg"]}
    mine_start = {e["activity"]: e["count"] for e in data["start"]}
    mine_end = {e["activity"]: e["count"] for e in data["end"]}
    mine_variants = {tuple(v["activities"]): v["journeys"] for v in data["variants"]}
    theirs_variants = {tuple(k): int(v) for k, v in variants.items()}
    checks = {"dfg": mine_dfg == {k: int(v) for k, v in dfg.items()},
              "start": mine_start == {k: int(v) for k, v in start.items()},
              "end": mine_end == {k: int(v) for k, v in end.items()},
              "variants": mine_variants == theirs_variants,
              "tree": data.get("model", {}).get("process_tree") == str(canonical_tree(tree))}
    result["equal"] = all(checks.values())
    result["checks"] = checks
    result["figures"] = {"variants": len(theirs_variants), "edges": len(dfg)}
print(json.dumps(result))
"""


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT / "src"), TQDM_DISABLE="1")


def run_journeylog(argv: list[str]) -> tuple[float, float]:
    """Wall seconds of ``python -m journeylog.cli ARGV`` from process start to exit, and the CPU
    seconds (user + system, all threads) of that process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "journeylog.cli", *argv], env=_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):  # 1: a conformance threshold; the output is still complete
        raise SystemExit(f"journeylog {' '.join(argv)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_pm4py(step: str, log: str, store: str, out: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", PM4PY_SIDE, step, log, store, out], env=_env(), capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise SystemExit(f"pm4py side ({step}) failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def one_round(step: str, log: str, model: str | None, work: Path) -> dict[str, Any]:
    """One alternating round of ``step``: journeylog, then the other side."""
    store, out = str(work / "store.parquet"), str(work / f"{step}.json")
    if step in ("ingest", "discover"):
        argv = ["ingest", log, "-o", store, "--json", str(work / "ingest-summary.json")] if step == "ingest" \
            else ["discover", store, "--json", out]
        wall, cpu = run_journeylog(argv)
        other = run_pm4py(step, log, store, out)
        return {"journeylog": wall, "journeylog_cpu": cpu, **{f"pm4py_{k}": v for k, v in other.items()}}
    assert model is not None
    wall, cpu = run_journeylog(["conform", store, "-m", model, "--method", "tbr", "--no-precision", "--json", out])
    a_wall, a_cpu = run_journeylog(["conform", store, "-m", model, "--no-precision", "--json", str(work / "align.json")])
    return {"journeylog": wall, "journeylog_cpu": cpu, "alignments_seconds": a_wall, "alignments_cpu": a_cpu}


def summarise(step: str, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    mine = min(r["journeylog"] for r in rounds)
    other_key, other_cpu = ("alignments_seconds", "alignments_cpu") if step == "tbr" else ("pm4py_seconds", "pm4py_cpu")
    other = min(r[other_key] for r in rounds)
    cpu_ratio = min(r[other_cpu] for r in rounds) / min(r["journeylog_cpu"] for r in rounds)
    equal = None if step == "tbr" else all(r.get("pm4py_equal") for r in rounds)
    return {"journeylog_best": mine, "other_best": other, "ratio": other / mine, "cpu_ratio": cpu_ratio,
            "target": TARGETS[step], "met": other / mine >= TARGETS[step], "equal": equal}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", help="a Parquet event log (journey_id, activity, timestamp, ...); default: generate one")
    ap.add_argument("--model", help="the designed model for the tbr step (default: the generator's)")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--steps", default=",".join(STEPS))
    ap.add_argument("--workdir", help="where a generated log is kept and reused (default: a folder in the temp dir)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    steps = [s for s in args.steps.split(",") if s]
    if any(s not in STEPS for s in steps) or args.runs < 1:
        ap.error(f"steps are {', '.join(STEPS)}; --runs at least 1")
    if "discover" in steps and "ingest" not in steps:
        steps.insert(0, "ingest")  # discover reads the store ingest writes
    workdir = Path(args.workdir or Path(tempfile.gettempdir()) / "journeylog-bench")
    workdir.mkdir(parents=True, exist_ok=True)
    # journeylog's modules as an install has them: compiled (PYTHONDONTWRITEBYTECODE, or a fresh
    # checkout, would otherwise compile every module in every timed run)
    compileall.compile_dir(str(ROOT / "src" / "journeylog"), quiet=1)
    sys.path.insert(0, str(HERE))
    import generate as G  # noqa: E402  (benchmarks/generate.py)

    if args.log:
        log, model = str(Path(args.log).resolve()), (str(Path(args.model).resolve()) if args.model else None)
    else:
        log = str(workdir / f"log-{args.events}-seed{args.seed}.parquet")
        if not Path(log).exists():
            G.generate(args.events, args.seed, log, progress=False)
        model = str(Path(args.model).resolve()) if args.model else str(workdir / "designed.ptree")
        if not args.model:
            G.write_model(model)
    if "tbr" in steps and model is None:
        ap.error("the tbr step needs --model")
    report: dict[str, Any] = {"log": log, "model": model, "runs": args.runs, "load_before": load_average(), "steps": {}}
    with tempfile.TemporaryDirectory(prefix="jl-bench-") as tmp:
        for step in steps:
            rounds = []
            for k in range(args.runs):
                rounds.append(one_round(step, log, model, Path(tmp)))
                print(f"{step} run {k + 1}: " + ", ".join(f"{key} {val:.2f}" if isinstance(val, float) else f"{key} {val}"
                                                          for key, val in rounds[-1].items() if key != "pm4py_checks"),
                      file=sys.stderr, flush=True)
            report["steps"][step] = {"rounds": rounds, **summarise(step, rounds)}
    report["load_after"] = load_average()
    print(f"log {log}; best of {args.runs} alternating runs; load average {report['load_before']} -> "
          f"{report['load_after']}")
    print(f"{'step':9} {'journeylog s':>12} {'other side':>24} {'ratio':>7} {'target':>7} {'met':>4} {'CPU ratio':>9}  figures")
    names = {"ingest": "pm4py read+format", "discover": "pm4py read..IMd", "tbr": "conform alignments"}
    for step, r in report["steps"].items():
        figures = "n/a" if r["equal"] is None else ("equal" if r["equal"] else "DIFFERENT")
        print(f"{step:9} {r['journeylog_best']:12.2f} {names[step]:>18} {r['other_best']:5.2f} {r['ratio']:6.2f}x "
              f"{r['target']:6.1f}x {'yes' if r['met'] else 'no':>4} {r['cpu_ratio']:8.2f}x  {figures}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if any(r["equal"] is False for r in report["steps"].values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
