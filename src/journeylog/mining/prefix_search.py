"""Where the prefix alignments of Align-ETConformance stop, for every distinct prefix at once.

pm4py's precision (``align_etconformance``) aligns every distinct prefix of the log on its own:
it builds the synchronous product of the prefix's trace net and the model and runs a search
(``precision.utils.__search``) that allows only synchronous moves (cost 0) and the model's silent
transitions (cost 1), stops expanding a state once the whole prefix is consumed, and returns
**every** marking where the prefix is consumed at the least cost. That answer is a set, defined
by distances alone (no tie is broken), so it can be computed another way and be the same:

* the states are (model marking, events consumed); a move never goes back a level, so the
  distance of a state at level ``i`` depends on the first ``i`` events only, and prefixes that
  share a beginning share those distances;
* for a prefix ``p``, ``closure(p)`` gives the markings reachable at level ``len(p)`` with their
  least number of silent moves (a Dijkstra over the silent transitions, seeded with the arrival
  costs);
* ``arrival(p + a)`` fires every transition labelled ``a`` from every marking of ``closure(p)``
  (cost unchanged): the markings where pm4py's search for ``p + a`` stops are those of
  ``arrival(p + a)`` at its least cost (pm4py's search does not expand the last level, so no
  silent move follows the last event); none when ``arrival`` is empty.

The closures are **lazy and bounded by cost**, as pm4py's search is: a closure settles its
markings cheapest first, only up to the cost some prefix below it needs (pulling its seeds from
its parent's closure up to the same cost), and keeps the rest of its frontier to resume later.
The least cost only grows along a path (every state at a level is reached through the cheapest
arrival there), so a model whose silent moves reach thousands of markings (an inductive-miner
model with many skips) settles only the few each prefix needs. The prefixes form a trie
(:class:`PrefixTrie`) walked depth first; a closure lives while prefixes below it are to do.
Markings are integers (a bit per place) in safe nets with unit arcs (what process trees and
most BPMN models convert to), else tuples of token counts (:class:`CountedPrefixNet`: some BPMN
gateways); a closure that passes :data:`MAX_MARKINGS` (an unbounded net, or one too concurrent)
raises :class:`NotSafe` and the caller falls back to pm4py's own search.

>>> from journeylog.models import parse_process_tree
>>> from pm4py.objects.conversion.process_tree.variants import to_petri_net
>>> net, im, fm = to_petri_net.apply(parse_process_tree("->('a', X('b', tau), 'c')"))
>>> pn = PrefixNet(net, im)
>>> found = pn.stop_markings([("a",), ("a", "c"), ("a", "x"), ("c",)])
>>> [None if found[p] is None else len(found[p]) for p in [("a",), ("a", "c"), ("a", "x"), ("c",)]]
[1, 1, None, None]
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_MARKINGS", "CountedPrefixNet", "NotSafe", "PrefixNet", "PrefixTrie", "prefix_net"]

#: the most markings kept for one prefix before giving up (pm4py's search is used then)
MAX_MARKINGS = 200_000
#: the most moves remembered (a marking's moves count one each, plus one for the marking): a few
#: hundred MB at most, whatever the number of markings or labels
MOVES_CACHED = 2_000_000

Prefix = tuple[str, ...]


@dataclass
class PrefixTrie:
    """Distinct prefixes as a trie: node 0 is the empty prefix, node ``k > 0`` extends
    ``parent[k]`` by ``label[k]``, ``children[k]`` maps a label to the node it leads to. A parent
    is always numbered before its children.

    >>> t = PrefixTrie()
    >>> t.add(("a", "b")), t.add(("a", "c")), len(t), t.prefixes()
    (2, 3, 3, [(), ('a',), ('a', 'b'), ('a', 'c')])
    """

    children: list[dict[str, int]] = field(default_factory=lambda: [{}])
    parent: list[int] = field(default_factory=lambda: [-1])
    label: list[str] = field(default_factory=lambda: [""])

    def child(self, node: int, label: str) -> int:
        """The node of ``node``'s prefix followed by ``label``, added if new."""
        nxt = self.children[node].get(label)
        if nxt is None:
            nxt = self.children[node][label] = len(self.children)
            self.children.append({})
            self.parent.append(node)
            self.label.append(label)
        return nxt

    def add(self, prefix: Iterable[str]) -> int:
        """The node of ``prefix`` (and of its own prefixes), added if new."""
        node = 0
        for a in prefix:
            node = self.child(node, a)
        return node

    def prefixes(self) -> list[Prefix]:
        """Every node's prefix, by node (the empty one first)."""
        out: list[Prefix] = [()]
        for k in range(1, len(self.children)):
            out.append(out[self.parent[k]] + (self.label[k],))
        return out

    def __len__(self) -> int:
        """The number of (non-empty) prefixes."""
        return len(self.children) - 1


