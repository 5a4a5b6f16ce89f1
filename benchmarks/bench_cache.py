#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# This file is part of journeylog.
"""A nightly CI re-run with the alignment cache: day 1, then day 2 with 5% new journeys.

::

    python benchmarks/generate.py --events 1000000 --seed 7 -o day1.parquet --model-out designed.ptree
    python benchmarks/generate.py --events 1000000 --seed 8 -o other.parquet
    python benchmarks/bench_cache.py --log day1.parquet --other other.parquet --model designed.ptree

Day 2 is day 1 with ``--share`` of its journeys (seeded choice) replaced by as many journeys of
``--other`` (another seed's log: some of their paths are new; ids prefixed ``new-``). Then, each
in a fresh process, timed from start to exit (``journeylog conform LOG --model MODEL
--no-precision --json FILE``, plus ``--cache FILE`` where said):

1. day 1 with an empty cache (the first night: every path aligned and stored);
2. day 2 with day 1's cache (the next night: only the new paths aligned);
3. day 2 without a cache (what the next night costs without one).

Runs 2 and 3 must write the same JSON (exit status 1 otherwise). Also times the alignment step
alone (``journeylog.mining.align`` on day 2's variant table, in this process, with and without
day 1's cache) and prints the distinct sequences each run aligned (the command's cache line).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def day_two(day1: Path, other: Path, share: float, seed: int, out: Path) -> int:
    """Write day 2; return how many journeys were replaced."""
    log = pl.read_parquet(day1)
    ids = log.select(pl.col("journey_id").unique().sort())["journey_id"]
    k = round(len(ids) * share)
    gone = ids.sample(k, seed=seed)
    fresh_ids = pl.read_parquet(other, columns=["journey_id"])["journey_id"].unique().sort().sample(k, seed=seed)
    fresh = (pl.read_parquet(other).filter(pl.col("journey_id").is_in(fresh_ids.implode()))
             .with_columns(("new-" + pl.col("journey_id").cast(pl.String)).alias("journey_id")))
    day = pl.concat([log.filter(~pl.col("journey_id").is_in(gone.implode())).with_columns(pl.col("journey_id").cast(pl.String)),
                     fresh.select(log.columns).cast(log.with_columns(pl.col("journey_id").cast(pl.String)).schema)])
    day.write_parquet(out)
    return k


def run(log: Path, model: Path, out: Path, cache: Path | None) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), COLUMNS="1000")  # the cache line on one line
    cmd = [sys.executable, "-m", "journeylog.cli", "conform", str(log), "--model", str(model), "--no-precision",
           "--json", str(out)] + (["--cache", str(cache)] if cache is not None else [])
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"journeylog conform failed ({proc.returncode}): {proc.stderr[-2000:]}")
    line = next((ln for ln in proc.stderr.splitlines() if ln.startswith("alignment cache")), "")
    return {"seconds": seconds, "cpu_seconds": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime),
            "cache_line": " ".join(line.split())}


def align_step(log: Path, model: Path, cache: Path | None) -> float:
    """``mining.align`` alone on ``log``'s variants (a copy of ``cache`` when given: not saved)."""
    sys.path.insert(0, str(ROOT / "src"))
    from journeylog import journeys as J
    from journeylog import mining
    from journeylog.ingest import read_events
    from journeylog.models import load_model

    designed = load_model(model)
    variants = J.variants(read_events(log))
    opened = mining.open_cache(designed, str(cache)) if cache is not None else None
    t0 = time.perf_counter()
    mining.align(designed, variants, cache=opened)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", type=Path, required=True, help="day 1 (Parquet: journey_id, activity, timestamp, ...)")
    ap.add_argument("--other", type=Path, required=True, help="a log of another seed: day 2's new journeys")
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--share", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        day2 = tmp / "day2.parquet"
        replaced = day_two(args.log, args.other, args.share, args.seed, day2)
        cache = tmp / "nightly.cache"
        first = run(args.log, args.model, tmp / "day1.json", cache)
        kept = tmp / "day1.cache"
        kept.write_bytes(cache.read_bytes())
        second = run(day2, args.model, tmp / "day2-cache.json", cache)
        plain = run(day2, args.model, tmp / "day2.json", None)
        same = (tmp / "day2-cache.json").read_bytes() == (tmp / "day2.json").read_bytes()
        step_plain = align_step(day2, args.model, None)
        step_cached = align_step(day2, args.model, kept)
    rows = [("day 1, empty cache", first), ("day 2, day 1's cache", second), ("day 2, no cache", plain)]
    print(f"log {args.log}; day 2: {replaced:,} journeys ({args.share:.0%}) replaced from {args.other}")
    print(f"{'run':24} {'wall s':>8} {'CPU s':>8}  cache")
    for name, r in rows:
        print(f"{name:24} {r['seconds']:8.2f} {r['cpu_seconds']:8.2f}  {r['cache_line']}")
    print(f"first run / cached re-run: {first['seconds'] / second['seconds']:.1f}x wall, "  # type: ignore[operator]
          f"{first['cpu_seconds'] / second['cpu_seconds']:.1f}x CPU")  # type: ignore[operator]
    print(f"alignment step on day 2: {step_plain:.3f} s without the cache, {step_cached:.3f} s with it "
          f"({step_plain / step_cached:.1f}x)")
    print("day 2 JSON with and without the cache:", "identical" if same else "DIFFERENT")
    if args.json:
        args.json.write_text(json.dumps({"log": str(args.log), "other": str(args.other), "replaced": replaced,
                                         "runs": dict(rows), "align_step": {"plain": step_plain, "cached": step_cached},
                                         "identical": same}, indent=2) + "\n", encoding="utf-8")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
