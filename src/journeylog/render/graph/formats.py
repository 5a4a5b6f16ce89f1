"""The text formats of a process map: DOT (written by hand with a quoting function, never HTML
labels), GraphML (networkx), Mermaid and JSON."""

from __future__ import annotations

import io
import json
import unicodedata

from journeylog.journeys import ProcessMap
from journeylog.render.graph.colours import text_colour
from journeylog.render.graph.model import (
    _EDGE_COLOUR,
    _FONT,
    _TERMINAL_COLOUR,
    _activity_label_lines,
    _clean,
    _clean_data,
    _darker,
    _display_lines,
    _fmt_count,
    _Graph,
    _model,
    _stat,
    _truncate,
    channel_colour,
    dot_quote,
    edge_tooltip,
    mix_text,
    tooltip,
)
from journeylog.text import human_duration

# --------------------------------------------------------------------------- DOT


def _dot_label(lines: list[str]) -> str:
    return dot_quote("\n".join(lines))


def to_dot(pmap: ProcessMap, *, perf: bool | str = False, title: str | None = None) -> str:
    """The map as Graphviz DOT text, left to right from a start circle to an end circle.

    Frequency maps (``perf`` false) shade activities by events (light to dark blue) and show the
    channel mix under the name; each activity's border has its main channel's colour and a
    ``Channels`` legend names them (no channel decoration at all when the log has no channel).
    ``perf=True`` (or ``"median"``) colours and labels activities (time to the next step) and
    paths by median time, ``perf="p90"`` by the 90th percentile, with a time legend. In the SVG
    (:func:`~journeylog.render.graph.render_bytes`) each element's ``<title>``, which browsers show
    on hover, is its tooltip (activity, counts, channel mix, times; never an internal id); no
    ``tooltip`` attribute is set, as it would wrap every element in an ``<a>`` link.
    """
    return _dot_and_titles(pmap, perf=perf, title=title)[0]


def _dot_and_titles(pmap: ProcessMap, *, perf: bool | str = False, title: str | None = None) -> tuple[str, dict[str, str]]:
    """The DOT text and, for the SVG, the text of each element's ``<title>`` by the name dot
    gives it there (node ids, ``a->b`` for edges): what a browser shows on hover."""
    g = _model(pmap)
    stat = _stat(perf)
    names = {n.id: n.kind if n.kind != "activity" else (n.name or "") for n in g.nodes}
    titles: dict[str, str] = {n.id: tooltip(n, g) if n.kind == "activity" else n.kind for n in g.nodes}
    titles.update({f"{e.src}->{e.dst}": edge_tooltip(e, names) for e in g.edges})
    titles["journeylog"] = _clean(title) if title is not None else "process map"
    if g.has_channels:  # the channel-mix bars drawn into the SVG, by node id (see output.py)
        for n in g.activities():
            total = sum(k for _c, k in n.mix) or 1
            titles[f"bar:{n.id}"] = " ".join(f"{k / total:.6f}:{channel_colour(c, g.palette)}" for c, k in n.mix)
    out: list[str] = ["digraph journeylog {"]
    out.append(f'  graph [rankdir=LR, fontname="{_FONT}", nodesep=0.25, ranksep=0.5, pad=0.25, newrank=true];')
    if title is not None:
        out.append(f"  graph [label={dot_quote(_truncate(_clean(title)))}, labelloc=t, labeljust=l, fontsize=16];")
    out.append(f'  node [fontname="{_FONT}", fontsize=11, shape=box, style="rounded,filled", penwidth=1.2, margin="0.15,0.06"];')
    out.append(f'  edge [fontname="{_FONT}", fontsize=9, color="{_EDGE_COLOUR}", fontcolor="#333333", arrowsize=0.7];')
    out.append("")
    for n in g.nodes:
        if n.kind in ("start", "end"):
            shape = "circle" if n.kind == "start" else "doublecircle"
            width = "0.55" if n.kind == "start" else "0.5"
            out.append(
                f'  {n.id} [label="{n.kind}", shape={shape}, style=filled, fillcolor="{_TERMINAL_COLOUR}", '
                f'color="{_TERMINAL_COLOUR}", fontcolor="#FFFFFF", fontsize=9, width={width}, fixedsize=true];'
            )
            continue
        value = (n.p90_seconds if stat == "p90" else n.median_seconds)
        fill = g.time_fill(value, stat) if perf else g.count_fill(n)
        border = channel_colour(n.mix[0][0], g.palette) if g.has_channels and n.mix else _darker(fill)
        width = '2.4, margin="0.15,0.13"' if g.has_channels else "1.2"  # room for the SVG's mix bar
        out.append(f"  {n.id} [label={_dot_label(_activity_label_lines(n, g, perf))}, fillcolor=\"{fill}\", "
                   f'fontcolor="{text_colour(fill)}", color="{border}", penwidth={width}];')
    out.append("")
    for e in g.edges:
        attrs = [f"label={dot_quote(e.label(perf))}", f"penwidth={g.penwidth(e.count)}"]
        if e.kind != "flow":
            attrs.append('style=dashed, color="#8C8C8C"')
        elif perf:
            attrs.append(f'color="{g.time_line(e.seconds(stat), stat)}"')
        out.append(f"  {e.src} -> {e.dst} [{', '.join(attrs)}];")
    legend = _time_legend(g, stat) if perf else _channel_legend(g) if g.legend else []
    out.extend(legend)
    titles["cluster_legend"] = "legend"
    out.append("}")
    return "\n".join(out) + "\n", titles


