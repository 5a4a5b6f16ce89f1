"""The neutral model behind every graph format: nodes and edges in a total, deterministic order,
display text (cleaned, truncated, wrapped, quoted for DOT) and the channel colours."""

from __future__ import annotations

import math
import textwrap
import unicodedata
import zlib
from dataclasses import dataclass, field

from journeylog.journeys import ProcessMap
from journeylog.render.graph.colours import COUNT_SHADES, PALETTE, TIME_SHADES, UNKNOWN_COLOUR, channel_palette, shade
from journeylog.schema import UNKNOWN_CHANNEL
from journeylog.text import fmt_share, human_duration

# Labels longer than this are cut (with an ellipsis) for display; dot fails on labels over 16,384
# characters and a node hundreds of characters wide helps nobody. GraphML and JSON keep full names.
MAX_LABEL_CHARS = 200
# Display labels are wrapped at spaces to lines of about this many characters.
WRAP_WIDTH = 30
ELLIPSIS = "\u2026"

# The channel colours of a map come from its own channel frequencies (see colours.py): the
# commonest channel gets the first colour of the 12-colour palette, and so on.
CHANNEL_COLOURS: tuple[str, ...] = PALETTE
FALLBACK_COLOURS: tuple[str, ...] = PALETTE
# How many channels a node's label names (the rest are summed up as "+N more").
MIX_SHOWN = 3

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


def channel_colour(channel: str | None, palette: dict[str, str] | None = None) -> str:
    """The colour of a channel in ``palette`` (see :func:`colours.channel_palette`); grey for
    unknown; a channel missing from the palette gets a stable pick by CRC-32 of its name.

    >>> channel_colour(None)
    '#BBBBBB'
    >>> channel_colour("kiosk") == channel_colour("kiosk")
    True
    """
    name = _channel_name(channel)
    if palette and name in palette:
        return palette[name]
    if name == UNKNOWN_CHANNEL:
        return UNKNOWN_COLOUR
    return PALETTE[zlib.crc32(name.encode("utf-8", "replace")) % len(PALETTE)]


def _channel_name(channel: str | None) -> str:
    return UNKNOWN_CHANNEL if channel is None or str(channel).strip() == "" else str(channel)


def _darker(colour: str, factor: float = 0.55) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02X}{:02X}{:02X}".format(*(int(round(c * factor)) for c in (r, g, b)))


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
    mix: tuple[tuple[str, int], ...] = ()  # (channel, events), most first
    median_seconds: float | None = None  # to the next event of the journey
    p90_seconds: float | None = None


@dataclass(frozen=True)
class _Edge:
    src: str
    dst: str
    count: int
    median_seconds: float | None = None
    p90_seconds: float | None = None
    kind: str = "flow"  # flow | start | end

    def seconds(self, stat: str) -> float | None:
        return self.p90_seconds if stat == "p90" else self.median_seconds

    def label(self, perf: bool | str) -> str:
        if perf and self.kind == "flow":
            stat = _stat(perf)
            if stat == "p90":
                return f"p90 {human_duration(self.p90_seconds)}"
            return f"{human_duration(self.median_seconds)}\n(p90 {human_duration(self.p90_seconds)})"
        return _fmt_count(self.count)


def _stat(perf: bool | str) -> str:
    """``--perf`` as the statistic shown: ``median`` (``True``) or ``p90``."""
    return "p90" if perf == "p90" else "median"


@dataclass(frozen=True)
class _Graph:
    nodes: list[_Node]
    edges: list[_Edge]
    legend: list[str] = field(default_factory=list)
    max_count: int = 1
    palette: dict[str, str] = field(default_factory=dict)
    has_channels: bool = False

    def penwidth(self, count: int) -> str:
        if self.max_count <= 1 or count <= 1:
            return "1.00"
        return f"{1 + 5 * math.log(count) / math.log(self.max_count):.2f}"

    def activities(self) -> list[_Node]:
        return [n for n in self.nodes if n.kind == "activity"]

    def count_fill(self, node: _Node) -> str:
        counts = [n.count for n in self.activities()]
        return shade(node.count, min(counts, default=0), max(counts, default=0), COUNT_SHADES)

    def time_range(self, stat: str) -> tuple[float, float]:
        values = [v for v in [n.p90_seconds if stat == "p90" else n.median_seconds for n in self.activities()]
                  + [e.seconds(stat) for e in self.edges if e.kind == "flow"] if v is not None]
        return (min(values), max(values)) if values else (0.0, 0.0)

    def time_fill(self, seconds: float | None, stat: str) -> str:
        lo, hi = self.time_range(stat)
        return "#F2F2F2" if seconds is None else shade(seconds, lo, hi, TIME_SHADES)

    def time_line(self, seconds: float | None, stat: str) -> str:
        """A path's colour on the same scale, one step darker (the palest steps vanish on white)."""
        lo, hi = self.time_range(stat)
        return _darker(shade(seconds, lo, hi, TIME_SHADES[1:]), 0.8) if seconds is not None else "#8C8C8C"


