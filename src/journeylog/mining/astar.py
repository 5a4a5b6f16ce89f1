"""journeylog's own exact alignment search: one sequence against a Petri net, optimal cost.

pm4py's A* (:mod:`journeylog.mining.alignments`) rebuilds the synchronous product, its incidence
matrix and an LP for every trace. Here the model part is compiled once per model
(:class:`CompiledNet`): places and transitions become integers, a marking is a tuple of token
counts, and the successors of a marking (enabled transitions and the markings they lead to) are
computed once and remembered for every later state, trace and variant; each marking gets an
integer id, so a search state (marking, position) is one integer. The search runs over
states (marking, trace position) with pm4py's standard costs: 0 for a synchronous move, 10000
for a log move or a visible model move, 1 for a silent (tau) model move.

**Heuristic** (admissible and consistent, so the first final state popped is optimal): the
transitions that can still fire from a marking are among those reachable in the net's graph from
its marked places (and those without input places); every remaining event whose label no such
transition carries must be a log move: ``h = 10000 x`` their count. A state whose marking keeps a
token no transition can take away (beyond the final marking), or cannot put a token into a final
place that needs one, is dead and not queued.

**Tie-breaking** (deterministic, a property of the alignment, not of the search order): among
the optimal alignments, the one chosen is the least when they are compared move by move *from
the end*: a log move before a visible model move, before a silent move, before a synchronous
move; moves of one kind by transition order (:class:`CompiledNet`, by name), the later
transition last. Then, in every run of moves between two synchronous moves, the log moves are
written first (log and model moves commute there: no cost, marking or deviation kind changes).
In words: the journey's steps are matched to the design as early as they can be, and what does
not fit is explained as late as it can be. So a repeated step's first occurrence is synchronous
(``a b b c`` against ``a b c``: "b repeated"), and a step done before the one the design puts
first is matched where it happened, the other one reads as done late (``a c b``: "b skipped",
then "b extra after c", i.e. wrong order for b), the same way whatever came earlier in the
journey; a drop-out lists the journey's own extra events before the steps it never did.
The search finds it by continuing A* until every state of an optimal alignment is closed (the
states whose f is at most the optimal cost: with a consistent heuristic that adds little to the
search) and keeping, per state, its preferred equally cheap last move; the preferred last moves
read back from the final state give the least alignment from the end. pm4py's choices come from
its LP solutions and follow no such rule (on the bundled sample it blames either step of one
swapped pair, depending on the journey's earlier steps). tests/mining/test_tiebreak.py pins
the rule against every optimal alignment enumerated by brute force, and hand-built cases with
the deviations they read as.
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
SEARCH_VERSION = "journeylog-astar-3"
#: markings remembered per model (with their successors) before the memory starts afresh
MAX_REMEMBERED_MARKINGS = 500_000
#: the model's whole reachability graph is explored (once) when it has at most this many markings
MAX_GRAPH_MARKINGS = 20_000

#: :meth:`CompiledNet.successors`: synchronous candidates ``(transition, marking id)`` by label
#: id, and every model move ``(cost, transition, marking id)``
Successors = tuple[dict[int, list[tuple[int, int]]], list[tuple[int, int, int]]]


def _arc_weight(arc: Any, weighted: bool) -> int:
    return int(getattr(arc, "weight", 1) or 1) if weighted else 1


def _names(arcs: Any, end: str) -> tuple[str, ...]:
    return tuple(sorted(str(getattr(a, end).name) for a in arcs))


class CompiledNet:
    """The model part of the synchronous product, built once: integer places and transitions,
    pre/post vectors, labels, markings interned as integer ids, and per-marking memories of
    successors, reachable labels and the cheapest completion.

    ``weighted``: arc weights count. Off by default, as in pm4py's alignments, whose synchronous
    product copies every arc with weight 1: the costs, hence the figures, then equal pm4py's on
    nets with weighted arcs too."""

    def __init__(self, net: Any, im: Any, fm: Any, weighted: bool = False) -> None:
        places = sorted(net.places, key=lambda p: (str(p.name), _names(p.in_arcs, "source"), _names(p.out_arcs, "target")))
        self.place_index = {p: i for i, p in enumerate(places)}
        self.n_places = len(places)
        transitions = sorted(net.transitions, key=lambda t: (str(t.name), "" if t.label is None else str(t.label),
                                                             _names(t.in_arcs, "source"), _names(t.out_arcs, "target")))
        self.names: list[str] = [str(t.name) for t in transitions]
        self.labels: list[str | None] = [None if t.label is None else str(t.label) for t in transitions]
        self.pre: list[tuple[tuple[int, int], ...]] = []
        self.delta: list[tuple[tuple[int, int], ...]] = []
        self.consumers: list[list[int]] = [[] for _ in range(self.n_places)]
        self.post_places: list[list[int]] = []
        for ti, t in enumerate(transitions):
            pre: dict[int, int] = {}
            post: dict[int, int] = {}
            for a in t.in_arcs:
                pre[self.place_index[a.source]] = pre.get(self.place_index[a.source], 0) + _arc_weight(a, weighted)
            for a in t.out_arcs:
                post[self.place_index[a.target]] = post.get(self.place_index[a.target], 0) + _arc_weight(a, weighted)
            self.pre.append(tuple(sorted(pre.items())))
            self.delta.append(tuple(sorted((p, post.get(p, 0) - pre.get(p, 0)) for p in set(pre) | set(post)
                                           if post.get(p, 0) != pre.get(p, 0))))
            for p in pre:
                self.consumers[p].append(ti)
            self.post_places.append(sorted(post))
        self.free = [ti for ti in range(len(transitions)) if not self.pre[ti]]
        self.label_ids: dict[str, int] = {}
        for lab in self.labels:
            if lab is not None and lab not in self.label_ids:
                self.label_ids[lab] = len(self.label_ids)
        self.tlabel = [-1 if lab is None else self.label_ids[lab] for lab in self.labels]
        self._start = (self._marking(im), self._marking(fm))
        self._reset()

    def _reset(self) -> None:
        """Forget every marking but the initial and final ones (ids 0 and 1, or 0 when equal)."""
        self.markings: list[tuple[int, ...]] = []
        self.ids: dict[tuple[int, ...], int] = {}
        self.succ: list[Successors | None] = []
        self.masks: list[int | None | bool] = []  # False: not computed yet
        self.rest: list[int] | None = None
        self._rest_done = False
        self.initial = self.intern(self._start[0])
        self.final = self.intern(self._start[1])

    def _marking(self, marking: Any) -> tuple[int, ...]:
        m = [0] * self.n_places
        for p, c in marking.items():
            m[self.place_index[p]] += int(c)
        return tuple(m)

    def intern(self, m: tuple[int, ...]) -> int:
        """The id of marking ``m``."""
        got = self.ids.get(m)
        if got is None:
            got = self.ids[m] = len(self.markings)
            self.markings.append(m)
            self.succ.append(None)
            self.masks.append(False)
            if self.rest is not None:
                self.rest.append(-1)
        return got

    def successors(self, mid: int) -> Successors:
        """The moves of the model from marking ``mid``: ``(sync, model)`` where ``sync`` maps a
        label id to the ``(transition, next marking)`` pairs carrying it and ``model`` lists
        ``(cost, transition, next marking)`` for every enabled transition, in transition order."""
        got = self.succ[mid]
        if got is not None:
            return got
        m = self.markings[mid]
        cands = set(self.free)
        for p, c in enumerate(m):
            if c:
                cands.update(self.consumers[p])
        sync: dict[int, list[tuple[int, int]]] = {}
        model: list[tuple[int, int, int]] = []
        for ti in sorted(cands):
            if all(m[p] >= w for p, w in self.pre[ti]):
                nm = list(m)
                for p, v in self.delta[ti]:
                    nm[p] += v
                after = self.intern(tuple(nm))
                x = self.tlabel[ti]
                if x >= 0:
                    sync.setdefault(x, []).append((ti, after))
                model.append((TAU_MOVE if x < 0 else MODEL_MOVE, ti, after))
        got = self.succ[mid] = (sync, model)
        return got

    def remaining(self) -> list[int] | None:
        """By marking id: the exact cheapest cost to the final marking with the model alone
        (visible 10000, silent 1; -1: cannot finish), when the reachability graph has at most
        ``MAX_GRAPH_MARKINGS`` markings (then every marking is known); else None. Built once."""
        if self._rest_done:
            return self.rest
        self._rest_done = True
        back: dict[int, list[tuple[int, int]]] = {}  # marking -> (cost, predecessor)
        seen = {self.initial}
        todo = [self.initial]
        while todo:
            mid = todo.pop()
            for cost, _ti, nid in self.successors(mid)[1]:
                back.setdefault(nid, []).append((cost, mid))
                if nid not in seen:
                    if len(seen) >= MAX_GRAPH_MARKINGS:
                        return None
                    seen.add(nid)
                    todo.append(nid)
        rest = [-1] * len(self.markings)
        heap = [(0, self.final)] if self.final in seen else []
        while heap:
            d, mid = heapq.heappop(heap)
            if rest[mid] >= 0:
                continue
            rest[mid] = d
            for cost, prev in back.get(mid, ()):
                if rest[prev] < 0:
                    heapq.heappush(heap, (d + cost, prev))
        self.rest = rest
        return rest

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

    def reach(self, mid: int) -> int | None:
        """The labels (bit mask over ``label_ids``) of the transitions that can still fire from
        marking ``mid`` as far as the net's graph tells, or None when it cannot reach the final
        marking: it keeps a token nothing takes away, or a final place that needs a token cannot
        get one, or (when the whole reachability graph is known) no run leads to the final one."""
        got = self.masks[mid]
        if got is not False:
            return got
        m = self.markings[mid]
        seen_p, seen_t = self._graph_reach(m)
        mask: int | None = 0
        for ti in seen_t:
            if self.tlabel[ti] >= 0:
                mask |= 1 << self.tlabel[ti]  # type: ignore[operator]
        final = self.markings[self.final]
        stuck = any(c > final[p] and not self.consumers[p] for p, c in enumerate(m))
        unfilled = any(c > m[p] and p not in seen_p for p, c in enumerate(final))
        if stuck or unfilled or (self.rest is not None and self.rest[mid] < 0):
            mask = None
        self.masks[mid] = mask
        return mask


_COMPILED: dict[int, tuple[Any, CompiledNet]] = {}


def compiled(net: Any, im: Any, fm: Any) -> CompiledNet:
    """The compiled model of ``net`` (built on first use and kept while the net lives here)."""
    got = _COMPILED.get(id(net))
    if got is not None and got[0] is net and got[1]._start == (got[1]._marking(im), got[1]._marking(fm)):
        return got[1]
    if len(_COMPILED) > 8:
        _COMPILED.clear()
    cn = CompiledNet(net, im, fm)
    _COMPILED[id(net)] = (net, cn)
    return cn


class _Heuristic:
    """The heuristic of one trace at a state (marking id, position), the larger of two bounds:
    ``10000 x`` the remaining events whose label no transition reachable from the marking carries
    (each is a log move), and the model's exact cheapest completion from the marking minus
    ``10000 x`` the remaining events (each event can replace at most one visible model move by a
    synchronous one). -1: the marking cannot reach the final marking."""

    def __init__(self, cn: CompiledNet, lid: list[int]) -> None:
        n = len(lid)
        self.cn = cn
        self.n = n
        self.rest = cn.remaining()
        self.unknown = [0] * (n + 1)  # events no transition carries: always log moves
        # per position: (label bit, count) of every label still ahead
        self.ahead: list[list[tuple[int, int]]] = [[] for _ in range(n + 1)]
        counts: dict[int, int] = {}
        for i in range(n - 1, -1, -1):
            x = lid[i]
            self.unknown[i] = self.unknown[i + 1] + (x < 0)
            if x >= 0:
                counts[1 << x] = counts.get(1 << x, 0) + 1
            self.ahead[i] = list(counts.items())
        self.memo: dict[int, int] = {}

    def h(self, mid: int, i: int) -> int:
        key = mid * (self.n + 1) + i
        got = self.memo.get(key)
        if got is not None:
            return got
        mask = self.cn.reach(mid)
        if mask is None:
            got = -1
        else:
            got = self.unknown[i]
            for bit, c in self.ahead[i]:
                if not mask & bit:
                    got += c
            got *= LOG_MOVE
            if self.rest is not None:
                got = max(got, self.rest[mid] - LOG_MOVE * (self.n - i))
        self.memo[key] = got
        return got


def search(cn: CompiledNet, seq: Sequence[str], timeout: float | None = None) -> dict[str, Any] | None:
    """The optimal alignment of ``seq`` with the compiled model: ``alignment`` (pm4py's label
    pairs), ``transitions`` (model transition names, None for log moves) and ``cost``; None when
    ``timeout`` seconds pass first or the final marking cannot be reached.
    """
    if len(cn.markings) > MAX_REMEMBERED_MARKINGS:
        cn._reset()
    start = time.monotonic()
    n = len(seq)
    width = n + 1
    lid = [cn.label_ids.get(a, -1) for a in seq]
    heur = _Heuristic(cn, lid)
    h0 = heur.h(cn.initial, 0)
    if h0 < 0:
        return None
    goal = cn.final * width + n
    # a state is marking id x (n + 1) + position; parent: state -> (preference, previous state,
    # move kind, transition) of its preferred optimal last move (see the module's tie-breaking)
    best: dict[int, int] = {cn.initial * width: 0}
    parent: dict[int, tuple[int, int, int, int]] = {}
    closed: set[int] = set()
    heap: list[tuple[int, int, int, int]] = [(h0, 0, 0, cn.initial * width)]
    cost = -1
    while heap:
        f, i, g, state = heapq.heappop(heap)
        if cost >= 0 and f > cost:
            break  # every state of an optimal alignment is closed: its preferred last move is known
        if state in closed:
            continue
        if state == goal:
            cost = g
        if timeout is not None and not len(closed) & 255 and time.monotonic() - start >= timeout:
            return None
        closed.add(state)
        mid = state // width
        for mcost, nid, ni, kind, ti in _moves(cn.successors(mid), mid, i, lid[i] if i < n else -2):
            nstate = nid * width + ni
            ng = g + mcost
            old = best.get(nstate)
            pref = _PREFERENCE[kind] if kind != 1 or cn.tlabel[ti] >= 0 else _SILENT
            if old is not None and old <= ng:
                if old == ng:  # an equally cheap last move: keep the preferred one
                    here = parent[nstate]
                    if pref < here[0] or (pref == here[0] and ti > here[3]):
                        parent[nstate] = (pref, state, kind, ti)
                continue
            nh = heur.h(nid, ni)
            if nh < 0:
                continue
            best[nstate] = ng
            parent[nstate] = (pref, state, kind, ti)
            heapq.heappush(heap, (ng + nh, ni, ng, nstate))
    if cost < 0:
        return None
    return _result(cn, seq, parent, goal, width, cost)


#: the rank of a move kind (0 synchronous, 1 model, 2 log) as the last move into a state: the
#: lowest wins among equally cheap ones; a silent model move ranks :data:`_SILENT`
_PREFERENCE = (3, 1, 0)
_SILENT = 2


def _moves(succ: Successors, mid: int, i: int, x: int) -> list[tuple[int, int, int, int, int]]:
    """``(cost, marking id, position, kind, transition)`` of every move from state ``(mid, i)``
    (``x``: the label id of event ``i``, -1 for a label no transition carries, -2 past the end),
    in queueing order: synchronous (kind 0), model (1), log (2)."""
    sync, model = succ
    out = [(0, nid, i + 1, 0, ti) for ti, nid in sync.get(x, ())]
    out.extend((cost, nid, i, 1, ti) for cost, ti, nid in model)
    if x != -2:
        out.append((LOG_MOVE, mid, i + 1, 2, -1))
    return out


def _result(cn: CompiledNet, seq: Sequence[str], parent: dict[int, tuple[int, int, int, int]], state: int, width: int,
            cost: int) -> dict[str, Any]:
    """The moves from the initial state to ``state``, as pm4py writes them: the preferred last
    move of every state back to the initial one, then in every run of moves between two
    synchronous ones the log moves first (see the module's tie-breaking)."""
    back: list[tuple[int, int, int]] = []  # (kind, position, transition), last move first
    while state in parent:
        _pref, prev, kind, ti = parent[state]
        back.append((kind, prev % width, ti))
        state = prev
    back.reverse()
    steps: list[tuple[tuple[str | None, str | None], str | None]] = []
    model: list[tuple[tuple[str | None, str | None], str | None]] = []
    for kind, i, ti in back:
        if kind == 1:
            model.append(((SKIP, cn.labels[ti]), cn.names[ti]))
        elif kind == 2:
            steps.append(((seq[i], SKIP), None))
        else:
            steps.extend(model)
            model.clear()
            steps.append(((seq[i], cn.labels[ti]), cn.names[ti]))
    steps.extend(model)
    return {"alignment": [s for s, _t in steps], "transitions": [t for _s, t in steps], "cost": cost}
