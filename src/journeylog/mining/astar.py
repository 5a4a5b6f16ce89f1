"""journeylog's own exact alignment search: one sequence against a Petri net, optimal cost.

pm4py's A* (:mod:`journeylog.mining.alignments`) rebuilds the synchronous product, its incidence
matrix and an LP for every trace. Here the model part is compiled once per model
(:class:`CompiledNet`): places and transitions become integers, a marking is a tuple of token
counts, and the successors of a marking (enabled transitions and the markings they lead to) are
computed once and remembered for every later state, trace and variant. The search runs over
states (marking, trace position) with pm4py's standard costs: 0 for a synchronous move, 10000
for a log move or a visible model move, 1 for a silent (tau) model move.

**Heuristic** (admissible and consistent, so the first final state popped is optimal): the
transitions that can still fire from a marking are among those reachable in the net's graph from
its marked places (and those without input places); every remaining event whose label no such
transition carries must be a log move: ``h = 10000 x`` their count. A state whose marking keeps a
token no transition can take away (beyond the final marking), or cannot put a token into a final
place that needs one, is dead and not queued.

**Tie-breaking** (deterministic): the open list is ordered by ``(f, trace position, g, push
order)``: among equal f, the state less far along the trace, then the one with the lower cost so
far, then the one queued first; a state keeps the first of equally cheap ways to reach it. A
state's moves are queued in this order: synchronous moves, then model moves (silent or visible),
each in the transition order of :class:`CompiledNet` (by name, then label), then the log move.
So among equally cheap alignments, model moves come before log moves where either order works
(a swapped pair ``a c b`` against ``a b c`` is "skipped b, extra b after c"), a repeated step's
first occurrence is synchronous, like pm4py's usual choice (tests/mining/test_astar.py pins
these). pm4py's choices come from its LP solutions, so on real logs the two searches may pick
different, equally cheap alignments (on the web-shop benchmark about 60% of variants get the
same visible moves); every cost, hence every fitness figure, is the same.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["SEARCH_VERSION", "LOG_MOVE", "MODEL_MOVE", "TAU_MOVE", "CompiledNet", "compiled", "search"]

#: pm4py's standard costs (align_utils.STD_MODEL_LOG_MOVE_COST, STD_TAU_COST, STD_SYNC_COST)
LOG_MOVE = 10000
MODEL_MOVE = 10000
TAU_MOVE = 1
SKIP = ">>"
#: names this search in alignment caches: change it when the chosen moves can change
SEARCH_VERSION = "journeylog-astar-1"
#: successors remembered per model before the memory is cleared (bounded memory on huge models)
MAX_REMEMBERED_MARKINGS = 200_000
#: the model's whole reachability graph is explored (once) when it has at most this many markings
MAX_GRAPH_MARKINGS = 20_000

#: a search state: (marking, trace position)
State = tuple[tuple[int, ...], int]
#: :meth:`CompiledNet.successors`: synchronous candidates by label id, and every model move
Successors = tuple[dict[int, list[tuple[int, tuple[int, ...]]]], list[tuple[int, int, tuple[int, ...]]]]


def _arc_weight(arc: Any, weighted: bool) -> int:
    return int(getattr(arc, "weight", 1) or 1) if weighted else 1


class CompiledNet:
    """The model part of the synchronous product, built once: integer places and transitions,
    weighted pre/post vectors, labels, and per-marking memories of successors and reach.

    ``weighted``: arc weights count. Off by default, as in pm4py's alignments, whose synchronous
    product copies every arc with weight 1: the costs, hence the figures, then equal pm4py's on
    nets with weighted arcs too."""

    def __init__(self, net: Any, im: Any, fm: Any, weighted: bool = False) -> None:
        places = sorted(net.places, key=lambda p: (str(p.name), tuple(sorted(str(a.source.name) for a in p.in_arcs)),
                                                   tuple(sorted(str(a.target.name) for a in p.out_arcs))))
        self.place_index = {p: i for i, p in enumerate(places)}
        self.n_places = len(places)

        def tkey(t: Any) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
            return (str(t.name), "" if t.label is None else str(t.label),
                    tuple(sorted(str(a.source.name) for a in t.in_arcs)),
                    tuple(sorted(str(a.target.name) for a in t.out_arcs)))

        transitions = sorted(net.transitions, key=tkey)
        self.names: list[str] = [str(t.name) for t in transitions]
        self.labels: list[str | None] = [None if t.label is None else str(t.label) for t in transitions]
        self.pre: list[tuple[tuple[int, int], ...]] = []
        self.delta: list[tuple[tuple[int, int], ...]] = []
        for t in transitions:
            pre: dict[int, int] = {}
            post: dict[int, int] = {}
            for a in t.in_arcs:
                pre[self.place_index[a.source]] = pre.get(self.place_index[a.source], 0) + _arc_weight(a, weighted)
            for a in t.out_arcs:
                post[self.place_index[a.target]] = post.get(self.place_index[a.target], 0) + _arc_weight(a, weighted)
            self.pre.append(tuple(sorted(pre.items())))
            d = {p: post.get(p, 0) - pre.get(p, 0) for p in set(pre) | set(post)}
            self.delta.append(tuple(sorted((p, v) for p, v in d.items() if v != 0)))
        n_t = len(transitions)
        self.consumers: list[list[int]] = [[] for _ in range(self.n_places)]
        self.producers_of_place: list[list[int]] = [[] for _ in range(self.n_places)]
        for ti in range(n_t):
            for p, _w in self.pre[ti]:
                self.consumers[p].append(ti)
        self.post_places: list[list[int]] = [[] for _ in range(n_t)]
        for ti, t in enumerate(transitions):
            for a in t.out_arcs:
                self.post_places[ti].append(self.place_index[a.target])
        self.free = [ti for ti in range(n_t) if not self.pre[ti]]
        self.label_ids: dict[str, int] = {}
        for lab in self.labels:
            if lab is not None and lab not in self.label_ids:
                self.label_ids[lab] = len(self.label_ids)
        self.tlabel = [-1 if lab is None else self.label_ids[lab] for lab in self.labels]
        self.initial = self._marking(im)
        self.final = self._marking(fm)
        self._succ: dict[tuple[int, ...], Successors] = {}
        self._reach: dict[tuple[int, ...], int | None] = {}
        self._remaining: dict[tuple[int, ...], int] | None = None
        self._remaining_done = False

    def _marking(self, marking: Any) -> tuple[int, ...]:
        m = [0] * self.n_places
        for p, c in marking.items():
            m[self.place_index[p]] += int(c)
        return tuple(m)

    def successors(self, m: tuple[int, ...]) -> Successors:
        """The moves of the model from ``m``: ``(sync, model)`` where ``sync`` maps a label id to
        the ``(transition, next marking)`` pairs carrying it and ``model`` lists ``(cost,
        transition, next marking)`` for every enabled transition, both in transition order."""
        got = self._succ.get(m)
        if got is not None:
            return got
        cands = set(self.free)
        for p, c in enumerate(m):
            if c:
                cands.update(self.consumers[p])
        sync: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
        model: list[tuple[int, int, tuple[int, ...]]] = []
        for ti in sorted(cands):
            if all(m[p] >= w for p, w in self.pre[ti]):
                nm = list(m)
                for p, v in self.delta[ti]:
                    nm[p] += v
                after = tuple(nm)
                x = self.tlabel[ti]
                if x >= 0:
                    sync.setdefault(x, []).append((ti, after))
                model.append((TAU_MOVE if x < 0 else MODEL_MOVE, ti, after))
        if len(self._succ) >= MAX_REMEMBERED_MARKINGS:
            self._succ.clear()
        got = (sync, model)
        self._succ[m] = got
        return got

    def remaining(self) -> dict[tuple[int, ...], int] | None:
        """The exact cheapest cost from every reachable marking to the final marking with the
        model alone (visible 10000, silent 1; markings that cannot finish are left out), when the
        reachability graph has at most ``MAX_GRAPH_MARKINGS`` markings; else None. Built once."""
        if self._remaining_done:
            return self._remaining
        self._remaining_done = True
        index = {self.initial: 0}
        order = [self.initial]
        back: list[list[tuple[int, int]]] = [[]]  # per marking: (cost, predecessor)
        k = 0
        while k < len(order):
            for cost, _ti, nm in self.successors(order[k])[1]:
                j = index.get(nm)
                if j is None:
                    if len(order) >= MAX_GRAPH_MARKINGS:
                        return None
                    j = index[nm] = len(order)
                    order.append(nm)
                    back.append([])
                back[j].append((cost, k))
            k += 1
        dist: dict[int, int] = {}
        goal = index.get(self.final)
        heap = [] if goal is None else [(0, goal)]
        while heap:
            d, j = heapq.heappop(heap)
            if j in dist:
                continue
            dist[j] = d
            for cost, k in back[j]:
                if k not in dist:
                    heapq.heappush(heap, (d + cost, k))
        self._remaining = {order[j]: d for j, d in dist.items()}
        return self._remaining

    def _graph_reach(self, m: tuple[int, ...]) -> tuple[set[int], set[int]]:
        """The places and transitions reachable in the net's graph from ``m``'s marked places."""
        seen_p = {p for p, c in enumerate(m) if c}
        stack = list(seen_p)
        seen_t: set[int] = set(self.free)
        stack_t = list(self.free)
        while stack or stack_t:
            while stack:
                for ti in self.consumers[stack.pop()]:
                    if ti not in seen_t:
                        seen_t.add(ti)
                        stack_t.append(ti)
            while stack_t:
                for p in self.post_places[stack_t.pop()]:
                    if p not in seen_p:
                        seen_p.add(p)
                        stack.append(p)
        return seen_p, seen_t

    def reach(self, m: tuple[int, ...]) -> int | None:
        """The labels (bit mask over ``label_ids``) of the transitions that can still fire from
        ``m`` as far as the net's graph tells, or None when ``m`` cannot reach the final marking:
        it keeps a token nothing takes away, or a final place that needs a token cannot get one."""
        if m in self._reach:
            return self._reach[m]
        seen_p, seen_t = self._graph_reach(m)
        mask: int | None = 0
        for ti in seen_t:
            if self.tlabel[ti] >= 0:
                mask |= 1 << self.tlabel[ti]  # type: ignore[operator]
        stuck = any(c > self.final[p] and not self.consumers[p] for p, c in enumerate(m))
        unfilled = any(c > m[p] and p not in seen_p for p, c in enumerate(self.final))
        if stuck or unfilled:
            mask = None
        if len(self._reach) >= MAX_REMEMBERED_MARKINGS:
            self._reach.clear()
        self._reach[m] = mask
        return mask


_COMPILED: dict[int, tuple[Any, CompiledNet]] = {}


def compiled(net: Any, im: Any, fm: Any) -> CompiledNet:
    """The compiled model of ``net`` (built on first use and kept while the net lives here)."""
    key = id(net)
    got = _COMPILED.get(key)
    if got is not None and got[0] is net and got[1].initial == got[1]._marking(im) and got[1].final == got[1]._marking(fm):
        return got[1]
    if len(_COMPILED) > 8:
        _COMPILED.clear()
    cn = CompiledNet(net, im, fm)
    _COMPILED[key] = (net, cn)
    return cn


class _Suffix:
    """The heuristic of one trace at a state (marking, position), the larger of two bounds: the
    remaining events whose label no transition reachable from the marking carries, ``10000 x``
    (each is a log move), and the model's exact cheapest completion from the marking minus
    ``10000 x`` the remaining events (each event can replace at most one visible model move by
    a synchronous one). -1: the marking cannot reach the final marking."""

    def __init__(self, lid: list[int], remaining: dict[tuple[int, ...], int] | None) -> None:
        n = len(lid)
        self.cn_remaining = remaining
        self.n = n
        self.distinct = sorted({x for x in lid if x >= 0})
        self.counts = {x: [0] * (n + 1) for x in self.distinct}
        self.unknown = [0] * (n + 1)  # events no transition carries: always log moves
        for i in range(n - 1, -1, -1):
            for x in self.distinct:
                self.counts[x][i] = self.counts[x][i + 1] + (1 if lid[i] == x else 0)
            self.unknown[i] = self.unknown[i + 1] + (1 if lid[i] < 0 else 0)
        # per position: (label bit, count) of every label still ahead
        self.ahead = [[(1 << x, self.counts[x][i]) for x in self.distinct if self.counts[x][i]] for i in range(n + 1)]
        self.memo: dict[tuple[int, int], int] = {}

    def bind(self, cn: CompiledNet) -> _Suffix:
        self.cn = cn
        return self

    def h(self, m: tuple[int, ...], i: int) -> int:
        mask = self.cn.reach(m)
        if mask is None:
            return -1
        key = (mask, i)
        got = self.memo.get(key)
        if got is None:
            got = self.unknown[i]
            for bit, c in self.ahead[i]:
                if not mask & bit:
                    got += c
            got *= LOG_MOVE
            self.memo[key] = got
        rest = self.cn_remaining
        if rest is not None:
            r = rest.get(m)
            if r is None:
                return -1
            return max(got, r - LOG_MOVE * (self.n - i))
        return got


def search(cn: CompiledNet, seq: Sequence[str], timeout: float | None = None) -> dict[str, Any] | None:
    """The optimal alignment of ``seq`` with the compiled model: ``alignment`` (pm4py's label
    pairs), ``transitions`` (model transition names, None for log moves) and ``cost``; None when
    ``timeout`` seconds pass first or the final marking cannot be reached.
    """
    start = time.monotonic()
    n = len(seq)
    lid = [cn.label_ids.get(a, -1) for a in seq]
    suffix = _Suffix(lid, cn.remaining()).bind(cn)
    final = cn.final
    m0 = cn.initial
    h0 = suffix.h(m0, 0)
    if h0 < 0:
        return None
    # state: (marking, position); parent: state -> (previous state, move kind, transition)
    best: dict[State, int] = {(m0, 0): 0}
    parent: dict[State, tuple[State, int, int]] = {}
    closed: set[State] = set()
    heap: list[tuple[int, int, int, int, int, tuple[int, ...], int]] = [(h0, 0, 0, 0, 0, m0, 0)]
    counter = 0
    while heap:
        _f, _i, _g, _c, g, m, i = heapq.heappop(heap)
        state = (m, i)
        if state in closed:
            continue
        if timeout is not None and not len(closed) & 255 and time.monotonic() - start >= timeout:
            return None
        if i == n and m == final:
            return _result(cn, seq, parent, state, g)
        closed.add(state)
        for cost, nm, ni, kind, ti in _moves(cn.successors(m), m, i, lid[i] if i < n else -2):
            nstate = (nm, ni)
            ng = g + cost
            old = best.get(nstate)
            if (old is not None and old <= ng) or nstate in closed:
                continue
            nh = suffix.h(nm, ni)
            if nh < 0:
                continue
            best[nstate] = ng
            parent[nstate] = (state, kind, ti)
            counter += 1
            heapq.heappush(heap, (ng + nh, ni, ng, counter, ng, nm, ni))
    return None


def _moves(succ: Successors, m: tuple[int, ...], i: int, x: int) -> list[tuple[int, tuple[int, ...], int, int, int]]:
    """``(cost, marking, position, kind, transition)`` of every move from state ``(m, i)`` (``x``:
    the label id of event ``i``, -1 for a label no transition carries, -2 past the end), in
    queueing order: synchronous (kind 0), model (1), log (2)."""
    sync, model = succ
    out = [(0, nm, i + 1, 0, ti) for ti, nm in sync.get(x, ())]
    out.extend((cost, nm, i, 1, ti) for cost, ti, nm in model)
    if x != -2:
        out.append((LOG_MOVE, m, i + 1, 2, -1))
    return out


def _result(cn: CompiledNet, seq: Sequence[str], parent: dict[State, tuple[State, int, int]], state: State,
            cost: int) -> dict[str, Any]:
    """The moves from the initial state to ``state``, as pm4py writes them."""
    steps: list[tuple[tuple[str | None, str | None], str | None]] = []
    while state in parent:
        prev, kind, ti = parent[state]
        i = prev[1]
        if kind == 0:
            steps.append(((seq[i], cn.labels[ti]), cn.names[ti]))
        elif kind == 1:
            steps.append(((SKIP, cn.labels[ti]), cn.names[ti]))
        else:
            steps.append(((seq[i], SKIP), None))
        state = prev
    steps.reverse()
    return {"alignment": [s for s, _t in steps], "transitions": [t for _s, t in steps], "cost": cost}

