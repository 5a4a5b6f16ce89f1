"""Writing models with pm4py's exporters, byte-stable: BPMN (laid out when Graphviz is there) and PNML.

pm4py names BPMN elements, PNML arcs and tool-specific ids with uuid4s or memory addresses and
writes elements in set order; the writers here renumber and reorder them so the same model gives
the same file in every run (Graphviz coordinates excepted: pm4py feeds Graphviz the nodes in set
order).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import warnings
from collections import deque
from typing import Any

from lxml import etree

from journeylog.mining.determinism import pm4py_quiet, silenced

__all__ = ["tree_to_bpmn", "net_to_bpmn", "write_bpmn_file", "write_pnml_file", "canonical_bpmn_file"]

_LAYOUT_LOCK = threading.Lock()
_REFERENCE_ATTRIBUTES = ("id", "sourceRef", "targetRef", "bpmnElement", "processRef")
_FLOW_NODES = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "task", "startEvent", "endEvent")

#: a BPMN node's sort key: (element kind, name, (kind, name) of every node reachable from it)
_NodeKey = tuple[str, str, tuple[tuple[str, str], ...], str]


def tree_to_bpmn(tree: Any) -> Any:
    """pm4py's process tree -> BPMN conversion."""
    pm4py_quiet()
    from pm4py.objects.conversion.process_tree.variants import to_bpmn

    return to_bpmn.apply(tree)


def net_to_bpmn(net: Any, im: Any, fm: Any) -> Any:
    """pm4py's workflow net -> BPMN conversion."""
    pm4py_quiet()
    from pm4py.objects.conversion.wf_net.variants import to_bpmn

    return to_bpmn.apply(net, im, fm)


def write_bpmn_file(bpmn: Any, path: str) -> None:
    """Lay the diagram out (Graphviz, when available) and write it with pm4py's exporter."""
    pm4py_quiet()
    from pm4py.objects.bpmn.exporter.variants import etree as bpmn_exporter

    if shutil.which("dot"):
        # pm4py's layouter renders an SVG with Graphviz into temp files it never deletes: run it
        # with a private temp folder, removed afterwards.
        from pm4py.objects.bpmn.layout import layouter

        with _LAYOUT_LOCK, tempfile.TemporaryDirectory(prefix="journeylog-layout-") as scratch:
            saved = tempfile.tempdir
            tempfile.tempdir = scratch
            try:
                with silenced():
                    bpmn = layouter.apply(bpmn)
            except Exception:  # a layout failure leaves a valid BPMN file, just without a layout
                pass
            finally:
                tempfile.tempdir = saved
    bpmn_exporter.apply(bpmn, path, parameters={"encoding": "utf-8"})
    canonical_bpmn_file(path)


def _ln(e: Any) -> str:
    return str(etree.QName(e).localname)


def canonical_bpmn_file(path: str) -> None:
    """Replace pm4py's uuid4 ids by ids numbered in a walk from the start events, and order the
    elements the same way, so the same model gives the same ids and element order every time.
    (Graphviz coordinates may still differ: pm4py feeds Graphviz the nodes in set order.)"""
    tree = etree.parse(path, etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True))
    root = tree.getroot()
    mapping: dict[str, str] = {}
    for pn, process in enumerate((e for e in root if _ln(e) == "process"), 1):
        mapping[process.get("id")] = f"process_{pn}"
        _order_process(process, pn, mapping)
    _rename_references(root, mapping)
    _order_diagrams(root)
    _order_node_references(root)
    tree.write(path, pretty_print=True, xml_declaration=True, encoding="utf-8")


def _order_process(process: Any, pn: int, mapping: dict[str, str]) -> None:
    """Reorder one process's nodes (walk order) and flows, and record their new ids in ``mapping``."""
    nodes = {c.get("id"): c for c in process if _ln(c) != "sequenceFlow" and c.get("id")}
    flows = [c for c in process if _ln(c) == "sequenceFlow"]
    succ: dict[str, list[str]] = {}
    for f in flows:
        succ.setdefault(f.get("sourceRef"), []).append(f.get("targetRef"))
    order = _walk_order(nodes, succ)
    for i, nid in enumerate(order, 1):
        mapping[nid] = f"{_ln(nodes[nid])}_{pn}_{i}"
    flows.sort(key=lambda f: (order.index(f.get("sourceRef")) if f.get("sourceRef") in nodes else 0,
                              order.index(f.get("targetRef")) if f.get("targetRef") in nodes else 0))
    for i, f in enumerate(flows, 1):
        mapping[f.get("id")] = f"flow_{pn}_{i}"
    for c in list(process):
        process.remove(c)
    process.extend([nodes[n] for n in order] + flows)


