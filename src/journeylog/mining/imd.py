"""The directly-follows based inductive miner (IMd) without importing pm4py, tree for tree.

A port of pm4py's IMd (``pm4py.algo.discovery.inductive.variants.imd`` with its base cases, cuts,
projections and fall-throughs, pm4py 2.7; AGPL-3.0 like journeylog) and of the canonical form
journeylog gives its trees (in :mod:`journeylog.mining.tree`). Two things differ, neither in the
result:

* importing pm4py takes seconds (it loads pandas, scipy, networkx, matplotlib ...), more than the
  whole ``journeylog discover`` on a million events; this module needs nothing but the standard
  library;
* pm4py's concurrency cut merges groups pairwise and starts over after every merge, looking edges
  up in a list (cubic in the activities times the edges: seconds on 90 activities). Its groups are
  the connected components of the activity pairs *not* directly-follows related in both
  directions, ordered by their first activity in name order; :func:`concurrency_groups` computes
  exactly those with a set of edges and a union-find.

Everything else follows pm4py's code step by step, with the same containers built in the same
order, so set iteration orders (which decide ties in pm4py) are the same too. The tests compare
the text of the canonical tree with pm4py's on hand-built and random graphs.
"""

from __future__ import annotations

import itertools
import sys
from collections import Counter
from collections.abc import Collection
from typing import Any

from journeylog.mining.tree import LOOP, PARALLEL, SEQUENCE, XOR, Tree, canonical

__all__ = ["Tree", "Dfg", "imd", "canonical", "concurrency_groups"]


class Dfg:
    """pm4py's ``DFG``: edge, start and end counts (Counters, in insertion order)."""

    __slots__ = ("graph", "start_activities", "end_activities")

    def __init__(self, graph: Any = None, start: Any = None, end: Any = None) -> None:
        self.graph: Counter[tuple[str, str]] = Counter(graph or {})
        self.start_activities: Counter[str] = Counter(start or {})
        self.end_activities: Counter[str] = Counter(end or {})

    def is_empty(self) -> bool:
        return not self.graph and not self.start_activities and not self.end_activities


def _vertices(dfg: Dfg) -> set[str]:
    alphabet: set[str] = set()
    for a, b in dfg.graph:
        alphabet.update({a, b})
    for a in dfg.start_activities:
        alphabet.update({a})
    for a in dfg.end_activities:
        alphabet.update({a})
    return alphabet