def _legend(label: str, entries: list[tuple[str, str, str]]) -> list[str]:
    """A legend cluster: one column of (text, fill, border) boxes, top to bottom."""
    out = ["", "  subgraph cluster_legend {",
           f'    graph [label={dot_quote(label)}, fontsize=10, style="rounded,dashed", color="#A0A0A0", '
           'fontcolor="#333333", margin=8];',
           '    node [fontsize=9, width=0.9, height=0.25, margin="0.08,0.02"];']
    lids = [f"l{i}" for i in range(1, len(entries) + 1)]
    for lid, (text, fill, border) in zip(lids, entries, strict=True):
        out.append(f'    {lid} [label={dot_quote(text)}, fillcolor="{fill}", fontcolor="{text_colour(fill)}", '
                   f'color="{border}"];')
    # One rank (a column in LR); with no edges dot keeps the listed order, top to bottom.
    out.append(f"    {{ rank=same; {'; '.join(lids)}; }}")
    out.append("  }")
    return out


def _channel_legend(g: _Graph) -> list[str]:
    entries = []
    for ch in g.legend:
        colour = channel_colour(ch, g.palette)
        entries.append((_truncate(_clean(ch), 40), "#FFFFFF", colour))
    out = _legend("Channels (border: main channel)", entries)
    # a thick border in the channel's colour, as on the activities
    return [line.replace("];", ", penwidth=2.4];") if line.startswith("    l") else line for line in out]


def _time_legend(g: _Graph, stat: str) -> list[str]:
    lo, hi = g.time_range(stat)
    if hi <= 0 and lo <= 0:
        return []
    steps = 4
    values = sorted({lo * (hi / lo) ** (i / (steps - 1)) if lo > 0 else lo + (hi - lo) * i / (steps - 1) for i in range(steps)})
    entries = [(human_duration(v), g.time_fill(v, stat), _darker(g.time_fill(v, stat))) for v in values]
    return _legend(f"{stat} time", entries)


# --------------------------------------------------------------------------- GraphML


def to_graphml(pmap: ProcessMap, *, perf: bool | str = False) -> bytes:
    """The map as GraphML (networkx DiGraph, nodes and edges inserted in the deterministic order).

    Nodes: ``label`` (the full name), ``kind``, and for activities ``count``, ``journeys``,
    ``channel``, ``channels`` (comma-separated). Edges: ``count``, ``label`` (what the picture
    shows) and, for activity-to-activity edges, ``median_seconds`` and ``p90_seconds``.
    """
    import networkx as nx

    g = _model(pmap)
    dg = nx.DiGraph()
    for n in g.nodes:
        if n.kind == "activity":
            dg.add_node(
                n.id, label=_clean_data(n.name), kind=n.kind, count=n.count, journeys=n.journeys,
                channel=_clean_data(n.channel), channels=",".join(_clean_data(c) for c in n.channels),
                channel_mix=",".join(f"{_clean_data(c)}={k}" for c, k in n.mix),
            )
        else:
            dg.add_node(n.id, label=n.kind, kind=n.kind)
    for e in g.edges:
        attrs: dict[str, object] = {"count": e.count, "label": e.label(perf), "kind": e.kind}
        if e.median_seconds is not None:
            attrs["median_seconds"] = e.median_seconds
        if e.p90_seconds is not None:
            attrs["p90_seconds"] = e.p90_seconds
        dg.add_edge(e.src, e.dst, **attrs)
    buf = io.BytesIO()
    nx.write_graphml_xml(dg, buf, encoding="utf-8", prettyprint=True, infer_numeric_types=True)
    data = buf.getvalue()
    return data if data.endswith(b"\n") else data + b"\n"


# --------------------------------------------------------------------------- Mermaid

_MERMAID_SAFE = set(" _.,:/+-=?!'*@$^~()")