class NotSafe(Exception):
    """The net is not safe with unit arcs (a place would hold two tokens, or an arc weighs more),
    or, counted, has too many markings at one level."""


def prefix_net(net: Any, im: Any, trie: PrefixTrie,
               tick: Callable[[int], None] | None = None) -> tuple[PrefixNet, list[list[Any] | None]]:
    """``(compiled net, its walk(trie, tick))``: a :class:`PrefixNet` if the net stays safe, else a
    :class:`CountedPrefixNet`; raises :class:`NotSafe` when neither can."""
    try:
        pn = PrefixNet(net, im)
        return pn, pn.walk(trie, tick)
    except NotSafe:
        pn = CountedPrefixNet(net, im)
        return pn, pn.walk(trie, tick)


class PrefixNet:
    """A net compiled for :meth:`stop_markings`: a bit per place, each transition's pre- and
    post-set as masks, the visible ones grouped by label."""

    def __init__(self, net: Any, im: Any) -> None:
        places = sorted(net.places, key=lambda p: (str(p.name), id(p)))
        self.places = places
        self._bit = {p: 1 << i for i, p in enumerate(places)}
        self.visible: dict[str, list[tuple[int, int]]] = {}
        self.silent: list[tuple[int, int]] = []
        for t in sorted(net.transitions, key=lambda t: (str(t.name), id(t))):
            pre = self._mask(t.in_arcs, "source")
            post = self._mask(t.out_arcs, "target")
            (self.silent if t.label is None else self.visible.setdefault(t.label, [])).append((pre, post))
        self._cache: dict[Any, tuple[list[Any], dict[str, list[Any]]]] = {}
        self._cached = 0  # moves remembered in _cache
        if any(count != 1 for count in im.values()):
            raise NotSafe("the initial marking puts more than one token in a place")
        self.initial: Any = sum(self._bit[p] for p in im)

    def _mask(self, arcs: Any, end: str) -> int:
        mask = 0
        for arc in arcs:
            if getattr(arc, "weight", 1) != 1:
                raise NotSafe("an arc weighs more than one token")
            mask |= self._bit[getattr(arc, end)]
        return mask

    def marking(self, m: Any) -> dict[Any, int]:
        """The places marked in ``m`` (a dict to build a pm4py Marking from)."""
        return {p: 1 for i, p in enumerate(self.places) if m >> i & 1}

    def _moves(self, m: Any) -> tuple[list[Any], dict[str, list[Any]]]:
        """The markings one silent move from ``m``, and by label those one visible move from it."""
        silent: list[Any] = []
        visible: dict[str, list[Any]] = {}
        for pre, post in self.silent:
            if m & pre == pre:
                rest = m ^ pre
                if rest & post:
                    raise NotSafe("a place would hold two tokens")
                silent.append(rest | post)
        for label, moves in self.visible.items():
            for pre, post in moves:
                if m & pre == pre:
                    rest = m ^ pre
                    if rest & post:
                        raise NotSafe("a place would hold two tokens")
                    visible.setdefault(label, []).append(rest | post)
        return silent, visible

    def _expand(self, m: Any, d: int, closure: _Closure) -> None:
        """Settle ``m`` at cost ``d`` in ``closure``: its silent successors go to the frontier at
        ``d + 1``, its moves on the labels the closure's prefixes go on with to its arrivals at
        ``d``. A marking's moves are worked out once (the same markings recur at many prefixes)."""
        hit = self._cache.get(m)
        if hit is None:
            hit = self._moves(m)
            size = 1 + len(hit[0]) + sum(len(v) for v in hit[1].values())
            if self._cached + size <= MOVES_CACHED:
                self._cache[m] = hit
                self._cached += size
        heap, queued, arrivals = closure.heap, closure.queued, closure.arrivals
        cost = d + 1
        for nxt in hit[0]:
            if queued.get(nxt, cost + 1) > cost:  # not queued (nor settled) at this cost or less yet
                queued[nxt] = cost
                heapq.heappush(heap, (cost, nxt))
        visible = hit[1]
        for label in closure.wanted:
            got = visible.get(label)
            if got:
                arrivals[label].extend((d, nxt) for nxt in got)

    def walk(self, trie: PrefixTrie, tick: Callable[[int], None] | None = None) -> list[list[Any] | None]:
        """For each node of ``trie``, the markings where pm4py's prefix alignment of its prefix
        stops (sorted), or None when the model cannot replay it (None for the root). ``tick(done)``
        is called every 256 prefixes (it may raise to stop the walk)."""
        children = trie.children
        out: list[list[Any] | None] = [None] * len(children)
        # nodes whose children are still to do, with their (lazy) closures; depth first
        stack: list[tuple[int, _Closure]] = [(0, _Closure(self, None, "", children[0], self.initial))]
        done = 0
        while stack:
            node, closure = stack.pop()
            for label, kid in children[node].items():
                if tick is not None and done % 256 == 0:
                    tick(done)
                done += 1
                out[kid] = closure.cheapest_moves(label)
                if out[kid] is not None and children[kid]:
                    stack.append((kid, _Closure(self, closure, label, children[kid])))
        return out

    def stop_markings(self, prefixes: Sequence[Prefix],
                      tick: Callable[[int], None] | None = None) -> dict[Prefix, list[Any] | None]:
        """:meth:`walk` for a list of prefixes: each prefix's markings, or None."""
        trie = PrefixTrie()
        nodes = [trie.add(p) for p in prefixes]
        found = self.walk(trie, tick)
        return {p: found[k] for p, k in zip(prefixes, nodes, strict=True)}


