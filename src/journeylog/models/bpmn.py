"""BPMN 2.0 in: journeylog's repair front-end (:class:`_Bpmn`) rewrites the parsed XML into
something pm4py converts, then :mod:`journeylog.mining` turns it into a Petri net.

BPMN as modellers export it (bpmn.io, Camunda, Signavio) is normalised before pm4py sees it, because
pm4py's importer crashes on some elements and its Petri-net converter silently drops others
(every flow touching them), which left tasks unreachable in most of the MIWG reference models:

* refused with one line naming the element (exit 3): ``callActivity``, ``complexGateway``,
  ``transaction``, ``adHocSubProcess``, and any sequence flow to an unknown or missing element;
* rewritten to something pm4py converts (each noted in :attr:`DesignedModel.notes`):
  intermediate catch/throw events and event-based gateways become silent pass-through
  (exclusive) gateways, link events are joined; embedded sub-processes are inlined (an empty,
  collapsed one becomes a task of that name); loop and multi-instance markers become a loop
  around the activity; boundary events become an alternative exit after their activity; a task
  or event with several outgoing flows gets the parallel (or, with conditions, inclusive) split
  BPMN means; several pools run side by side (pm4py would make them alternatives) and a run
  that reaches several end events ends when all have been reached (pm4py would leave extra
  tokens in the sink); event sub-processes, message flows, data and artifacts are ignored;
* names are whitespace-normalised (a line break in a name becomes a space).
"""

from __future__ import annotations

import os
from typing import Any

from lxml import etree

from journeylog import mining
from journeylog.errors import InvalidInput
from journeylog.io.xml import local_name, parse_xml

__all__ = ["BPMN_NS", "load_bpmn"]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

_TASKS = {"task", "userTask", "serviceTask", "sendTask", "receiveTask", "manualTask", "businessRuleTask", "scriptTask"}
_GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway"}
_EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
_SUPPORTED = _TASKS | _GATEWAYS | _EVENTS | {"subProcess"}
_UNSUPPORTED = {
    "callActivity": "pm4py cannot convert call activities; inline the called process",
    "complexGateway": "pm4py cannot convert complex gateways; use exclusive, parallel or inclusive gateways",
    "transaction": "pm4py cannot convert transactions; model it as an embedded sub-process",
    "adHocSubProcess": "an ad-hoc sub-process has no order pm4py can convert; model the order explicitly",
}
_FLOW_NODE_LIKE = _SUPPORTED | set(_UNSUPPORTED)
_DROP = {
    "BPMNDiagram", "messageFlow", "association", "dataInputAssociation", "dataOutputAssociation",
    "textAnnotation", "group", "dataObject", "dataObjectReference", "dataStoreReference", "dataInput",
    "dataOutput", "ioSpecification", "laneSet", "incoming", "outgoing", "extensionElements", "documentation",
}


