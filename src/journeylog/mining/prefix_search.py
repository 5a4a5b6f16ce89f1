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
* for a prefix ``p``, ``closure(p)`` maps every marking reachable at level ``len(p)`` to its
  least number of silent moves (a Dijkstra over the silent transitions, seeded with the arrival
  costs);
* ``arrival(p + a)`` fires every transition labelled ``a`` from every marking of ``closure(p)``
  (cost unchanged): the markings where pm4py's search for ``p + a`` stops are those of
  ``arrival(p + a)`` at its least cost (pm4py's search does not expand the last level, so no
  silent move follows the last event); none when ``arrival`` is empty.

The prefixes form a trie (:class:`PrefixTrie`) walked depth first, so each closure is computed
once and only those still needed are kept. Markings are integers (a bit per place) in safe nets with unit
arcs (what process trees and most BPMN models convert to), else tuples of token counts
(:class:`CountedPrefixNet`: some BPMN gateways); a net whose markings at one level pass
:data:`MAX_MARKINGS` (unbounded, or too concurrent) raises :class:`NotSafe` and the caller falls
back to pm4py's own search.

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

Prefix = tuple[str, ...]
#: a distance map: marking (a bit per place, or token counts) -> least silent moves
Distances = dict[Any, int]


@dataclass
class PrefixTrie:
    """Distinct prefixes as a trie: node 0 is the empty prefix, node ``k > 0`` extends
    ``parent[k]`` by ``label[k]``, ``children[k]`` maps a label to the node it leads to. A parent
    is always numbered before its children.

    >>> t = PrefixTrie.of([("a", "b"), ("a", "c")])
    >>> len(t), t.prefix(t.children[t.children[0]["a"]]["c"])
    (3, ('a', 'c'))
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

    def prefix(self, node: int) -> Prefix:
        """The prefix of ``node``."""
        out = []
        while node > 0:
            out.append(self.label[node])
            node = self.parent[node]
        return tuple(reversed(out))

    def prefixes(self) -> list[Prefix]:
        """Every node's prefix, by node (the empty one first)."""
        out: list[Prefix] = [()]
        for k in range(1, len(self.children)):
            out.append(out[self.parent[k]] + (self.label[k],))
        return out

    def __len__(self) -> int:
        """The number of (non-empty) prefixes."""
        return len(self.children) - 1

    @classmethod
    def of(cls, prefixes: Iterable[Prefix]) -> PrefixTrie:
        """The trie of ``prefixes`` (and of their own prefixes)."""
        trie = cls()
        for p in prefixes:
            trie.add(p)
        return trie


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

    def _closure(self, seeds: Distances) -> Distances:
        """Every marking reachable from ``seeds`` by silent moves, with its least cost."""
        done: Distances = {}
        heap = [(d, m) for m, d in seeds.items()]
        heapq.heapify(heap)
        silent = self.silent
        while heap:
            d, m = heapq.heappop(heap)
            if m in done:
                continue
            done[m] = d
            for pre, post in silent:
                if m & pre == pre:
                    rest = m ^ pre
                    if rest & post:
                        raise NotSafe("a place would hold two tokens")
                    nxt = rest | post
                    if nxt not in done:
                        heapq.heappush(heap, (d + 1, nxt))
        return done

    def _arrival(self, closure: Distances, label: str) -> Distances:
        """The markings after one move on ``label`` from ``closure``, with their least cost."""
        out: Distances = {}
        moves = self.visible.get(label, ())
        for m, d in closure.items():
            for pre, post in moves:
                if m & pre == pre:
                    rest = m ^ pre
                    if rest & post:
                        raise NotSafe("a place would hold two tokens")
                    nxt = rest | post
                    if d < out.get(nxt, d + 1):
                        out[nxt] = d
        return out

    def walk(self, trie: PrefixTrie, tick: Callable[[int], None] | None = None) -> list[list[Any] | None]:
        """For each node of ``trie``, the markings where pm4py's prefix alignment of its prefix
        stops (sorted), or None when the model cannot replay it (None for the root). ``tick(done)``
        is called every 256 prefixes (it may raise to stop the walk)."""
        children = trie.children
        out: list[list[Any] | None] = [None] * len(children)
        # nodes whose children are still to do, with their closures; depth first
        stack: list[tuple[int, Distances]] = [(0, self._closure({self.initial: 0}))]
        done = 0
        while stack:
            node, closure = stack.pop()
            for label, kid in children[node].items():
                if tick is not None and done % 256 == 0:
                    tick(done)
                done += 1
                arrival = self._arrival(closure, label)
                if not arrival:
                    continue  # None, and so are the prefixes extending it
                least = min(arrival.values())
                out[kid] = sorted(m for m, d in arrival.items() if d == least)
                if children[kid]:
                    stack.append((kid, self._closure(arrival)))
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

    def _closure(self, seeds: Any) -> Any:
        done: dict[tuple[int, ...], int] = {}
        heap = [(d, m) for m, d in seeds.items()]
        heapq.heapify(heap)
        while heap:
            d, m = heapq.heappop(heap)
            if m in done:
                continue
            done[m] = d
            if len(done) > MAX_MARKINGS:
                raise NotSafe(f"more than {MAX_MARKINGS:,} markings after one prefix")
            for need, change in self.silent_counted:
                nxt = self._fire(m, need, change)
                if nxt is not None and nxt not in done:
                    heapq.heappush(heap, (d + 1, nxt))
        return done

    def _arrival(self, closure: Any, label: str) -> Any:
        out: dict[tuple[int, ...], int] = {}
        moves = self.visible_counted.get(label, ())
        for m, d in closure.items():
            for need, change in moves:
                nxt = self._fire(m, need, change)
                if nxt is not None and d < out.get(nxt, d + 1):
                    out[nxt] = d
        return out