def mermaid_text(text: str) -> str:
    """Escape text for a quoted Mermaid label: ASCII letters, digits, harmless punctuation and
    printable non-ASCII characters stay, everything else (quotes, ``<>&#%`|\\;{}[]`` ...) becomes
    a ``#NN;`` entity code; newlines become ``<br>``.

    >>> mermaid_text('a "b" <c> #1')
    'a #34;b#34; #60;c#62; #35;1'
    """
    out = []
    for ch in text:
        if ch == "\n":
            out.append("<br>")
        elif ch in _MERMAID_SAFE or (ch.isascii() and ch.isalnum()) or (
            not ch.isascii() and unicodedata.category(ch)[0] != "C" and unicodedata.category(ch) not in ("Zl", "Zp")
        ):
            out.append(ch)
        else:
            out.append(f"#{ord(ch)};")
    return "".join(out)


def to_mermaid(pmap: ProcessMap, *, perf: bool | str = False) -> str:
    """The map as a Mermaid ``flowchart LR`` (quoted, entity-escaped labels; channel classes)."""
    g = _model(pmap)
    ids = {n.id: ("jl_start" if n.kind == "start" else "jl_end" if n.kind == "end" else n.id) for n in g.nodes}
    out = ["flowchart LR"]
    classes = {ch: f"ch{i}" for i, ch in enumerate(g.legend, start=1)}
    for n in g.nodes:
        if n.kind == "start":
            out.append(f'  {ids[n.id]}(("start"))')
        elif n.kind == "end":
            out.append(f'  {ids[n.id]}((("end")))')
        else:
            extra = [_fmt_count(n.count)] + ([mix_text(n)] if g.has_channels else [])
            label = mermaid_text("\n".join(_display_lines(n.name, wrap=False) + extra))
            main = n.mix[0][0] if n.mix else n.channel
            cls = f":::{classes[main]}" if main in classes else ""
            out.append(f'  {ids[n.id]}["{label}"]{cls}')
    link_styles = []
    for i, e in enumerate(g.edges):
        label = mermaid_text(e.label(perf))
        arrow = "-.->" if e.kind != "flow" else "-->"
        out.append(f'  {ids[e.src]} {arrow}|"{label}"| {ids[e.dst]}')
        link_styles.append(f"  linkStyle {i} stroke-width:{g.penwidth(e.count)}px")
    if g.legend:
        out.append('  subgraph legend["Channels"]')
        out.append("    direction TB")
        for i, ch in enumerate(g.legend, start=1):
            out.append(f'    l{i}["{mermaid_text(_truncate(_clean(ch), 40))}"]:::{classes[ch]}')
        out.append("  end")
    out.append(f"  classDef terminal fill:{_TERMINAL_COLOUR},stroke:{_TERMINAL_COLOUR},color:#FFFFFF")
    out.append("  class jl_start,jl_end terminal")
    for ch, cls in classes.items():
        fill = channel_colour(ch, g.palette)
        out.append(f"  classDef {cls} fill:{fill},stroke:{_darker(fill)},color:{text_colour(fill)}")
    out.extend(link_styles)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- JSON


def to_json(pmap: ProcessMap, *, perf: bool | str = False) -> str:
    """The map as JSON: ``{"nodes": [...], "edges": [...]}``, stable order, sorted keys.

    Nodes: ``id``, ``label`` (the full name), ``kind`` (activity|start|end), ``count``,
    ``journeys``, ``channel``, ``channels``, ``channel_mix`` (``channel``, ``events``),
    ``median_seconds`` / ``p90_seconds`` (to the next event). Edges: ``from``, ``to`` (node ids), ``count``,
    ``median_seconds``, ``p90_seconds`` (null for start/end edges), ``label`` (as drawn).
    """
    g = _model(pmap)
    nodes = []
    for n in g.nodes:
        if n.kind == "activity":
            nodes.append({
                "id": n.id, "label": _clean_data(n.name) if n.name is not None else None, "kind": n.kind,
                "count": n.count, "journeys": n.journeys, "channel": _clean_data(n.channel),
                "channels": [_clean_data(c) for c in n.channels],
                "channel_mix": [{"channel": _clean_data(c), "events": k} for c, k in n.mix],
                "median_seconds": n.median_seconds, "p90_seconds": n.p90_seconds,
            })
        else:
            nodes.append({"id": n.id, "label": n.kind, "kind": n.kind, "count": None, "journeys": None,
                          "channel": None, "channels": [], "channel_mix": [], "median_seconds": None, "p90_seconds": None})
    edges = [
        {"from": e.src, "to": e.dst, "count": e.count, "median_seconds": e.median_seconds,
         "p90_seconds": e.p90_seconds, "label": e.label(perf)}
        for e in g.edges
    ]
    return json.dumps({"nodes": nodes, "edges": edges}, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
