#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# This file is part of journeylog.
"""Every event log of the shared data against pm4py: the same five conformance figures, compared with ``==``.

::

    python benchmarks/equality_sweep.py                       # writes docs/correctness.md
    python benchmarks/equality_sweep.py --budget 600 --out /tmp/correctness.md --json /tmp/sweep.json

For every ``.xes``, ``.xes.gz``, ``.csv`` and ``.parquet`` file under ``--data`` (default
``../shared/data`` next to the repository), in path order:

1. pm4py reads it (``pm4py.read_xes``; CSV: ``pandas.read_csv`` with every column a string and
   the timestamp parsed with ``pandas.to_datetime(utc=True, format="ISO8601")``; Parquet:
   ``pandas.read_parquet``) and ``pm4py.format_dataframe`` orders it by case id, timestamp and
   file order. A file pm4py cannot read, with no events or no case ids, is not an event log: it is
   listed apart, with the reason.
2. pm4py's inductive miner (``discover_petri_net_inductive(noise_threshold=0.2)``) discovers a
   net, written with ``pm4py.write_pnml`` and read back with ``pm4py.read_pnml``.
3. pm4py computes, on the ordered frame and the net read back: ``fitness_alignments``
   (``log_fitness``, ``percentage_of_fitting_traces``, ``average_trace_fitness``),
   ``precision_alignments`` and ``fitness_token_based_replay`` (``log_fitness``), without
   multiprocessing. Both alignment calls together get ``--budget`` seconds; a log over it is listed
   as "skipped: pm4py alignments over budget".
4. journeylog reads the same file (``journeylog.ingest.read_events``, the same columns and
   delimiter) and the same PNML file (``journeylog.models.load_model``) and computes the same
   figures with ``journeylog.mining`` (``align`` + ``alignment_figures``, ``precision``,
   ``token_replay``; the trace order from ``journeylog.journeys.journey_variants``).

Each side runs in its own Python process (pm4py's side never imports journeylog, which makes
pm4py's alignment tie-breaking deterministic), with ``--threads`` Polars/BLAS threads and
``--processes`` journeylog alignment workers, one log at a time: with the defaults (1 and 1) the
sweep uses one core. Progress goes to stderr. Exit status: 0 when every compared figure is equal.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data"
SUFFIXES = (".xes", ".xes.gz", ".csv", ".parquet")
NOISE = 0.2
#: (key in the results, column title); fitting traces compare pm4py's percentage / 100 with
#: journeylog's share, the documented contract (journeylog.mining)
FIGURES = (
    ("log_fitness", "alignment fitness"),
    ("fitting_share", "fitting traces"),
    ("average_fitness", "average trace fitness"),
    ("precision", "precision"),
    ("tbr_fitness", "token-replay fitness"),
)
CASE_COLUMNS = ("case:concept:name", "CaseID")
ACTIVITY_COLUMNS = ("concept:name", "Activity")
TIMESTAMP_COLUMNS = ("time:timestamp", "Timestamp")


class OverBudget(Exception):
    """pm4py's alignments took longer than the budget."""


class NotAnEventLog(Exception):
    """pm4py cannot read the file as an event log; the message says why."""


# ----------------------------------------------------------------------------------------------
# pm4py: reading a log the way the tests do


def quiet_pm4py() -> Any:
    """pm4py imported without its banner and progress bars (as benchmarks/bench.py does)."""
    os.environ.setdefault("TQDM_DISABLE", "1")
    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # pm4py's import banner
    import warnings

    warnings.filterwarnings("ignore")
    import pm4py
    from pm4py.util import constants

    constants.SHOW_PROGRESS_BAR = False
    return pm4py


def csv_delimiter(path: Path) -> str:
    """``;`` when the header has semicolons and no commas, else ``,``."""
    with open(path, encoding="utf-8") as fh:
        header = fh.readline()
    return ";" if ";" in header and "," not in header else ","


def first_of(columns: Any, names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in columns), None)


