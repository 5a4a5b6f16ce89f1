"""The pm4py boundary: discovery, alignments, token replay and precision on the variant table.

This is the one module that imports pm4py for algorithms. Every function takes the *variant
table* of :func:`journeylog.journeys.variants` (``variant_id``, ``activities``, ``journeys``):
pm4py sees one trace per variant and every figure is weighted back by ``journeys``.

Public functions: :func:`pm4py_quiet`, :func:`variant_log`, :func:`discover_tree`,
:func:`discover_net`, :func:`discover_model`, :func:`align`, :func:`alignment_figures`,
:func:`precision`, :func:`token_replay`; the importer/converter/exporter helpers further down
are for :mod:`journeylog.models`.

pm4py is imported lazily, once, by :func:`pm4py_quiet`:

* ``PM4PY_*`` environment variables are hidden while pm4py is imported (they change parsers,
  alignment variants, encodings and the child order of discovered trees) and the constants that
  matter are reset afterwards, so a user's environment never changes a result;
* no AGPL banner (``sys._pm4py_welcome_shown``) and no tqdm bars (``SHOW_PROGRESS_BAR = False``,
  and ``show_progress_bar=False`` is passed everywhere);
* alignments are made deterministic: pm4py's A* breaks ties between equally good search states by
  the order of Python sets of transitions, which hash by memory address, so the chosen optimal
  alignment changed from run to run. :func:`pm4py_quiet` gives ``SearchTuple`` a final,
  deterministic order (ties broken by a digest of the path of transition *names*), and every net journeylog
  builds has unique, deterministic transition and place names (pm4py's converters use uuid4).
  Costs and fitness are unaffected: only which of several optimal alignments is returned.

Exactness against pm4py on the full (one trace per journey) log:

* alignment ``log_fitness``, ``fitting_share`` and token-replay ``log_fitness`` are built from
  integer sums (cost x journeys), so they equal pm4py's figures to the last digit;
* ``average_fitness`` is pm4py's plain left-to-right float sum over the traces *in log order*.
  Pass ``trace_order`` (the variant id of every journey, in the order pm4py would see them: for a
  DataFrame, sorted by case id, which is journeylog's journey order) to reproduce it exactly.
  Without it the exactly rounded mean is returned, which can differ from pm4py's in the last one or
  two digits (observed on a12f0n50: ...532455 vs ...532466);
* :func:`precision` rebuilds pm4py's prefix table from the variant counts and calls pm4py's own
  Align-ETConformance pieces on the distinct prefixes, so the integer sums, and the result, are
  identical. One deliberate difference: pm4py joins prefixes with ``","`` and splits them again,
  which corrupts activity names containing a comma; journeylog keeps prefixes as tuples.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from typing import Any

import polars as pl

from journeylog.errors import InvalidInput, UsageError

ACTIVITY_KEY = "concept:name"
CASE_KEY = "case:concept:name"
SKIP = ">>"
# pm4py's standard cost of a log move or a visible model move (align_utils.STD_MODEL_LOG_MOVE_COST).
LOG_MOVE_COST = 10000

#: Default time limit for aligning one distinct variant (seconds); a variant that takes longer is
#: reported with null cost/fitness (pm4py then leaves it out of the figures, and so do we).
DEFAULT_VARIANT_TIMEOUT = 60.0
#: Default time limit for finding the model's cheapest complete run (best-worst cost / soundness).
DEFAULT_MODEL_TIMEOUT = 60.0
#: With ``processes=None`` the work starts in this process; once it has taken this long and
#: enough is left, the rest goes to spawned worker processes (starting them costs about two
#: seconds: pm4py is imported in each): ``JOURNEYLOG_PROCESSES`` of them (set by ``--threads``),
#: else one per available core.
PARALLEL_AFTER_SECONDS = 3.0
PROCESSES_ENV = "JOURNEYLOG_PROCESSES"

MOVE_DTYPE = pl.Struct({"kind": pl.String, "log": pl.String, "model": pl.String})

_PM4PY: Any = None
_LOCK = threading.Lock()
_LAYOUT_LOCK = threading.Lock()

# Constants that PM4PY_* variables can change, with pm4py's own defaults.
_CONSTANT_DEFAULTS: dict[str, Any] = {
    "DEFAULT_ENCODING": "utf-8",
    "DEFAULT_ALIGNMENTS_VARIANT": "Variants.VERSION_STATE_EQUATION_A_STAR",
    "ENABLE_MULTIPROCESSING_DEFAULT": False,
    "SHOW_PROGRESS_BAR": False,  # pm4py's default is True: journeylog never shows tqdm bars
    "SHOW_INTERNAL_WARNINGS": False,
    "DEFAULT_IS_THREADING_MANAGEMENT_ENABLED": False,
    "DEFAULT_XES_PARSER": "iterparse",
    "DEFAULT_READ_XES_LEGACY_OBJECT": False,
    "DEFAULT_RETURN_DIAGNOSTICS_DATAFRAME": False,
    "SHOW_EVENT_LOG_DEPRECATION": False,
}


# --------------------------------------------------------------------------------------------
# importing pm4py
# --------------------------------------------------------------------------------------------


def pm4py_quiet() -> Any:
    """Import pm4py once, quietly and independent of ``PM4PY_*`` variables; return the module."""
    global _PM4PY
    if _PM4PY is not None:
        return _PM4PY
    with _LOCK:
        if _PM4PY is None:
            saved = {k: v for k, v in os.environ.items() if k.startswith("PM4PY_")}
            for key in saved:
                del os.environ[key]
            sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # no AGPL banner
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    import pm4py
                    from pm4py.util import constants
            finally:
                os.environ.update(saved)
            for name, value in _CONSTANT_DEFAULTS.items():
                setattr(constants, name, value)
            _make_alignments_deterministic()
            _PM4PY = pm4py
    return _PM4PY


def _path_digest(state: Any) -> bytes:
    """A digest of the transition names from the search root to ``state`` (cached)."""
    digest = state.__dict__.get("_jl_digest")
    if digest is None:
        chain = []
        node = state
        while node is not None and node.__dict__.get("_jl_digest") is None:
            chain.append(node)
            node = node.p
        digest = b"" if node is None else node._jl_digest
        for item in reversed(chain):
            t = item.t
            name = "" if t is None else repr(t.name)
            digest = hashlib.blake2b(digest + name.encode("utf-8", "surrogatepass"), digest_size=12).digest()
            item._jl_digest = digest
    return digest


def _make_alignments_deterministic() -> None:
    """Give pm4py's A* search states a strict total order.

    pm4py orders states by ``f``, then trusted before untrusted heuristics, then ``h`` - but that
    relation is neither antisymmetric (a trusted and an untrusted state can each be "smaller") nor
    total, so the heap's pop order, and with it the optimal alignment returned, depended on the
    order of pushes, i.e. on set iteration over transitions hashed by memory address. Here:
    ``(f, untrusted, h, digest of the path of transition names)``. The search still expands
    states by increasing ``f``, so alignment costs are unchanged.
    """
    from pm4py.objects.petri_net.utils import align_utils

    cls = align_utils.SearchTuple
    if getattr(cls, "_jl_patched", False):
        return

    def __lt__(self, other):  # noqa: N807
        if self.f != other.f:
            return self.f < other.f
        if self.trust != other.trust:
            return self.trust
        if self.h != other.h:
            return self.h < other.h
        return _path_digest(self) < _path_digest(other)

    cls.__lt__ = __lt__
    cls._jl_patched = True


def _params(**extra: Any) -> dict[Any, Any]:
    p: dict[Any, Any] = {
        "pm4py:param:activity_key": ACTIVITY_KEY,
        "pm4py:param:case_id_key": CASE_KEY,
        "show_progress_bar": False,
        "multiprocessing": False,
    }
    p.update(extra)
    return p


def _alignment_variant() -> Any:
    pm4py_quiet()
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alg
    from pm4py.util.lp import solver

    if solver.DEFAULT_LP_SOLVER_VARIANT is not None:
        return alg.Variants.VERSION_STATE_EQUATION_A_STAR
    return alg.Variants.VERSION_DIJKSTRA_LESS_MEMORY


# --------------------------------------------------------------------------------------------
# helpers for models.py: pm4py's importers, converters and exporters
# --------------------------------------------------------------------------------------------


def bpmn_graph_from_root(root: Any) -> Any:
    """pm4py's BPMN tree walker on an already (safely) parsed root element."""
    pm4py_quiet()
    from pm4py.objects.bpmn.importer.variants.lxml import import_xml_tree_from_root

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return import_xml_tree_from_root(root)


