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

from typing import Any

from lxml import etree

from journeylog.engine.results import ProcessMap

__all__ = ["map_svg", "process_map_of", "safe_svg"]

_SVG_NS = "http://www.w3.org/2000/svg"
_DROP = {"script", "foreignObject", "iframe", "object", "embed", "image", "use", "animate", "set",
         "animateTransform", "animateMotion", "style", "a"}


def process_map_of(discover: dict[str, Any]) -> ProcessMap:
    """The :class:`ProcessMap` a discover contract draws: its simplified ``map`` when present
    (:func:`journeylog.discover.shown_map_of_json`), so the page shows what ``discover --graph`` shows."""
    from journeylog.discover import shown_map_of_json

    return shown_map_of_json(discover)


def safe_svg(svg: bytes) -> str:
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
    root.set("id", "process-map")
    root.set("role", "img")
    text: str = etree.tostring(root, encoding="unicode")
    return text


def map_svg(discover: dict[str, Any]) -> str | None:
    """The inline SVG of the contract's map, or None when Graphviz ``dot`` is not installed."""
    from journeylog.render.graph import dot_available, render_bytes

    if not dot_available():
        return None
    return safe_svg(render_bytes(process_map_of(discover), "svg"))
