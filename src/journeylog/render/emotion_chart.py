"""The emotion curve chart (PNG or SVG), from the JSON of ``journeylog emotion``.

matplotlib with the Agg backend; SVG output is deterministic (fixed hash salt, no date), PNG has
no timestamp. Readable in print: the actual curve is a solid black line with round markers,
its 95% interval a grey band, the desired curve a dashed dark-grey line with square markers,
a split's second curve a dotted line with triangles. Thin touchpoints (fewer responses than the
minimum) are drawn hollow. Activity names are drawn literally (no mathtext: ``$`` is escaped).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from journeylog.errors import UsageError, param

__all__ = ["FORMATS", "literal", "write_emotion_chart"]

FORMATS = (".png", ".svg")


def literal(name: str, limit: int = 28) -> str:
    """A label drawn as written: ``$`` escaped (matplotlib would read mathtext), shortened.

    >>> literal("Pay $5 fee")
    'Pay \\\\$5 fee'
    """
    short = name if len(name) <= limit else name[: limit - 1] + "\u2026"
    return short.replace("$", r"\$")


def _curve(ax: Any, xs: list[int], ys: list[float | None], thin: list[bool], *, style: str, marker: str,
           color: str, label: str) -> None:
    y = [float("nan") if v is None else v for v in ys]
    ax.plot(xs, y, style, marker=marker, markersize=8, color=color, linewidth=2, label=label, zorder=3)
    for x, v, hollow in zip(xs, y, thin, strict=True):
        if v == v:
            ax.plot([x], [v], marker, markersize=8, zorder=4, color=color,
                    markerfacecolor="white" if hollow else color, markeredgewidth=1.5)


def write_emotion_chart(data: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write the chart of an emotion result (its JSON form) to ``path`` (.png or .svg), atomically."""
    label = os.fspath(path)
    if os.path.splitext(label)[1].lower() not in FORMATS:
        raise UsageError(f"{param('plot')} {label}: give a .png or .svg file")
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from journeylog.io.files import atomic_output

    if data.get("by") == "channel":
        _write_by_channel(data, label)
        return
    points = list(data["points"])
    names = [p["step"] for p in points]
    xs = list(range(len(points)))
    with plt.rc_context({"svg.hashsalt": "journeylog", "font.size": 9, "axes.titlesize": 11, "path.simplify": False,
                         "text.usetex": False}):
        fig, ax = plt.subplots(figsize=(max(7.0, 1.3 * len(points) + 2), 5), dpi=100, layout="constrained")
        lo = [float("nan") if p["ci_low"] is None else p["ci_low"] for p in points]
        hi = [float("nan") if p["ci_high"] is None else p["ci_high"] for p in points]
        ax.fill_between(xs, lo, hi, color="0.85", label="95% interval", zorder=1)
        _curve(ax, xs, [p["mean"] for p in points], [p["thin"] for p in points], style="-", marker="o",
               color="black", label="actual (mean)")
        if data.get("desired"):
            _curve(ax, xs, [p["desired"] for p in points], [False] * len(points), style="--", marker="s",
                   color="0.35", label="desired")
        split = data.get("split")
        hollow = any(p["thin"] for p in points)
        if split:
            by_step = {p["step"]: p for p in split["points"]}
            with_means = [by_step.get(p["step"], {}).get("with_mean") for p in points]
            thin = [by_step.get(p["step"], {}).get("with_responses", 0) < data["min_responses"] for p in points]
            _curve(ax, xs, with_means, thin, style=":", marker="^", color="0.45", label=literal(f"with '{split['by']}'", 48))
            hollow = hollow or any(t and m is not None for t, m in zip(thin, with_means, strict=True))
        if data["scale_low"] is not None:
            pad = (data["scale_high"] - data["scale_low"]) * 0.05
            ax.set_ylim(data["scale_low"] - pad, data["scale_high"] + pad)
        ticks = [f"{literal(n)}\nn={p['responses']}" for n, p in zip(names, points, strict=True)]
        ax.set_xticks(xs, ticks, rotation=20, ha="right", rotation_mode="anchor")
        ax.set_xlim(-0.5, len(points) - 0.5)
        better = " (lower is better)" if data["lower_is_better"] else ""
        ax.set_ylabel(literal(data["metric_label"], 60) + better)
        ax.set_title(literal(f"How customers feel along the journey: {data['metric_label']}", 100))
        ax.grid(axis="y", color="0.9", zorder=0)
        handles, labels = ax.get_legend_handles_labels()
        if hollow:
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], marker="o", linestyle="", color="black", markerfacecolor="white"))
            labels.append(f"thin: fewer than {data['min_responses']} responses")
        ax.legend(handles, labels, loc="best", fontsize=8, frameon=True)
        with atomic_output(label) as tmp:
            fmt = os.path.splitext(label)[1].lower()[1:]
            fig.savefig(tmp, format=fmt, metadata={"Date": None} if fmt == "svg" else {"Software": None})
        plt.close(fig)