def _components(nodes: Collection[str], edges: Collection[tuple[str, str]]) -> list[set[str]]:
    """Connected components of the undirected graph (as sets)."""
    parent = {n: n for n in nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    groups: dict[str, set[str]] = {}
    for n in nodes:
        groups.setdefault(find(n), set()).add(n)
    return list(groups.values())


def _closure(alphabet: Collection[str], edges: Collection[tuple[str, str]]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """For every activity, the activities that reach it and those it reaches by one edge or more,
    itself not included (networkx's ``ancestors`` and ``descendants``, as pm4py's
    ``get_transitive_relations`` uses them), by Warshall's algorithm on integer bit sets."""
    names = list(alphabet)
    index = {a: i for i, a in enumerate(names)}
    reach = [0] * len(names)
    for a, b in edges:
        reach[index[a]] |= 1 << index[b]
    for k in range(len(names)):
        bit, via = 1 << k, reach[k]
        for i in range(len(names)):
            if reach[i] & bit:
                reach[i] |= via
    post = {a: {names[j] for j in range(len(names)) if j != i and reach[i] >> j & 1} for i, a in enumerate(names)}
    pre: dict[str, set[str]] = {a: set() for a in names}
    for a, after in post.items():
        for b in after:
            pre[b].add(a)
    return pre, post


# ---------------------------------------------------------------------------------------------- cuts


def _xor_groups(dfg: Dfg) -> list[set[str]] | None:
    comps = _components(_vertices(dfg), list(dfg.graph))
    if len(comps) > 1:
        return sorted(comps, key=lambda group: sorted(map(str, group)))
    return None


def _project(dfg: Dfg, g: Collection[str]) -> Dfg:
    """The part of ``dfg`` inside group ``g`` (the X and + projections)."""
    new = Dfg()
    for a in dfg.start_activities:
        if a in g:
            new.start_activities[a] = dfg.start_activities[a]
    for a in dfg.end_activities:
        if a in g:
            new.end_activities[a] = dfg.end_activities[a]
    for a, b in dfg.graph:
        if a in g and b in g:
            new.graph[(a, b)] = dfg.graph[(a, b)]
    return new


def _merge_sequence_groups(groups: list[set[str]], succ: dict[str, set[str]]) -> list[set[str]]:
    i = 0
    while i < len(groups):
        j = i + 1
        while j < len(groups):
            if any((a2 in succ[a1]) == (a1 in succ[a2]) for a1 in groups[i] for a2 in groups[j]):
                groups[i] = groups[i].union(groups[j])
                del groups[j]
                continue
            j += 1
        i += 1
    return groups


def _sequence_groups(dfg: Dfg) -> list[set[str]] | None:
    alphabet = _vertices(dfg)
    pre, post = _closure(alphabet, list(dfg.graph))
    groups = [{a} for a in alphabet]
    if not groups:
        return None
    old_size = None
    while old_size != len(groups):
        old_size = len(groups)
        groups = _merge_sequence_groups(groups, post)
    groups = sorted(groups, key=lambda g: len(pre[next(iter(g))]) + (len(alphabet) - len(post[next(iter(g))])))
    return groups if len(groups) > 1 else None


def _skippable(p: int, dfg: Dfg, start: set[str], end: set[str], groups: list[set[str]]) -> bool:
    for i, j in itertools.product(range(0, p), range(p + 1, len(groups))):
        for a, b in itertools.product(groups[i], groups[j]):
            if (a, b) in dfg.graph:
                return True
    if any(a in start for i in range(p + 1, len(groups)) for a in groups[i]):
        return True
    return any(a in end for i in range(0, p) for a in groups[i])


def _strict_sequence_groups(dfg: Dfg) -> list[set[str]] | None:
    c = _sequence_groups(dfg)
    if c is None:
        return None
    start, end = set(dfg.start_activities.keys()), set(dfg.end_activities.keys())
    mf = [-sys.maxsize if set(g) & start else sys.maxsize for g in c]
    mt = [sys.maxsize if set(g) & end else -sys.maxsize for g in c]
    cmap = {a: i for i, g in enumerate(c) for a in g}
    for a, b in dfg.graph:
        mf[cmap[b]] = min(mf[cmap[b]], cmap[a])
        mt[cmap[a]] = max(mt[cmap[a]], cmap[b])
    for p in range(0, len(c)):
        if _skippable(p, dfg, start, end, c):
            q = p - 1
            while q >= 0 and mt[q] <= p:
                c[p] = c[p].union(c[q])
                c[q] = set()
                q -= 1
            q = p + 1
            while q < len(mf) and mf[q] >= p:
                c[p] = c[p].union(c[q])
                c[q] = set()
                q += 1
    return [g for g in c if len(g) > 0]


def _sequence_ends(dfg: Dfg, groups: list[set[str]], i: int, part: Dfg, index: dict[str, int],
                   skippable: list[bool]) -> None:
    """Part ``i``'s start and end activities: the log's own in the first and last part (an
    activity of a later / earlier part makes the parts between skippable), else the activities
    with edges from the previous part / to the next part."""
    n = len(groups)
    if i == 0:
        for a in dfg.start_activities:
            if a in groups[i]:
                part.start_activities.update({a: dfg.start_activities[a]})
            else:
                for j in range(i, index[a]):
                    skippable[j] = True
    else:
        for (a, b), count in dfg.graph.items():
            if a in groups[i - 1] and b in groups[i]:
                part.start_activities[b] += count
    if i == n - 1:
        for a in dfg.end_activities:
            if a in groups[i]:
                part.end_activities.update({a: dfg.end_activities[a]})
            else:
                for j in range(index[a] + 1, i + 1):
                    skippable[j] = True
    else:
        for (a, b), count in dfg.graph.items():
            if a in groups[i] and b in groups[i + 1]:
                part.end_activities[a] += count


def _sequence_project(dfg: Dfg, groups: list[set[str]]) -> list[tuple[Dfg, bool]]:
    """pm4py's ``SequenceCutDFG.project``: the part of each group, its starts and ends from the
    edges of the neighbouring groups, and which parts can be skipped."""
    n = len(groups)
    skippable = [False] * n
    index = {act: gi for gi, g in enumerate(groups) for act in g}
    parts = []
    for i in range(n):
        part = Dfg()
        _sequence_ends(dfg, groups, i, part, index, skippable)
        for (a, b), count in dfg.graph.items():
            if a in groups[i] and b in groups[i]:
                part.graph.update({(a, b): count})
        parts.append(part)
    for a, b in dfg.graph:
        for j in range(index[a] + 1, index[b]):
            skippable[j] = True
    return [(parts[i], skippable[i]) for i in range(n)]


def concurrency_groups(dfg: Dfg) -> list[set[str]] | None:
    """pm4py's concurrency cut (``ConcurrencyCut.holds``), computed directly.

    pm4py starts from one group per activity (in name order) and repeatedly merges the first later
    group that has an activity not related both ways with the earlier one into it, until no pair
    is left; a group keeps the place of its first activity. The result is the connected components
    of "not directly-follows related in both directions", ordered by their first activity. Then,
    as pm4py does: groups sorted by size (stable), and every group without a start and an end
    activity merged into its neighbour.
    """
    alphabet = sorted(_vertices(dfg))
    if not alphabet:
        return None
    edges = set(dfg.graph)
    unrelated = [(a, b) for i, a in enumerate(alphabet) for b in alphabet[i + 1:]
                 if (a, b) not in edges or (b, a) not in edges]
    order = {a: i for i, a in enumerate(alphabet)}
    groups = sorted(_components(alphabet, unrelated), key=lambda g: min(order[a] for a in g))
    groups = sorted(groups, key=lambda g: len(g))
    starts, ends = set(dfg.start_activities.keys()), set(dfg.end_activities.keys())
    i = 0
    while i < len(groups) and len(groups) > 1:
        if groups[i] & starts and groups[i] & ends:
            i += 1
            continue
        group = groups.pop(i)
        groups[i if i == 0 else i - 1].update(group)
    return groups if len(groups) > 1 else None


def _loop_components(dfg: Dfg, start: set[str], end: set[str]) -> list[set[str]]:
    """The components left when the start and end activities and their edges are removed."""
    nodes = [a for a in _vertices(dfg) if a not in start and a not in end]
    edges = [(a, b) for a, b in dfg.graph if a not in start and a not in end and b not in start and b not in end]
    return _components(nodes, edges)


def _merge_into_do(dfg: Dfg, sources: set[str], groups: list[set[str]], forward: bool) -> list[set[str]]:
    """pm4py's ``_exclude_sets_non_reachable_from_start`` (forward) and ``..._from_end``."""
    for s in sources:
        for x, y in list(dfg.graph):
            if (x if forward else y) != s:
                continue
            a, b = (s, y) if forward else (x, s)
            group_a: set[str] | None = None
            group_b: set[str] | None = None
            for group in groups:
                group_a = group if a in group else group_a
                group_b = group if b in group else group_b
            groups = [group for group in groups if group != group_a and group != group_b]
            assert group_a is not None and group_b is not None
            groups.insert(0, group_a.union(group_b))
    return groups


def _check_completeness(dfg: Dfg, start: set[str], end: set[str], groups: list[set[str]],
                        at_start: bool) -> list[set[str]]:
    """pm4py's ``_check_start_completeness`` (at_start) and ``_check_end_completeness``."""
    i = 1
    while i < len(groups):
        merge = False
        for a in groups[i]:
            if merge:
                break
            for x, b in dfg.graph:
                if at_start and x == a and b in start:
                    merge = merge or any((a, s) not in dfg.graph for s in start)
                elif not at_start and b == a and x in end:
                    merge = merge or any((e, a) not in dfg.graph for e in end)
        if merge:
            groups[0] = set(groups[0]).union(groups[i])
            del groups[i]
            continue
        i += 1
    return groups


def _loop_groups(dfg: Dfg) -> list[set[str]] | None:
    start, end = set(dfg.start_activities.keys()), set(dfg.end_activities.keys())
    if len(dfg.graph) == 0:
        return None
    groups = [start.union(end)]
    groups.extend(set(c) for c in _loop_components(dfg, start, end))
    groups = _merge_into_do(dfg, start.difference(end), groups, forward=True)
    groups = _merge_into_do(dfg, set(end).difference(start), groups, forward=False)
    groups = _check_completeness(dfg, start, end, groups, at_start=True)
    groups = _check_completeness(dfg, start, end, groups, at_start=False)
    groups = [set(g) for g in groups if len(g) > 0]
    if len(groups) <= 1:
        return None
    redo: set[str] = set()
    for g in groups[1:]:
        redo.update(g)
    return [set(groups[0]), redo]


def _loop_project(dfg: Dfg, groups: list[set[str]]) -> list[tuple[Dfg, bool]]:
    parts = []
    skippable = [False, False]
    for gind, g in enumerate(groups):
        part = Dfg()
        for a, b in dfg.graph:
            if a in g and b in g:
                part.graph[(a, b)] = dfg.graph[(a, b)]
            if b in dfg.start_activities and a in dfg.end_activities:
                skippable[1] = True
        if gind == 0:
            for a in dfg.start_activities:
                if a in g:
                    part.start_activities[a] = dfg.start_activities[a]
                else:
                    skippable[0] = True
            for a in dfg.end_activities:
                if a in g:
                    part.end_activities[a] = dfg.end_activities[a]
                else:
                    skippable[0] = True
        elif gind == 1:
            for a in g:
                part.start_activities[a] = 1
                part.end_activities[a] = 1
        parts.append(part)
    return [(parts[i], skippable[i]) for i in range(len(parts))]


# ---------------------------------------------------------------------------------------------- miner


def _cut(dfg: Dfg) -> tuple[str, list[tuple[Dfg, bool]]] | None:
    """The first cut that holds (X, strict ->, +, *) and the projected parts with their skip flags."""
    groups = _xor_groups(dfg)
    if groups is not None:
        return XOR, [(_project(dfg, g), False) for g in groups]
    groups = _strict_sequence_groups(dfg)
    if groups is not None:
        return SEQUENCE, _sequence_project(dfg, groups)
    groups = concurrency_groups(dfg)
    if groups is not None:
        return PARALLEL, [(_project(dfg, g), False) for g in groups]
    groups = _loop_groups(dfg)
    if groups is not None:
        return LOOP, _loop_project(dfg, groups)
    return None


def _flower(dfg: Dfg) -> list[tuple[Dfg, bool]]:
    activities = (set(dfg.start_activities).union(set(dfg.end_activities))
                  .union({x[0] for x in dfg.graph}).union({x[1] for x in dfg.graph}))
    redo = Dfg()
    for a in activities:
        redo.start_activities[a] = 1
        redo.end_activities[a] = 1
    return [(Dfg(), False), (redo, False)]


def _node(operator: str, parts: list[tuple[Dfg, bool]]) -> Tree:
    tree = Tree(operator)
    for dfg, skip in parts:
        child = _mine(dfg, skip)
        child.parent = tree
        tree.children.append(child)
    return tree


def _mine(dfg: Dfg, skip: bool = False) -> Tree:
    """pm4py's ``IMD.apply`` on ``InductiveDFG(dfg, skip)``."""
    if skip:  # empty traces first
        return Tree() if dfg.is_empty() else _node(XOR, [(Dfg(), False), (dfg, False)])
    if dfg.is_empty():
        return Tree()
    if not dfg.graph and len(set(dfg.start_activities).union(dfg.end_activities)) == 1:
        return Tree(label=list(dfg.start_activities)[0])
    cut = _cut(dfg)
    if cut is not None:
        return _node(*cut)
    return _node(LOOP, _flower(dfg))


def imd(graph: dict[tuple[str, str], int], start: dict[str, int], end: dict[str, int]) -> Tree:
    """IMd on a DFG given as count dictionaries, built in sorted order as journeylog gives it to
    pm4py; the raw tree (see :func:`canonical`)."""
    dfg = Dfg({k: graph[k] for k in sorted(graph)}, {k: start[k] for k in sorted(start)},
              {k: end[k] for k in sorted(end)})
    return _mine(dfg)
