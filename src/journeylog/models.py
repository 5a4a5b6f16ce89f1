"""Designed models in: BPMN 2.0, PNML and process-tree text -> a Petri net, and label checks.

Every model file is read by journeylog's own safe front-end (:mod:`journeylog.io.xml` for XML:
local regular files only, no DOCTYPE/entities, size caps) and only the parsed tree is handed to
pm4py's tree-walking importers (through helpers in :mod:`journeylog.mining`); pm4py never opens
a file. The suffix decides the format: ``.bpmn``, ``.pnml``, ``.ptree`` / ``.txt`` (optionally
followed by ``.gz``).

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

>>> check = label_check(["Register request", "Pay"], ["register  request", "pay", "Ship"])
>>> check.unknown_activities
[{'activity': 'Ship', 'suggestion': None}, {'activity': 'pay', 'suggestion': 'Pay'}, {'activity': 'register  request', 'suggestion': 'Register request'}]
>>> check.unseen_tasks
[{'task': 'Pay', 'suggestion': 'pay'}, {'task': 'Register request', 'suggestion': 'register  request'}]
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from journeylog.errors import InvalidInput, JourneylogError, UsageError
from journeylog.io.files import atomic_output, check_output_path, local_file, read_input_bytes
from journeylog.io.xml import local_name, parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

MODEL_SUFFIXES = {".bpmn": "bpmn", ".pnml": "pnml", ".ptree": "ptree", ".txt": "ptree"}


@dataclass(frozen=True)
class DesignedModel:
    """A designed model as an accepting Petri net (pm4py objects).

    ``tasks``: the visible transition labels, sorted and unique. ``notes``: how the file was
    interpreted where that is not one-to-one (BPMN elements rewritten or ignored), for the CLI
    to show as warnings.
    """

    net: Any
    initial_marking: Any
    final_marking: Any
    tasks: tuple[str, ...]
    path: str
    kind: str  # "bpmn" | "pnml" | "ptree"
    notes: tuple[str, ...] = field(default=())


def model_kind(path: str | os.PathLike[str]) -> str:
    """``bpmn`` / ``pnml`` / ``ptree`` from the file name, or a UsageError."""
    name = Path(os.fspath(path)).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    suffix = Path(name).suffix
    kind = MODEL_SUFFIXES.get(suffix)
    if kind is None:
        raise UsageError(
            f"unknown model format {suffix or '(no suffix)'!r}",
            path=os.fspath(path),
            hint="give a .bpmn, .pnml, or .ptree/.txt (process tree) file",
        )
    return kind


def load_model(path: str | os.PathLike[str]) -> DesignedModel:
    """Read a BPMN, PNML or process-tree file into a :class:`DesignedModel`."""
    label = os.fspath(path)
    local_file(path)  # URLs, missing files, directories: refused before anything else
    kind = model_kind(path)
    try:
        if kind == "bpmn":
            net, im, fm, notes = _load_bpmn(path, label)
        elif kind == "pnml":
            net, im, fm, notes = _load_pnml(path, label)
        else:
            net, im, fm, notes = _load_ptree(path, label)
    except JourneylogError:
        raise
    except RecursionError:
        raise InvalidInput("the model is nested too deeply to convert", path=label) from None
    except Exception as exc:  # any pm4py failure: one line, never a traceback
        raise InvalidInput(f"pm4py could not read the {kind.upper()} model: {type(exc).__name__}: {exc}", path=label) from None
    tasks = tuple(sorted({t.label for t in net.transitions if t.label is not None}))
    if not tasks:
        raise InvalidInput("the model has no named tasks (only silent steps)", path=label, hint="name the tasks as the activities in the log")
    return DesignedModel(net=net, initial_marking=im, final_marking=fm, tasks=tasks, path=label, kind=kind, notes=tuple(notes))


# --------------------------------------------------------------------------------------------
# BPMN
# --------------------------------------------------------------------------------------------

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
        self.processes = [p for p in processes if any(local_name(e.tag) in _FLOW_NODE_LIKE for e in p.iter() if isinstance(e.tag, str))]

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
            self.notes.append(f'{len(flows)} flows out of {local_name(node.tag)} id="{nid}" read as a {"conditional (inclusive)" if conditional else "parallel"} split')

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
            self.notes.append(f'{local_name(markers[0].tag)} on "{e.get("name", "")}" (id="{nid}") read as a loop (one or more times)')

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
                    links.setdefault(key, {"throw": [], "catch": []})["throw" if ln.endswith("ThrowEvent") else "catch"].append(e.get("id"))
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
                    if isinstance(e.tag, str) and e.get("id") and (local_name(e.tag) in _FLOW_NODE_LIKE or local_name(e.tag) == "sequenceFlow")
                }
                out.append((terms, members))
        return out

    def needs_end_join(self) -> bool:
        """True when several end events may be reached in one run (parallel branches or pools)."""
        ends = sum(1 for e in self.root.iter() if isinstance(e.tag, str) and local_name(e.tag) == "endEvent")
        splits = any(isinstance(e.tag, str) and local_name(e.tag) in ("parallelGateway", "inclusiveGateway") for e in self.root.iter())
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
        children = [c for c in sub if isinstance(c.tag, str) and (local_name(c.tag) in _FLOW_NODE_LIKE or local_name(c.tag) == "sequenceFlow")]
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


def _load_bpmn(path: str | os.PathLike[str], label: str) -> tuple[Any, Any, Any, list[str]]:
    from journeylog import mining

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


# --------------------------------------------------------------------------------------------
# PNML
# --------------------------------------------------------------------------------------------


def _int_text(el: etree._Element, label: str, what: str) -> None:
    for t in el.iter():
        if isinstance(t.tag, str) and local_name(t.tag) == "text":
            text = (t.text or "").strip()
            if not re.fullmatch(r"[0-9]+", text):
                raise InvalidInput(f"{what} must be a whole number, found {text!r}", path=label, row=t.sourceline)


def _load_pnml(path: str | os.PathLike[str], label: str) -> tuple[Any, Any, Any, list[str]]:
    from journeylog import mining

    root = parse_xml(path, root="pnml").getroot()
    for e in list(root.iter()):
        if not isinstance(e.tag, str):
            e.getparent().remove(e)
            continue
        if "guard" in e.attrib:  # pm4py stores guards and data-aware code eval()s them
            del e.attrib["guard"]
        if local_name(e.tag).lower() == "guard":
            e.getparent().remove(e)
    nets = [c for c in root if local_name(c.tag) == "net"]
    if not nets:
        raise InvalidInput("no <net> element in the PNML file", path=label)
    if len(nets) > 1:
        raise InvalidInput(f"{len(nets)} <net> elements: journeylog reads one Petri net per file", path=label, row=nets[1].sourceline)
    for c in list(root):
        if c is not nets[0]:
            root.remove(c)
    net_el = nets[0]
    # pm4py reads only the last <page>: merge all pages into one
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
    container = pages[0] if pages else net_el
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
    for e in net_el.iter():
        ln = local_name(e.tag)
        if ln == "arc":
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
        if ln == "finalmarkings":
            for pl_el in e.iter():
                if local_name(pl_el.tag) == "place":
                    ref = pl_el.get("idref")
                    if nodes.get(ref) != "place":
                        raise InvalidInput(f'the final marking names unknown place "{ref}"', path=label, row=pl_el.sourceline)
                    _int_text(pl_el, label, "a final marking")
    net, im, fm = mining.pnml_net_from_root(root)
    for t in net.transitions:
        t.properties.pop("guard", None)
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
    return mining.canonical_names(net), im, fm, []


# --------------------------------------------------------------------------------------------
# process trees
# --------------------------------------------------------------------------------------------

_OPERATORS = ("->", "<>", "X", "+", "*", "O")


def parse_process_tree(text: str, label: str = "<string>") -> Any:
    """Parse pm4py's process-tree syntax, e.g. ``->('Place order', X('A', 'B'), tau)``.

    pm4py's own ``parse_process_tree`` checks syntax with ``assert`` (gone under ``python -O``),
    recurses once per node and accepts unbalanced input; this parser is strict and iterative and
    builds the same pm4py ``ProcessTree``. Labels are in single (or double) quotes; ``tau``/``τ`` is
    a silent step; ``#`` starts a comment outside quotes.
    """
    from journeylog import mining

    ProcessTree, Operator = mining.process_tree_class()
    ops = {"->": Operator.SEQUENCE, "X": Operator.XOR, "+": Operator.PARALLEL, "*": Operator.LOOP, "O": Operator.OR, "<>": Operator.INTERLEAVING}
    n = len(text)
    i = 0

    def where(pos: int) -> tuple[int, int]:
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return line, col

    def fail(msg: str, pos: int, hint: str | None = None) -> InvalidInput:
        line, col = where(pos)
        return InvalidInput(f"process tree: {msg}", path=label, row=line, column=col, hint=hint)

    def skip() -> None:
        nonlocal i
        while i < n:
            if text[i].isspace():
                i += 1
            elif text[i] == "#":
                while i < n and text[i] != "\n":
                    i += 1
            else:
                break

    root = None
    stack: list[Any] = []  # open operator nodes
    expect_node = True
    while True:
        skip()
        if expect_node:
            if i >= n:
                raise fail("unexpected end of text, expected an activity, tau or an operator", i)
            node = None
            if text[i] in "'\"":
                q = text[i]
                end = text.find(q, i + 1)
                if end < 0:
                    raise fail("unterminated quoted activity name", i)
                name = text[i + 1 : end]
                if not name.strip():
                    raise fail("empty activity name (use tau for a silent step)", i)
                node = ProcessTree(label=name)
                i = end + 1
            elif text.startswith("tau", i) or text.startswith("τ", i):
                i += 3 if text.startswith("tau", i) else 1
                node = ProcessTree()
            else:
                op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
                if op is None:
                    raise fail(f"unexpected {text[i]!r}", i, hint="quote activity names: 'Place order'")
                i += len(op)
                skip()
                if i >= n or text[i] != "(":
                    raise fail(f"expected '(' after operator {op}", i)
                i += 1
                node = ProcessTree(operator=ops[op])
                if stack:
                    node.parent = stack[-1]
                    stack[-1].children.append(node)
                elif root is None:
                    root = node
                stack.append(node)
                skip()
                if i < n and text[i] == ")":
                    raise fail(f"operator {op} needs at least one child", i)
                continue
            if stack:
                node.parent = stack[-1]
                stack[-1].children.append(node)
            else:
                root = node
            expect_node = False
            continue
        # after a node: ',' ')' or the end
        if not stack:
            if i < n:
                raise fail(f"unexpected {text[i]!r} after the end of the tree", i)
            break
        if i >= n:
            raise fail("unexpected end of text, expected ',' or ')'", i)
        if text[i] == ",":
            i += 1
            expect_node = True
        elif text[i] == ")":
            i += 1
            stack.pop()
        else:
            raise fail(f"unexpected {text[i]!r}, expected ',' or ')'", i)
    if root is None:
        raise InvalidInput("empty process tree", path=label)
    return root


def _load_ptree(path: str | os.PathLike[str], label: str) -> tuple[Any, Any, Any, list[str]]:
    from journeylog import mining

    data = read_input_bytes(path, max_bytes=16 * 1024 * 1024)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not UTF-8 text (byte {exc.start})", path=label) from None
    if not text.strip():
        raise InvalidInput("empty process-tree file", path=label)
    tree = parse_process_tree(text, label)
    net, im, fm = mining.tree_to_net(tree)
    return net, im, fm, []


# --------------------------------------------------------------------------------------------
# writing discovered models
# --------------------------------------------------------------------------------------------


def write_model(model: Any, path: str | os.PathLike[str]) -> None:
    """Write a process tree, a ``(net, im, fm)`` triple or a DesignedModel as ``.bpmn`` / ``.pnml``.

    pm4py's exporters write to a temporary file next to ``path``, renamed over it only when
    complete (no partial file on failure). BPMN gets a Graphviz layout when ``dot`` is available.
    """
    from journeylog import mining

    label = os.fspath(path)
    suffix = Path(label).suffix.lower()
    if suffix not in (".bpmn", ".pnml"):
        raise UsageError(f"cannot write a model as {suffix or '(no suffix)'!r}", path=label, hint="give a .bpmn or .pnml file name")
    check_output_path(path)
    ProcessTree, _ = mining.process_tree_class()
    is_tree = isinstance(model, ProcessTree)
    if isinstance(model, DesignedModel):
        triple = (model.net, model.initial_marking, model.final_marking)
    elif isinstance(model, tuple) and len(model) == 3:
        triple = model
    elif is_tree:
        triple = None
    else:
        raise TypeError("write_model takes a ProcessTree, a (net, im, fm) triple or a DesignedModel")
    try:
        if suffix == ".pnml":
            net, im, fm = mining.tree_to_net(model) if is_tree else triple
            with atomic_output(path) as tmp:
                mining.write_pnml_file(net, im, fm, os.fspath(tmp))
        else:
            bpmn = mining.tree_to_bpmn(model) if is_tree else mining.net_to_bpmn(*triple)
            with atomic_output(path) as tmp:
                mining.write_bpmn_file(bpmn, os.fspath(tmp))
    except JourneylogError:
        raise
    except Exception as exc:
        raise InvalidInput(f"cannot write the model as {suffix[1:].upper()}: {type(exc).__name__}: {exc}", path=label) from None


# --------------------------------------------------------------------------------------------
# label checks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelCheck:
    """Log activities the model never mentions and model tasks never seen in the log.

    Each entry carries a ``suggestion``: the closest name on the other side when the two differ
    only in case, spacing or punctuation, or by a small edit distance; else None. Sorted by name.
    """

    unknown_activities: list[dict[str, str | None]]
    unseen_tasks: list[dict[str, str | None]]

    @property
    def ok(self) -> bool:
        return not self.unknown_activities and not self.unseen_tasks


def _squash(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or ``limit + 1`` once it is certainly larger than ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            best = min(best, cur[j])
        if best > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def _limit(n: int) -> int:
    if n < 4:
        return 0
    if n <= 8:
        return 1
    if n <= 20:
        return 2
    return 3


def _suggest(name: str, candidates: list[str]) -> str | None:
    key = _squash(name)
    if not key:
        return None
    exact = sorted(c for c in candidates if c != name and _squash(c) == key)
    if exact:
        return exact[0]
    best: tuple[int, str] | None = None
    for c in candidates:
        other = _squash(c)
        limit = _limit(min(len(key), len(other)))
        if not limit:
            continue
        d = _distance(key, other, limit)
        if d <= limit and (best is None or (d, c) < best):
            best = (d, c)
    return None if best is None else best[1]


def label_check(tasks: Iterable[str], activities: Iterable[str]) -> LabelCheck:
    """Compare model task labels with log activity names (see :class:`LabelCheck`)."""
    task_set = {str(t) for t in tasks if t is not None}
    act_set = {str(a) for a in activities if a is not None}
    unknown = sorted(act_set - task_set)
    unseen = sorted(task_set - act_set)
    task_list = sorted(task_set)
    act_list = sorted(act_set)
    return LabelCheck(
        unknown_activities=[{"activity": a, "suggestion": _suggest(a, task_list)} for a in unknown],
        unseen_tasks=[{"task": t, "suggestion": _suggest(t, act_list)} for t in unseen],
    )