def _walk_order(nodes: dict[str, Any], succ: dict[str, list[str]]) -> list[str]:
    """Node ids breadth first from the start events (then from any node not reached yet), with
    successors and roots taken in the order of a key that does not depend on ids."""

    def reach(nid: str) -> tuple[tuple[str, str], ...]:
        seen, todo = {nid}, [nid]
        while todo:
            for nxt in succ.get(todo.pop(), []):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return tuple(sorted((_ln(nodes[x]), nodes[x].get("name") or "") for x in seen if x in nodes))

    structure = _structure_hashes(nodes, succ)
    keys: dict[str, _NodeKey] = {nid: (_ln(el), el.get("name") or "", reach(nid), structure[nid])
                                 for nid, el in nodes.items()}
    order: list[str] = []
    seen: set[str] = set()
    starts = sorted((n for n, el in nodes.items() if _ln(el) == "startEvent"), key=keys.__getitem__)
    for start in starts + sorted(nodes, key=keys.__getitem__):
        if start in seen:
            continue
        seen.add(start)
        queue = deque([start])
        while queue:
            cur = queue.popleft()
            order.append(cur)
            for nxt in sorted(set(succ.get(cur, [])), key=lambda x: keys.get(x, ("", "", ()))):
                if nxt in nodes and nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
    return order


def _structure_hashes(nodes: dict[str, Any], succ: dict[str, list[str]]) -> dict[str, str]:
    """A hash per node of its neighbourhood (Weisfeiler-Lehman refinement over node type and name,
    both directions), so that nodes alike in type, name and reach, such as the unnamed gateways of
    a loop, still sort the same way whatever ids pm4py gave them. Nodes that remain tied are
    interchangeable: either order writes the same file."""
    import networkx as nx

    graph = nx.DiGraph()
    for nid, el in nodes.items():
        label = f"{_ln(el)}:{el.get('name') or ''}"  # networkx hashes labels as ASCII: escape the rest
        graph.add_node(nid, label=label.encode("ascii", "backslashreplace").decode("ascii"))
    graph.add_edges_from((a, b) for a, targets in succ.items() for b in targets if a in nodes and b in nodes)
    rounds = max(1, min(len(nodes), 8))
    with warnings.catch_warnings():  # "hashes for directed graphs changed in networkx 3.5": pinned
        warnings.simplefilter("ignore")
        forward = nx.weisfeiler_lehman_subgraph_hashes(graph, node_attr="label", iterations=rounds)
        backward = nx.weisfeiler_lehman_subgraph_hashes(graph.reverse(copy=True), node_attr="label", iterations=rounds)
    return {nid: "|".join(forward[nid] + backward[nid]) for nid in nodes}


def _rename_references(root: Any, mapping: dict[str, str]) -> None:
    """Apply the new ids to every id and reference, diagram shapes (``<id>_gui`` -> ``<new>_di``) included."""
    for e in root.iter():
        if not isinstance(e.tag, str):
            continue
        for attr in _REFERENCE_ATTRIBUTES:
            v = e.get(attr)
            if v is None:
                continue
            if v in mapping:
                e.set(attr, mapping[v])
            elif attr == "id" and v.endswith("_gui") and v[:-4] in mapping:
                e.set(attr, mapping[v[:-4]] + "_di")
        if _ln(e) in ("incoming", "outgoing") and (e.text or "").strip() in mapping:
            e.text = mapping[e.text.strip()]


def _order_diagrams(root: Any) -> None:
    """Number diagrams and planes; shapes before edges, each by the element they draw."""
    for n, diagram in enumerate((e for e in root.iter() if isinstance(e.tag, str) and _ln(e) == "BPMNDiagram"), 1):
        diagram.set("id", f"diagram_{n}")
        for m, plane in enumerate((e for e in diagram if _ln(e) == "BPMNPlane"), 1):
            plane.set("id", f"plane_{n}_{m}")
            items = list(plane)
            for c in items:
                plane.remove(c)
            items.sort(key=lambda c: (_ln(c) != "BPMNShape", c.get("bpmnElement") or ""))
            plane.extend(items)


def _order_node_references(root: Any) -> None:
    """In every flow node: ``incoming`` before ``outgoing``, each sorted by flow id."""
    for node in root.iter():
        if isinstance(node.tag, str) and _ln(node) in _FLOW_NODES:
            children = list(node)
            for c in children:
                node.remove(c)
            children.sort(key=lambda c: (_ln(c) != "incoming", c.text or ""))
            node.extend(children)


def write_pnml_file(net: Any, im: Any, fm: Any, path: str) -> None:
    """pm4py's PNML exporter, with the elements in a deterministic order."""
    pm4py_quiet()
    from pm4py.objects.petri_net.exporter.variants import pnml as pnml_exporter

    tree = pnml_exporter.export_petri_tree(net, im, final_marking=fm)
    for net_el in tree.getroot().iter("net"):  # pm4py names nets "imported_<time>" etc.
        net_el.set("id", "net1")
        for name_el in net_el.findall("name/text"):
            name_el.text = "net1"
    for tool in tree.getroot().iter("toolspecific"):  # pm4py writes a uuid4 per transition
        if tool.get("localNodeID") is not None:
            parent = tool.getparent()
            tool.set("localNodeID", str(parent.get("id")) if parent is not None else "")
    order = {"place": 0, "transition": 1, "arc": 2}
    for page in tree.getroot().iter("page"):
        children = list(page)
        for child in children:
            page.remove(child)
        children.sort(key=lambda c: (order.get(c.tag, 3), str(c.get("source", "")), str(c.get("target", "")),
                                     str(c.get("id", ""))))
        page.extend(children)
        for n, child in enumerate(c for c in children if c.tag == "arc"):  # pm4py uses id(arc)
            child.set("id", f"arc{n + 1}")
    tree.write(path, pretty_print=True, xml_declaration=True, encoding="utf-8")
