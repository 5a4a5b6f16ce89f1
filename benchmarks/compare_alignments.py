#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# This file is part of journeylog.
"""Where journeylog's alignments and pm4py's differ (same cost), and what that does to the catalogue.

::

    python benchmarks/compare_alignments.py --log journeys.parquet --model samples/telecom/designed_journey.bpmn
    python benchmarks/compare_alignments.py --log ../shared/data/pm4py-core/logs/running-example.xes --discover
    python benchmarks/compare_alignments.py --log webshop.parquet --model webshop.ptree --examples 8

Both searches align every variant (``journeylog.mining.align`` with ``Settings(aligner=...)``), the
deviation occurrences are built from each (``explain.deviations.occurrences_table`` with the
model's drop-out stages, as ``conform`` does) and compared, weighted by journeys: variants whose
visible moves differ, journeys per deviation id on each side, and the first differing variants
side by side. ``--discover``: the model is pm4py's inductive miner (noise 0.2) on the log, as in
``equality_sweep.py``. Exit status 1 when a cost differs (that would be a bug).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path
from typing import Any


def _load(args: argparse.Namespace) -> tuple[Any, Any]:
    from journeylog.ingest import ReadOptions, read_events
    from journeylog.models import load_model

    events = read_events(args.log, ReadOptions(drop_duplicates=False, delimiter=args.delimiter))
    if not args.discover:
        return events, load_model(args.model)
    from journeylog.mining.determinism import pm4py_quiet

    pm4py_quiet()
    import pm4py

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = events.select(pl_case=events["journey_id"], act=events["activity"], ts=events["timestamp"]).to_pandas()
        log = pm4py.format_dataframe(log, case_id="pl_case", activity_key="act", timestamp_key="ts")
        net, im, fm = pm4py.discover_petri_net_inductive(log, noise_threshold=0.2)
        path = Path(tempfile.mkdtemp()) / "imf.pnml"
        pm4py.write_pnml(net, im, fm, str(path))
    return events, load_model(path)


def _visible(moves: list[dict[str, Any]] | None) -> tuple[tuple[str | None, str | None], ...]:
    return tuple((m["log"], m["model"]) for m in (moves or []) if m["kind"] != "silent")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--log", required=True)
    ap.add_argument("--model")
    ap.add_argument("--discover", action="store_true", help="pm4py's inductive miner (noise 0.2) on the log")
    ap.add_argument("--examples", type=int, default=5)
    ap.add_argument("--other-deviations", action="store_true", help="show only variants whose deviations differ")
    ap.add_argument("--delimiter", help="CSV delimiter (default: found from the header)")
    args = ap.parse_args(argv)
    if not args.discover and not args.model:
        ap.error("--model or --discover")
    import polars as pl

    from journeylog import mining
    from journeylog import settings as S
    from journeylog.explain import deviations as DV
    from journeylog.journeys import variants

    events, model = _load(args)
    vt = variants(events)
    counts = dict(zip(vt["variant_id"].to_list(), vt["journeys"].to_list(), strict=True))
    stage = mining.NextSteps(model).stage
    aligned: dict[str, pl.DataFrame] = {}
    occ: dict[str, pl.DataFrame] = {}
    for name in ("pm4py", "journeylog"):
        aligned[name] = mining.align(model, vt, settings=S.Settings(processes=1, aligner=name)).sort("variant_id")
        occ[name] = DV.occurrences_table(aligned[name], stage)
    a, b = aligned["pm4py"], aligned["journeylog"]
    bad_cost = a.select("variant_id", "cost").join(b.select("variant_id", "cost"), on="variant_id").filter(
        pl.col("cost").ne_missing(pl.col("cost_right")))
    moves_a = dict(zip(a["variant_id"].to_list(), a["moves"].to_list(), strict=True))
    moves_b = dict(zip(b["variant_id"].to_list(), b["moves"].to_list(), strict=True))
    differ = [v for v in moves_a if _visible(moves_a[v]) != _visible(moves_b[v])]
    journeys = sum(counts.values())
    print(f"{args.log}: {vt.height} variants, {journeys} journeys; costs differ: {bad_cost.height}")
    print(f"visible moves differ: {len(differ)} variants, {sum(counts[v] for v in differ)} journeys")
    per: dict[str, Counter[str]] = {}
    for name, o in occ.items():
        c: Counter[str] = Counter()
        for vid, kind, act in o.select("variant_id", "kind", "activity").unique().iter_rows():
            c[f"{kind}:{act}"] += counts[vid]
        per[name] = c
    ids = sorted(set(per["pm4py"]) | set(per["journeylog"]))
    changed = [i for i in ids if per["pm4py"][i] != per["journeylog"][i]]
    print(f"deviation ids with other journey counts: {len(changed)} of {len(ids)}")
    for i in sorted(changed, key=lambda i: (-abs(per["pm4py"][i] - per["journeylog"][i]), i)):
        print(f"  {i:60s} pm4py {per['pm4py'][i]:6d}  journeylog {per['journeylog'][i]:6d}")
    devs = {n: {v: sorted(set(map(tuple, g.select("kind", "activity").rows()))) for (v,), g in
                o.partition_by("variant_id", as_dict=True).items()} for n, o in occ.items()}
    other = [v for v in differ if devs["pm4py"].get(v, []) != devs["journeylog"].get(v, [])]
    print(f"deviations differ: {len(other)} variants, {sum(counts[v] for v in other)} journeys")
    shown = sorted(other if args.other_deviations else differ, key=lambda v: (-counts[v], v))[: args.examples]
    kinds: dict[str, dict[int, list[str]]] = {
        n: {v: sorted(f"{k}:{x}" for k, x in o.filter(pl.col("variant_id") == v).select("kind", "activity").iter_rows())
            for v in shown} for n, o in occ.items()}
    for v in shown:
        print(f"\nvariant {v} ({counts[v]} journeys)")
        for n, moves in (("pm4py", moves_a[v]), ("journeylog", moves_b[v])):
            text = " ".join(m["log"] if m["kind"] == "sync" else f"-{m['model']}" if m["kind"] == "model"
                            else f"+{m['log']}" for m in moves if m["kind"] != "silent")
            print(f"  {n:10s} {text}")
            print(f"  {'':10s} -> {', '.join(kinds[n][v])}")
    return 1 if bad_cost.height else 0


if __name__ == "__main__":
    sys.exit(main())
