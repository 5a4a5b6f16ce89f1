"""Petri nets from pm4py's importers and converters, with deterministic names.

Helpers for :mod:`journeylog.models` (which parses the files safely itself and hands the parsed
roots here): pm4py's BPMN and PNML tree walkers, its BPMN / process tree to Petri net conversions,
its silent-step reduction, and journeylog's own net edits (terminate end events, several end
events joined). Every net leaves with unique, deterministic transition names
(:func:`canonical_names`): alignment tie-breaks and outputs depend on names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from journeylog.mining.determinism import pm4py_quiet, silenced

__all__ = [
    "SOURCE_NAME",
    "file_names",
    "bpmn_graph_from_root",
    "bpmn_to_net",
    "reduce_silent",
    "terminate_pool",
    "pnml_net_from_root",
    "process_tree_class",
    "tree_to_net",
    "canonical_names",
    "join_end_tokens",
    "unpack_model",
    "visible_labels",
]

#: transition property holding the name a PNML file gave a transition (canonical_names may rename it)
SOURCE_NAME = "journeylog:source_name"
_UUIDISH = re.compile(r"^(id)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def bpmn_graph_from_root(root: Any) -> Any:
    """pm4py's BPMN tree walker on an already (safely) parsed root element."""
    pm4py_quiet()
    from pm4py.objects.bpmn.importer.variants.lxml import import_xml_tree_from_root

    with silenced():
        return import_xml_tree_from_root(root)


def bpmn_to_net(bpmn: Any, reduce: bool = True) -> tuple[Any, Any, Any]:
    """pm4py's BPMN -> Petri net conversion (``reduce``: pm4py's merging of silent steps)."""
    pm4py_quiet()
    from pm4py.objects.conversion.bpmn.variants import to_petri_net

    with silenced():
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

    with silenced():
        net, im, fm = pnml.import_net_from_xml_object(root, parameters={"auto_guess_final_marking": False})
    for t in net.transitions:  # the file's names: pm4py's precision depends on them (see file_names)
        t.properties[SOURCE_NAME] = t.name
    return net, im, fm


@contextmanager
def file_names(net: Any) -> Iterator[None]:
    """Give the net's transitions, for the duration of the block, the names its PNML file gave them.

    :func:`canonical_names` renames uuid-like and duplicate transition names so that outputs are
    deterministic, but pm4py's silent closure (``get_visible_transitions_eventually_enabled_by_marking``,
    used by its precision) visits silent transitions in name order and keeps one marking per
    transition, so which visible transitions it finds depends on the names. To equal
    ``pm4py.precision_alignments`` on the same file, precision runs under the file's names. Nets not
    read from a file, or whose file repeats a name (pm4py then orders by memory address), keep theirs.
    The names are restored afterwards; nothing else may read them from another thread meanwhile.
    """
    source = {t: t.properties.get(SOURCE_NAME) for t in net.transitions}
    if None in source.values() or len(set(source.values())) < len(source):
        yield
        return
    renamed = {t: t.name for t, name in source.items() if name != t.name}
    try:
        for t in renamed:
            t.name = source[t]
        yield
    finally:
        for t, name in renamed.items():
            t.name = name


def process_tree_class() -> tuple[Any, Any]:
    """``(ProcessTree, Operator)`` from pm4py."""
    pm4py_quiet()
    from pm4py.objects.process_tree.obj import Operator, ProcessTree

    return ProcessTree, Operator


def tree_to_net(tree: Any) -> tuple[Any, Any, Any]:
    """pm4py's process tree (or journeylog's IMd tree) -> Petri net conversion, names made
    canonical: ``(net, im, fm)``."""
    from journeylog.mining.imd import Tree

    if isinstance(tree, Tree):
        tree = tree.to_pm4py()
    pm4py_quiet()
    from pm4py.objects.conversion.process_tree.variants import to_petri_net

    with silenced():
        net, im, fm = to_petri_net.apply(tree)
    return canonical_names(net), im, fm


def canonical_names(net: Any) -> Any:
    """Give transitions that pm4py named with uuid4 (or duplicate names) deterministic names.

    The new name depends only on the label and the names of the surrounding places, so the same
    model gets the same names in every run (alignment tie-breaks and outputs depend on names).
    """
    uuidish = _UUIDISH
    counts = Counter(str(t.name) for t in net.transitions)
    fixed = [t for t in net.transitions if uuidish.match(str(t.name)) or counts[str(t.name)] > 1]
    taken = {str(t.name) for t in net.transitions if t not in fixed} | {str(p.name) for p in net.places}

    def key(t: Any) -> tuple[str, tuple[str, ...], tuple[str, ...], str]:
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




def unpack_model(model: Any) -> tuple[Any, Any, Any, str | None]:
    """``(net, initial marking, final marking, path)`` of a DesignedModel or a ``(net, im, fm)`` tuple."""
    if hasattr(model, "net") and hasattr(model, "initial_marking"):
        return model.net, model.initial_marking, model.final_marking, getattr(model, "path", None)
    if isinstance(model, tuple) and len(model) == 3:
        return model[0], model[1], model[2], None
    raise TypeError("model must be a DesignedModel or a (net, initial_marking, final_marking) tuple")


def visible_labels(net: Any) -> set[str]:
    """The labels of the net's visible transitions."""
    return {t.label for t in net.transitions if t.label is not None}
