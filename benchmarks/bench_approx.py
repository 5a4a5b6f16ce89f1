#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""pm4py's alignment variants, exact and approximate, against journeylog's exact figures.

::

    python benchmarks/bench_approx.py LOG MODEL [--timeout 600] [--json out.json]

On one log and its model (any format journeylog reads), the script computes journeylog's exact
alignment figures (``mining.align`` + ``mining.alignment_figures``: log fitness, fitting share,
average trace fitness) and then, on the same Petri net and the same traces, pm4py's
``replay_fitness`` alignment evaluation with every alignment variant the installed pm4py offers:
the exact ones (``state_equation_a_star``, the default of ``fitness_alignments``, and the
Dijkstra searches) and the approximate ones (``approx_tandem_repeats``, ``approx_sliding_window``,
``approx_fixed_horizon``) with their default parameters. Each variant runs in its own process
(``nice``) with a timeout; times include only the alignment call. A variant whose figures differ
from the exact ones by more than 1e-12 is marked.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

EXACT = ["VERSION_STATE_EQUATION_A_STAR", "VERSION_DIJKSTRA_NO_HEURISTICS", "VERSION_DIJKSTRA_LESS_MEMORY"]
APPROX = ["APPROX_TANDEM_REPEATS", "APPROX_SLIDING_WINDOW", "APPROX_FIXED_HORIZON"]


def _load(log: str, model: str):  # noqa: ANN202  (script helper)
    from journeylog.ingest import read_events
    from journeylog.models import load_model

    return read_events(log), load_model(model)


def journeylog_exact(log: str, model: str, queue: mp.Queue) -> None:
    from journeylog import journeys as J
    from journeylog import mining
    from journeylog.settings import Settings, use

    use(Settings(processes=1))
    events, designed = _load(log, model)
    t0 = time.perf_counter()
    vt = J.variants(events)
    jv = J.journey_variants(events, vt)
    aligned = mining.align(designed, vt, processes=1)
    fig = mining.alignment_figures(aligned, vt, trace_order=jv["variant_id"])
    queue.put({"seconds": time.perf_counter() - t0, "log_fitness": fig["log_fitness"],
               "fitting_share": fig["fitting_share"], "average_fitness": fig["average_fitness"],
               "variants": vt.height, "journeys": jv.height})


def pm4py_variant(log: str, model: str, name: str, queue: mp.Queue) -> None:
    import warnings

    warnings.filterwarnings("ignore")
    import pm4py
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments
    from pm4py.algo.evaluation.replay_fitness.variants import alignment_based

    events, designed = _load(log, model)
    frame = events.select("journey_id", "activity", "timestamp").sort("journey_id").to_pandas()
    df = pm4py.format_dataframe(frame, case_id="journey_id", activity_key="activity", timestamp_key="timestamp")
    event_log = pm4py.convert_to_event_log(df)
    variant = getattr(alignments.Variants, name).value
    t0 = time.perf_counter()
    fig = alignment_based.apply(event_log, designed.net, designed.initial_marking, designed.final_marking,
                                align_variant=variant, parameters={"multiprocessing": False})
    queue.put({"seconds": time.perf_counter() - t0, "log_fitness": fig["log_fitness"],
               "fitting_share": fig["percentage_of_fitting_traces"] / 100, "average_fitness": fig["average_trace_fitness"]})


def in_process(target, args: tuple, timeout: float) -> dict | None:  # noqa: ANN001
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    try:
        return queue.get(timeout=timeout)
    except Exception:  # noqa: BLE001  (timeout or a crash: no figures)
        return None
    finally:
        proc.kill()
        proc.join()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log")
    ap.add_argument("model")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--variants", default=",".join(EXACT[:1] + APPROX))
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    rows = []
    exact = in_process(journeylog_exact, (args.log, args.model), args.timeout)
    rows.append({"variant": "journeylog exact", **(exact or {"status": "timeout"})})
    print(rows[-1], file=sys.stderr, flush=True)
    for name in args.variants.split(","):
        res = in_process(pm4py_variant, (args.log, args.model, name), args.timeout)
        row = {"variant": name.lower(), **(res or {"status": f"timeout ({args.timeout:g} s) or failed"})}
        if res and exact:
            row["equal"] = all(abs(res[k] - exact[k]) <= 1e-12 for k in ("log_fitness", "fitting_share", "average_fitness"))
            row["vs_journeylog_time"] = res["seconds"] / exact["seconds"]
        rows.append(row)
        print(row, file=sys.stderr, flush=True)
    print("| variant | log fitness | fitting share | average fitness | seconds | x journeylog | equal |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        if "log_fitness" not in r:
            print(f"| {r['variant']} | {r.get('status')} | | | | | |")
            continue
        print(f"| {r['variant']} | {r['log_fitness']:.6f} | {r['fitting_share']:.4f} | {r['average_fitness']:.6f} | "
              f"{r['seconds']:.2f} | {r.get('vs_journeylog_time', 1.0):.1f}x | {r.get('equal', '')} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
