"""The funnel chart: one horizontal bar per step, journeys reaching it in order (PNG or SVG).

Drawn from the JSON of ``journeylog funnel`` (:meth:`journeylog.cx.funnel.Funnel.to_json`), so a
saved JSON can be charted again. Like :mod:`journeylog.render.chart`: matplotlib with the Agg
backend, SVG deterministic (fixed hash salt, no date in the metadata), PNG without a timestamp.
Bars are centred (a funnel), labelled with the count, the share of step 1 and the conversion from
the step before; the gap to the next bar names how many stopped.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from journeylog.errors import UsageError, param
from journeylog.render.chart import FORMATS
from journeylog.text import fmt_int, fmt_share

__all__ = ["check_plot_path", "write_funnel_chart"]


def _short(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"


def check_plot_path(path: str | os.PathLike[str]) -> str:
    """The chart's format (``.png`` or ``.svg``) from ``path``, or a usage error naming ``plot``.

    >>> check_plot_path("funnel.SVG")
    '.svg'
    """
    label = os.fspath(path)
    suffix = os.path.splitext(label)[1].lower()
    if suffix not in FORMATS:
        raise UsageError(f"{param('plot')} {label}: give a .png or .svg file")
    return suffix


def write_funnel_chart(data: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write the funnel chart of a funnel result (its JSON form) to ``path`` (.png or .svg), atomically."""
    label = os.fspath(path)
    suffix = check_plot_path(label)
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from journeylog.io.files import atomic_output

    steps = list(data["funnel"])
    counts = [int(s["journeys"]) for s in steps]
    top = max([*counts, 1])
    with plt.rc_context({"svg.hashsalt": "journeylog", "font.size": 9, "axes.titlesize": 11, "path.simplify": False}):
        fig, ax = plt.subplots(figsize=(10, 1.1 + 0.62 * max(len(steps), 1)), dpi=100, layout="constrained")
        ys = list(range(len(steps)))
        lefts = [(top - n) / 2 for n in counts]
        ax.barh(ys, counts, left=lefts, height=0.72, color="#4c78a8", edgecolor="#2d4a6b", linewidth=0.6, zorder=2)
        for y, s, n in zip(ys, steps, counts, strict=True):
            conv = s["conversion_from_start"]
            prev = s["conversion_from_previous"]
            words = f"{fmt_int(n)}" + (f"  ({fmt_share(conv)} of step 1" if conv is not None else "  (")
            words += f", {fmt_share(prev)} of the step before)" if y and prev is not None else ")"
            ax.text(top / 2, y, words, ha="center", va="center", fontsize=8.5,
                    color="white" if n > top * 0.45 else "black", zorder=3)
            if s["stopped"]:
                ax.text(top, y + 0.5, f"{fmt_int(s['stopped'])} stopped", ha="right", va="center", fontsize=7.5,
                        color="#a33", zorder=3)
        ax.set_yticks(ys, [f"{s['index']}. {_short(s['step'])}" for s in steps])
        ax.set_ylim(len(steps) - 0.5, -0.5)
        ax.set_xlim(0, top)
        ax.set_xticks([])
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_title(f"journeylog funnel: {fmt_int(data['journeys'])} journeys, {fmt_int(data['completed'])} "
                     f"({fmt_share(data['completed_share'])}) reached the last step in order", loc="left")
        with atomic_output(label) as tmp:
            if suffix == ".svg":
                fig.savefig(tmp, format="svg", metadata={"Date": None})
            else:
                fig.savefig(tmp, format="png", metadata={"Software": None})
        plt.close(fig)
