r"""Export a :class:`~journeylog.journeys.ProcessMap` as a graph: DOT, SVG, PNG, GraphML, Mermaid, JSON.

The map reads left to right, from a ``start`` circle through the activities (boxes showing the
name, the event count and the dominant channel, filled with the channel's colour) to an ``end``
circle. Edge width grows with the log of the count; edge labels give the count or, with
``perf=True``, the median and p90 time between the two events. A ``Channels`` legend lists only
the channels present.

Every output is deterministic (two calls give byte-identical text: node ids ``n1``, ``n2``, ...
follow the activity order, count descending then name) and every data label is escaped: DOT is
written by hand with a quoting function, never with ``<...>`` HTML labels, so no activity name can
add attributes, links or images (see docs/pitfalls.md, "Outputs").

>>> import polars as pl, datetime as dt
>>> from journeylog.journeys import process_map
>>> ev = pl.DataFrame({
...     "journey_id": ["j1", "j1"],
...     "timestamp": [dt.datetime(2024, 1, 1, h, tzinfo=dt.timezone.utc) for h in (1, 4)],
...     "input_order": [0, 1],
...     "activity": ["order", 'evil" shape=box'],
...     "channel": ["web", "phone"],
... })
>>> 'label="evil\\" shape=box\\n1 · phone"' in to_dot(process_map(ev))
True
>>> human_duration(3 * 3600 + 1440)
'3.4 h'
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import subprocess
import textwrap
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from journeylog.errors import InvalidInput, ResourceLimit, UsageError
from journeylog.io.files import check_output_path, write_bytes_atomic
from journeylog.journeys import ProcessMap
from journeylog.schema import CHANNELS, UNKNOWN_CHANNEL
from journeylog.text import human_duration

__all__ = [
    "GRAPH_FORMATS",
    "CHANNEL_COLOURS",
    "channel_colour",
    "dot_available",
    "dot_quote",
    "to_dot",
    "to_graphml",
    "to_json",
    "to_mermaid",
    "write_graph",
]

GRAPH_FORMATS: tuple[str, ...] = (".dot", ".svg", ".png", ".graphml", ".mmd", ".json")

# How long ``dot`` may run on one map before we give up (seconds).
DOT_TIMEOUT_SECONDS = float(os.environ.get("JOURNEYLOG_DOT_TIMEOUT", "120"))

# Labels longer than this are cut (with an ellipsis) for display; dot fails on labels over 16,384
# characters and a node hundreds of characters wide helps nobody. GraphML and JSON keep full names.
MAX_LABEL_CHARS = 200
# Display labels are wrapped at spaces to lines of about this many characters.
WRAP_WIDTH = 30
ELLIPSIS = "\u2026"

# Paul Tol's colour-blind-safe "light" scheme (pale enough for black text), extended by two hues
# for the ten-channel vocabulary; the channel name is also printed in each node, so colour is
# never the only cue.
CHANNEL_COLOURS: dict[str, str] = {
    "web": "#77AADD",  # light blue
    "app": "#99DDFF",  # light cyan
    "phone": "#EE8866",  # orange
    "chat": "#EEDD88",  # light yellow
    "email": "#FFAABB",  # pink
    "sms": "#44BB99",  # mint
    "store": "#BBCC33",  # pear
    "field": "#AAAA00",  # olive
    "backoffice": "#C2A5CF",  # light purple
    "social": "#D9B38C",  # tan
    UNKNOWN_CHANNEL: "#DDDDDD",  # pale grey
}
# Channels outside the vocabulary get one of Tol's "pale" colours, chosen by a stable hash
# (CRC-32, not Python's salted hash()) so a channel keeps its colour across maps and runs.
FALLBACK_COLOURS: tuple[str, ...] = ("#BBCCEE", "#CCEEFF", "#CCDDAA", "#EEEEBB", "#FFCCCC", "#E0D5C8")

_START_ID = "start"
_END_ID = "end"
_FONT = "Helvetica,Arial,sans-serif"
_EDGE_COLOUR = "#4D4D4D"
_TERMINAL_COLOUR = "#4D4D4D"


# --------------------------------------------------------------------------- text helpers


def _clean(text: object) -> str:
    """Text for display: CR/CRLF -> LF, tab -> space, other control and surrogate characters and
    U+2028/U+2029/U+FFFE/U+FFFF -> U+FFFD (XML 1.0 cannot carry them and dot would choke)."""
    s = "" if text is None else str(text)
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    out = []
    for ch in s:
        if ch == "\n":
            out.append(ch)
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs") or ch in ("\u2028", "\u2029", "\ufffe", "\uffff"):
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def _clean_data(text: object) -> str:
    """A name for the data exports (GraphML, JSON): kept whole, only characters XML 1.0 cannot
    carry (controls other than tab/newline/CR, surrogates, U+FFFE/U+FFFF) become U+FFFD."""
    s = "" if text is None else str(text)
    return "".join(
        "\ufffd" if (unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n\r") or ch in "\ufffe\uffff" else ch
        for ch in s
    )


def _truncate(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _display_lines(name: object, *, wrap: bool = True) -> list[str]:
    """A name as display lines: cleaned, truncated, split at newlines, wrapped at spaces."""
    text = _truncate(_clean(name))
    lines: list[str] = []
    for para in text.split("\n"):
        if wrap and len(para) > WRAP_WIDTH and para.strip():
            lines.extend(
                textwrap.wrap(
                    para, WRAP_WIDTH, break_long_words=True, break_on_hyphens=False,
                    expand_tabs=False, replace_whitespace=False,
                )
            )
        else:
            lines.append(para)
    return lines or [""]


def dot_quote(text: str) -> str:
    r"""Quote ``text`` as a DOT string that Graphviz shows literally.

    ``&`` becomes ``&amp;`` (Graphviz decodes entities in plain labels), backslashes are doubled
    (so ``\N``, ``\G`` and a trailing backslash stay text), double quotes are escaped and
    newlines become ``\n`` line breaks. The result is never an ``<...>`` HTML label.

    >>> dot_quote('evil" shape=box')
    '"evil\\" shape=box"'
    >>> dot_quote("C:\\temp\\")
    '"C:\\\\temp\\\\"'
    >>> dot_quote("a\nb & <c>")
    '"a\\nb &amp; <c>"'
    """
    s = _clean(text)
    s = s.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"'


def _fmt_count(n: int) -> str:
    return f"{int(n):,}"


# --------------------------------------------------------------------------- colours


def channel_colour(channel: str | None) -> str:
    """The fill colour of a channel: the fixed vocabulary colour, grey for unknown, else a
    stable pick from :data:`FALLBACK_COLOURS`.

    >>> channel_colour("web"), channel_colour(None)
    ('#77AADD', '#DDDDDD')
    >>> channel_colour("kiosk") == channel_colour("kiosk")
    True
    """
    name = _channel_name(channel)
    if name in CHANNEL_COLOURS:
        return CHANNEL_COLOURS[name]
    return FALLBACK_COLOURS[zlib.crc32(name.encode("utf-8", "replace")) % len(FALLBACK_COLOURS)]


def _channel_name(channel: str | None) -> str:
    return UNKNOWN_CHANNEL if channel is None or str(channel).strip() == "" else str(channel)


def _darker(colour: str, factor: float = 0.55) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02X}{:02X}{:02X}".format(*(int(round(c * factor)) for c in (r, g, b)))


def _channel_order(channels: Iterable[str]) -> list[str]:
    """Vocabulary order first, then ``unknown``, then other names sorted."""
    present = set(channels)
    known = [c for c in CHANNELS if c in present]
    unknown = [UNKNOWN_CHANNEL] if UNKNOWN_CHANNEL in present else []
    others = sorted(c for c in present if c not in CHANNELS and c != UNKNOWN_CHANNEL)
    return known + unknown + others


# --------------------------------------------------------------------------- the neutral model


@dataclass(frozen=True)
class _Node:
    id: str
    name: str | None
    kind: str  # activity | start | end
    count: int = 0
    journeys: int = 0
    channel: str = UNKNOWN_CHANNEL
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Edge:
    src: str
    dst: str
    count: int
    median_seconds: float | None = None
    p90_seconds: float | None = None
    kind: str = "flow"  # flow | start | end

    def label(self, perf: bool) -> str:
        if perf and self.kind == "flow":
            return f"{human_duration(self.median_seconds)}\n(p90 {human_duration(self.p90_seconds)})"
        return _fmt_count(self.count)


@dataclass(frozen=True)
class _Graph:
    nodes: list[_Node]
    edges: list[_Edge]
    legend: list[str] = field(default_factory=list)
    max_count: int = 1

    def penwidth(self, count: int) -> str:
        if self.max_count <= 1 or count <= 1:
            return "1.00"
        return f"{1 + 5 * math.log(count) / math.log(self.max_count):.2f}"


def _num(value: object) -> float | None:
    if value is None:
        return None
    v = float(value)  # type: ignore[arg-type]
    return None if math.isnan(v) or math.isinf(v) else v


def _name_key(name: str | None) -> tuple[bool, str]:
    return (name is None, name or "")


def _model(pmap: ProcessMap) -> _Graph:
    """Nodes and edges in a total, deterministic order, independent of the frames' row order."""
    act_rows = pmap.activities.to_dicts()
    act_rows.sort(key=lambda r: (-int(r.get("count") or 0), _name_key(r.get("activity"))))
    ids: dict[str | None, str] = {}
    nodes = [_Node(_START_ID, "start", "start")]
    for i, row in enumerate(act_rows, start=1):
        name = row.get("activity")
        ids[name] = f"n{i}"
        chans = row.get("channels") or ()
        nodes.append(
            _Node(
                id=f"n{i}",
                name=name,
                kind="activity",
                count=int(row.get("count") or 0),
                journeys=int(row.get("journeys") or 0),
                channel=_channel_name(row.get("channel")),
                channels=tuple(_channel_name(c) for c in chans),
            )
        )
    nodes.append(_Node(_END_ID, "end", "end"))

    def endpoint_edges(frame, kind: str) -> list[_Edge]:
        rows = [r for r in frame.to_dicts() if r.get("activity") in ids]
        rows.sort(key=lambda r: (-int(r.get("count") or 0), _name_key(r.get("activity"))))
        out = []
        for r in rows:
            aid = ids[r["activity"]]
            src, dst = (_START_ID, aid) if kind == "start" else (aid, _END_ID)
            out.append(_Edge(src, dst, int(r.get("count") or 0), kind=kind))
        return out

    flow_rows = [r for r in pmap.edges.to_dicts() if r.get("from") in ids and r.get("to") in ids]
    flow_rows.sort(key=lambda r: (-int(r.get("count") or 0), _name_key(r.get("from")), _name_key(r.get("to"))))
    flows = [
        _Edge(ids[r["from"]], ids[r["to"]], int(r.get("count") or 0), _num(r.get("median_seconds")), _num(r.get("p90_seconds")))
        for r in flow_rows
    ]
    edges = endpoint_edges(pmap.start, "start") + flows + endpoint_edges(pmap.end, "end")
    legend = _channel_order(n.channel for n in nodes if n.kind == "activity")
    max_count = max([e.count for e in edges], default=1)
    return _Graph(nodes=nodes, edges=edges, legend=legend, max_count=max(max_count, 1))


