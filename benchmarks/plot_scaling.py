#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Draw the scaling figures of ``bench_scaling.py`` as a log-log plot (deterministic PNG or SVG).

::

    python benchmarks/plot_scaling.py docs/data/scaling.csv docs/img/scaling.png

Left: wall time per step against events; right: peak resident memory. journeylog's commands are
solid lines, pm4py's steps dashed; a step that timed out is drawn as an open marker at the
timeout. A grey dotted line of slope 1 (time proportional to events) is drawn for reference.
The same CSV gives the same bytes (no date in the file, fixed SVG hash salt).
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

matplotlib.rcParams["svg.hashsalt"] = "journeylog"
STYLE = {"journeylog": "-", "pm4py": "--"}
MARK = {"journeylog": "o", "pm4py": "s"}


def load(path: Path) -> dict[tuple[str, str], list[tuple[int, float, float, str]]]:
    series: dict[tuple[str, str], list[tuple[int, float, float, str]]] = defaultdict(list)
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            series[(row["tool"], row["step"])].append(
                (int(row["events"]), float(row["seconds"]), float(row["peak_mb"] or 0), row["status"]))
    return {k: sorted(v) for k, v in sorted(series.items())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv")
    ap.add_argument("out", help=".png or .svg")
    args = ap.parse_args(argv)
    series = load(Path(args.csv))
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(12, 5), dpi=100)
    colours = plt.get_cmap("tab10")
    for i, ((tool, step), points) in enumerate(series.items()):
        colour = colours(i % 10)
        label = f"{tool} {step}"
        ok = [(e, s, m) for e, s, m, st in points if st == "ok"]
        if ok:
            ax_t.plot([p[0] for p in ok], [p[1] for p in ok], STYLE[tool], marker=MARK[tool], color=colour, label=label)
            ax_m.plot([p[0] for p in ok], [p[2] for p in ok], STYLE[tool], marker=MARK[tool], color=colour, label=label)
        late = [(e, s) for e, s, _m, st in points if st != "ok"]
        if late:
            ax_t.plot([p[0] for p in late], [p[1] for p in late], "o", mfc="none", color=colour,
                      label=None if ok else f"{label} (timeout)")
    xs = sorted({e for pts in series.values() for e, *_ in pts})
    if xs:
        base = min(s for pts in series.values() for _e, s, _m, st in pts if st == "ok")
        ax_t.plot(xs, [base * x / xs[0] for x in xs], ":", color="grey", label="slope 1 (linear)")
    for ax, what in ((ax_t, "wall time (s)"), (ax_m, "peak RSS (MB)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("events")
        ax.set_ylabel(what)
        ax.grid(True, which="both", alpha=0.3)
    ax_t.set_title("Time per command (open marker: stopped at the timeout)")
    ax_m.set_title("Peak memory per command")
    ax_t.legend(fontsize=7, loc="upper left")
    fig.suptitle("journeylog (solid) and pm4py (dashed) against log size; shared 2-core machine")
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Date": None} if out.suffix == ".svg" else {"Software": None}
    fig.savefig(out, metadata=metadata)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
