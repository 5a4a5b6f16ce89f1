#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""``journeylog discover`` and ``journeylog conform`` with their DEFAULTS on real and hostile logs.

::

    python benchmarks/bench_defaults.py --workdir /tmp/jl-defaults --json defaults.json

Every log goes through ``journeylog discover LOG --model-out discovered.pnml`` and then
``journeylog conform LOG --model M`` (``M`` is the log's own model in ``../shared/data`` when there
is one, else the discovered one), each a fresh process under ``nice``, with no other option. The
script prints, per command, the wall time, the peak resident memory of the command and its workers
(``ru_maxrss`` of ``os.wait4``: the largest single process, not their sum), the exit code, the
notes the command printed about a budget or a skipped step, and ``conform / discover``. A command
that runs past ``--timeout`` seconds is stopped and shown as ``TIMEOUT`` (a runaway default).

The logs:

* the event logs of ``/work/shared/data/pm4py-core/logs`` (``--shared``; see its SOURCES.md):
  BPIC 2013, the WABO receipt log, the hospital-billing and road-traffic variant logs,
  teleclaims, the repair example, the a12/a22 benchmark logs with their generating models, ...
* generated (seeded, written into ``--workdir``):
  ``many-activities`` (400 activities, 1,200 journeys of 40 distinct activities each: one
  variant per journey, like the 398-activity building-permit log of issue 18),
  ``long-loops`` (2,000 journeys looping through 3 activities in random order up to 150 times:
  a loop-heavy model with about 100k distinct prefixes, the case that made precision slow),
  ``huge-journey`` (one journey of 60,000 events among 500 ordinary ones).

