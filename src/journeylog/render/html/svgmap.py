"""The process map of a report: the discover contract's map drawn by :mod:`journeylog.render.graph`
(Graphviz ``dot``), made safe to inline in HTML.

The map is rebuilt from the contract (``activity_stats``, ``dfg``, ``start``, ``end``) so a report
from saved ``--json`` files shows the same picture; any extra per-activity field the contract
carries (such as a channel mix) is passed through to the graph renderer. The SVG is parsed with
a parser that resolves no entities and touches no network, and everything that could run or load
something is removed (scripts, ``foreignObject``, event-handler attributes, links other than
``#fragment``) before it is written into the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from journeylog.engine.results import ProcessMap

__all__ = ["MAX_DRAWN_PATHS", "MapLevel", "level_svgs", "map_levels", "map_svg", "process_map_of", "safe_svg"]

#: a level other than the default with more paths is offered but not drawn: Graphviz's layout
#: grows much faster than the paths (on 90 steps: 542 paths 5 s, 921 paths 56 s, 2,263 over 5 min)
MAX_DRAWN_PATHS = 500
DISTINCT = 0.2  # a level is offered only when its paths differ from every other level's by more than this share
MORE_PATHS = 0.5  # the "more paths" level of the page's detail control (share of the strongest paths)

_SVG_NS = "http://www.w3.org/2000/svg"
_DROP = {"script", "foreignObject", "iframe", "object", "embed", "image", "use", "animate", "set",
         "animateTransform", "animateMotion", "style", "a"}


def process_map_of(discover: dict[str, Any]) -> ProcessMap:
    """The :class:`ProcessMap` a discover contract draws: its simplified ``map`` when present
    (:func:`journeylog.discover.shown_map_of_json`), so the page shows what ``discover --graph`` shows."""
    from journeylog.discover import shown_map_of_json

    return shown_map_of_json(discover)


@dataclass(frozen=True)
class MapLevel:
    """One level of detail of the page's map: its label, the map, and whether it is the default."""

    label: str
    process_map: ProcessMap
    activities: int
    paths: int
    default: bool = False
    #: False: more than :data:`MAX_DRAWN_PATHS` paths (never the default, which is always drawn)
    drawn: bool = True


def _paths(pm: ProcessMap) -> int:
    return pm.edges.height + pm.start.height + pm.end.height


def map_levels(discover: dict[str, Any]) -> list[MapLevel]:
    """The maps the page lets the reader switch between, simplest first: the fewest paths that keep
    the map connected, the map ``discover`` draws (the default), more paths, and every activity
    and path. Built from the contract alone (the paths knob applied to its full map; with activities
    hidden, only the drawn map and the full one); a level within :data:`DISTINCT` of another
    level's paths (and with as many activities) is left out. A level other than the default with
    more than :data:`MAX_DRAWN_PATHS` paths is listed with ``drawn`` False."""
    from journeylog.journeys import keep_paths

    shown = process_map_of(discover)
    full = process_map_of({k: v for k, v in discover.items() if k != "map"})
    candidates: list[tuple[str, ProcessMap, bool]] = []
    all_activities = full.activities.height == shown.activities.height
    if all_activities:
        candidates.append(("main paths", keep_paths(full, 0.0)[0], False))
    candidates.append(("default", shown, True))
    if all_activities:
        candidates.append(("more paths", keep_paths(full, MORE_PATHS)[0], False))
    candidates.append(("every path", full, False))
    levels: list[MapLevel] = []
    for label, pm, default in sorted(candidates, key=lambda c: not c[2]):  # the default first: it wins ties
        size = (pm.activities.height, _paths(pm))
        if all(lv.activities != size[0] or abs(lv.paths - size[1]) > DISTINCT * lv.paths for lv in levels):
            levels.append(MapLevel(label, pm, size[0], size[1], default, default or size[1] <= MAX_DRAWN_PATHS))
    levels.sort(key=lambda lv: (lv.activities, lv.paths))
    return levels


def safe_svg(svg: bytes, element_id: str = "process-map") -> str:
    """Graphviz SVG as an inline ``<svg>`` element: no prolog, DOCTYPE or comments, nothing active."""
    start = svg.find(b"<svg")
    if start < 0:
        return ""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                             remove_pis=True, huge_tree=False)
    root = etree.fromstring(svg[start:], parser)
    for elem in list(root.iter()):
        if not isinstance(elem.tag, str):
            continue
        if etree.QName(elem).localname in _DROP and elem is not root:
            parent = elem.getparent()
            if parent is not None:
                # keep a link's drawing, drop the link
                for child in (list(elem) if etree.QName(elem).localname == "a" else []):
                    elem.addprevious(child)
                parent.remove(elem)
            continue
        for name in list(elem.attrib):
            local = etree.QName(name).localname.lower()
            value = elem.attrib[name].strip().lower()
            if local.startswith("on") or local == "style" or (local == "href" and not value.startswith("#")):
                del elem.attrib[name]
    for attr in ("width", "height"):  # the page sizes the map; the viewBox keeps its proportions
        root.attrib.pop(attr, None)
    root.set("preserveAspectRatio", "xMidYMid meet")
    root.set("id", element_id)
    root.set("role", "img")
    text: str = etree.tostring(root, encoding="unicode")
    return text


def map_svg(discover: dict[str, Any]) -> str | None:
    """The inline SVG of the contract's map, or None when Graphviz ``dot`` is not installed."""
    from journeylog.render.graph import dot_available, render_bytes

    if not dot_available():
        return None
    return safe_svg(render_bytes(process_map_of(discover), "svg"))


def level_svgs(levels: list[MapLevel]) -> list[dict[str, Any]] | None:
    """Each drawn level of :func:`map_levels` drawn and made safe (the default's element id
    ``process-map``, the others ``process-map-N``), or None when Graphviz ``dot`` is not installed."""
    from journeylog.render.graph import dot_available, render_bytes

    if not dot_available():
        return None
    out = []
    for i, level in enumerate(lv for lv in levels if lv.drawn):
        element_id = "process-map" if level.default else f"process-map-{i + 1}"
        out.append({"label": level.label, "activities": level.activities, "paths": level.paths,
                    "default": level.default, "index": i,
                    "svg": safe_svg(render_bytes(level.process_map, "svg"), element_id)})
    return out
