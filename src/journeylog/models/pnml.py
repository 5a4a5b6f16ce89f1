"""PNML in: the parsed tree is checked and cleaned (guards removed, pages merged, markings
checked) before :mod:`journeylog.mining` builds the Petri net from it."""

from __future__ import annotations

import os
import re
from typing import Any

from lxml import etree

from journeylog import mining
from journeylog.errors import InvalidInput
from journeylog.io.xml import local_name, parse_xml

__all__ = ["load_pnml"]


def _int_text(el: etree._Element, label: str, what: str) -> None:
    for t in el.iter():
        if isinstance(t.tag, str) and local_name(t.tag) == "text":
            text = (t.text or "").strip()
            if not re.fullmatch(r"[0-9]+", text):
                raise InvalidInput(f"{what} must be a whole number, found {text!r}", path=label, row=t.sourceline)


def load_pnml(path: str | os.PathLike[str], label: str) -> tuple[Any, Any, Any, list[str]]:
    root = parse_xml(path, root="pnml").getroot()
    _strip_guards(root)
    net_el = _single_net(root, label)
    container = _merge_pages(net_el)
    nodes = _node_kinds(container, label)
    for e in net_el.iter():
        ln = local_name(e.tag)
        if ln == "arc":
            _check_arc(e, nodes, label)
        if ln == "finalmarkings":
            _check_final_marking(e, nodes, label)
    net, im, fm = mining.pnml_net_from_root(root)
    for t in net.transitions:
        t.properties.pop("guard", None)
    _check_markings(net, im, fm, label)
    return mining.canonical_names(net), im, fm, []


def _strip_guards(root: etree._Element) -> None:
    """Remove comments and processing instructions, and every guard (attribute or element)."""
    for e in list(root.iter()):
        if not isinstance(e.tag, str):
            e.getparent().remove(e)
            continue
        if "guard" in e.attrib:  # pm4py stores guards and data-aware code eval()s them
            del e.attrib["guard"]
        if local_name(e.tag).lower() == "guard":
            e.getparent().remove(e)


def _single_net(root: etree._Element, label: str) -> etree._Element:
    """The one ``<net>`` of the file; every other child of the root is removed."""
    nets = [c for c in root if local_name(c.tag) == "net"]
    if not nets:
        raise InvalidInput("no <net> element in the PNML file", path=label)
    if len(nets) > 1:
        raise InvalidInput(f"{len(nets)} <net> elements: journeylog reads one Petri net per file", path=label,
                           row=nets[1].sourceline)
    for c in list(root):
        if c is not nets[0]:
            root.remove(c)
    return nets[0]


def _merge_pages(net_el: etree._Element) -> etree._Element:
    """Merge all pages into the first (pm4py reads only the last ``<page>``); the element holding the nodes."""
    pages = [e for e in net_el.iter() if local_name(e.tag) == "page"]
    if pages:
        first = pages[0]
        for page in pages[1:]:
            for c in list(page):
                if local_name(c.tag) in ("place", "transition", "arc"):
                    first.append(c)
            page.getparent().remove(page)
        for c in list(net_el):  # nodes outside the page would be lost
            if local_name(c.tag) in ("place", "transition", "arc"):
                first.append(c)
    return pages[0] if pages else net_el


def _node_kinds(container: etree._Element, label: str) -> dict[str, str]:
    """Node id -> ``place`` or ``transition``, with ids and initial markings checked."""
    nodes: dict[str, str] = {}
    for e in container:
        ln = local_name(e.tag)
        if ln in ("referencePlace", "referenceTransition"):
            raise InvalidInput(f"{ln} elements are not supported", path=label, row=e.sourceline, hint="flatten the net")
        if ln in ("place", "transition"):
            if not e.get("id"):
                raise InvalidInput(f"a <{ln}> without an id", path=label, row=e.sourceline)
            if e.get("id") in nodes:
                raise InvalidInput(f'duplicate id="{e.get("id")}"', path=label, row=e.sourceline)
            nodes[e.get("id")] = ln
            if ln == "place":
                for m in e:
                    if local_name(m.tag) == "initialMarking":
                        _int_text(m, label, "an initial marking")
    return nodes


def _check_arc(e: etree._Element, nodes: dict[str, str], label: str) -> None:
    """An arc joins a known place and a known transition, with a whole-number weight and no special type."""
    src, tgt = e.get("source"), e.get("target")
    kinds = (nodes.get(src), nodes.get(tgt))
    if None in kinds:
        missing = src if kinds[0] is None else tgt
        raise InvalidInput(f'arc id="{e.get("id")}" refers to unknown node "{missing}"', path=label, row=e.sourceline)
    if kinds[0] == kinds[1]:
        raise InvalidInput(f'arc id="{e.get("id")}" connects two {kinds[0]}s', path=label, row=e.sourceline)
    for c in e:
        if local_name(c.tag) == "inscription":
            _int_text(c, label, "an arc weight")
        if local_name(c.tag).lower() == "arctype":
            text = "".join(c.itertext()).strip().lower()
            if text in ("reset", "inhibitor"):
                raise InvalidInput(f"{text} arcs are not supported", path=label, row=c.sourceline)


def _check_final_marking(e: etree._Element, nodes: dict[str, str], label: str) -> None:
    """A ``<finalmarkings>`` section names known places with whole-number tokens."""
    for pl_el in e.iter():
        if local_name(pl_el.tag) == "place":
            ref = pl_el.get("idref")
            if nodes.get(ref) != "place":
                raise InvalidInput(f'the final marking names unknown place "{ref}"', path=label, row=pl_el.sourceline)
            _int_text(pl_el, label, "a final marking")


def _check_markings(net: Any, im: Any, fm: Any, label: str) -> None:
    """The net has an initial and a non-empty final marking."""
    if not im:
        raise InvalidInput(
            "the Petri net has no initial marking",
            path=label,
            hint="put a token on the start place: <initialMarking><text>1</text></initialMarking>",
        )
    if fm is None or not fm:
        sinks = sorted(str(p.name) for p in net.places if not p.out_arcs)
        example = f" e.g. one token on place '{sinks[0]}'" if len(sinks) == 1 else ""
        raise InvalidInput(
            "the Petri net has no final marking" if fm is None else "the Petri net's final marking is empty",
            path=label,
            hint=f"add a <finalmarkings> section as ProM and pm4py write it{example}",
        )

