#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""How cost grows: journeylog's commands and pm4py's steps at 100k, 1M, 10M (and 100M) events.

::

    python benchmarks/bench_scaling.py --sizes 100000,1000000,10000000 --workdir /tmp/jl-scaling \\
        --csv docs/data/scaling.csv
    python benchmarks/plot_scaling.py docs/data/scaling.csv docs/img/scaling.png

For every size the log is ``benchmarks/generate.py --events N --seed 7`` (written once into
``--workdir``, or taken from ``--log-dir`` when a file ``log-N.parquet`` is there) with its
designed model. Each step is a fresh process under ``nice``, measured from the outside: wall time
and peak resident memory (``ru_maxrss`` from ``os.wait4``: the largest process among the command
and the workers it waited for, not their sum). A step that runs past ``--timeout`` seconds is
stopped and recorded as a timeout.

journeylog (the commands with their defaults, on the store written by ``ingest``):
``ingest LOG -o store.parquet``, ``discover store.parquet``, ``conform store.parquet -m designed``,
``contacts store.parquet -m designed``, ``report store.parquet -m designed -o report.html``.

pm4py (each step in its own process; the time includes reading the file, as the commands' does):
``read`` (``pandas.read_parquet`` + ``format_dataframe``), ``dfg_variants`` (read +
``discover_dfg`` + ``get_variants``), ``im`` (read + ``discover_process_tree_inductive``),
``fitness`` (read + ``fitness_alignments`` against the designed model). The step alone (without
the read) is recorded too, from ``time.perf_counter`` inside the process.

``--steps`` limits the journeylog commands (``ingest,discover,conform,contacts,report``) and
``--pm4py-steps`` pm4py's (``none`` for none). Rows are appended to ``--csv`` as they finish
(size, tool, step, events, seconds, step_seconds, peak_mb, status), so a long run can be stopped
and resumed with other sizes.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_defaults import run  # noqa: E402  (a sibling script, not a package)

ROOT = Path(__file__).resolve().parents[1]
FIELDS = ["events", "tool", "step", "seconds", "step_seconds", "peak_mb", "status"]
JOURNEYLOG_STEPS = ("ingest", "discover", "conform", "contacts", "report")
PM4PY_STEPS = ("read", "dfg_variants", "im", "fitness")

PM4PY_CODE = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd, pm4py
step, log, model = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
df = pm4py.format_dataframe(pd.read_parquet(log, columns=["journey_id", "activity", "timestamp"]),
                            case_id="journey_id", activity_key="activity", timestamp_key="timestamp")
t1 = time.perf_counter()
out = {}
if step == "read":
    out["events"] = len(df)
elif step == "dfg_variants":
    dfg, sa, ea = pm4py.discover_dfg(df)
    out["variants"] = len(pm4py.get_variants(df))
elif step == "im":
    out["tree"] = len(str(pm4py.discover_process_tree_inductive(df)))
elif step == "fitness":
    net, im, fm = pm4py.convert_to_petri_net(pm4py.parse_process_tree(open(model).read()))
    out["fitness"] = pm4py.fitness_alignments(df, net, im, fm)["log_fitness"]
t2 = time.perf_counter()
out["step_seconds"] = (t2 - t1) if step != "read" else (t1 - t0)
print("RESULT " + json.dumps(out))
"""


def ensure_log(events: int, workdir: Path, log_dir: Path | None) -> tuple[Path, Path]:
    """``(log, designed model)`` for ``events``: taken from ``log_dir`` or generated once."""
    model = workdir / "designed.ptree"
    for folder in (log_dir, workdir):
        if folder is not None and (folder / f"log-{events}.parquet").exists():
            if not model.exists():
                subprocess.run([sys.executable, str(ROOT / "benchmarks/generate.py"), "--events", "1000", "--seed", "7",
                                "-o", str(workdir / "tiny.parquet"), "--model-out", str(model), "--quiet"], check=True)
            return folder / f"log-{events}.parquet", model
    log = workdir / f"log-{events}.parquet"
    subprocess.run(["nice", "-n", "5", sys.executable, str(ROOT / "benchmarks/generate.py"), "--events", str(events),
                    "--seed", "7", "-o", str(log), "--model-out", str(model), "--quiet"], check=True)
    return log, model


def journeylog_cmd(step: str, log: Path, store: Path, model: Path, workdir: Path, events: int) -> list[str]:
    cli = [sys.executable, "-m", "journeylog.cli"]
    return {
        "ingest": [*cli, "ingest", str(log), "-o", str(store)],
        "discover": [*cli, "discover", str(store)],
        "conform": [*cli, "conform", str(store), "-m", str(model)],
        "contacts": [*cli, "contacts", str(store), "-m", str(model)],
        "report": [*cli, "report", str(store), "-m", str(model), "-o", str(workdir / f"report-{events}.html")],
    }[step]


def status_of(code: int | None) -> str:
    return "timeout" if code is None else ("ok" if code == 0 else f"exit {code}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000,10000000")
    ap.add_argument("--workdir", default="/tmp/journeylog-scaling")
    ap.add_argument("--log-dir", help="a folder with log-N.parquet files already generated (seed 7)")
    ap.add_argument("--steps", default=",".join(JOURNEYLOG_STEPS))
    ap.add_argument("--pm4py-steps", default=",".join(PM4PY_STEPS))
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per journeylog step")
    ap.add_argument("--pm4py-timeout", type=float, default=600.0, help="seconds per pm4py step")
    ap.add_argument("--csv", required=True, help="append the rows here")
    ap.add_argument("--keep", action="store_true", help="keep the stores (default: deleted after each size)")
    args = ap.parse_args(argv)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    out = Path(args.csv)
    new = not out.exists()
    steps = [s for s in args.steps.split(",") if s and s != "none"]
    pm_steps = [s for s in args.pm4py_steps.split(",") if s and s != "none"]
    with out.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, FIELDS)
        if new:
            writer.writeheader()
        for events in (int(s) for s in args.sizes.split(",")):
            log, model = ensure_log(events, workdir, Path(args.log_dir) if args.log_dir else None)
            store = workdir / f"store-{events}.parquet"
            for step in steps:
                wall, peak, code, text = run(journeylog_cmd(step, log, store, model, workdir, events), args.timeout)
                row = {"events": events, "tool": "journeylog", "step": step, "seconds": round(wall, 3),
                       "step_seconds": "", "peak_mb": round(peak), "status": status_of(code)}
                if code not in (0, None):
                    print(text[-2000:], file=sys.stderr)
                writer.writerow(row)
                fh.flush()
                print(row, file=sys.stderr, flush=True)
            for step in pm_steps:
                wall, peak, code, text = run([sys.executable, "-c", PM4PY_CODE, step, str(log), str(model)],
                                             args.pm4py_timeout)
                result = next((json.loads(ln[7:]) for ln in text.splitlines() if ln.startswith("RESULT ")), {})
                row = {"events": events, "tool": "pm4py", "step": step, "seconds": round(wall, 3),
                       "step_seconds": round(result["step_seconds"], 3) if "step_seconds" in result else "",
                       "peak_mb": round(peak), "status": status_of(code)}
                writer.writerow(row)
                fh.flush()
                print(row, result, file=sys.stderr, flush=True)
            if not args.keep:
                store.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