def _num(value: object) -> float | None:
    if value is None:
        return None
    v = float(value)  # type: ignore[arg-type]
    return None if math.isnan(v) or math.isinf(v) else v


def _name_key(name: str | None) -> tuple[bool, str]:
    return (name is None, name or "")


def _mix_of(row: dict) -> tuple[tuple[str, int], ...]:
    """(channel, events) most first, ties by name; from ``channel_mix`` or, for maps that carry
    no mix, the dominant channel with every event."""
    raw = row.get("channel_mix")
    if raw:
        pairs = [(_channel_name(m.get("channel")), int(m.get("events") or 0)) for m in raw]
    else:
        pairs = [(_channel_name(row.get("channel")), int(row.get("count") or 0))]
    merged: dict[str, int] = {}
    for ch, n in pairs:
        merged[ch] = merged.get(ch, 0) + n
    return tuple(sorted(merged.items(), key=lambda p: (-p[1], p[0])))


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
                id=f"n{i}", name=name, kind="activity", count=int(row.get("count") or 0),
                journeys=int(row.get("journeys") or 0), channel=_channel_name(row.get("channel")),
                channels=tuple(_channel_name(c) for c in chans), mix=_mix_of(row),
                median_seconds=_num(row.get("median_seconds")), p90_seconds=_num(row.get("p90_seconds")),
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
    acts = [n for n in nodes if n.kind == "activity"]
    palette = channel_palette(pair for n in acts for pair in n.mix)
    has_channels = any(ch != UNKNOWN_CHANNEL for n in acts for ch, _n in n.mix)
    legend = sorted((c for c in palette if c != UNKNOWN_CHANNEL), key=lambda c: list(palette).index(c))
    if has_channels and UNKNOWN_CHANNEL in palette:
        legend.append(UNKNOWN_CHANNEL)
    max_count = max([e.count for e in edges], default=1)
    return _Graph(nodes=nodes, edges=edges, legend=legend if has_channels else [], max_count=max(max_count, 1),
                  palette=palette, has_channels=has_channels)


def mix_text(node: _Node, shown: int = MIX_SHOWN) -> str:
    """``web 51% · app 35% · phone 13%`` (the top ``shown`` channels, then ``+N more``)."""
    total = sum(n for _c, n in node.mix) or 1
    if len(node.mix) == 1:
        return _truncate(_clean(node.mix[0][0]), 40)
    parts = [f"{_truncate(_clean(ch), 24)} {fmt_share(n / total, 0)}" for ch, n in node.mix[:shown]]
    if len(node.mix) > shown:
        parts.append(f"+{len(node.mix) - shown} more")
    return " \u00b7 ".join(parts)


def _activity_label_lines(node: _Node, g: _Graph | None = None, perf: bool | str = False) -> list[str]:
    lines = _display_lines(node.name)
    if perf:
        stat = _stat(perf)
        value = node.p90_seconds if stat == "p90" else node.median_seconds
        when = f"{stat} {human_duration(value)}" if value is not None else "always the last step"
        lines.append(f"{_fmt_count(node.count)} \u00b7 {when}")
    else:
        lines.append(_fmt_count(node.count))
    if g is None or g.has_channels:
        lines.append(mix_text(node))
    return lines


def tooltip(node: _Node, g: _Graph) -> str:
    """The hover text of an activity: name, events and journeys, channel mix, times."""
    lines = [_truncate(_clean(node.name)), f"{_fmt_count(node.count)} events \u00b7 {_fmt_count(node.journeys)} journeys"]
    if g.has_channels:
        lines.append(mix_text(node, shown=len(node.mix)))
    if node.median_seconds is not None:
        lines.append(f"to the next step: median {human_duration(node.median_seconds)} "
                     f"\u00b7 p90 {human_duration(node.p90_seconds)}")
    return "\n".join(lines)


def edge_tooltip(edge: _Edge, names: dict[str, str]) -> str:
    """The hover text of a path: from, to, journeys along it, times."""
    head = f"{_truncate(_clean(names[edge.src]), 80)} \u2192 {_truncate(_clean(names[edge.dst]), 80)}"
    lines = [head, f"{_fmt_count(edge.count)} times"]
    if edge.kind == "flow" and edge.median_seconds is not None:
        lines.append(f"median {human_duration(edge.median_seconds)} \u00b7 p90 {human_duration(edge.p90_seconds)}")
    return "\n".join(lines)