def bpmn_to_net(bpmn: Any, reduce: bool = True) -> tuple[Any, Any, Any]:
    """pm4py's BPMN -> Petri net conversion (``reduce``: pm4py's merging of silent steps)."""
    pm4py_quiet()
    from pm4py.objects.conversion.bpmn.variants import to_petri_net

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net, im, fm = to_petri_net.apply(bpmn, parameters={"enable_reduction": bool(reduce)})
    return canonical_names(net), im, fm


def reduce_silent(net: Any) -> Any:
    """pm4py's simple reduction (merges chains of silent transitions), names made canonical."""
    pm4py_quiet()
    from pm4py.objects.petri_net.utils import reduction

    reduction.apply_simple_reduction(net)
    return canonical_names(net)


def terminate_pool(net: Any, fm: Any, terminate_ids: list[str], members: set[str]) -> None:
    """Give terminate end events their meaning on an unreduced converted net (in place).

    The run of a terminate end event puts a token in ``jl_terminated_*`` instead of the final
    place; while it is there, a silent ``jl_drop_*`` transition per place of the pool can remove
    that place's tokens (other branches still open), and ``jl_terminate_*`` finally moves it on
    to the final place. The pool's places are known by pm4py's naming: the flow ids and
    ``ent_``/``exi_`` + node id.
    """
    pm4py_quiet()
    from pm4py.objects.petri_net.obj import PetriNet
    from pm4py.objects.petri_net.utils.petri_utils import add_arc_from_to, remove_arc

    if len(fm) != 1:
        return
    sink = next(iter(fm))
    by_name = {str(p.name): p for p in net.places}
    key = min(terminate_ids)
    flag = PetriNet.Place(f"jl_terminated_{key}")
    net.places.add(flag)
    for tid in terminate_ids:
        exit_place = by_name.get(f"exi_{tid}")
        if exit_place is None:
            continue
        for arc in list(exit_place.out_arcs):
            t = arc.target
            for out in list(t.out_arcs):
                if out.target is sink:
                    remove_arc(net, out)
                    add_arc_from_to(t, flag, net)
    done = PetriNet.Transition(f"jl_terminate_{key}", None)
    net.transitions.add(done)
    add_arc_from_to(flag, done, net)
    add_arc_from_to(done, sink, net)
    pool_places = sorted(
        (p for name, p in by_name.items() if name in members or (name[:4] in ("ent_", "exi_") and name[4:] in members)),
        key=lambda p: str(p.name),
    )
    for p in pool_places:
        drop = PetriNet.Transition(f"jl_drop_{p.name}", None)
        net.transitions.add(drop)
        add_arc_from_to(p, drop, net)
        add_arc_from_to(flag, drop, net)
        add_arc_from_to(drop, flag, net)


def pnml_net_from_root(root: Any) -> tuple[Any, Any, Any]:
    """pm4py's PNML tree walker on a parsed root; the final marking is never guessed (None)."""
    pm4py_quiet()
    from pm4py.objects.petri_net.importer.variants import pnml

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pnml.import_net_from_xml_object(root, parameters={"auto_guess_final_marking": False})


def process_tree_class() -> tuple[Any, Any]:
    """``(ProcessTree, Operator)`` from pm4py."""
    pm4py_quiet()
    from pm4py.objects.process_tree.obj import Operator, ProcessTree

    return ProcessTree, Operator


def tree_to_net(tree: Any) -> tuple[Any, Any, Any]:
    pm4py_quiet()
    from pm4py.objects.conversion.process_tree.variants import to_petri_net

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net, im, fm = to_petri_net.apply(tree)
    return canonical_names(net), im, fm