class CountedPrefixNet(PrefixNet):
    """:class:`PrefixNet` for nets that are not safe: markings are tuples of token counts, arcs
    carry their weights; at most :data:`MAX_MARKINGS` markings per prefix."""

    def __init__(self, net: Any, im: Any) -> None:
        places = sorted(net.places, key=lambda p: (str(p.name), id(p)))
        self.places = places
        index = {p: i for i, p in enumerate(places)}
        self.visible_counted: dict[str, list[tuple[tuple[tuple[int, int], ...], tuple[int, ...]]]] = {}
        self.silent_counted: list[tuple[tuple[tuple[int, int], ...], tuple[int, ...]]] = []
        for t in sorted(net.transitions, key=lambda t: (str(t.name), id(t))):
            change = [0] * len(places)
            need = []
            for arc in t.in_arcs:
                w = getattr(arc, "weight", 1)
                need.append((index[arc.source], w))
                change[index[arc.source]] -= w
            for arc in t.out_arcs:
                change[index[arc.target]] += getattr(arc, "weight", 1)
            entry = (tuple(need), tuple(change))
            (self.silent_counted if t.label is None else self.visible_counted.setdefault(t.label, [])).append(entry)
        self._cache = {}
        self._cached = 0
        start = [0] * len(places)
        for p, count in im.items():
            start[index[p]] = count
        self.initial = tuple(start)

    def marking(self, m: Any) -> dict[Any, int]:
        """The places marked in ``m`` with their counts."""
        return {p: c for p, c in zip(self.places, m, strict=True) if c}

    @staticmethod
    def _fire(m: tuple[int, ...], need: tuple[tuple[int, int], ...], change: tuple[int, ...]) -> tuple[int, ...] | None:
        if all(m[i] >= w for i, w in need):
            return tuple(a + b for a, b in zip(m, change, strict=True))
        return None

    def _moves(self, m: Any) -> tuple[list[Any], dict[str, list[Any]]]:
        silent = [nxt for need, change in self.silent_counted if (nxt := self._fire(m, need, change)) is not None]
        visible: dict[str, list[Any]] = {}
        for label, moves in self.visible_counted.items():
            for need, change in moves:
                nxt = self._fire(m, need, change)
                if nxt is not None:
                    visible.setdefault(label, []).append(nxt)
        return silent, visible