def _activity_label_lines(node: _Node) -> list[str]:
    return _display_lines(node.name) + [f"{_fmt_count(node.count)} \u00b7 {_truncate(_clean(node.channel), 40)}"]


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
        out.append(f'    graph [label="Channels", fontsize=10, style="rounded,dashed", color="#A0A0A0", fontcolor="#333333", margin=8];')
        out.append('    node [fontsize=9, width=0.9, height=0.25, margin="0.08,0.02"];')
        lids = [f"l{i}" for i in range(1, len(g.legend) + 1)]
        for lid, ch in zip(lids, g.legend):
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
            label = mermaid_text("\n".join(_display_lines(n.name, wrap=False) + [f"{_fmt_count(n.count)} \u00b7 {_truncate(_clean(n.channel), 40)}"]))
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


# --------------------------------------------------------------------------- rendering and writing


def dot_available() -> bool:
    """Whether Graphviz's ``dot`` is on the PATH."""
    return shutil.which("dot") is not None


def _run_dot(dot_text: str, fmt: str, path: str) -> bytes:
    exe = shutil.which("dot")
    if exe is None:
        raise InvalidInput(
            f"cannot render .{fmt}: Graphviz 'dot' is not installed", path=path, hint="apt-get install graphviz, or write .dot"
        )
    try:
        proc = subprocess.run(
            [exe, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS, check=False,
        )
    except subprocess.TimeoutExpired:
        raise ResourceLimit(
            f"Graphviz 'dot' did not finish rendering .{fmt} within {DOT_TIMEOUT_SECONDS:g} s",
            path=path, hint="filter the log to fewer activities, or write .dot",
        ) from None
    except OSError as exc:
        raise InvalidInput(f"cannot run Graphviz 'dot': {exc.strerror or exc}", path=path,
                           hint="apt-get install graphviz, or write .dot") from None
    if proc.returncode != 0 or not proc.stdout:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        first = detail[0] if detail else f"exit status {proc.returncode}"
        raise InvalidInput(f"Graphviz 'dot' failed to render .{fmt}: {first}", path=path, hint="write .dot instead")
    return proc.stdout


def render_bytes(pmap: ProcessMap, fmt: str, *, perf: bool = False, title: str | None = None, path: str = "") -> bytes:
    """The map in one of :data:`GRAPH_FORMATS` (given with or without the dot), as bytes."""
    suffix = fmt.lower() if fmt.startswith(".") else f".{fmt.lower()}"
    if suffix == ".dot":
        return to_dot(pmap, perf=perf, title=title).encode("utf-8")
    if suffix in (".svg", ".png"):
        return _run_dot(to_dot(pmap, perf=perf, title=title), suffix[1:], path)
    if suffix == ".graphml":
        return to_graphml(pmap, perf=perf)
    if suffix == ".mmd":
        return to_mermaid(pmap, perf=perf).encode("utf-8")
    if suffix == ".json":
        return to_json(pmap, perf=perf).encode("utf-8")
    raise UsageError(
        f"unsupported graph format {suffix!r}", path=path or None,
        hint="use one of " + ", ".join(GRAPH_FORMATS),
    )


def write_graph(pmap: ProcessMap, path: str | os.PathLike[str], *, perf: bool = False, title: str | None = None) -> None:
    """Write the map to ``path``; the format follows the suffix (see :data:`GRAPH_FORMATS`).

    The file is written atomically: on any failure (unknown suffix, a directory as path, ``dot``
    missing or failing) nothing is written and an earlier file is left unchanged.
    """
    text = os.fspath(path)
    suffix = Path(text).suffix.lower()
    if suffix not in GRAPH_FORMATS:
        raise UsageError(
            f"cannot tell the graph format from the suffix {suffix or '(none)'!r}", path=text,
            hint="use one of " + ", ".join(GRAPH_FORMATS),
        )
    check_output_path(text)
    if suffix in (".svg", ".png") and not dot_available():
        raise InvalidInput(
            f"cannot render {suffix}: Graphviz 'dot' is not installed", path=text, hint="apt-get install graphviz, or write .dot"
        )
    write_bytes_atomic(text, render_bytes(pmap, suffix, perf=perf, title=title, path=text))