class _Bpmn:
    """The XML rewriting described in the module notes (works on the parsed tree in place)."""

    def __init__(self, root: etree._Element, label: str) -> None:
        self.root = root
        self.label = label
        self.ns = etree.QName(root).namespace
        self.notes: list[str] = []
        self.ids: set[str] = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
        self.counter = 0

    # helpers -------------------------------------------------------------------------------
    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}" if self.ns else name

    def fresh_id(self, base: str) -> str:
        while True:
            self.counter += 1
            cand = f"{base}__jl{self.counter}"
            if cand not in self.ids:
                self.ids.add(cand)
                return cand

    def flows(self) -> list[etree._Element]:
        return [e for e in self.root.iter() if isinstance(e.tag, str) and local_name(e.tag) == "sequenceFlow"]

    def add_flow(self, container: etree._Element, source: str, target: str) -> None:
        etree.SubElement(container, self.q("sequenceFlow"), id=self.fresh_id("flow"), sourceRef=source, targetRef=target)

    def add_gateway(self, container: etree._Element, kind: str, gid: str | None = None, name: str = "") -> str:
        gid = gid or self.fresh_id("gateway")
        self.ids.add(gid)
        etree.SubElement(container, self.q(kind), id=gid, name=name)
        return gid

    def retag(self, el: etree._Element, kind: str) -> None:
        el.tag = self.q(kind)
        for child in list(el):  # event definitions etc. mean nothing to a gateway
            el.remove(child)

    def flow_nodes(self) -> dict[str, etree._Element]:
        nodes: dict[str, etree._Element] = {}
        for e in self.root.iter():
            if isinstance(e.tag, str) and local_name(e.tag) in _FLOW_NODE_LIKE and e.get("id"):
                nodes.setdefault(e.get("id"), e)
        return nodes

    def error(self, message: str, el: etree._Element | None = None, more: str | None = None) -> InvalidInput:
        return InvalidInput(message, path=self.label, row=None if el is None else el.sourceline, more=more)

    # steps -----------------------------------------------------------------------------------
    def run(self) -> list[str]:
        self.foreign()
        self.check()
        self.drop_noise()
        self.keep_processes()
        self.normalise_names()
        self.event_subprocesses()
        self.collapsed_subprocesses()
        self.implicit_splits()
        self.loops()
        self.boundary_events()
        self.intermediate_events()
        self.pools_in_parallel()
        self.inline_subprocesses()
        return self.notes

    def foreign(self) -> None:
        """Drop every element outside the model namespace: diagram layout, vendor extensions.

        pm4py matches tags by suffix in any namespace, so e.g. a simulation extension's
        ``<qbp:sequenceFlow>`` would otherwise be read as a flow.
        """
        for e in list(self.root.iter()):
            if not isinstance(e.tag, str) or etree.QName(e).namespace != self.ns:
                parent = e.getparent()
                if parent is not None:
                    parent.remove(e)

    def drop_noise(self) -> None:
        dropped_message_flows = 0
        for e in list(self.root.iter()):
            if not isinstance(e.tag, str):
                parent = e.getparent()
                if parent is not None:
                    parent.remove(e)
                continue
            ln = local_name(e.tag)
            if ln in _DROP or ln.endswith("Association"):
                if ln == "messageFlow":
                    dropped_message_flows += 1
                parent = e.getparent()
                if parent is not None:
                    parent.remove(e)
        if dropped_message_flows:
            self.notes.append(f"{dropped_message_flows} message flow(s) ignored: only sequence flows order the tasks")

    def keep_processes(self) -> None:
        processes = [c for c in self.root if isinstance(c.tag, str) and local_name(c.tag) == "process"]
        for child in list(self.root):
            if child not in processes:
                self.root.remove(child)
        if not processes:
            raise self.error("no <process> element: nothing to convert")
        self.processes = [p for p in processes
                          if any(local_name(e.tag) in _FLOW_NODE_LIKE for e in p.iter() if isinstance(e.tag, str))]

    def check(self) -> None:
        seen: dict[str, etree._Element] = {}
        for e in self.root.iter():
            if not isinstance(e.tag, str):
                continue
            eid = e.get("id")
            if eid and local_name(e.tag) in _FLOW_NODE_LIKE | {"sequenceFlow"}:
                if eid in seen:
                    raise self.error(f'duplicate id="{eid}" ({local_name(seen[eid].tag)} and {local_name(e.tag)})', e)
                seen[eid] = e
        nodes = self.flow_nodes()
        problems: list[tuple[etree._Element, str]] = []
        for flow in self.flows():
            fid = flow.get("id") or "?"
            for attr in ("sourceRef", "targetRef"):
                ref = flow.get(attr)
                if not ref:
                    raise self.error(f'sequenceFlow id="{fid}" has no {attr}', flow)
                if ref not in nodes:
                    other = next((x for x in self.root.iter() if isinstance(x.tag, str) and x.get("id") == ref), None)
                    if other is None:
                        raise self.error(f'sequenceFlow id="{fid}" refers to id="{ref}", which does not exist', flow)
                    problems.append((other, f"pm4py cannot convert {local_name(other.tag)} elements"))
        for e in self.root.iter():
            if isinstance(e.tag, str) and local_name(e.tag) in _UNSUPPORTED:
                problems.append((e, _UNSUPPORTED[local_name(e.tag)]))
        if problems:
            unique: dict[tuple, tuple[etree._Element, str]] = {}
            for el, why in problems:
                unique.setdefault((el.get("id"), el.sourceline), (el, why))
            ordered = sorted(unique.values(), key=lambda p: (p[0].sourceline or 0))
            first, why = ordered[0]
            more = None
            if len(ordered) > 1:
                rest = ", ".join(f'{local_name(el.tag)} id="{el.get("id")}"' for el, _ in ordered[1:4])
                more = f"and {len(ordered) - 1} more: {rest}" + (", ..." if len(ordered) > 4 else "")
            raise self.error(f'unsupported BPMN element {local_name(first.tag)} id="{first.get("id")}" ({why})', first, more)

    def normalise_names(self) -> None:
        for e in self.root.iter():
            if isinstance(e.tag, str) and e.get("name") is not None:
                e.set("name", " ".join(e.get("name").split()))

    def event_subprocesses(self) -> None:
        for e in list(self.root.iter(self.q("subProcess"))):
            if (e.get("triggeredByEvent") or "").strip().lower() == "true":
                self.notes.append(f'event sub-process id="{e.get("id")}" ignored')
                e.getparent().remove(e)

    def collapsed_subprocesses(self) -> None:
        for e in list(self.root.iter(self.q("subProcess"))):
            if not any(isinstance(c.tag, str) and local_name(c.tag) in _FLOW_NODE_LIKE for c in e):
                loops = [c for c in e if isinstance(c.tag, str) and local_name(c.tag).endswith("LoopCharacteristics")]
                for c in list(e):
                    if c not in loops:
                        e.remove(c)
                e.tag = self.q("task")
                self.notes.append(f'collapsed sub-process "{e.get("name", "")}" (id="{e.get("id")}") treated as one task')

    def implicit_splits(self) -> None:
        outgoing: dict[str, list[etree._Element]] = {}
        for f in self.flows():
            outgoing.setdefault(f.get("sourceRef"), []).append(f)
        nodes = self.flow_nodes()
        for nid, flows in outgoing.items():
            node = nodes.get(nid)
            if node is None or len(flows) < 2 or local_name(node.tag) in _GATEWAYS:
                continue
            conditional = any(any(local_name(c.tag) == "conditionExpression" for c in f if isinstance(c.tag, str)) for f in flows)
            kind = "inclusiveGateway" if conditional else "parallelGateway"
            gid = self.add_gateway(node.getparent(), kind)
            for f in flows:
                f.set("sourceRef", gid)
            self.add_flow(node.getparent(), nid, gid)
            split = "conditional (inclusive)" if conditional else "parallel"
            self.notes.append(f'{len(flows)} flows out of {local_name(node.tag)} id="{nid}" read as a {split} split')

    def loops(self) -> None:
        for e in list(self.root.iter()):
            if not isinstance(e.tag, str) or local_name(e.tag) not in (_TASKS | {"subProcess"}):
                continue
            markers = [c for c in e if isinstance(c.tag, str) and local_name(c.tag).endswith("LoopCharacteristics")]
            if not markers:
                continue
            for m in markers:
                e.remove(m)
            nid = e.get("id")
            parent = e.getparent()
            join = self.add_gateway(parent, "exclusiveGateway")
            split = self.add_gateway(parent, "exclusiveGateway")
            for f in self.flows():
                if f.get("targetRef") == nid:
                    f.set("targetRef", join)
                if f.get("sourceRef") == nid:
                    f.set("sourceRef", split)
            self.add_flow(parent, join, nid)
            self.add_flow(parent, nid, split)
            self.add_flow(parent, split, join)
            self.notes.append(
                f'{local_name(markers[0].tag)} on "{e.get("name", "")}" (id="{nid}") read as a loop (one or more times)')

    def boundary_events(self) -> None:
        nodes = self.flow_nodes()
        for e in list(self.root.iter(self.q("boundaryEvent"))):
            host = e.get("attachedToRef")
            if not host or host not in nodes:
                raise self.error(f'boundaryEvent id="{e.get("id")}" is attached to unknown id="{host}"', e)
            self.retag(e, "exclusiveGateway")
            self.add_flow(e.getparent(), host, e.get("id"))
            self.notes.append(f'boundary event id="{e.get("id")}" read as an alternative exit after id="{host}"')

    def intermediate_events(self) -> None:
        links: dict[tuple[str, str], dict[str, list[str]]] = {}
        tree = self.root.getroottree()
        for e in list(self.root.iter()):
            if not isinstance(e.tag, str):
                continue
            ln = local_name(e.tag)
            if ln in ("intermediateCatchEvent", "intermediateThrowEvent"):
                link = next((c for c in e if isinstance(c.tag, str) and local_name(c.tag) == "linkEventDefinition"), None)
                if link is not None:
                    key = (tree.getpath(e.getparent()), link.get("name") or "")
                    side = "throw" if ln.endswith("ThrowEvent") else "catch"
                    links.setdefault(key, {"throw": [], "catch": []})[side].append(e.get("id"))
                self.retag(e, "exclusiveGateway")
            elif ln == "eventBasedGateway":
                self.retag(e, "exclusiveGateway")
        for (parent_path, _name), ends in links.items():
            container = tree.xpath(parent_path)[0]
            for t in ends["throw"]:
                for c in ends["catch"]:
                    self.add_flow(container, t, c)

    def pools_in_parallel(self) -> None:
        """Several pools (processes) run side by side in one journey: start them with a parallel
        split (pm4py would make them alternatives: every start event hangs off one place). The
        journey then ends when every pool has ended (see :meth:`needs_end_join`)."""
        if len(self.processes) < 2:
            return
        first = self.processes[0]
        start = self.fresh_id("start")
        etree.SubElement(first, self.q("startEvent"), id=start, name="")
        split = self.add_gateway(first, "parallelGateway")
        self.add_flow(first, start, split)
        for proc in self.processes:
            starts = [c for c in proc if isinstance(c.tag, str) and local_name(c.tag) == "startEvent" and c.get("id") != start]
            if not starts:
                raise self.error(f'pool/process id="{proc.get("id")}" has no start event', proc)
            entry = self.add_gateway(proc, "exclusiveGateway")
            self.add_flow(proc, split, entry)
            for c in starts:
                self.retag(c, "exclusiveGateway")
                self.add_flow(proc, entry, c.get("id"))
        self.notes.append(f"{len(self.processes)} pools read as running side by side in one journey")

    def terminating_pools(self) -> list[tuple[list[str], set[str]]]:
        """For every pool with a terminate end event: (its terminate end ids, the ids of its nodes
        and flows), after all rewriting."""
        out = []
        for proc in self.processes:
            terms = [
                e.get("id")
                for e in proc.iter(self.q("endEvent"))
                if any(isinstance(c.tag, str) and local_name(c.tag) == "terminateEventDefinition" for c in e)
            ]
            if terms:
                members = {
                    e.get("id")
                    for e in proc.iter()
                    if isinstance(e.tag, str) and e.get("id")
                    and (local_name(e.tag) in _FLOW_NODE_LIKE or local_name(e.tag) == "sequenceFlow")
                }
                out.append((terms, members))
        return out

    def needs_end_join(self) -> bool:
        """True when several end events may be reached in one run (parallel branches or pools)."""
        ends = sum(1 for e in self.root.iter() if isinstance(e.tag, str) and local_name(e.tag) == "endEvent")
        splits = any(isinstance(e.tag, str) and local_name(e.tag) in ("parallelGateway", "inclusiveGateway")
                     for e in self.root.iter())
        return ends > 1 and splits

    def inline_subprocesses(self) -> None:
        while True:
            subs = [e for e in self.root.iter(self.q("subProcess"))]
            if not subs:
                return
            # innermost first
            sub = next(s for s in subs if len(list(s.iter(self.q("subProcess")))) == 1)
            self._inline(sub)

    def _inline(self, sub: etree._Element) -> None:
        sid = sub.get("id")
        parent = sub.getparent()
        inner_nodes = [c for c in sub if isinstance(c.tag, str) and local_name(c.tag) in _FLOW_NODE_LIKE]
        inner_ids = {c.get("id") for c in inner_nodes}
        inner_flows = [c for c in sub if isinstance(c.tag, str) and local_name(c.tag) == "sequenceFlow"]
        has_in = {f.get("targetRef") for f in inner_flows}
        has_out = {f.get("sourceRef") for f in inner_flows}
        exit_id = self.fresh_id(f"{sid}_exit")
        for f in self.flows():
            if f.get("sourceRef") == sid and f not in inner_flows:
                f.set("sourceRef", exit_id)
        starts = [c for c in inner_nodes if local_name(c.tag) == "startEvent"]
        ends = [c for c in inner_nodes if local_name(c.tag) == "endEvent"]
        entries = [c.get("id") for c in starts] or [i for i in inner_ids if i not in has_in]
        exits = [c.get("id") for c in ends] or [i for i in inner_ids if i not in has_out]
        for c in starts + ends:
            self.retag(c, "exclusiveGateway")
        index = parent.index(sub)
        children = [c for c in sub if isinstance(c.tag, str)
                    and (local_name(c.tag) in _FLOW_NODE_LIKE or local_name(c.tag) == "sequenceFlow")]
        parent.remove(sub)
        entry = etree.Element(self.q("exclusiveGateway"), id=sid, name="")
        exit_gw = etree.Element(self.q("exclusiveGateway"), id=exit_id, name="")
        parent.insert(index, entry)
        parent.insert(index + 1, exit_gw)
        for c in children:
            parent.append(c)
        for i in sorted(entries):
            self.add_flow(parent, sid, i)
        for i in sorted(exits):
            self.add_flow(parent, i, exit_id)
        if not inner_ids:
            self.add_flow(parent, sid, exit_id)
        self.notes.append(f'sub-process "{sub.get("name", "")}" (id="{sid}") inlined')


def load_bpmn(path: str | os.PathLike[str], label: str) -> tuple[Any, Any, Any, list[str]]:
    root = parse_xml(path, root="definitions").getroot()
    bpmn = _Bpmn(root, label)
    notes = bpmn.run()
    terminating = bpmn.terminating_pools()
    graph = mining.bpmn_graph_from_root(root)
    # pm4py's reduction merges places and transitions; the terminate construction needs them all
    net, im, fm = mining.bpmn_to_net(graph, reduce=not terminating)
    for terms, members in terminating:
        mining.terminate_pool(net, fm, terms, members)
        notes.append(f'terminate end event id="{terms[0]}" ends its pool: other branches still open are dropped')
    if terminating:
        mining.reduce_silent(net)
    if bpmn.needs_end_join():
        # pm4py puts one token in the sink per end event reached, so a run through two parallel
        # branches with their own end events could never reach the final marking
        mining.join_end_tokens(net, fm)
        notes.append("several end events can be reached in one run: the journey ends when every branch has ended")
    return net, im, fm, notes