def canonical_names(net: Any) -> Any:
    """Give transitions that pm4py named with uuid4 (or duplicate names) deterministic names.

    The new name depends only on the label and the names of the surrounding places, so the same
    model gets the same names in every run (alignment tie-breaks and outputs depend on names).
    """
    import re

    uuidish = re.compile(r"^(id)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    counts = Counter(str(t.name) for t in net.transitions)
    fixed = [t for t in net.transitions if uuidish.match(str(t.name)) or counts[str(t.name)] > 1]
    taken = {str(t.name) for t in net.transitions if t not in fixed} | {str(p.name) for p in net.places}

    def key(t: Any) -> tuple:
        return (
            "" if t.label is None else str(t.label),
            tuple(sorted(str(a.source.name) for a in t.in_arcs)),
            tuple(sorted(str(a.target.name) for a in t.out_arcs)),
            str(t.name) if not uuidish.match(str(t.name)) else "",
        )

    n = 0
    for t in sorted(fixed, key=key):
        n += 1
        prefix = "t" if t.label is not None else "tau"
        name = f"{prefix}_{n}"
        while name in taken:
            n += 1
            name = f"{prefix}_{n}"
        taken.add(name)
        t.name = name
    return net


def join_end_tokens(net: Any, fm: Any) -> None:
    """Let a run that reaches several end events finish (in place).

    Arcs into the final place are redirected to a new place ``jl_ended``; a silent ``jl_finish``
    moves one token from there to the final place and a silent ``jl_absorb`` consumes any other.
    The final marking (one token in the final place, nothing elsewhere) is then reached exactly
    when every branch has reached an end event.
    """
    pm4py_quiet()
    from pm4py.objects.petri_net.obj import PetriNet
    from pm4py.objects.petri_net.utils.petri_utils import add_arc_from_to, remove_arc

    if len(fm) != 1:
        return
    sink = next(iter(fm))
    names = {str(p.name) for p in net.places} | {str(t.name) for t in net.transitions}

    def fresh(base: str) -> str:
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}_{n}"
        names.add(name)
        return name

    ended = PetriNet.Place(fresh("jl_ended"))
    net.places.add(ended)
    for arc in list(sink.in_arcs):
        source, weight = arc.source, arc.weight
        remove_arc(net, arc)
        add_arc_from_to(source, ended, net, weight=weight)
    finish = PetriNet.Transition(fresh("jl_finish"), None)
    absorb = PetriNet.Transition(fresh("jl_absorb"), None)
    net.transitions.add(finish)
    net.transitions.add(absorb)
    add_arc_from_to(ended, finish, net)
    add_arc_from_to(finish, sink, net)
    add_arc_from_to(ended, absorb, net)


def tree_to_bpmn(tree: Any) -> Any:
    pm4py_quiet()
    from pm4py.objects.conversion.process_tree.variants import to_bpmn

    return to_bpmn.apply(tree)


def net_to_bpmn(net: Any, im: Any, fm: Any) -> Any:
    pm4py_quiet()
    from pm4py.objects.conversion.wf_net.variants import to_bpmn

    return to_bpmn.apply(net, im, fm)


def write_bpmn_file(bpmn: Any, path: str) -> None:
    """Lay the diagram out (Graphviz, when available) and write it with pm4py's exporter."""
    pm4py_quiet()
    from pm4py.objects.bpmn.exporter.variants import etree as bpmn_exporter

    import shutil
    import tempfile

    if shutil.which("dot"):
        # pm4py's layouter renders an SVG with Graphviz into temp files it never deletes: run it
        # with a private temp folder, removed afterwards.
        from pm4py.objects.bpmn.layout import layouter

        with _LAYOUT_LOCK, tempfile.TemporaryDirectory(prefix="journeylog-layout-") as scratch:
            saved = tempfile.tempdir
            tempfile.tempdir = scratch
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    bpmn = layouter.apply(bpmn)
            except Exception:  # a layout failure leaves a valid BPMN file, just without a layout
                pass
            finally:
                tempfile.tempdir = saved
    bpmn_exporter.apply(bpmn, path, parameters={"encoding": "utf-8"})
    _canonical_bpmn_file(path)


def _canonical_bpmn_file(path: str) -> None:
    """Replace pm4py's uuid4 ids by ids numbered in a walk from the start events, and order the
    elements the same way, so the same model gives the same ids and element order every time.
    (Graphviz coordinates may still differ: pm4py feeds Graphviz the nodes in set order.)"""
    from collections import deque

    from lxml import etree

    tree = etree.parse(path, etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True))
    root = tree.getroot()

    def ln(e: Any) -> str:
        return etree.QName(e).localname

    mapping: dict[str, str] = {}
    for pn, process in enumerate((e for e in root if ln(e) == "process"), 1):
        mapping[process.get("id")] = f"process_{pn}"
        nodes = {c.get("id"): c for c in process if ln(c) != "sequenceFlow" and c.get("id")}
        flows = [c for c in process if ln(c) == "sequenceFlow"]
        succ: dict[str, list[str]] = {}
        for f in flows:
            succ.setdefault(f.get("sourceRef"), []).append(f.get("targetRef"))

        def reach(nid: str) -> tuple:
            seen, todo = {nid}, [nid]
            while todo:
                for nxt in succ.get(todo.pop(), []):
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            return tuple(sorted((ln(nodes[x]), nodes[x].get("name") or "") for x in seen if x in nodes))

        keys = {nid: (ln(el), el.get("name") or "", reach(nid)) for nid, el in nodes.items()}
        order: list[str] = []
        seen: set[str] = set()
        starts = sorted((n for n, el in nodes.items() if ln(el) == "startEvent"), key=keys.get)
        for start in starts + sorted(nodes, key=keys.get):
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
        for i, nid in enumerate(order, 1):
            mapping[nid] = f"{ln(nodes[nid])}_{pn}_{i}"
        flows.sort(key=lambda f: (order.index(f.get("sourceRef")) if f.get("sourceRef") in nodes else 0,
                                  order.index(f.get("targetRef")) if f.get("targetRef") in nodes else 0))
        for i, f in enumerate(flows, 1):
            mapping[f.get("id")] = f"flow_{pn}_{i}"
        for c in list(process):
            process.remove(c)
        process.extend([nodes[n] for n in order] + flows)
    for e in root.iter():
        if not isinstance(e.tag, str):
            continue
        for attr in ("id", "sourceRef", "targetRef", "bpmnElement", "processRef"):
            v = e.get(attr)
            if v is None:
                continue
            if v in mapping:
                e.set(attr, mapping[v])
            elif attr == "id" and v.endswith("_gui") and v[:-4] in mapping:
                e.set(attr, mapping[v[:-4]] + "_di")
        if ln(e) in ("incoming", "outgoing") and (e.text or "").strip() in mapping:
            e.text = mapping[e.text.strip()]
        if ln(e) in ("incoming", "outgoing"):
            continue
    for n, diagram in enumerate((e for e in root.iter() if isinstance(e.tag, str) and ln(e) == "BPMNDiagram"), 1):
        diagram.set("id", f"diagram_{n}")
        for m, plane in enumerate((e for e in diagram if ln(e) == "BPMNPlane"), 1):
            plane.set("id", f"plane_{n}_{m}")
            items = list(plane)
            for c in items:
                plane.remove(c)
            items.sort(key=lambda c: (ln(c) != "BPMNShape", c.get("bpmnElement") or ""))
            plane.extend(items)
    for node in root.iter():
        if isinstance(node.tag, str) and ln(node) in ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "task", "startEvent", "endEvent"):
            children = list(node)
            for c in children:
                node.remove(c)
            children.sort(key=lambda c: (ln(c) != "incoming", c.text or ""))
            node.extend(children)
    tree.write(path, pretty_print=True, xml_declaration=True, encoding="utf-8")