#: line style, marker and grey of each channel's curve (told apart in print without colour)
_STYLES = [("-", "o", "black"), ("--", "s", "0.3"), (":", "^", "0.2"), ("-.", "D", "0.45"), ((0, (5, 1, 1, 1)), "v", "0.55"),
           ((0, (1, 2)), "P", "0.35"), ((0, (8, 3)), "X", "0.6")]


def _write_by_channel(data: Mapping[str, Any], label: str) -> None:
    """One curve per channel along the steps (no interval bands: they would hide each other)."""
    import matplotlib.pyplot as plt

    from journeylog.io.files import atomic_output

    steps = list(dict.fromkeys(p["step"] for p in data["points"]))
    channels = sorted({p["channel"] for p in data["points"] if p["channel"] is not None})
    xs = list(range(len(steps)))
    with plt.rc_context({"svg.hashsalt": "journeylog", "font.size": 9, "axes.titlesize": 11, "path.simplify": False}):
        fig, ax = plt.subplots(figsize=(max(7.0, 1.3 * len(steps) + 2), 5), dpi=100, layout="constrained")
        for i, channel in enumerate(channels):
            style, marker, color = _STYLES[i % len(_STYLES)]
            by_step = {p["step"]: p for p in data["points"] if p["channel"] == channel}
            ys = [by_step[s]["mean"] if s in by_step else None for s in steps]
            thin = [by_step[s]["thin"] if s in by_step else False for s in steps]
            y = [float("nan") if v is None else v for v in ys]
            ax.plot(xs, y, linestyle=style, marker=marker, markersize=7, color=color, linewidth=1.8,
                    label=literal(channel), zorder=3)
            for x, v, hollow in zip(xs, y, thin, strict=True):
                if v == v and hollow:
                    ax.plot([x], [v], marker, markersize=7, color=color, markerfacecolor="white" if hollow else color,
                            zorder=4)
        if data.get("desired"):
            desired = {p["step"]: p["desired"] for p in data["points"] if p["desired"] is not None}
            ax.plot(xs, [desired.get(s, float("nan")) for s in steps], "_", markersize=22, markeredgewidth=2.5,
                    color="0.5", label="desired", zorder=2)
        if data["scale_low"] is not None:
            pad = (data["scale_high"] - data["scale_low"]) * 0.05
            ax.set_ylim(data["scale_low"] - pad, data["scale_high"] + pad)
        ax.set_xticks(xs, [literal(s) for s in steps], rotation=20, ha="right", rotation_mode="anchor")
        ax.set_xlim(-0.5, len(steps) - 0.5)
        ax.set_ylabel(literal(data["metric_label"], 60))
        ax.set_title(literal(f"By channel: {data['metric_label']} (hollow: fewer than {data['min_responses']} responses)", 100))
        ax.grid(axis="y", color="0.9", zorder=0)
        ax.legend(loc="best", fontsize=8, frameon=True)
        with atomic_output(label) as tmp:
            fmt = os.path.splitext(label)[1].lower()[1:]
            fig.savefig(tmp, format=fmt, metadata={"Date": None} if fmt == "svg" else {"Software": None})
        plt.close(fig)
