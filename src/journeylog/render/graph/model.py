"""The neutral model behind every graph format: nodes and edges in a total, deterministic order,
display text (cleaned, truncated, wrapped, quoted for DOT) and the channel colours."""

from __future__ import annotations

import math
import textwrap
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from journeylog.journeys import ProcessMap
from journeylog.schema import CHANNELS, UNKNOWN_CHANNEL
from journeylog.text import human_duration

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