def write_pnml_file(net: Any, im: Any, fm: Any, path: str) -> None:
    """pm4py's PNML exporter, with the elements in a deterministic order."""
    pm4py_quiet()
    from lxml import etree
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
        children.sort(key=lambda c: (order.get(c.tag, 3), str(c.get("source", "")), str(c.get("target", "")), str(c.get("id", ""))))
        page.extend(children)
        for n, child in enumerate(c for c in children if c.tag == "arc"):  # pm4py uses id(arc)
            child.set("id", f"arc{n + 1}")
    tree.write(path, pretty_print=True, xml_declaration=True, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# the variant table
# --------------------------------------------------------------------------------------------


def _rows(variant_table: pl.DataFrame) -> list[tuple[int, tuple[str, ...], int]]:
    """``(variant_id, activities, journeys)`` sorted by variant id."""
    missing = [c for c in ("variant_id", "activities", "journeys") if c not in variant_table.columns]
    if missing:
        raise ValueError(f"not a variant table: missing column(s) {', '.join(missing)}")
    table = variant_table.select("variant_id", "activities", "journeys").sort("variant_id")
    out = []
    for vid, acts, count in table.iter_rows():
        out.append((int(vid), tuple(acts or ()), int(count)))
    return out


def variant_log(variant_table: pl.DataFrame) -> Any:
    """A pm4py EventLog with one trace per variant (activity key ``concept:name``).

    Traces are in variant-id order; each trace carries ``concept:name`` = the variant id and
    ``journeys`` = how many journeys follow it.
    """
    pm4py_quiet()
    from pm4py.objects.log.obj import Event, EventLog, Trace

    log = EventLog()
    for vid, acts, count in _rows(variant_table):
        trace = Trace([Event({ACTIVITY_KEY: a}) for a in acts], attributes={ACTIVITY_KEY: str(vid), "journeys": count})
        log.append(trace)
    return log


def _counter(variant_table: pl.DataFrame) -> Counter:
    c: Counter = Counter()
    for _vid, acts, count in _rows(variant_table):
        c[acts] += count
    return c


# --------------------------------------------------------------------------------------------
# discovery
# --------------------------------------------------------------------------------------------


def _canonical_tree(tree: Any) -> str:
    """Sort the children of commutative operators by their text, bottom-up; return the text."""
    from pm4py.objects.process_tree.obj import Operator

    for child in tree.children:
        _canonical_tree(child)
    if tree.operator in (Operator.XOR, Operator.PARALLEL, Operator.OR):
        tree.children.sort(key=lambda c: str(c))
    return str(tree)


def canonical_tree(tree: Any) -> Any:
    """pm4py's ``fold`` + ``tree_sort``, then children of X/+/O sorted by their text (in place)."""
    pm4py_quiet()
    from pm4py.objects.process_tree.utils import generic as pt_util

    tree = pt_util.fold(tree)
    pt_util.tree_sort(tree)
    _canonical_tree(tree)
    return tree


def discover_tree(variant_table: pl.DataFrame, noise_threshold: float = 0.0) -> Any:
    """The inductive miner (IM, or IMf when ``noise_threshold`` > 0) on the variant counts.

    pm4py's ``inductive_miner.apply`` only accepts a log or its own ``UVCL`` alias, so the miner
    class is called on a Counter of variants built in variant-id order (the counts matter for
    IMf). The result is made canonical: pm4py's fold and tree_sort, then the children of every
    exclusive/parallel/inclusive node sorted by their text, so it is identical across runs,
    ``PYTHONHASHSEED`` values and input orders.
    """
    if not 0.0 <= float(noise_threshold) <= 1.0:
        raise UsageError(f"the noise threshold must be between 0 and 1, not {noise_threshold}")
    pm4py_quiet()
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
    from pm4py.algo.discovery.inductive.variants.im import IMUVCL
    from pm4py.algo.discovery.inductive.variants.imf import IMFUVCL

    uvcl = _counter(variant_table)
    if not uvcl:
        raise InvalidInput("no journeys to discover a model from")
    params = _params(noise_threshold=float(noise_threshold), disable_fallthroughs=False)
    miner = IMFUVCL(params) if noise_threshold > 0 else IMUVCL(params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = miner.apply(IMDataStructureUVCL(uvcl), params)
    return canonical_tree(tree)


#: ``discover_model(miner="auto")`` uses IM up to this many variants, IMd (directly-follows based,
#: linear in the size of the map) beyond.
AUTO_IM_MAX_VARIANTS = 5000
MINERS = ("auto", "im", "imd")


def _dfg_from_variants(variant_table: pl.DataFrame) -> tuple[dict, dict, dict]:
    graph: Counter = Counter()
    start: Counter = Counter()
    end: Counter = Counter()
    for _vid, acts, count in _rows(variant_table):
        if not acts:
            continue
        start[acts[0]] += count
        end[acts[-1]] += count
        for a, b in zip(acts, acts[1:]):
            graph[(a, b)] += count
    return dict(graph), dict(start), dict(end)


def _dfg_from_map(process_map: Any) -> tuple[dict, dict, dict]:
    graph = {(a, b): int(c) for a, b, c in process_map.edges.select("from", "to", "count").iter_rows()}
    start = {a: int(c) for a, c in process_map.start.select("activity", "count").iter_rows()}
    end = {a: int(c) for a, c in process_map.end.select("activity", "count").iter_rows()}
    return graph, start, end


def discover_tree_imd(graph: dict, start: dict, end: dict) -> Any:
    """The directly-follows based inductive miner (IMd) on a DFG given as count dictionaries.

    The DFG is built in sorted order and the tree made canonical (see :func:`discover_tree`)."""
    pm4py_quiet()
    from pm4py.algo.discovery.inductive.dtypes.im_dfg import InductiveDFG
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureDFG
    from pm4py.algo.discovery.inductive.variants.imd import IMD
    from pm4py.objects.dfg.obj import DFG

    if not start:
        raise InvalidInput("no journeys to discover a model from")
    dfg = DFG(
        graph={k: graph[k] for k in sorted(graph)},
        start_activities={k: start[k] for k in sorted(start)},
        end_activities={k: end[k] for k in sorted(end)},
    )
    params = _params()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = IMD(params).apply(IMDataStructureDFG(InductiveDFG(dfg=dfg, skip=False)), params)
    return canonical_tree(tree)


def discover_model(
    variant_table: pl.DataFrame,
    noise_threshold: float = 0.0,
    miner: str = "auto",
    process_map: Any = None,
) -> tuple[Any, dict[str, Any]]:
    """Discover a process tree and describe how: ``(tree, info)``.

    ``miner``: ``im`` (the inductive miner on the variant counts, :func:`discover_tree`; IMf with
    a noise threshold), ``imd`` (the directly-follows based inductive miner on the process map:
    fast on very many variants, no noise filtering; from ``process_map`` when given, a
    :class:`journeylog.journeys.ProcessMap`, else from the variant table) or ``auto`` (``im`` up to
    :data:`AUTO_IM_MAX_VARIANTS` variants). ``info`` is ``{"algorithm": one readable line}``
    (the ``model`` object of ``discover --json``, see docs/json.md).
    """
    if miner not in MINERS:
        raise UsageError(f"unknown miner {miner!r}", hint="use " + ", ".join(MINERS))
    if not 0.0 <= float(noise_threshold) <= 1.0:
        raise UsageError(f"the noise threshold must be between 0 and 1, not {noise_threshold}")
    n = variant_table.height
    chosen = ("im" if n <= AUTO_IM_MAX_VARIANTS else "imd") if miner == "auto" else miner
    if chosen == "im":
        tree = discover_tree(variant_table, noise_threshold)
        name = f"IMf, noise {float(noise_threshold):g}" if noise_threshold > 0 else "IM"
        algorithm = f"inductive miner ({name}) on {n} variants"
    else:
        source = "process map" if process_map is not None else f"directly-follows graph of {n} variants"
        dfg = _dfg_from_map(process_map) if process_map is not None else _dfg_from_variants(variant_table)
        tree = discover_tree_imd(*dfg)
        algorithm = f"inductive miner, directly-follows based (IMd) on the {source}"
        if noise_threshold > 0:
            algorithm += " (IMd does not filter noise)"
    return tree, {"algorithm": algorithm}


def discover_net(variant_table: pl.DataFrame, noise_threshold: float = 0.0) -> tuple[Any, Any, Any]:
    """:func:`discover_tree` converted to a Petri net with deterministic names: ``(net, im, fm)``."""
    return tree_to_net(discover_tree(variant_table, noise_threshold))


# --------------------------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------------------------


def _unpack(model: Any) -> tuple[Any, Any, Any, str | None]:
    if hasattr(model, "net") and hasattr(model, "initial_marking"):
        return model.net, model.initial_marking, model.final_marking, getattr(model, "path", None)
    if isinstance(model, tuple) and len(model) == 3:
        return model[0], model[1], model[2], None
    raise TypeError("model must be a DesignedModel or a (net, initial_marking, final_marking) tuple")


def _labels(net: Any) -> set[str]:
    return {t.label for t in net.transitions if t.label is not None}


def _best_worst_cost(net: Any, im: Any, fm: Any, path: str | None, timeout: float | None) -> int:
    """The cost of the model's cheapest complete run (pm4py's "best worst cost").

    It exists exactly when the final marking is reachable (pm4py's easy soundness), so this is
    also the soundness check, with a time limit.
    """
    variant = _alignment_variant().value
    params = _params()
    if timeout is not None:
        params["max_align_time_trace"] = float(timeout)
    if not im:
        raise InvalidInput("the model has no initial marking", path=path)
    if not fm:
        raise InvalidInput("the model has no final marking", path=path)
    start = time.monotonic()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bwc = variant.get_best_worst_cost(net, im, fm, parameters=params)
    except Exception as exc:  # pragma: no cover - pm4py internals
        raise InvalidInput(f"pm4py cannot replay the model: {type(exc).__name__}: {exc}", path=path) from None
    if bwc is None:
        if timeout is not None and time.monotonic() - start >= timeout:
            raise InvalidInput(
                f"no complete run of the model was found within {timeout:g} s",
                path=path,
                hint="the model may be unbounded or too large to align",
            )
        raise InvalidInput(
            "the model cannot reach its final marking from its initial marking, so it cannot be aligned",
            path=path,
            hint="look for dead ends, disconnected parts or a wrong final marking",
        )
    return int(bwc)


# --------------------------------------------------------------------------------------------
# alignments
# --------------------------------------------------------------------------------------------


def _align_one(net: Any, im: Any, fm: Any, seq: tuple[str, ...], bwc0: int, timeout: float | None) -> dict | None:
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alg
    from pm4py.objects.log.obj import Event, Trace

    params = _params()
    params[alg.Parameters.BEST_WORST_COST_INTERNAL] = bwc0
    if timeout is not None:
        params[alg.Parameters.PARAM_MAX_ALIGN_TIME_TRACE] = max(0.0, float(timeout))
    trace = Trace([Event({ACTIVITY_KEY: a}) for a in seq])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ali = alg.apply_trace(trace, net, im, fm, parameters=params, variant=_alignment_variant())
    if ali is None:
        return None
    return {"alignment": list(ali["alignment"]), "cost": int(ali["cost"]), "bwc": int(ali["bwc"]), "fitness": ali["fitness"]}


# worker-process state (spawned workers get the model once, through the initializer)
_WORKER: dict[str, Any] = {}


def _net_to_bytes(net: Any, im: Any, fm: Any) -> bytes:
    """The model as PNML bytes for worker processes (pickling a net recurses along its arcs and
    fails for long models); names, labels and markings survive the round trip."""
    from lxml import etree
    from pm4py.objects.petri_net.exporter.variants import pnml as pnml_exporter

    return etree.tostring(pnml_exporter.export_petri_tree(net, im, final_marking=fm))


def _worker_init(model_pnml: bytes) -> None:
    from lxml import etree

    pm4py_quiet()
    root = etree.fromstring(model_pnml, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    _WORKER["model"] = pnml_net_from_root(root)


def _worker_align(job: tuple[list[tuple[str, ...]], int, float | None, float | None]) -> list[dict | None]:
    seqs, bwc0, timeout, deadline = job
    net, im, fm = _WORKER["model"]
    return [_align_one(net, im, fm, seq, bwc0, _trace_timeout(timeout, deadline)) for seq in seqs]


def _worker_prefixes(job: list[tuple[str, ...]]) -> list:
    net, im, fm = _WORKER["model"]
    return _stop_markings(net, im, fm, job)


def _trace_timeout(timeout: float | None, deadline: float | None) -> float | None:
    """pm4py's rule: min(per-trace limit, half of what is left of the total budget).

    ``deadline`` is wall-clock (``time.time()``) so that worker processes share it."""
    if deadline is None:
        return timeout
    left = max(0.0, (deadline - time.time()) * 0.5)
    return left if timeout is None else min(timeout, left)


def _chunks(items: list, n: int) -> list[list]:
    size = max(1, math.ceil(len(items) / (n * 4)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _default_processes() -> int:
    value = os.environ.get(PROCESSES_ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class _Plan:
    """When to hand work to worker processes: at once (``processes`` > 1), never (1), or, by
    default, once the work has run ``PARALLEL_AFTER_SECONDS`` here and at least ``4 x workers``
    items are left. Results never depend on it: the same pm4py calls, in the same order."""

    def __init__(self, requested: int | None) -> None:
        self.start = time.monotonic()
        if requested is not None:
            self.processes = max(1, int(requested))
            self.auto = False
        else:
            self.processes = _default_processes()
            self.auto = True

    def parallel(self, items_left: int) -> bool:
        if self.processes < 2 or items_left < 2:
            return False
        if not self.auto:
            return True
        return items_left >= 4 * self.processes and time.monotonic() - self.start > PARALLEL_AFTER_SECONDS


class _Workers:
    """A lazily started pool of spawned worker processes that hold the model (spawn, not fork:
    forking a process that runs Polars threads can deadlock). ``map`` keeps the job order."""

    def __init__(self, model: tuple[Any, Any, Any], processes: int) -> None:
        self.model = model
        self.processes = processes
        self.executor: ProcessPoolExecutor | None = None

    def map(self, func: Any, jobs: list) -> list:
        if self.executor is None:
            ctx = multiprocessing.get_context("spawn")
            self.executor = ProcessPoolExecutor(
                max_workers=self.processes, mp_context=ctx, initializer=_worker_init, initargs=(_net_to_bytes(*self.model),)
            )
        return list(self.executor.map(func, jobs))

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)


def _classify(log: Any, model: Any) -> dict[str, str | None]:
    if log == SKIP:
        return {"kind": "silent" if model is None else "model", "log": None, "model": model}
    if model == SKIP:
        return {"kind": "log", "log": log, "model": None}
    return {"kind": "sync", "log": log, "model": model}


def _expand_moves(acts: tuple[str, ...], labels: set[str], reduced_alignment: list) -> list[dict]:
    """Put back one log move per removed event, right after the move of the event before it."""
    steps = list(reduced_alignment)
    out: list[dict] = []
    i = 0
    for act in acts:
        if act not in labels:
            out.append({"kind": "log", "log": act, "model": None})
            continue
        while i < len(steps):
            log_label, model_label = steps[i]
            i += 1
            out.append(_classify(log_label, model_label))
            if log_label != SKIP:
                break
    while i < len(steps):
        out.append(_classify(*steps[i]))
        i += 1
    return out


def align(
    model: Any,
    variant_table: pl.DataFrame,
    *,
    timeout_per_variant: float | None = DEFAULT_VARIANT_TIMEOUT,
    timeout_total: float | None = None,
    processes: int | None = None,
) -> pl.DataFrame:
    """Align every variant with the model (pm4py's default A* alignments).

    One row per variant: ``variant_id``, ``cost`` (pm4py's raw cost: 10000 per log or visible
    model move, 1 per silent step), ``bwc`` (pm4py's "best worst cost": 10000 per event plus the
    model's cheapest complete run), ``fitness`` (pm4py's per-trace fitness) and ``moves``: a list
    of ``{kind, log, model}`` where ``kind`` is ``sync`` (both), ``log`` (log only, model null),
    ``model`` (a visible model step the journey skipped, log null) or ``silent`` (an invisible
    model step, both null). A variant that hits the time limit has null cost, bwc, fitness, moves.

    Events whose activity the model does not contain can only be log moves: they are removed
    before aligning (so variants that differ only there are aligned once) and put back as log
    moves, with their standard cost added to ``cost`` and ``bwc``; pm4py's fitness formula is
    then applied to the restored numbers. Long runs continue in ``processes`` worker processes
    (default: ``JOURNEYLOG_PROCESSES`` or one per core, once the work has taken
    ``PARALLEL_AFTER_SECONDS``; 1 = never); the result does not depend on it.
    """
    pm4py_quiet()
    net, im, fm, path = _unpack(model)
    rows = _rows(variant_table)
    labels = _labels(net)
    bwc0 = _best_worst_cost(net, im, fm, path, DEFAULT_MODEL_TIMEOUT if timeout_per_variant is None else max(timeout_per_variant, DEFAULT_MODEL_TIMEOUT))

    reduced_of: list[tuple[str, ...]] = []
    index: dict[tuple[str, ...], int] = {}
    for _vid, acts, _count in rows:
        red = tuple(a for a in acts if a in labels)
        reduced_of.append(red)
        if red not in index:
            index[red] = len(index)
    uniques = list(index)

    plan = _Plan(processes)
    deadline = None if timeout_total is None else time.time() + float(timeout_total)
    results: list[dict | None] = []
    with _Workers((net, im, fm), plan.processes) as workers:
        while len(results) < len(uniques):
            rest = uniques[len(results) :]
            if plan.parallel(len(rest)):
                jobs = [(chunk, bwc0, timeout_per_variant, deadline) for chunk in _chunks(rest, plan.processes)]
                results.extend(r for part in workers.map(_worker_align, jobs) for r in part)
            else:
                results.append(_align_one(net, im, fm, rest[0], bwc0, _trace_timeout(timeout_per_variant, deadline)))

    out: dict[str, list] = {"variant_id": [], "cost": [], "bwc": [], "fitness": [], "moves": []}
    for (vid, acts, _count), red in zip(rows, reduced_of):
        res = results[index[red]]
        out["variant_id"].append(vid)
        if res is None:
            for col in ("cost", "bwc", "fitness", "moves"):
                out[col].append(None)
            continue
        removed = len(acts) - len(red)
        if removed == 0:
            cost, bwc, fitness = res["cost"], res["bwc"], float(res["fitness"])
            moves = [_classify(a, b) for a, b in res["alignment"]]
        else:
            cost = res["cost"] + removed * LOG_MOVE_COST
            bwc = res["bwc"] + removed * LOG_MOVE_COST
            num = cost // LOG_MOVE_COST
            den = bwc // LOG_MOVE_COST
            fitness = float(1 - num / den if den > 0 else 0)
            moves = _expand_moves(acts, labels, res["alignment"])
        out["cost"].append(cost)
        out["bwc"].append(bwc)
        out["fitness"].append(fitness)
        out["moves"].append(moves)
    return pl.DataFrame(
        out,
        schema={
            "variant_id": pl.UInt32,
            "cost": pl.Int64,
            "bwc": pl.Int64,
            "fitness": pl.Float64,
            "moves": pl.List(MOVE_DTYPE),
        },
    )


def _counts(variant_table: pl.DataFrame) -> dict[int, int]:
    return {vid: count for vid, _acts, count in _rows(variant_table)}


def _ordered_sum(values: dict[int, float], trace_order: Iterable[int] | None, counts: dict[int, int]) -> float:
    """Sum per-journey values: pm4py's left-to-right float sum in ``trace_order``, or exactly."""
    if trace_order is not None:
        if isinstance(trace_order, pl.Series):
            trace_order = trace_order.to_list()
        total = 0.0
        for vid in trace_order:
            v = values.get(int(vid))
            if v is not None:
                total += v
        return total
    exact = sum((Fraction(v) * counts[vid] for vid, v in values.items() if v is not None), Fraction(0))
    return exact  # type: ignore[return-value]  # a Fraction: divided exactly by the caller


def _mean(total: Any, n: int) -> float:
    if isinstance(total, Fraction):
        return float(total / n)
    return float(total) / float(n)


def alignment_figures(
    aligned: pl.DataFrame, variant_table: pl.DataFrame, *, trace_order: Sequence[int] | pl.Series | None = None
) -> dict[str, Any]:
    """pm4py's alignment fitness figures for the whole log, from the per-variant alignments.

    ``log_fitness`` (1 - total cost / total bwc), ``fitting_share`` (pm4py's percentage of fitting
    traces / 100) and ``average_fitness`` equal ``pm4py.fitness_alignments`` on the full log; for
    ``average_fitness`` to the last digit give ``trace_order`` (see the module notes). Also
    ``journeys`` (aligned), ``fitting_journeys`` and ``timed_out_journeys``.
    """
    counts = _counts(variant_table)
    sum_cost = 0
    sum_bwc = 0
    n = 0
    fit = 0
    timed_out = 0
    fitness: dict[int, float] = {}
    for vid, cost, bwc, f in aligned.select("variant_id", "cost", "bwc", "fitness").iter_rows():
        c = counts.get(int(vid), 0)
        if cost is None:
            timed_out += c
            continue
        n += c
        sum_cost += int(cost) * c
        sum_bwc += int(bwc) * c
        fitness[int(vid)] = f
        if f == 1.0:
            fit += c
    perc = 0.0
    average = 0.0
    log_fitness = 0.0
    if n > 0:
        perc = (100.0 * float(fit)) / float(n)
        average = _mean(_ordered_sum(fitness, trace_order, counts), n)
        log_fitness = float(sum_cost) / float(sum_bwc) if sum_bwc > 0 else 0
        log_fitness = 1.0 - log_fitness
    return {
        "log_fitness": log_fitness,
        "fitting_share": perc / 100.0,
        "average_fitness": average,
        "journeys": n,
        "fitting_journeys": fit,
        "timed_out_journeys": timed_out,
    }


# --------------------------------------------------------------------------------------------
# precision (Align-ETConformance)
# --------------------------------------------------------------------------------------------


def _stop_markings(net: Any, im: Any, fm: Any, prefixes: list[tuple[str, ...]]) -> list:
    """pm4py's prefix alignments (sync and silent moves only): the markings where each stops."""
    from pm4py.algo.evaluation.precision.variants import align_etconformance as aec
    from pm4py.objects.log.obj import Event, EventLog, Trace

    fake_log = EventLog([Trace([Event({ACTIVITY_KEY: a}) for a in p]) for p in prefixes])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return aec.align_fake_log_stop_marking(fake_log, net, im, fm, parameters=_params())


def precision(model: Any, variant_table: pl.DataFrame, *, processes: int | None = None) -> float:
    """Align-ETConformance precision, equal to ``pm4py.precision_alignments`` on the full log.

    pm4py counts, for every prefix of every trace, the activities that follow it in the log and
    the visible transitions the model enables after it; it aligns each *distinct* prefix once and
    weights by how many traces share it. Here the prefix counts come from the variant counts
    (so the log is never expanded) and pm4py's own ``align_fake_log_stop_marking`` and
    ``transform_markings_from_sync_to_original_net`` do the replay. Prefixes containing an
    activity the model lacks, or extending a prefix the model cannot replay, cannot be replayed
    either and are not aligned (pm4py aligns them and finds nothing). ``processes`` as in
    :func:`align`. pm4py's prefix search has no time limit.
    """
    pm4py_quiet()
    from pm4py.algo.evaluation.precision.variants import align_etconformance as aec
    from pm4py.objects.petri_net.utils.align_utils import get_visible_transitions_eventually_enabled_by_marking

    net, im, fm, path = _unpack(model)
    _best_worst_cost(net, im, fm, path, DEFAULT_MODEL_TIMEOUT)
    labels = _labels(net)
    rows = _rows(variant_table)

    follow: dict[tuple[str, ...], set[str]] = {}
    weight: Counter = Counter()
    for _vid, acts, count in rows:
        for i in range(1, len(acts)):
            prefix = acts[:i]
            follow.setdefault(prefix, set()).add(acts[i])
            weight[prefix] += count

    # distinct prefixes, shortest first; skip those that cannot be replayed
    ordered = sorted(follow, key=len)
    markings: dict[tuple[str, ...], Any] = {}
    level: list[tuple[str, ...]] = []
    plan = _Plan(processes)
    workers = _Workers((net, im, fm), plan.processes)

    def flush(batch: list[tuple[str, ...]]) -> None:
        if not batch:
            return
        if plan.parallel(len(batch)):
            parts = workers.map(_worker_prefixes, _chunks(batch, plan.processes))
            raw = [r for part in parts for r in part]
        else:
            raw = _stop_markings(net, im, fm, batch)
        for prefix, mk in zip(batch, aec.transform_markings_from_sync_to_original_net(raw, net)):
            markings[prefix] = mk

    with workers:
        current_len = None
        for prefix in ordered:
            if current_len is not None and len(prefix) != current_len:
                flush(level)
                level = []
            current_len = len(prefix)
            if prefix[-1] not in labels or (len(prefix) > 1 and markings.get(prefix[:-1], 0) is None):
                markings[prefix] = None
                continue
            level.append(prefix)
        flush(level)

    enabled_cache: dict[Any, frozenset[str]] = {}

    def enabled_labels(m: Any) -> frozenset[str]:
        hit = enabled_cache.get(m)
        if hit is None:
            hit = frozenset(t.label for t in get_visible_transitions_eventually_enabled_by_marking(net, m) if t.label is not None)
            enabled_cache[m] = hit
        return hit

    sum_ee = 0
    sum_at = 0
    for prefix in follow:
        mks = markings.get(prefix)
        if mks is None:
            continue
        activated: set[str] = set()
        for m in mks:
            activated |= enabled_labels(m)
        escaping = activated - follow[prefix]
        sum_at += len(activated) * weight[prefix]
        sum_ee += len(escaping) * weight[prefix]

    start_activities = {acts[0] for _vid, acts, _c in rows if acts}
    enabled_initially = {t.label for t in get_visible_transitions_eventually_enabled_by_marking(net, im)}
    n_traces = sum(c for _vid, _acts, c in rows)
    sum_at += n_traces * len(enabled_initially)
    sum_ee += n_traces * len(enabled_initially - start_activities)
    if sum_at > 0:
        return 1 - float(sum_ee) / float(sum_at)
    return 1.0


# --------------------------------------------------------------------------------------------
# token-based replay
# --------------------------------------------------------------------------------------------


def token_replay(
    model: Any, variant_table: pl.DataFrame, *, trace_order: Sequence[int] | pl.Series | None = None
) -> dict[str, Any]:
    """pm4py's token-based replay fitness, equal to ``pm4py.fitness_token_based_replay``.

    Returns ``log_fitness``, ``fitting_share``, ``average_fitness`` (exact with ``trace_order``,
    see the module notes), ``journeys``, ``fitting_journeys`` and ``variants``: one row per
    variant with ``variant_id``, ``fit``, ``fitness``, ``missing``, ``consumed``, ``remaining``,
    ``produced`` (tokens).
    """
    pm4py_quiet()
    from pm4py.algo.conformance.tokenreplay import algorithm as executor
    from pm4py.algo.conformance.tokenreplay.variants import token_replay as tr

    net, im, fm, _path = _unpack(model)
    rows = _rows(variant_table)
    log = variant_log(variant_table)
    params = {
        tr.Parameters.ACTIVITY_KEY: ACTIVITY_KEY,
        tr.Parameters.CONSIDER_REMAINING_IN_FITNESS: True,
        tr.Parameters.CLEANING_TOKEN_FLOOD: False,
        tr.Parameters.SHOW_PROGRESS_BAR: False,
        tr.Parameters.CASE_ID_KEY: CASE_KEY,
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            replayed = executor.apply(log, net, im, fm, variant=executor.Variants.TOKEN_REPLAY, parameters=params)
    except Exception as exc:
        raise InvalidInput(f"pm4py's token replay failed on the model: {type(exc).__name__}: {exc}", path=_path) from None

    counts = {vid: c for vid, _a, c in rows}
    frame: dict[str, list] = {k: [] for k in ("variant_id", "fit", "fitness", "missing", "consumed", "remaining", "produced")}
    fitness: dict[int, float] = {}
    n = fit = m = c = r = p = 0
    for (vid, _acts, count), res in zip(rows, replayed):
        frame["variant_id"].append(vid)
        frame["fit"].append(bool(res["trace_is_fit"]))
        frame["fitness"].append(float(res["trace_fitness"]))
        frame["missing"].append(int(res["missing_tokens"]))
        frame["consumed"].append(int(res["consumed_tokens"]))
        frame["remaining"].append(int(res["remaining_tokens"]))
        frame["produced"].append(int(res["produced_tokens"]))
        fitness[vid] = res["trace_fitness"]
        n += count
        fit += count if res["trace_is_fit"] else 0
        m += int(res["missing_tokens"]) * count
        c += int(res["consumed_tokens"]) * count
        r += int(res["remaining_tokens"]) * count
        p += int(res["produced_tokens"]) * count
    perc = 0.0
    average = 0.0
    log_fitness: float = 0
    if n > 0 and c > 0 and p > 0:
        perc = float(100.0 * fit) / float(n)
        average = _mean(_ordered_sum(fitness, trace_order, counts), n)
        log_fitness = 0.5 * (1 - m / c) + 0.5 * (1 - r / p)
    variants = pl.DataFrame(
        frame,
        schema={
            "variant_id": pl.UInt32,
            "fit": pl.Boolean,
            "fitness": pl.Float64,
            "missing": pl.Int64,
            "consumed": pl.Int64,
            "remaining": pl.Int64,
            "produced": pl.Int64,
        },
    )
    return {
        "log_fitness": float(log_fitness),
        "fitting_share": perc / 100.0,
        "average_fitness": average,
        "journeys": n,
        "fitting_journeys": fit,
        "variants": variants,
    }
