#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# This file is part of journeylog.
"""Whole ``journeylog conform --no-precision`` against plain pm4py's read + ``fitness_alignments``.

::

    python benchmarks/bench_conform.py --log bench-1m.parquet --model designed.ptree --runs 3
    python benchmarks/bench_conform.py --log bench-1m.parquet --model designed.ptree --precision
    python benchmarks/bench_conform.py --log webshop.parquet --model webshop.ptree --aligners journeylog,pm4py

Each run, back to back, one side after the other:

* **journeylog**: the command ``python -m journeylog.cli conform LOG --model MODEL --no-precision
  --json FILE`` in a fresh process, timed from process start to exit (imports, reading, variants,
  alignments, deviation catalogue, patterns, JSON), once per ``--aligners`` entry
  (``JOURNEYLOG_ALIGNER``); no alignment cache.
* **pm4py**: a fresh process imports pm4py and pandas (not timed), then times ``pandas.read_parquet``
  + ``pm4py.format_dataframe`` + the model (``parse_process_tree`` / ``read_bpmn`` / ``read_pnml``,
  ``convert_to_petri_net``) + ``pm4py.fitness_alignments`` (its defaults) in that process.

With ``--precision``, ``conform`` runs with its defaults (precision too) and the pm4py side adds
``pm4py.precision_alignments``; the ratio to ``fitness_alignments`` alone is printed as well.

The three figures (alignment fitness, fitting share, average trace fitness; precision with
``--precision``) must be equal with
``==`` (exit status 1 otherwise). Prints the median wall times and ratios, and the median CPU
times (journeylog: the command's process, user + system, all threads; pm4py: its process over
the timed part) for a machine shared with other work; ``--json FILE`` writes every run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

PM4PY_SIDE = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
import pm4py
log, model = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
c0 = time.process_time()
df = pm4py.format_dataframe(pd.read_parquet(log), case_id="journey_id", activity_key="activity", timestamp_key="timestamp")
if model.lower().endswith(".bpmn"):
    net, im, fm = pm4py.convert_to_petri_net(pm4py.read_bpmn(model))
elif model.lower().endswith(".pnml"):
    net, im, fm = pm4py.read_pnml(model)
else:
    net, im, fm = pm4py.convert_to_petri_net(pm4py.parse_process_tree(open(model, encoding="utf-8").read().strip()))
fit = pm4py.fitness_alignments(df, net, im, fm)
seconds = time.perf_counter() - t0
cpu = time.process_time() - c0
out = {"seconds": seconds, "cpu_seconds": cpu, "fitness": fit["log_fitness"],
       "average_fitness": fit["average_trace_fitness"], "fitting_share": fit["percentage_of_fitting_traces"] / 100}
if len(sys.argv) > 3 and sys.argv[3] == "precision":
    out["fitness_seconds"], out["fitness_cpu_seconds"] = seconds, cpu
    out["precision"] = pm4py.precision_alignments(df, net, im, fm)
    out["seconds"], out["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps(out))
"""


def run_journeylog(log: Path, model: Path, aligner: str, out: Path, precision: bool = False) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), JOURNEYLOG_ALIGNER=aligner)
    t0 = time.perf_counter()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    flags = [] if precision else ["--no-precision"]
    proc = subprocess.run([sys.executable, "-m", "journeylog.cli", "conform", str(log), "--model", str(model),
                           *flags, "--json", str(out)], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if proc.returncode not in (0, 1):  # 1: a threshold / deviation exit is still a result
        raise SystemExit(f"journeylog conform failed ({proc.returncode}): {proc.stderr[-2000:]}")
    data = json.loads(out.read_text(encoding="utf-8"))
    figures = {"seconds": seconds, "cpu_seconds": cpu, "fitness": data["fitness"], "average_fitness": data["average_fitness"],
               "fitting_share": data["fitting_share"]}
    return figures | ({"precision": data["precision"]} if precision else {})


def run_pm4py(log: Path, model: Path, precision: bool = False) -> dict[str, float]:
    extra = ["precision"] if precision else []
    proc = subprocess.run([sys.executable, "-c", PM4PY_SIDE, str(log), str(model), *extra], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"pm4py side failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", type=Path, required=True)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--aligners", default="journeylog", help="comma-separated JOURNEYLOG_ALIGNER values to time")
    ap.add_argument("--skip-pm4py", action="store_true", help="journeylog only (no figures compared)")
    ap.add_argument("--precision", action="store_true",
                    help="conform with its defaults (precision too) against pm4py's fitness_alignments + precision_alignments")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    aligners = [a for a in args.aligners.split(",") if a]
    # keyed "journeylog:<aligner>": "pm4py" alone is plain pm4py (an aligner named pm4py must not share its list)
    runs: dict[str, list[dict[str, float]]] = {f"journeylog:{a}": [] for a in aligners}
    runs["pm4py"] = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.runs):
            for a in aligners:
                runs[f"journeylog:{a}"].append(run_journeylog(args.log, args.model, a, Path(tmp) / f"{a}.json", args.precision))
                print(f"run {k + 1}: journeylog ({a}) {runs[f'journeylog:{a}'][-1]['seconds']:.2f} s", file=sys.stderr)
            if not args.skip_pm4py:
                runs["pm4py"].append(run_pm4py(args.log, args.model, args.precision))
                print(f"run {k + 1}: pm4py {runs['pm4py'][-1]['seconds']:.2f} s", file=sys.stderr)
    medians = {side: statistics.median(r["seconds"] for r in rs) for side, rs in runs.items() if rs}
    cpu = {side: statistics.median(r["cpu_seconds"] for r in rs) for side, rs in runs.items() if rs}
    unequal = []
    if runs["pm4py"]:
        ref = runs["pm4py"][0]
        for a in aligners:
            for fig in ("fitness", "fitting_share", "average_fitness", *(("precision",) if args.precision else ())):
                if any(r[fig] != ref[fig] for r in runs[f"journeylog:{a}"] + runs["pm4py"]):
                    unequal.append(f"{a} {fig}: {runs[f'journeylog:{a}'][0][fig]!r} != pm4py {ref[fig]!r}")
    for side, sec in medians.items():
        ratio = f"  ({medians['pm4py'] / sec:.1f}x faster than pm4py)" if "pm4py" in medians and side != "pm4py" else ""
        cratio = f" ({cpu['pm4py'] / cpu[side]:.1f}x)" if "pm4py" in cpu and side != "pm4py" else ""
        print(f"{side:20} median {sec:8.2f} s{ratio}; CPU {cpu[side]:8.2f} s{cratio}")
    if args.precision and runs["pm4py"]:
        fit_only = statistics.median(r["fitness_seconds"] for r in runs["pm4py"])
        for a in aligners:
            side = f"journeylog:{a}"
            print(f"{side:20} against pm4py's fitness_alignments alone ({fit_only:.2f} s): {fit_only / medians[side]:.1f}x")
    print("figures:", "equal" if not unequal and runs["pm4py"] else ("not compared" if not runs["pm4py"] else "DIFFERENT"))
    for u in unequal:
        print("  ", u)
    if args.json:
        args.json.write_text(json.dumps({"log": str(args.log), "model": str(args.model), "runs": runs,
                                         "medians": medians, "cpu_medians": cpu,
                                         "unequal": unequal}, indent=2) + "\n", encoding="utf-8")
    return 1 if unequal else 0


if __name__ == "__main__":
    raise SystemExit(main())