class _Closure:
    """The markings reachable at one level (a prefix), settled cheapest first and only as far as
    asked (:meth:`settle_to`); seeded from the parent closure's moves on ``label`` (the root: the
    initial marking at cost 0)."""

    __slots__ = ("arrivals", "bound", "cursor", "done", "exhausted", "heap", "label", "net", "parent", "queued", "wanted")

    def __init__(self, net: PrefixNet, parent: _Closure | None, label: str, wanted: Iterable[str],
                 initial: Any = None) -> None:
        self.net, self.parent, self.label = net, parent, label
        #: the labels the prefixes below go on with: only moves on these are kept
        self.wanted = tuple(wanted)
        self.heap: list[tuple[int, Any]] = [] if parent is not None else [(0, initial)]
        self.done: set[Any] = set()
        #: the least cost each marking was put on the frontier at (settled ones included)
        self.queued: dict[Any, int] = {} if parent is not None else {initial: 0}
        #: label -> (cost, marking after the move) from every settled marking, cheapest first
        self.arrivals: dict[str, list[tuple[int, Any]]] = {label: [] for label in self.wanted}
        self.cursor = 0      # the parent's arrivals on ``label`` taken so far
        self.bound = -1      # every marking up to this cost is settled
        self.exhausted = False

    def settle_to(self, bound: int) -> None:
        """Settle every marking up to cost ``bound`` (the ancestors first, as far as needed)."""
        chain = []
        c: _Closure | None = self
        while c is not None and c.bound < bound:
            chain.append(c)
            c = c.parent
        for c in reversed(chain):
            c._settle_own(bound)

    def _settle_own(self, bound: int) -> None:
        heap, done, queued = self.heap, self.done, self.queued
        parent = self.parent
        if parent is not None:  # already settled up to ``bound``: its moves on our label up to it are known
            seeds = parent.arrivals.get(self.label, ())
            i = self.cursor
            while i < len(seeds) and seeds[i][0] <= bound:
                d, m = seeds[i]
                if d < queued.get(m, d + 1):
                    queued[m] = d
                    heapq.heappush(heap, (d, m))
                i += 1
            self.cursor = i
        while heap and heap[0][0] <= bound:
            d, m = heapq.heappop(heap)
            if m in done:
                continue
            done.add(m)
            if len(done) > MAX_MARKINGS:
                raise NotSafe(f"more than {MAX_MARKINGS:,} markings after one prefix")
            self.net._expand(m, d, self)
        self.bound = bound
        self.exhausted = not heap and (parent is None or (
            parent.exhausted and self.cursor >= len(parent.arrivals.get(self.label, ()))))

    def cheapest_moves(self, label: str) -> list[Any] | None:
        """The markings after a move on ``label`` at its least cost (sorted), or None when no
        marking of this closure allows it."""
        bound = max(self.bound, 0)
        if self.bound < 0 and self.parent is not None:  # nothing here is cheaper than the first seed
            seeds = self.parent.arrivals.get(self.label)
            if seeds:
                bound = max(bound, seeds[0][0])
        while True:
            self.settle_to(bound)
            moves = self.arrivals.get(label)
            if moves:
                least = moves[0][0]
                return sorted({m for d, m in moves if d == least})
            if self.exhausted:
                return None
            bound += 1
