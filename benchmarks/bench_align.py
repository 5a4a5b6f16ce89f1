#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# This file is part of journeylog.
"""Per-variant alignment speed: journeylog's exact search against pm4py's A*, on the same sequences.

::

    python benchmarks/bench_align.py --log webshop.parquet --model webshop.ptree --sample 400
    python benchmarks/bench_align.py --log bench-1m.parquet --model designed.ptree

The log's journeys (``journey_id``, ``activity``, ``timestamp``; Parquet) are projected on the
model's activities, as ``journeylog conform`` does, and a seeded sample of the distinct projected
sequences is aligned by both searches, one sequence at a time and back to back (pm4py first, then
journeylog), in one process: pm4py's ``apply_trace`` with the state-equation A* and the best-worst
cost given (as ``journeylog.mining.align`` calls it), and ``journeylog.mining.astar.search`` on the
model compiled once. Every optimal cost must be equal (exit status 1 otherwise). Prints the
medians and totals of both and their ratio, and ``--json FILE`` writes them. ``--ebi`` also
times Ebi's exact alignments (``ebi-pm``, a Rust library, not a journeylog dependency: put it on
``PYTHONPATH``) on the same sequences in one call, and checks its deviation counts.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))


def sequences(log: Path, labels: set[str]) -> list[tuple[str, ...]]:
    """The distinct projected sequences of the log, sorted."""
    import polars as pl

    df = pl.read_parquet(log, columns=["journey_id", "activity", "timestamp"]).with_row_index("_order")
    seqs = (df.filter(pl.col("activity").is_in(sorted(labels)))
            .sort("journey_id", "timestamp", "_order")
            .group_by("journey_id", maintain_order=True).agg("activity")
            .get_column("activity").to_list())
    empty = df.get_column("journey_id").n_unique() > len(seqs)
    out = {tuple(s) for s in seqs} | ({()} if empty else set())
    return sorted(out)


def ebi_deviations(net: object, im: object, fm: object, seqs: list[tuple[str, ...]]) -> tuple[float, dict[tuple[str, ...], int]]:
    """Ebi's (``ebi-pm``, Rust) exact alignments of ``seqs`` in one call: seconds, and per sequence
    the number of log and visible model moves (its cost function has free silent moves, so only
    ``cost // 10000`` is comparable with pm4py's)."""
    import os
    import tempfile

    import ebi  # type: ignore[import-not-found]
    import pm4py
    from pm4py.objects.log.obj import Event, EventLog, Trace

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.pnml")
        pm4py.write_pnml(net, im, fm, path)
        model = Path(path).read_text(encoding="utf-8")
    log = EventLog([Trace([Event({"concept:name": a}) for a in seq]) for seq in seqs])
    t0 = CLOCK[0]()
    out = str(ebi.conformance_non_stochastic_alignments(log, model))
    seconds = CLOCK[0]() - t0
    devs: dict[tuple[str, ...], int] = {}
    for block in out.split("# alignment ")[1:]:
        lines = [ln.strip() for ln in block.splitlines()]
        trace: list[str] = []
        dev = 0
        for k, ln in enumerate(lines):
            if ln in ("synchronous move", "log move", "model move"):
                label = lines[k + 1].removeprefix("label ")
                if ln != "model move":
                    trace.append(label)
                dev += ln != "synchronous move"
        devs[tuple(trace)] = dev
    return seconds, devs


#: the clock every timing uses: wall time, or with ``--cpu`` this process's CPU time (all threads)
CLOCK = [time.perf_counter]


def pm4py_variant(name: str, net: object, im: object, fm: object, seqs: list[tuple[str, ...]], bwc0: int,
                  costs: list[int | None]) -> tuple[float, int]:
    """pm4py's variant ``name`` (``algorithm.Variants``) on every sequence, called as journeylog
    calls the default one: seconds, and for how many sequences the number of deviations (log and
    visible model moves, counted on the returned moves: the Dijkstra variants leave silent steps
    out of the cost, the discounted A* returns a discounted cost) differs from the default's."""
    import warnings

    from pm4py.algo.conformance.alignments.petri_net import algorithm as alg
    from pm4py.objects.log.obj import Event, Trace

    from journeylog.mining.determinism import ACTIVITY_KEY, params

    variant = alg.Variants[name]
    p = params()
    p[alg.Parameters.BEST_WORST_COST_INTERNAL] = bwc0
    bad = 0
    total = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seq, cost in zip(seqs, costs, strict=True):
            trace = Trace([Event({ACTIVITY_KEY: a}) for a in seq])
            t0 = CLOCK[0]()
            ali = alg.apply_trace(trace, net, im, fm, parameters=p, variant=variant)
            total += CLOCK[0]() - t0
            devs = None if ali is None else sum(1 for lg, md in ali["alignment"] if md == ">>" or (lg == ">>" and md is not None))
            bad += cost is None or devs != cost // 10000
    return total, bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", type=Path, required=True)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--sample", type=int, default=0, help="align this many sequences (seeded sample); 0 = all")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ebi", action="store_true", help="also time Ebi's exact alignments (ebi-pm, when importable)")
    ap.add_argument("--variants", default="",
                    help="also time these pm4py exact variants, comma-separated (e.g. "
                         "VERSION_DIJKSTRA_LESS_MEMORY,VERSION_DISCOUNTED_A_STAR,VERSION_DIJKSTRA_NO_HEURISTICS)")
    ap.add_argument("--cpu", action="store_true", help="time CPU seconds of this process, not wall (a shared machine)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if args.cpu:
        CLOCK[0] = time.process_time

    from journeylog.mining import alignments as A
    from journeylog.mining import astar
    from journeylog.mining.petri import visible_labels
    from journeylog.models import load_model

    model = load_model(args.model)
    net, im, fm = model.net, model.initial_marking, model.final_marking
    labels = visible_labels(net)
    seqs = sequences(args.log, labels)
    total = len(seqs)
    if args.sample and args.sample < total:
        seqs = sorted(random.Random(args.seed).sample(seqs, args.sample))
    t0 = CLOCK[0]()
    cn = astar.CompiledNet(net, im, fm)
    bwc0 = astar.search(cn, ())["cost"]  # type: ignore[index]
    compile_s = CLOCK[0]() - t0
    tp: list[float] = []
    tj: list[float] = []
    differ = []
    costs: list[int | None] = []
    for seq in seqs:
        t0 = CLOCK[0]()
        a = A._align_pm4py(net, im, fm, seq, bwc0, None)
        tp.append(CLOCK[0]() - t0)
        t0 = CLOCK[0]()
        b = astar.search(cn, seq)
        tj.append(CLOCK[0]() - t0)
        costs.append(None if a is None else int(a["cost"]))
        if a is None or b is None or a["cost"] != b["cost"]:
            differ.append((seq, a and a["cost"], b and b["cost"]))
    res = {
        "log": str(args.log), "model": str(args.model), "model_transitions": len(net.transitions),
        "model_activities": len(labels), "distinct_sequences": total, "aligned": len(seqs),
        "pm4py_median_ms": statistics.median(tp) * 1e3, "journeylog_median_ms": statistics.median(tj) * 1e3,
        "pm4py_total_s": sum(tp), "journeylog_total_s": sum(tj) + compile_s, "journeylog_compile_s": compile_s,
        "ratio_total": sum(tp) / (sum(tj) + compile_s), "ratio_median": statistics.median(tp) / statistics.median(tj),
        "costs_differ": len(differ),
    }
    for name in [v for v in args.variants.split(",") if v]:
        seconds, bad = pm4py_variant(name, net, im, fm, seqs, bwc0, costs)
        res[f"{name}_total_s"] = seconds
        res[f"{name}_costs_differ"] = bad
        res[f"{name}_ratio_total"] = seconds / (sum(tj) + compile_s)
    if args.ebi:
        seconds, devs = ebi_deviations(net, im, fm, seqs)
        pm_devs = {seq: c // 10000 for seq, c in zip(seqs, costs, strict=True) if c is not None}
        res["ebi_total_s"] = seconds
        res["ebi_deviations_differ"] = sum(devs.get(seq) != d for seq, d in pm_devs.items())
    for k, v in res.items():
        print(f"{k:24} {v:.4g}" if isinstance(v, float) else f"{k:24} {v}")
    for d in differ[:10]:
        print("DIFFERENT COST", d, file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