``--only NAME,...`` runs some logs; ``--extra-args`` are passed to both commands (for example
``--threads 1``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path("/work/shared/data/pm4py-core")
#: shared logs and the shared model each one was generated from (None: conform uses the discovered model)
SHARED_LOGS: dict[str, str | None] = {
    "logs/06_bpic2013_closed.xes.gz": None,
    "logs/08_receipt.xes.gz": None,
    "logs/14_Billing_1t_per_variant.xes.gz": None,
    "logs/12_roadtraffic_1t_per_variant.xes.gz": "models/roadtraffic.pnml",
    "logs/02_teleclaims.xes.gz": None,
    "logs/03_repairExample.xes.gz": None,
    "logs/reviewing.xes": None,
    "logs/interval_event_log.xes": None,
    "logs/a12f0n50.xes.gz": "models/a12.pnml",
    "logs/a22f0n00.xes.gz": "models/a22.pnml",
    "logs/running-example.xes": "models/running-example.pnml",
}
#: lines of the commands' output that say a budget was hit or a step skipped
NOTE = re.compile(r"(budget|did not finish|not computed|not aligned|was not|skipped|instead|no model)", re.I)


@dataclass
class Run:
    log: str
    command: str
    seconds: float
    peak_mb: float
    exit_code: int | None  # None: stopped at the timeout
    notes: list[str] = field(default_factory=list)


def _write(frame: pl.DataFrame, path: Path) -> Path:
    frame.write_parquet(path)
    return path


def _frame(case: np.ndarray, act: list[str] | np.ndarray, step: np.ndarray) -> pl.DataFrame:
    """Events with canonical columns; timestamps one minute apart within a journey."""
    base = np.datetime64("2026-01-01T00:00:00", "us")
    ts = base + (case.astype("int64") * 86_400_000_000) + step.astype("int64") * 60_000_000
    return pl.DataFrame({
        "journey_id": [f"j{c:06d}" for c in case],
        "activity": list(act),
        "timestamp": pl.Series(ts).dt.replace_time_zone("UTC"),
    })


def many_activities(workdir: Path, seed: int = 18) -> Path:
    """400 activities; 1,200 journeys of 40 distinct activities each, in random order."""
    rng = np.random.default_rng(seed)
    names = np.array([f"Step {i:03d}" for i in range(400)])
    n_cases, length = 1200, 40
    acts = np.concatenate([rng.choice(names, size=length, replace=False) for _ in range(n_cases)])
    case = np.repeat(np.arange(n_cases), length)
    step = np.tile(np.arange(length), n_cases)
    return _write(_frame(case, acts, step), workdir / "many-activities.parquet")


def long_loops(workdir: Path, seed: int = 18) -> Path:
    """2,000 journeys: Open, then 1-150 rounds of Check/Fix/Call customer in random order, then Close."""
    rng = np.random.default_rng(seed)
    loop = np.array(["Check", "Fix", "Call customer"])
    cases, acts, steps = [], [], []
    for c in range(2000):
        rounds = int(min(150, rng.geometric(1 / 25)))
        body = rng.choice(loop, size=rounds)
        seq = ["Open", *body.tolist(), "Close"]
        cases.extend([c] * len(seq))
        acts.extend(seq)
        steps.extend(range(len(seq)))
    return _write(_frame(np.array(cases), acts, np.array(steps)), workdir / "long-loops.parquet")


def huge_journey(workdir: Path, seed: int = 18) -> Path:
    """One journey of 60,000 events (20 activities, random order) and 500 ordinary ones."""
    rng = np.random.default_rng(seed)
    names = np.array([f"Task {i:02d}" for i in range(20)])
    big = rng.choice(names, size=60_000)
    small_len = 12
    small = np.concatenate([names[rng.permutation(12)] for _ in range(500)])
    case = np.concatenate([np.zeros(60_000, dtype=np.int64), np.repeat(np.arange(1, 501), small_len)])
    step = np.concatenate([np.arange(60_000), np.tile(np.arange(small_len), 500)])
    frame = _frame(case, np.concatenate([big, small]), step)
    return _write(frame, workdir / "huge-journey.parquet")


GENERATED = {"many-activities": many_activities, "long-loops": long_loops, "huge-journey": huge_journey}


def run(cmd: list[str], timeout: float) -> tuple[float, float, int | None, str]:
    """Wall seconds, peak RSS in MB (``ru_maxrss`` of the command and its waited-for workers), exit
    code (None at the timeout) and the combined output of one command, run under ``nice``."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), NO_COLOR="1", COLUMNS="200")
    start = time.perf_counter()
    proc = subprocess.Popen(["nice", "-n", "5", *cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=env, start_new_session=True)
    out_chunks: list[bytes] = []
    import threading

    reader = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read() if proc.stdout else b""))
    reader.start()
    code: int | None = None
    rusage = None
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.perf_counter() - start > timeout:
            os.killpg(proc.pid, signal.SIGKILL)
            _pid, _status, rusage = os.wait4(proc.pid, 0)
            code = None
            break
        time.sleep(0.05)
    wall = time.perf_counter() - start
    proc.returncode = code if code is not None else -9
    reader.join()
    text = b"".join(out_chunks).decode("utf-8", "replace")
    return wall, rusage.ru_maxrss / 1024 if rusage else 0.0, code, text


def notes_of(text: str) -> list[str]:
    lines = [" ".join(ln.split()) for ln in text.splitlines()]
    return sorted({ln.strip("│ ") for ln in lines if NOTE.search(ln)})[:6]


def bench_log(name: str, log: Path, model: Path | None, workdir: Path, timeout: float, extra: list[str]) -> list[Run]:
    cli = [sys.executable, "-m", "journeylog.cli"]
    discovered = workdir / f"{name}.discovered.pnml"
    discovered.unlink(missing_ok=True)
    runs = []
    wall, peak, code, text = run([*cli, "discover", str(log), "--model-out", str(discovered), *extra], timeout)
    runs.append(Run(name, "discover", wall, peak, code, notes_of(text)))
    chosen = model if model is not None else discovered
    if chosen.exists():
        wall, peak, code, text = run([*cli, "conform", str(log), "--model", str(chosen), *extra], timeout)
        runs.append(Run(name, "conform" + (" (shared model)" if model else ""), wall, peak, code, notes_of(text)))
        tbr_wall, tbr_peak, tbr_code, tbr_text = run(
            [*cli, "conform", str(log), "--model", str(chosen), "--method", "tbr", *extra], timeout)
        runs.append(Run(name, "conform --method tbr", tbr_wall, tbr_peak, tbr_code, notes_of(tbr_text)))
    return runs


def table(runs: list[Run]) -> str:
    rows = ["| log | command | wall s | peak MB | exit | / discover | notes |", "|---|---|---:|---:|---:|---:|---|"]
    disc: dict[str, float] = {}
    for r in runs:
        if r.command == "discover":
            disc[r.log] = r.seconds
        ratio = f"{r.seconds / disc[r.log]:.1f}x" if r.command != "discover" and disc.get(r.log) else ""
        exit_text = "TIMEOUT" if r.exit_code is None else str(r.exit_code)
        rows.append(f"| {r.log} | {r.command} | {r.seconds:.1f} | {r.peak_mb:,.0f} | {exit_text} | {ratio} | "
                    f"{'; '.join(r.notes)[:300]} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", default="/tmp/journeylog-defaults")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds before a command counts as a runaway")
    ap.add_argument("--only", help="comma-separated log names")
    ap.add_argument("--shared", default=str(SHARED), help="the pm4py-core folder of the shared data")
    ap.add_argument("--extra-args", default="", help="options added to both commands")
    ap.add_argument("--json", help="write the runs as JSON")
    args = ap.parse_args(argv)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    logs: dict[str, tuple[Path, Path | None]] = {}
    shared = Path(args.shared)
    for rel, model in SHARED_LOGS.items():
        if (shared / rel).exists():
            name = Path(rel).name.split(".")[0]
            logs[name] = (shared / rel, shared / model if model else None)
    only = set(args.only.split(",")) if args.only else None
    for name, make in GENERATED.items():
        if only is None or name in only:
            logs[name] = (make(workdir), None)
    runs: list[Run] = []
    for name, (log, model) in logs.items():
        if only is not None and name not in only:
            continue
        print(f"{name}: {log}", file=sys.stderr, flush=True)
        for r in bench_log(name, log, model, workdir, args.timeout, shlex.split(args.extra_args)):
            print(f"  {r.command}: {r.seconds:.1f} s, {r.peak_mb:,.0f} MB, exit {r.exit_code}", file=sys.stderr, flush=True)
            runs.append(r)
    print(table(runs))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in runs], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
