"""The text formats of a process map: DOT (written by hand with a quoting function, never HTML
labels), GraphML (networkx), Mermaid and JSON."""

from __future__ import annotations

import io
import json
import unicodedata

from journeylog.journeys import ProcessMap
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
    _model,
    _truncate,
    channel_colour,
    dot_quote,
)

# --------------------------------------------------------------------------- DOT


def _dot_label(lines: list[str]) -> str:
    return dot_quote("\n".join(lines))


def to_dot(pmap: ProcessMap, *, perf: bool = False, title: str | None = None) -> str:
    """The map as Graphviz DOT text (left to right, start/end circles, channel colours, legend)."""
    g = _model(pmap)
    out: list[str] = ["digraph journeylog {"]
    out.append(f'  graph [rankdir=LR, fontname="{_FONT}", nodesep=0.25, ranksep=0.5, pad=0.25, newrank=true];')
    if title is not None:
        out.append(f"  graph [label={dot_quote(_truncate(_clean(title)))}, labelloc=t, labeljust=l, fontsize=16];")
    out.append(f'  node [fontname="{_FONT}", fontsize=11, shape=box, style="rounded,filled", penwidth=1.2, margin="0.15,0.06"];')
    out.append(f'  edge [fontname="{_FONT}", fontsize=9, color="{_EDGE_COLOUR}", fontcolor="#333333", arrowsize=0.7];')
    out.append("")
    for n in g.nodes:
        if n.kind == "start":
            out.append(
                f'  {n.id} [label="start", shape=circle, style=filled, fillcolor="{_TERMINAL_COLOUR}", '
                f'color="{_TERMINAL_COLOUR}", fontcolor="#FFFFFF", fontsize=9, width=0.55, fixedsize=true];'
            )
        elif n.kind == "end":
            out.append(
                f'  {n.id} [label="end", shape=doublecircle, style=filled, fillcolor="{_TERMINAL_COLOUR}", '
                f'color="{_TERMINAL_COLOUR}", fontcolor="#FFFFFF", fontsize=9, width=0.5, fixedsize=true];'
            )
        else:
            fill = channel_colour(n.channel)
            out.append(f'  {n.id} [label={_dot_label(_activity_label_lines(n))}, fillcolor="{fill}", color="{_darker(fill)}"];')
    out.append("")
    for e in g.edges:
        attrs = [f"label={dot_quote(e.label(perf))}", f"penwidth={g.penwidth(e.count)}"]
        if e.kind != "flow":
            attrs.append('style=dashed, color="#8C8C8C"')
        out.append(f"  {e.src} -> {e.dst} [{', '.join(attrs)}];")
    if g.legend:
        out.append("")
        out.append("  subgraph cluster_legend {")
        out.append('    graph [label="Channels", fontsize=10, style="rounded,dashed", color="#A0A0A0", '
                   'fontcolor="#333333", margin=8];')
        out.append('    node [fontsize=9, width=0.9, height=0.25, margin="0.08,0.02"];')
        lids = [f"l{i}" for i in range(1, len(g.legend) + 1)]
        for lid, ch in zip(lids, g.legend, strict=True):
            fill = channel_colour(ch)
            out.append(f'    {lid} [label={dot_quote(_truncate(_clean(ch), 40))}, fillcolor="{fill}", color="{_darker(fill)}"];')
        # One rank (a column in LR); with no edges dot keeps the listed order, top to bottom.
        out.append(f"    {{ rank=same; {'; '.join(lids)}; }}")
        out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- GraphML


def to_graphml(pmap: ProcessMap, *, perf: bool = False) -> bytes:
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


def to_mermaid(pmap: ProcessMap, *, perf: bool = False) -> str:
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
            count_line = f"{_fmt_count(n.count)} \u00b7 {_truncate(_clean(n.channel), 40)}"
            label = mermaid_text("\n".join(_display_lines(n.name, wrap=False) + [count_line]))
            out.append(f'  {ids[n.id]}["{label}"]:::{classes[n.channel]}')
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
        fill = channel_colour(ch)
        out.append(f"  classDef {cls} fill:{fill},stroke:{_darker(fill)},color:#000000")
    out.extend(link_styles)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- JSON


def to_json(pmap: ProcessMap, *, perf: bool = False) -> str:
    """The map as JSON: ``{"nodes": [...], "edges": [...]}``, stable order, sorted keys.

    Nodes: ``id``, ``label`` (the full name), ``kind`` (activity|start|end), ``count``,
    ``journeys``, ``channel``, ``channels``. Edges: ``from``, ``to`` (node ids), ``count``,
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
            })
        else:
            nodes.append({"id": n.id, "label": n.kind, "kind": n.kind, "count": None, "journeys": None,
                          "channel": None, "channels": []})
    edges = [
        {"from": e.src, "to": e.dst, "count": e.count, "median_seconds": e.median_seconds,
         "p90_seconds": e.p90_seconds, "label": e.label(perf)}
        for e in g.edges
    ]
    return json.dumps({"nodes": nodes, "edges": edges}, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
