"""The drift chart: shares per window as lines, significant changes marked (PNG or SVG).

Drawn from the JSON of ``journeylog drift`` (:func:`journeylog.drift.to_json`), so a saved JSON
can be charted again. matplotlib with the Agg backend (no display needed); SVG output is
deterministic (fixed hash salt, no date in the metadata), PNG output has no timestamp either.

* the share of journeys that fit the designed journey (black, thick);
* the ``top`` deviations and patterns by their largest share in any tested window, plus every
  item with a significant change (accepted items are left out);
* each significant change as a marker at the start of its window, and a dotted vertical line;
* windows too small to test are drawn hollow.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import Any

from journeylog.errors import UsageError, param

FORMATS = (".png", ".svg")


def _label(item: Mapping[str, Any], limit: int = 48) -> str:
    text = item.get("label") or item["id"]
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def chart_items(data: Mapping[str, Any], top: int = 8) -> list[dict[str, Any]]:
    """The deviations and patterns to draw: the ``top`` by largest share in a tested window, then
    any other with a significant change; in that order, ties by id."""
    items = [it for it in data["items"] if it["kind"] not in ("fitness", "fitting_share") and not it["accepted"]]
    tested = [w for w in data["windows"] if w["tested"]] or list(data["windows"])

    def peak(it: Mapping[str, Any]) -> float:
        return max((w["shares"].get(it["id"]) or 0.0 for w in tested), default=0.0)

    ranked = sorted(items, key=lambda it: (-peak(it), it["id"]))
    chosen = ranked[:top]
    changed = {c["item"] for c in data["changes"]}
    chosen += [it for it in ranked[top:] if it["id"] in changed]
    return chosen


def write_chart(data: Mapping[str, Any], path: str | os.PathLike[str], *, top: int = 8) -> None:
    """Write the chart of a drift result (its JSON form) to ``path`` (.png or .svg), atomically.

    Long by design: one matplotlib figure drawn top to bottom (axes, series, change marks,
    legend, labels) on shared axes state."""
    label = os.fspath(path)
    suffix = os.path.splitext(label)[1].lower()
    if suffix not in FORMATS:
        raise UsageError(f"{param('chart')} {label}: give a .png or .svg file")
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    from journeylog.io.files import atomic_output

    windows = list(data["windows"])
    xs = [w["start"] for w in windows]
    if xs and isinstance(xs[0], str):
        import datetime as dt

        xs = [dt.datetime.fromisoformat(x) for x in xs]
    tested = [bool(w["tested"]) for w in windows]
    items = chart_items(data, top)

    # text.parse_math off: activity names such as '$\\x{y}$' are text, not mathtext (which raised on them)
    with plt.rc_context({"svg.hashsalt": "journeylog", "font.size": 9, "axes.titlesize": 11, "path.simplify": False,
                         "text.parse_math": False}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig, ax = plt.subplots(figsize=(11, 5.5), dpi=100, layout="constrained")
        cmap = plt.get_cmap("tab10" if len(items) <= 10 else "tab20")

        def series(values: list[float | None], color: Any, name: str, width: float, style: str = "-") -> None:
            y = [float("nan") if v is None else v for v in values]
            ax.plot(xs, y, style, color=color, linewidth=width, label=name, zorder=3)
            points = list(zip(xs, tested, y, strict=True))
            ax.scatter([x for x, t, v in points if t and v == v], [v for _x, t, v in points if t and v == v],
                       color=color, s=14, zorder=4)
            ax.scatter([x for x, t, v in points if not t and v == v],
                       [v for _x, t, v in points if not t and v == v],
                       facecolors="white", edgecolors=color, s=14, zorder=4)

        series([w["fitting_share"] for w in windows], "black", "journeys that fit the designed journey", 2.2)
        colors: dict[str, Any] = {}
        for i, it in enumerate(items):
            colors[it["id"]] = cmap(i % cmap.N)
            series([w["shares"].get(it["id"]) for w in windows], colors[it["id"]], _label(it), 1.4)

        index = {w["index"]: k for k, w in enumerate(windows)}
        for ch in data["changes"]:
            k = index.get(ch["window_index"])
            if k is None:
                continue
            x = xs[k]
            if ch["item"] == "fitness":
                continue
            if ch["item"] == "fitting_share":
                y, color = windows[k]["fitting_share"], "black"
            else:
                y, color = windows[k]["shares"].get(ch["item"]), colors.get(ch["item"], "grey")
            ax.axvline(x, color="grey", linestyle=":", linewidth=0.8, zorder=1)
            if y is not None:
                ax.scatter([x], [y], marker="^" if ch["direction"] == "rose" else "v", s=70, color=color,
                           edgecolors="black", linewidths=0.6, zorder=5)

        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylabel("share of journeys")
        ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
        n_changes = len(data["changes"])
        ax.set_title(f"journeylog drift: shares per {data['window']} window"
                     + (f" ({n_changes} significant change{'s' if n_changes != 1 else ''} marked)" if n_changes else
                        " (no significant change)"), loc="left")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
        ax.text(1.01, 0.0, f"\u25b2\u25bc significant change (alpha {data['alpha']:g})\n"
                f"hollow: fewer than {data['min_journeys']} journeys, not tested",
                transform=ax.transAxes, fontsize=7.5, color="#555555", va="bottom", ha="left")
        fig.autofmt_xdate()
        with atomic_output(label) as tmp:
            if suffix == ".svg":
                fig.savefig(tmp, format="svg", metadata={"Date": None})
            else:
                fig.savefig(tmp, format="png", metadata={"Software": None})
        plt.close(fig)
