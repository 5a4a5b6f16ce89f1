#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# This file is part of journeylog.
"""Benchmark journeylog against plain pm4py on the same log, side by side, and check the figures.

::

    python benchmarks/bench.py --events 1000000                     # generate, then run every step
    python benchmarks/bench.py --events 10000000 --steps dfg,variants,discover,polars --skip-pm4py-slow
    python benchmarks/bench.py --log bench.parquet --model designed.ptree --runs 5 --json out.json

For every step, each side (plain pm4py, journeylog, and the Polars baseline) runs in a fresh
Python process: it loads its input (untimed), then runs the step ``--runs`` times, timed with
``time.perf_counter``; the table shows the median. "peak MB" is the peak resident memory of that
process, loaded input included: its own high-water mark (``VmHWM`` from ``/proc/self/status``) or,
when it starts worker processes, the largest sum over it and its workers (sampled every 50 ms
from ``/proc``), whichever is larger. The figures each side computes are compared exactly
(``==``, no tolerance) and the table says whether they are equal.

pm4py runs on the pandas frame from ``pm4py.format_dataframe(pandas.read_parquet(log),
case_id='journey_id', activity_key='activity', timestamp_key='timestamp')`` and on the Petri
net of the designed process
tree (``pm4py.parse_process_tree`` + ``pm4py.convert_to_petri_net``), with its defaults (no
multiprocessing). journeylog runs on the canonical events from ``journeylog.ingest.read_events``
and the model from ``journeylog.models.load_model``.

Steps (``--steps``, comma-separated; default: all):

==================  ============================================  =============================================
step                plain pm4py (timed)                           journeylog (timed)
==================  ============================================  =============================================
ingest              ``format_dataframe`` (frame already loaded)   ``ingest.open_events(path)`` (reads the file)
dfg                 ``discover_dfg``                              ``journeys.process_map``
variants            ``get_variants``                              ``journeys.variants``
discover            ``discover_dfg`` + ``get_variants``           ``discover.discover(model=False)``
ingest_discover     ``read_parquet`` + format + dfg + variants    ``open_events`` + ``discover(model=False)``
polars              one ``pl.scan_parquet(...).group_by(...)`` over the columns discover reads (baseline)
im                  ``discover_process_tree_inductive``           ``variants`` + ``mining.discover_model``
fitness             ``fitness_alignments``                        ``variants`` + ``mining.align`` + ``alignment_figures``
conform             (the pm4py fitness figures)                   ``conform.conform(precision=False)``
precision           ``precision_alignments``                      ``variants`` + ``mining.precision``
tbr                 ``fitness_token_based_replay``                ``variants`` + ``mining.token_replay``
==================  ============================================  =============================================

A journeylog function that does not exist yet is reported as skipped, with the reason; no
figure is ever made up. Exit status: 0 when every compared figure is equal, 1 otherwise (or when
a step failed).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STEPS = ("ingest", "dfg", "variants", "discover", "ingest_discover", "polars", "im", "fitness", "conform",
         "precision", "tbr")
SLOW_PM4PY = {"im", "fitness", "precision", "tbr"}
# The pm4py side of a step that has none of its own: compare with another step's pm4py figures.
PM4PY_FROM = {"conform": "fitness"}
COLUMNS = ("journey_id", "timestamp", "channel", "activity")  # what discover reads


class Skip(Exception):
    """A step cannot run on this side (for example, a journeylog function that does not exist)."""


# ----------------------------------------------------------------------------------------------
# Memory: the high-water mark of this process's resident set.


def peak_rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class TreeRss:
    """Samples the resident memory of this process plus all its descendants (worker processes)
    every ``interval`` seconds, in a daemon thread; ``peak_mb`` is the largest sum seen."""

    def __init__(self, interval: float = 0.05, root: int | None = None) -> None:
        import threading

        self.interval = interval
        self.root = os.getpid() if root is None else root
        self.peak = 0
        self.page = os.sysconf("SC_PAGE_SIZE")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @staticmethod
    def _children(pid: int) -> list[int]:
        out: list[int] = []
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                    out.extend(int(x) for x in fh.read().split())
        except OSError:
            pass
        return out

    def _sample(self) -> None:
        self.peak = max(self.peak, self.current())

    def current(self) -> int:
        """Bytes resident now in the root process and its descendants."""
        total = 0
        todo = [self.root]
        while todo:
            pid = todo.pop()
            try:
                with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
                    total += int(fh.read().split()[1]) * self.page
            except (OSError, IndexError, ValueError):
                continue
            todo.extend(self._children(pid))
        return total

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    @property
    def peak_mb(self) -> float:
        return self.peak / 1024 / 1024


# ----------------------------------------------------------------------------------------------
# Canonical figures (plain Python, JSON-safe, sorted) so both sides compare with ==.


def _dfg_figs(dfg: dict, start: dict, end: dict) -> dict[str, Any]:
    return {
        "dfg": sorted([a, b, int(n)] for (a, b), n in dfg.items()),
        "start": sorted([a, int(n)] for a, n in start.items()),
        "end": sorted([a, int(n)] for a, n in end.items()),
    }


def _variant_figs(pairs) -> list:
    return sorted([list(acts), int(n)] for acts, n in pairs)


def _pm4py_variant_figs(v: dict) -> list:
    return _variant_figs((k, (n if isinstance(n, int) else len(n))) for k, n in v.items())


def _jl_map_figs(pmap) -> dict[str, Any]:
    e = pmap.edges
    return {
        "dfg": sorted([a, b, int(n)] for a, b, n in e.select("from", "to", "count").iter_rows()),
        "start": sorted([a, int(n)] for a, n in pmap.start.select("activity", "count").iter_rows()),
        "end": sorted([a, int(n)] for a, n in pmap.end.select("activity", "count").iter_rows()),
    }


def _jl_variant_figs(table) -> list:
    return _variant_figs(table.select("activities", "journeys").iter_rows())


# ----------------------------------------------------------------------------------------------
# The two sides. Each step is (setup, prepare, run, figures):
#   setup(ctx) -> state       untimed, once per process: load the input
#   prepare(state) -> arg     untimed, before every run (e.g. a fresh copy)
#   run(arg) -> result        TIMED
#   figures(result) -> JSON   untimed


def _quiet_pm4py():
    os.environ.setdefault("TQDM_DISABLE", "1")
    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # pm4py's import banner
    import pm4py
    from pm4py.util import constants

    constants.SHOW_PROGRESS_BAR = False
    return pm4py


def _pm4py_frame(path: str):
    import pandas as pd

    return pd.read_parquet(path)


def _pm4py_format(pm4py, pdf):
    return pm4py.format_dataframe(pdf, case_id="journey_id", activity_key="activity", timestamp_key="timestamp")


def _pm4py_formatted(ctx):
    pm4py = _quiet_pm4py()
    return {"pm4py": pm4py, "df": _pm4py_format(pm4py, _pm4py_frame(ctx["log"]))}


def _pm4py_net(ctx, state):
    pm4py = state["pm4py"]
    model = ctx["model"]
    if model is None:
        raise Skip("no designed model (give --model)")
    if model.lower().endswith(".bpmn"):
        net, im, fm = pm4py.convert_to_petri_net(pm4py.read_bpmn(model))
    elif model.lower().endswith(".pnml"):
        net, im, fm = pm4py.read_pnml(model)
    else:
        net, im, fm = pm4py.convert_to_petri_net(pm4py.parse_process_tree(Path(model).read_text(encoding="utf-8").strip()))
    state.update(net=net, im=im, fm=fm)
    return state


def _pm4py_with_net(ctx):
    return _pm4py_net(ctx, _pm4py_formatted(ctx))


def _fitness_figs(d: dict) -> dict[str, Any]:
    # journeylog's documented contract: fitting_share = percentage_of_fitting_traces / 100
    return {"log_fitness": d["log_fitness"], "average_fitness": d["average_trace_fitness"],
            "fitting_share": d["percentage_of_fitting_traces"] / 100}


def _ident(state):
    return state


def pm4py_steps() -> dict[str, tuple[Callable, Callable, Callable, Callable]]:
    def ingest_setup(ctx):
        return {"pm4py": _quiet_pm4py(), "pdf": _pm4py_frame(ctx["log"])}

    def ingest_prep(st):
        return st["pm4py"], st["pdf"].copy()

    def ingest_run(arg):
        pm4py, pdf = arg
        return _pm4py_format(pm4py, pdf)

    def ingest_figs(df):
        return {"events": int(len(df)), "journeys": int(df["case:concept:name"].nunique()),
                "activities": int(df["concept:name"].nunique())}

    def dfg_run(st):
        return st["pm4py"].discover_dfg(st["df"])

    def variants_run(st):
        return st["pm4py"].get_variants(st["df"])

    def discover_run(st):
        return st["pm4py"].discover_dfg(st["df"]), st["pm4py"].get_variants(st["df"])

    def discover_figs(res):
        (dfg, s, e), v = res
        return {**_dfg_figs(dfg, s, e), "variants": _pm4py_variant_figs(v)}

    def e2e_setup(ctx):
        return {"pm4py": _quiet_pm4py(), "path": ctx["log"]}

    def e2e_run(st):
        df = _pm4py_format(st["pm4py"], _pm4py_frame(st["path"]))
        return st["pm4py"].discover_dfg(df), st["pm4py"].get_variants(df)

    def im_run(st):
        return st["pm4py"].discover_process_tree_inductive(st["df"])

    def fitness_run(st):
        return st["pm4py"].fitness_alignments(st["df"], st["net"], st["im"], st["fm"])

    def precision_run(st):
        return st["pm4py"].precision_alignments(st["df"], st["net"], st["im"], st["fm"])

    def tbr_run(st):
        return st["pm4py"].fitness_token_based_replay(st["df"], st["net"], st["im"], st["fm"])

    return {
        "ingest": (ingest_setup, ingest_prep, ingest_run, ingest_figs),
        "dfg": (_pm4py_formatted, _ident, dfg_run, lambda r: _dfg_figs(*r)),
        "variants": (_pm4py_formatted, _ident, variants_run, lambda v: {"variants": _pm4py_variant_figs(v)}),
        "discover": (_pm4py_formatted, _ident, discover_run, discover_figs),
        "ingest_discover": (e2e_setup, _ident, e2e_run, discover_figs),
        "im": (_pm4py_formatted, _ident, im_run, lambda t: {"tree": canonical_tree_text(t)}),
        "fitness": (_pm4py_with_net, _ident, fitness_run, _fitness_figs),
        "precision": (_pm4py_with_net, _ident, precision_run, lambda p: {"precision": p}),
        "tbr": (_pm4py_with_net, _ident, tbr_run, _fitness_figs),
    }


def _jl_need(module: str, *names: str):
    """Import journeylog.<module> and check it has ``names``; otherwise skip, saying what is missing."""
    import importlib

    try:
        mod = importlib.import_module(f"journeylog.{module}")
    except ImportError as exc:
        raise Skip(f"journeylog.{module} cannot be imported ({exc})") from None
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        raise Skip(f"journeylog.{module} has no {', '.join(missing)}")
    return mod


def _jl_events(ctx):
    ingest = _jl_need("ingest", "read_events")
    return {"events": ingest.read_events(ctx["log"])}


def _jl_model(ctx, state):
    if ctx["model"] is None:
        raise Skip("no designed model (give --model)")
    state["model"] = _jl_need("models", "load_model").load_model(ctx["model"])
    return state


def _accepts(func: Callable, name: str) -> bool:
    import inspect

    try:
        return name in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def canonical_tree_text(tree: Any) -> str:
    """A process tree as text, independent of child order where order does not matter: pm4py's
    ``fold`` and ``tree_sort``, then the children of X, + and O sorted by their text."""
    from pm4py.objects.process_tree.obj import Operator
    from pm4py.objects.process_tree.utils import generic as pt_util

    tree = pt_util.fold(tree)
    pt_util.tree_sort(tree)

    def walk(node: Any) -> None:
        for child in node.children:
            walk(child)
        if node.operator in (Operator.XOR, Operator.PARALLEL, Operator.OR):
            node.children.sort(key=str)

    walk(tree)
    return str(tree)


def _jl_figures_table(fig: dict) -> dict[str, Any]:
    return {"log_fitness": fig["log_fitness"], "average_fitness": fig["average_fitness"],
            "fitting_share": fig["fitting_share"]}


def journeylog_steps() -> dict[str, tuple[Callable, Callable, Callable, Callable]]:
    def ingest_setup(ctx):
        return {"ingest": _jl_need("ingest", "open_events"), "path": ctx["log"]}

    def ingest_run(st):
        # in memory up to the memory budget (journeylog.ingest.memory_events), out of core above
        return st["ingest"].open_events(st["path"])

    def ingest_figs(source):
        J = _jl_need("journeys", "JourneyFigures")
        with source:
            s = J.JourneyFigures.of_batches(source.batches(["activity"]), activities=source.distinct("activity"),
                                            parts=("summary",)).summary()
        return {"events": s["events"], "journeys": s["journeys"], "activities": s["activities"]}

    def with_journeys(ctx):
        st = _jl_events(ctx)
        st["J"] = _jl_need("journeys", "variants", "process_map")
        return st

    def discover_setup(ctx):
        st = _jl_events(ctx)
        st["D"] = _jl_need("discover", "discover", "DiscoverOptions")
        return st

    def discover_run(st):
        D = st["D"]
        return D.discover(st["events"], D.DiscoverOptions(model=False))

    def discover_figs(d):
        return {**_jl_map_figs(d.process_map), "variants": _jl_variant_figs(d.variants)}

    def e2e_setup(ctx):
        return {"ingest": _jl_need("ingest", "open_events"), "D": _jl_need("discover", "discover", "DiscoverOptions"),
                "path": ctx["log"]}

    def e2e_run(st):
        D = st["D"]
        with st["ingest"].open_events(st["path"]) as source:
            return D.discover(source, D.DiscoverOptions(model=False))

    def mining_setup(*names: str, model: bool = True, any_of: tuple[str, ...] = ()):
        def setup(ctx):
            st = with_journeys(ctx)
            st["M"] = _jl_need("mining", *names)
            if any_of and not any(hasattr(st["M"], n) for n in any_of):
                raise Skip(f"journeylog.mining has none of {', '.join(any_of)}")
            return _jl_model(ctx, st) if model else st
        return setup

    def im_run(st):
        vt = st["J"].variants(st["events"])
        if hasattr(st["M"], "discover_tree"):
            return st["M"].discover_tree(vt, noise_threshold=0.0)
        return st["M"].discover_model(vt, noise_threshold=0.0, miner="im")[0]

    def trace_order(st, vt) -> dict[str, Any]:
        """pm4py sums per-trace fitness in case order; journeylog reproduces it from the variant of
        every journey, in journey order (``journeys.journey_variants``; see journeylog.mining)."""
        if not _accepts(st["M"].alignment_figures, "trace_order"):
            return {}
        return {"trace_order": st["J"].journey_variants(st["events"], vt)["variant_id"]}

    def fitness_run(st):
        vt = st["J"].variants(st["events"])
        return st["M"].alignment_figures(st["M"].align(st["model"], vt), vt, **trace_order(st, vt))

    def conform_setup(ctx):
        _jl_need("models", "load_model", "label_check")  # conform needs them; no stand-in here
        st = _jl_model(ctx, _jl_events(ctx))
        st["C"] = _jl_need("conform", "conform", "ConformOptions")
        return st

    def conform_run(st):
        C = st["C"]
        return C.conform(st["events"], st["model"], C.ConformOptions(precision=False)).figures

    def conform_figs(fig):
        return {"log_fitness": fig["fitness"], "average_fitness": fig["average_fitness"],
                "fitting_share": fig["fitting_share"]}

    def precision_run(st):
        return st["M"].precision(st["model"], st["J"].variants(st["events"]))

    def tbr_run(st):
        vt = st["J"].variants(st["events"])
        extra = trace_order(st, vt) if _accepts(st["M"].token_replay, "trace_order") else {}
        return st["M"].token_replay(st["model"], vt, **extra)

    return {
        "ingest": (ingest_setup, _ident, ingest_run, ingest_figs),
        "dfg": (with_journeys, _ident, lambda st: st["J"].process_map(st["events"]), _jl_map_figs),
        "variants": (with_journeys, _ident, lambda st: st["J"].variants(st["events"]),
                     lambda t: {"variants": _jl_variant_figs(t)}),
        "discover": (discover_setup, _ident, discover_run, discover_figs),
        "ingest_discover": (e2e_setup, _ident, e2e_run, discover_figs),
        "im": (mining_setup(model=False, any_of=("discover_tree", "discover_model")), _ident, im_run,
               lambda t: {"tree": canonical_tree_text(t)}),
        "fitness": (mining_setup("align", "alignment_figures"), _ident, fitness_run, _jl_figures_table),
        "conform": (conform_setup, _ident, conform_run, conform_figs),
        "precision": (mining_setup("precision"), _ident, precision_run, lambda p: {"precision": float(p)}),
        "tbr": (mining_setup("token_replay"), _ident, tbr_run, _jl_figures_table),
    }


def polars_steps() -> dict[str, tuple[Callable, Callable, Callable, Callable]]:
    def setup(ctx):
        import polars as pl

        return {"pl": pl, "path": ctx["log"]}

    def run(st):
        pl = st["pl"]
        # One scan of the columns discover reads, one group-by touching all of them.
        return (
            pl.scan_parquet(st["path"])
            .select(*COLUMNS)
            .group_by("activity", "channel")
            .agg(pl.len().alias("events"), pl.col("journey_id").n_unique().alias("journeys"),
                 pl.col("timestamp").min().alias("first"), pl.col("timestamp").max().alias("last"))
            .collect()
        )

    def figs(frame):
        return {"events": int(frame["events"].sum())}

    return {"polars": (setup, _ident, run, figs)}


SIDES: dict[str, Callable[[], dict]] = {"pm4py": pm4py_steps, "journeylog": journeylog_steps, "polars": polars_steps}


# ----------------------------------------------------------------------------------------------
# Child process: one (step, side)


def child_main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    out: dict[str, Any] = {"step": spec["step"], "side": spec["side"]}
    try:
        steps = SIDES[spec["side"]]()
        if spec["step"] not in steps:
            raise Skip(f"no {spec['side']} side for this step")
        setup, prepare, run, figures = steps[spec["step"]]
        sampler = TreeRss().__enter__()
        t0 = time.perf_counter()
        state = setup(spec)
        out["setup_seconds"] = time.perf_counter() - t0
        out["rss_after_setup_mb"] = rss_mb()
        times = []
        result = None
        for _ in range(spec["runs"]):
            arg = prepare(state)
            result = None
            gc.collect()
            t = time.perf_counter()
            result = run(arg)
            times.append(time.perf_counter() - t)
            del arg
        out["times"] = times
        sampler.__exit__()
        # the process's own high-water mark (exact), and with its worker processes (sampled)
        out["own_peak_rss_mb"] = peak_rss_mb()
        out["peak_rss_mb"] = max(out["own_peak_rss_mb"], sampler.peak_mb)
        out["figures"] = figures(result)
        out["status"] = "ok"
    except Skip as exc:
        out.update(status="skipped", reason=str(exc))
    except Exception as exc:  # reported in the table; the parent exits 1
        import traceback

        out.update(status="error", reason=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
    Path(spec["result"]).write_text(json.dumps(out), encoding="utf-8")
    return 0


def run_child(step: str, side: str, ctx: dict[str, Any], tmp: Path, max_rss_mb: int | None = None) -> dict[str, Any]:
    spec = {**ctx, "step": step, "side": side, "result": str(tmp / f"{step}-{side}.json")}
    spec_path = tmp / f"{step}-{side}.spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    env = dict(os.environ, TQDM_DISABLE="1")
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", str(spec_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    over = None
    if max_rss_mb:
        # Guard the machine: stop the step (its process group: it and its workers) when it and its
        # workers hold more than max_rss_mb, instead of letting the kernel pick a victim.
        import signal
        import threading

        def watch() -> None:
            nonlocal over
            meter = TreeRss(root=proc.pid)
            while proc.poll() is None:
                mb = meter.current() / 1024 / 1024
                if mb > max_rss_mb:
                    over = mb
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    return
                time.sleep(0.1)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
    try:
        _out, err = proc.communicate()
    except BaseException:  # Ctrl-C: the step runs in its own session, so stop it (and its workers)
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        raise
    if over is not None:
        return {"step": step, "side": side, "status": "error",
                "reason": f"stopped: resident memory passed --max-rss-mb {max_rss_mb:,} MB ({over:,.0f} MB)"}
    result_path = Path(spec["result"])
    if proc.returncode != 0 or not result_path.exists():
        tail = (err or "").strip().splitlines()[-3:]
        return {"step": step, "side": side, "status": "error",
                "reason": f"process exited with {proc.returncode}: {' | '.join(tail)}"}
    return json.loads(result_path.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------------------------
# Comparison and report


def compare(a: Any, b: Any) -> tuple[bool, str]:
    """Exact comparison of two figure dicts on their common keys; a short description of the first
    differences."""
    if not isinstance(a, dict) or not isinstance(b, dict):
        return a == b, "" if a == b else f"{a!r} != {b!r}"
    keys = [k for k in a if k in b]
    diffs = []
    for k in keys:
        if a[k] != b[k]:
            x, y = a[k], b[k]
            if isinstance(x, list) and isinstance(y, list):
                xs = {json.dumps(i) for i in x}
                ys = {json.dumps(i) for i in y}
                only_a, only_b = sorted(xs - ys)[:2], sorted(ys - xs)[:2]
                diffs.append(f"{k}: {len(xs - ys)} only in pm4py (e.g. {only_a}), "
                             f"{len(ys - xs)} only in journeylog (e.g. {only_b})")
            else:
                diffs.append(f"{k}: pm4py {x!r} != journeylog {y!r}")
    return not diffs and bool(keys), "; ".join(diffs)


def _small(figures: Any) -> bool:
    return isinstance(figures, dict) and all(not isinstance(v, (list, dict)) for v in figures.values())


def _median(r: dict[str, Any] | None) -> float | None:
    return statistics.median(r["times"]) if r and r.get("status") == "ok" else None


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _fmt_mb(r: dict[str, Any] | None) -> str:
    return f"{r['peak_rss_mb']:,.0f}" if r and r.get("status") == "ok" else "-"


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            info["cpu"] = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), None)
        with open("/proc/meminfo", encoding="utf-8") as fh:
            kb = int(next(ln for ln in fh if ln.startswith("MemTotal")).split()[1])
            info["ram_gib"] = round(kb / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            info["loadavg_1_5_15"] = fh.read().split()[:3]
    except OSError:
        pass
    for mod in ("pm4py", "polars", "pandas", "pyarrow", "numpy"):
        try:
            from importlib.metadata import version

            info[mod] = version(mod)
        except Exception:  # noqa: BLE001
            info[mod] = None
    return info


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child_main(argv[1])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--events", type=int, default=1_000_000, help="generate a log of this many events (default 1M)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--log", help="use this Parquet log instead of generating one")
    ap.add_argument("--model", help="designed model (.ptree, .bpmn or .pnml); default: the generator's")
    ap.add_argument("--workdir", help="where generated logs are kept and reused (default: a folder in the temp dir)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per step and side (median shown)")
    ap.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, from: {', '.join(STEPS)}")
    ap.add_argument("--sides", default="pm4py,journeylog,polars", help="which sides to run")
    ap.add_argument("--skip-pm4py-slow", action="store_true",
                    help=f"do not run pm4py's {', '.join(sorted(SLOW_PM4PY))} (no equality check for them)")
    ap.add_argument("--max-rss-mb", type=int, default=None,
                    help="stop a step whose process (with its workers) holds more memory than this; it is reported as an error")
    ap.add_argument("--json", dest="json_out", help="write the results to this JSON file")
    args = ap.parse_args(argv)

    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    bad = [s for s in steps if s not in STEPS]
    if bad or args.runs < 1:
        ap.error(f"unknown step(s): {', '.join(bad)}" if bad else "--runs must be at least 1")
    sides = {s.strip() for s in args.sides.split(",") if s.strip()}

    workdir = Path(args.workdir or Path(tempfile.gettempdir()) / "journeylog-bench")
    workdir.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE))
    import generate as G  # noqa: E402  (benchmarks/generate.py)

    if args.log:
        log = str(Path(args.log).resolve())
        model = str(Path(args.model).resolve()) if args.model else None
    else:
        log = str(workdir / f"log-{args.events}-seed{args.seed}.parquet")
        if not Path(log).exists():
            print(f"generating {args.events:,} events -> {log}", file=sys.stderr, flush=True)
            G.generate(args.events, args.seed, log, progress=args.events > G.CHUNK_EVENTS)
        model = str(Path(args.model).resolve()) if args.model else str(workdir / "designed.ptree")
        if not args.model:
            G.write_model(model)

    import polars as pl

    meta = (pl.scan_parquet(log).select(pl.len().alias("events"), pl.col("journey_id").n_unique().alias("journeys"))
            .collect().row(0, named=True))
    print(f"log {log}: {meta['events']:,} events, {meta['journeys']:,} journeys; model {model}; "
          f"{args.runs} run(s) per step", file=sys.stderr, flush=True)

    ctx = {"log": log, "model": model, "runs": args.runs}
    machine_before = machine_info()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="jl-bench-") as tdir:
        tmp = Path(tdir)
        for step in steps:
            results[step] = {}
            if step == "polars":
                want = ["polars"] if "polars" in sides else []
            else:
                want = [s for s in ("pm4py", "journeylog") if s in sides]
                if step in PM4PY_FROM or (args.skip_pm4py_slow and step in SLOW_PM4PY):
                    want = [s for s in want if s != "pm4py"]
            for side in want:
                t0 = time.perf_counter()
                print(f"  {step:<16} {side:<10} ...", end="", file=sys.stderr, flush=True)
                r = run_child(step, side, ctx, tmp, args.max_rss_mb)
                results[step][side] = r
                status = r["status"] if r["status"] != "ok" else f"median {_median(r):.3f} s"
                print(f" {status} ({time.perf_counter() - t0:.0f} s wall)", file=sys.stderr, flush=True)
                if r["status"] != "ok":
                    print(f"    {r.get('reason')}", file=sys.stderr, flush=True)

    # pm4py figures borrowed from another step (conform <- fitness)
    for step, src in PM4PY_FROM.items():
        if step in results and "pm4py" not in results[step] and src in results and "pm4py" in results[src]:
            results[step]["pm4py_reference"] = results[src]["pm4py"]

    rows = []
    failed = False
    for step in steps:
        r = results[step]
        if step == "polars":
            rows.append((step, None, r.get("polars"), None, "baseline"))
            continue
        pm, jl = r.get("pm4py"), r.get("journeylog")
        ref = pm or r.get("pm4py_reference")
        if jl is None or jl["status"] != "ok":
            eq = "journeylog " + (jl["status"] + ": " + jl.get("reason", "") if jl else "not run")
            failed |= bool(jl and jl["status"] == "error")
        elif ref is None or ref["status"] != "ok":
            eq = "pm4py " + (ref["status"] + ": " + ref.get("reason", "") if ref else "not run") + " (not compared)"
            failed |= bool(ref and ref["status"] == "error")
        else:
            ok, why = compare(ref["figures"], jl["figures"])
            eq = "equal" if ok else "NOT EQUAL: " + why
            if pm is None:
                eq += " (vs pm4py fitness)"
            failed |= not ok
        r["equal"] = eq
        rows.append((step, pm, None, jl, eq))

    head = ("step", "pm4py median s", "journeylog median s", "speed-up", "pm4py peak MB", "journeylog peak MB", "equal?")
    table = []
    for step, pm, base, jl, eq in rows:
        if step == "polars":
            what = "baseline" if base and base.get("status") == "ok" else (
                f"baseline {base['status']}: {base.get('reason', '')}" if base else "baseline not run")
            failed |= bool(base and base.get("status") == "error")
            table.append(("polars baseline", "-", _fmt_s(_median(base)), "-", "-", _fmt_mb(base), what))
            continue
        a, b = _median(pm), _median(jl)
        ratio = f"{a / b:.1f}x" if a and b else "-"
        table.append((step, _fmt_s(a), _fmt_s(b), ratio, _fmt_mb(pm), _fmt_mb(jl), eq))
    widths = [max(len(str(x)) for x in col) for col in zip(head, *table, strict=True)]
    widths[-1] = min(widths[-1], 60)
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for cells in table:
        print(line(cells))
    base = _median(results.get("polars", {}).get("polars"))
    if base:
        for step in ("discover", "ingest_discover"):
            jl = _median(results.get(step, {}).get("journeylog"))
            if jl:
                print(f"{step}: journeylog {jl:.3f} s = {jl / base:.1f}x the Polars scan-and-group-by ({base:.3f} s)")
    for step in steps:
        for side, r in results[step].items():
            if isinstance(r, dict) and r.get("status") == "error" and r.get("traceback") and side != "pm4py_reference":
                print(f"\n{step} / {side} failed:\n{r['traceback']}", file=sys.stderr)

    if args.json_out:
        doc = {
            "machine": machine_before, "started": started, "loadavg_at_end": machine_info().get("loadavg_1_5_15"),
            "log": log, "model": model, "runs": args.runs, **meta,
            "command": " ".join([Path(sys.executable).name, "benchmarks/bench.py", *argv]),
            # figures are kept when they are a few numbers or a tree (not the DFG or variant lists)
            "steps": {
                step: {side: {k: v for k, v in r.items() if k != "figures" or _small(v)} if isinstance(r, dict) else r
                       for side, r in res.items()}
                for step, res in results.items()
            },
        }
        Path(args.json_out).write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