def read_frame(pm4py: Any, path: Path) -> tuple[Any, dict[str, Any]]:
    """(pm4py's ordered frame, how journeylog must read the file); raises :class:`NotAnEventLog`
    with the reason when the file is not an event log."""
    import pandas as pd

    name = path.name.lower()
    options: dict[str, Any] = {}
    try:
        if name.endswith((".xes", ".xes.gz")):
            df = pm4py.read_xes(str(path))
        elif name.endswith(".csv"):
            sep = csv_delimiter(path)
            df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
            if sep != ",":
                options["delimiter"] = sep
        else:
            df = pd.read_parquet(path)
    except Exception as exc:  # the reason is the table's "why"
        reader = "pm4py.read_xes" if name.endswith((".xes", ".xes.gz")) else "pandas"
        raise NotAnEventLog(f"{reader} cannot read it: {type(exc).__name__}: {str(exc).strip()[:120]}") from None
    if len(df) == 0:
        raise NotAnEventLog("no events (pm4py reads 0 rows)")
    case, activity = first_of(df.columns, CASE_COLUMNS), first_of(df.columns, ACTIVITY_COLUMNS)
    if case is None or activity is None:
        raise NotAnEventLog(f"no {'case id' if case is None else 'activity'} column (columns: {', '.join(map(str, df.columns))})")
    timestamp = first_of(df.columns, TIMESTAMP_COLUMNS)
    if not name.endswith((".xes", ".xes.gz")):
        options.update(case=case, activity=activity, timestamp=timestamp)
    if timestamp is None:
        # pm4py needs no timestamps; journeylog does (it is reported as not compared)
        df = df.rename(columns={case: "case:concept:name", activity: "concept:name"})
        df["case:concept:name"] = df["case:concept:name"].astype("string")
        df["@@file_order"] = range(len(df))
        return df.sort_values(["case:concept:name", "@@file_order"], kind="stable"), options
    if df[timestamp].dtype == object or str(df[timestamp].dtype).startswith("string"):
        df[timestamp] = pd.to_datetime(df[timestamp], utc=True, format="ISO8601")
    df = pm4py.format_dataframe(df, case_id=case, activity_key=activity, timestamp_key=timestamp)
    return df, options


# ----------------------------------------------------------------------------------------------
# The two sides, each in a child process


def _alarm(_signum: int, _frame: Any) -> None:
    raise OverBudget


def pm4py_side(spec: dict[str, Any]) -> dict[str, Any]:
    pm4py = quiet_pm4py()
    df, options = read_frame(pm4py, Path(spec["log"]))
    out: dict[str, Any] = {"read_options": options, "events": len(df),
                           "cases": int(df["case:concept:name"].nunique()), "pm4py_version": pm4py.__version__}
    out["variants"] = len(pm4py.get_variants(df)) if "time:timestamp" in df.columns else int(
        df.groupby("case:concept:name", sort=False)["concept:name"].agg(tuple).nunique())
    if "time:timestamp" not in df.columns:
        out["status"] = "no_timestamps"
        return out
    t0 = time.perf_counter()
    net, im, fm = pm4py.discover_petri_net_inductive(df, noise_threshold=NOISE)
    pm4py.write_pnml(net, im, fm, spec["pnml"])
    net, im, fm = pm4py.read_pnml(spec["pnml"])
    out["discover_seconds"] = time.perf_counter() - t0
    out["transitions"] = len(net.transitions)
    out["silent"] = sum(1 for t in net.transitions if t.label is None)
    signal.signal(signal.SIGALRM, _alarm)
    t0 = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, spec["budget"])
    try:
        fit = pm4py.fitness_alignments(df, net, im, fm, multi_processing=False)
        prec = pm4py.precision_alignments(df, net, im, fm, multi_processing=False)
    except OverBudget:
        out.update(status="over_budget", alignment_seconds=time.perf_counter() - t0)
        return out
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    out["alignment_seconds"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tbr = pm4py.fitness_token_based_replay(df, net, im, fm)
    out["tbr_seconds"] = time.perf_counter() - t0
    out["figures"] = {"log_fitness": fit["log_fitness"], "fitting_share": fit["percentage_of_fitting_traces"] / 100,
                      "average_fitness": fit["average_trace_fitness"], "precision": prec,
                      "tbr_fitness": tbr["log_fitness"]}
    out["status"] = "ok"
    return out


def journeylog_side(spec: dict[str, Any]) -> dict[str, Any]:
    from journeylog import settings as S

    run = S.Settings(threads=spec["threads"], processes=spec["processes"])
    S.apply_polars_threads(run)
    S.use(run)
    import journeylog
    from journeylog import mining
    from journeylog.ingest import ReadOptions, read_events
    from journeylog.journeys import journey_variants, variants
    from journeylog.models import load_model

    out: dict[str, Any] = {"journeylog_version": journeylog.__version__}
    t0 = time.perf_counter()
    try:
        events = read_events(spec["log"], ReadOptions(drop_duplicates=False, **spec["read_options"]))
    except Exception as exc:  # reported in the table: journeylog refuses the file
        why = str(exc).splitlines()[0].replace(str(Path(spec["data"])) + os.sep, "").split(" (hint:")[0]
        return {**out, "status": "refused", "reason": f"{type(exc).__name__}: {why[:200]}"}
    vt = variants(events)
    order = journey_variants(events, vt)["variant_id"]
    model = load_model(spec["pnml"])
    out.update(events=events.height, cases=int(events["journey_id"].n_unique()), variants=vt.height)
    table = mining.align(model, vt, processes=spec["processes"])
    figs = mining.alignment_figures(table, vt, trace_order=order)
    out["timed_out_variants"] = int(table["cost"].null_count())
    prec = mining.precision(model, vt, processes=spec["processes"])
    rep = mining.token_replay(model, vt, trace_order=order)
    out["seconds"] = time.perf_counter() - t0
    out["figures"] = {"log_fitness": figs["log_fitness"], "fitting_share": figs["fitting_share"],
                      "average_fitness": figs["average_fitness"], "precision": prec, "tbr_fitness": rep["log_fitness"]}
    out["status"] = "ok"
    return out


def child_main(side: str, spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    try:
        out = pm4py_side(spec) if side == "pm4py" else journeylog_side(spec)
    except Exception as exc:  # reported in the table
        import traceback

        out = {"status": "error", "reason": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    Path(spec["result"]).write_text(json.dumps(out), encoding="utf-8")
    return 0


def run_child(side: str, spec: dict[str, Any], tmp: Path, timeout: float, threads: int) -> dict[str, Any]:
    spec = {**spec, "result": str(tmp / f"{side}.json")}
    spec_path = tmp / f"{side}.spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PM4PY_")}
    env.update(TQDM_DISABLE="1", POLARS_MAX_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", side, str(spec_path)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _out, err = proc.communicate(timeout=timeout)
    except BaseException as exc:  # over the hard limit, or Ctrl-C: stop the child and its workers
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if isinstance(exc, subprocess.TimeoutExpired):
            return {"status": "over_budget" if side == "pm4py" else "error", "reason": f"killed after {timeout:.0f} s"}
        raise
    result = Path(spec["result"])
    if not result.exists():
        return {"status": "error", "reason": f"exit {proc.returncode}: {err.strip()[-300:]}"}
    return json.loads(result.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------------------------
# The sweep


def log_files(data: Path) -> list[Path]:
    return sorted(p for p in data.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES) and ".git" not in p.parts)


def classify(data: Path) -> tuple[list[Path], list[dict[str, str]]]:
    """(event logs, files that are not, with the reason), read with pm4py in this process."""
    pm4py = quiet_pm4py()
    logs, not_logs = [], []
    for path in log_files(data):
        try:
            read_frame(pm4py, path)
            logs.append(path)
        except NotAnEventLog as exc:
            not_logs.append({"file": str(path.relative_to(data)), "why": str(exc)})
    return logs, not_logs


def sweep_one(path: Path, data: Path, args: argparse.Namespace) -> dict[str, Any]:
    row: dict[str, Any] = {"log": str(path.relative_to(data))}
    with tempfile.TemporaryDirectory(prefix="jl-sweep-") as tmp:
        spec = {"log": str(path), "data": str(data), "pnml": str(Path(tmp) / "model.pnml"), "budget": args.budget,
                "threads": args.threads, "processes": args.processes}
        row["pm4py"] = pm = run_child("pm4py", spec, Path(tmp), args.budget * 2 + 300, args.threads)
        if pm["status"] in ("ok", "no_timestamps"):  # without timestamps: what journeylog says about the file
            spec["read_options"] = pm["read_options"]
            row["journeylog"] = run_child("journeylog", spec, Path(tmp), args.budget * 4 + 300, args.threads)
    row["equal"] = {k: row["pm4py"]["figures"][k] == row["journeylog"]["figures"][k] for k, _ in FIGURES} \
        if row["pm4py"]["status"] == "ok" and row.get("journeylog", {}).get("status") == "ok" else None
    return row


def short_reason(row: dict[str, Any]) -> str:
    """Why a log was not compared, without the error class and file name."""
    jl = row.get("journeylog", {})
    if jl.get("status") == "refused":
        return "journeylog refuses it: " + re.sub(r"^\w+: \S+?(:\d+)?: ", "", jl["reason"])
    return row_status(row).split(": ", 1)[-1]


def row_status(row: dict[str, Any]) -> str:
    pm, jl = row["pm4py"], row.get("journeylog", {})
    if pm["status"] == "over_budget":
        return "skipped: pm4py alignments over budget"
    if jl.get("status") == "refused":
        return f"not compared: journeylog refuses the file ({jl['reason']})"
    if pm["status"] == "no_timestamps":
        return "not compared: the log has no timestamps"
    if pm["status"] != "ok":
        return f"pm4py failed: {pm.get('reason', '?')}"
    if jl.get("status") != "ok":
        return f"journeylog failed: {jl.get('reason', '?')}"
    differ = [title for key, title in FIGURES if not row["equal"][key]]
    differ += [f"{key} count" for key in ("events", "cases", "variants") if pm[key] != jl[key]]
    return "all equal" if not differ else "**differs**: " + ", ".join(differ)


# ----------------------------------------------------------------------------------------------
# docs/correctness.md


def _fig(value: Any) -> str:
    return "" if value is None else repr(float(value))


def _seconds(value: Any) -> str:
    return "" if value is None else f"{value:.1f}"


def _count(row: dict[str, Any], key: str) -> str:
    value = row["pm4py"].get(key)
    return "" if value is None else f"{value:,}"


def table_row(row: dict[str, Any]) -> str:
    pm, jl = row["pm4py"], row.get("journeylog", {})
    model = f"{pm['transitions']}, {pm['silent']}" if "transitions" in pm else ""
    cells = [f"`{row['log']}`", _count(row, "events"), _count(row, "cases"), _count(row, "variants"), model]
    for key, _title in FIGURES:
        pf, jf = pm.get("figures", {}).get(key), jl.get("figures", {}).get(key)
        eq = "" if row["equal"] is None else ("yes" if row["equal"][key] else "**no**")
        cells += [_fig(pf), _fig(jf), eq]
    cells += [_seconds(pm.get("alignment_seconds")), _seconds(jl.get("seconds")), row_status(row)]
    return "| " + " | ".join(cells) + " |"


def render(rows: list[dict[str, Any]], not_logs: list[dict[str, str]], meta: dict[str, Any]) -> str:
    compared = [r for r in rows if r["equal"] is not None]
    equal = [r for r in compared if row_status(r) == "all equal"]
    skipped = [r for r in rows if r["equal"] is None]
    head = ["log", "events", "cases", "variants", "model (transitions, silent)"]
    for _key, title in FIGURES:
        head += [f"{title}: pm4py", "journeylog", "equal"]
    head += ["pm4py alignments (s)", "journeylog (s)", "result"]
    lines = [
        "# Correctness: journeylog's figures equal pm4py's",
        "",
        "<!-- generated by benchmarks/equality_sweep.py; do not edit by hand -->",
        "",
        "For every event log in the shared test data (`../shared/data`: the `.xes`, `.xes.gz`, `.csv` and",
        "`.parquet` files), pm4py's inductive miner (IMf, `noise_threshold=0.2`) discovers a Petri net, which",
        "is written as PNML. pm4py, on the log ordered by case id, timestamp and file order and on the net",
        "read back from that file, and journeylog, on the same log file and the same PNML file, then compute",
        "five figures: alignment fitness (`log_fitness`), the share of fitting traces (pm4py's",
        "`percentage_of_fitting_traces` / 100), the average trace fitness, alignment precision",
        "(`precision_alignments`) and token-based replay fitness (`log_fitness`). They are compared with",
        "`==`: no tolerance, every digit. How each side reads the log and runs is described at the top of",
        "[`benchmarks/equality_sweep.py`](../benchmarks/equality_sweep.py).",
        "",
        f"Versions: pm4py {meta['pm4py']}, journeylog {meta['journeylog']} (commit {meta['commit']}), "
        f"Python {meta['python']}. Budget for pm4py's alignments: {meta['budget']:g} s per log; "
        f"{meta['threads']} thread(s), {meta['processes']} journeylog worker process(es). "
        f"The whole run took {meta['seconds'] / 60:.1f} minutes.",
        "",
        "Re-run (from the repository root, in the project's virtual environment; it rewrites this page):",
        "",
        "```sh",
        "python benchmarks/equality_sweep.py            # --budget SECONDS, --threads N, --processes N",
        "```",
        "",
        "## Summary",
        "",
        f"* {len(rows)} event logs; {len(compared)} compared, and on {len(equal)} of them all five figures are equal"
        + ("." if len(equal) == len(compared) else f"; **{len(compared) - len(equal)} differ** (see below)."),
        f"* {len(skipped)} not compared: " + ("; ".join(f"`{r['log']}` ({short_reason(r)})" for r in skipped) or "none") + ".",
        f"* {len(not_logs)} files are not event logs (listed at the end, with the reason).",
        "",
        "## Figures",
        "",
        "| " + " | ".join(head) + " |",
        "| --- | " + " | ".join(["---:"] * 4 + ["---:", "---:", "---"] * len(FIGURES)) + " | ---: | ---: | --- |",
        *[table_row(r) for r in rows],
        "",
        *notes(rows),
        "",
        "## Files that are not event logs",
        "",
        "| file | why |",
        "| --- | --- |",
        *[f"| `{n['file']}` | {n['why'].replace('|', '/')} |" for n in not_logs],
        "",
    ]
    return "\n".join(lines)


def notes(rows: list[dict[str, Any]]) -> list[str]:
    """What the columns mean, and why the logs that were not compared were not."""
    status = [row_status(r) for r in rows]
    out = [
        "* Events, cases and variants are pm4py's counts. Where journeylog read the file, its counts are",
        "  compared too (a difference would show in \"result\"). \"model\" is the discovered net as read back",
        "  from PNML: all transitions, and how many of them are silent.",
        "* \"pm4py alignments (s)\" is the wall time of `fitness_alignments` + `precision_alignments`;",
        "  \"journeylog (s)\" covers reading the log and the model, alignments, precision and token replay.",
        "  They were measured on a shared 2-core machine under changing load, so they are indicative only,",
        "  and whether a log stays within the budget can depend on that load.",
        "* Token replay is deterministic here. pm4py's token replay can depend on the order of Python sets",
        "  when several transitions share a label, and nets from the inductive miner have no such labels.",
    ]
    if any("over budget" in s for s in status):
        out += ["* \"skipped: pm4py alignments over budget\": pm4py's two alignment calls did not finish within",
                "  the budget, so there is nothing to compare with; `--budget` raises it."]
    if any("timestamp" in s for s in status):
        out += ["* Logs without timestamps: pm4py needs none, but journeylog orders every journey by time and",
                "  refuses a log without a timestamp column, so these are not compared (pm4py's counts are shown)."]
    if any("empty column name" in s for s in status):
        out += ["* `running-example.csv` was written by pandas with its unnamed index column. journeylog refuses",
                "  a header with an empty column name on purpose (`tests/io/test_io_tabular.py`); the same log as",
                "  `.xes`, `.parquet` and `running-example-transformed.csv` is compared above."]
    return out


def git_commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA, help="folder to walk for event logs (default: ../shared/data)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "correctness.md", help="the page to write")
    ap.add_argument("--json", type=Path, help="also write every result as JSON")
    ap.add_argument("--budget", type=float, default=300.0, help="seconds for pm4py's alignments per log (default 300)")
    ap.add_argument("--threads", type=int, default=1, help="Polars/BLAS threads per process (default 1)")
    ap.add_argument("--processes", type=int, default=1, help="journeylog alignment worker processes (default 1)")
    ap.add_argument("--only", help="only logs whose path contains this text")
    ap.add_argument("--from-json", type=Path, help="only rewrite the page from the JSON of an earlier run (--json)")
    ap.add_argument("--child", nargs=2, metavar=("SIDE", "SPEC"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child_main(*args.child)
    if args.from_json:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        args.out.write_text(render(saved["rows"], saved["not_event_logs"], saved["meta"]), encoding="utf-8")
        return 0
    start = time.perf_counter()
    logs, not_logs = classify(args.data)
    if args.only:
        logs = [p for p in logs if args.only in str(p)]
    print(f"{len(logs)} event logs, {len(not_logs)} other files", file=sys.stderr)
    rows = []
    for k, path in enumerate(logs, 1):
        t0 = time.perf_counter()
        rows.append(sweep_one(path, args.data, args))
        n_equal = sum(1 for r in rows if row_status(r) == "all equal")
        print(f"[{k}/{len(logs)}] {path.relative_to(args.data)}: {row_status(rows[-1])} ({time.perf_counter() - t0:.0f} s; "
              f"{n_equal} equal so far)", file=sys.stderr)
    import pm4py

    ok = [r for r in rows if r.get("journeylog", {}).get("journeylog_version")]
    meta = {"pm4py": pm4py.__version__, "journeylog": ok[0]["journeylog"]["journeylog_version"] if ok else "?",
            "commit": git_commit(), "python": platform.python_version(), "budget": args.budget, "threads": args.threads,
            "processes": args.processes, "seconds": time.perf_counter() - start}
    args.out.write_text(render(rows, not_logs, meta), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "rows": rows, "not_event_logs": not_logs}, indent=1), encoding="utf-8")
    print(f"wrote {args.out} in {meta['seconds']:.0f} s", file=sys.stderr)
    return 0 if all(r["equal"] is None or row_status(r) == "all equal" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
