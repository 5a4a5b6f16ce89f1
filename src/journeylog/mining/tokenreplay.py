"""journeylog's own token-based replay: pm4py's TOKEN_REPLAY, step for step, on a compiled net.

pm4py's ``token_replay.apply_trace`` (with ``consider_remaining_in_fitness=True``,
``cleaning_token_flood=False``, ``walk_through_hidden_trans=True``,
``try_to_reach_final_marking_through_hidden=True``, no caches, non-exhaustive invisible
exploration: what :func:`journeylog.mining.token_replay` has always asked of it) is ported here
with the same steps, loops, limits and tie-breaks, on integers:

* places and transitions are numbered once per model; each transition keeps its input and output
  arcs as ``(place, weight)`` lists, in the order pm4py iterates ``t.in_arcs`` / ``t.out_arcs``;
* a marking is a dict place -> tokens whose *insertion order* is pm4py's ``Marking`` (a
  ``Counter``): every update does what pm4py's ``execute`` / ``add_missing_tokens`` do to the
  Counter, in the same order, so the one place where pm4py reads a marking in its own order (the
  connections to the sink place at the end of a trace, sorted stably by path length) sees the same
  order;
* pm4py's shortest paths through invisible transitions (``get_places_shortest_path_by_hidden``,
  a depth-first search to depth 50 that keeps the first path found of each length) are ported
  with its visiting order and computed once per model;
* the replay of one event is a pure function of the marking (with its order) and the activity,
  and so is the end of a trace (reaching the final marking through invisible transitions, the
  remaining and missing tokens): both are remembered, so sequences that pass through the same
  markings (nearly all of a log's variants) cost a dictionary look-up per event.

**Iteration orders.** pm4py's places, transitions and arcs hash by ``id()``: the order of its sets
(``net.transitions``, ``t.in_arcs``, ``p.out_arcs``, the set of enabled transitions) depends on
memory addresses, hence on the process. This port reads those orders from the very net objects
pm4py would be given, in the same process, so it follows pm4py's choices under the same
conditions. Where pm4py sorts (places by name, ``trans_map`` by transition name, paths by
length) the sort is reproduced, stable as pm4py's. Two of pm4py's choices depend on a set order
that this port rebuilds with the same Python set operations: which of several enabled
transitions with the event's label fires (duplicate labels), and the order of
``net.transitions`` for ``trans_map``'s ties. Nets whose places share a name (pm4py's sort by
name then falls back to an address-dependent set order) or whose markings name places outside
the net are not compiled (:class:`Unsupported`); the caller replays them with pm4py's own code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["Unsupported", "TokenReplayNet", "TraceResult", "replay_sequences"]

#: pm4py's TechnicalParameters: MAX_REC_DEPTH (shortest paths), MAX_REC_DEPTH_HIDTRANSENABL,
#: MAX_IT_FINAL1, MAX_IT_FINAL2, and the bound of enable_hidden_transitions' loop
MAX_REC_DEPTH = 50
MAX_REC_DEPTH_HIDTRANSENABL = 2
MAX_IT_FINAL1 = 5
MAX_IT_FINAL2 = 5
_MAX_ENABLE_ROUNDS = 10_000_000

#: (trace_is_fit, trace_fitness, missing, consumed, remaining, produced)
TraceResult = tuple[bool, float, int, int, int, int]
Marking = dict[int, int]
State = tuple[tuple[int, int], ...]


class Unsupported(Exception):
    """The net has a feature this port does not reproduce exactly (see the module docstring)."""


class TokenReplayNet:
    """A Petri net compiled for pm4py's token replay (see the module docstring)."""

    def __init__(self, net: Any, im: Any, fm: Any) -> None:
        places = list(net.places)
        transitions = list(net.transitions)  # pm4py's iteration order of net.transitions, here and now
        pidx: dict[Any, int] = {p: i for i, p in enumerate(places)}
        names = [p.name for p in places]
        if len(set(names)) < len(names):
            raise Unsupported("places share a name")
        try:
            by_name = sorted(range(len(places)), key=lambda i: names[i])
        except TypeError:
            raise Unsupported("place names cannot be sorted") from None
        self.rank = [0] * len(places)
        for r, i in enumerate(by_name):
            self.rank[i] = r
        try:
            self.pre = [[(pidx[a.source], a.weight) for a in t.in_arcs] for t in transitions]
            self.post = [[(pidx[a.target], a.weight) for a in t.out_arcs] for t in transitions]
            self.im = [(pidx[p], im[p]) for p in im]
            self.fm = {pidx[p]: fm[p] for p in fm}
        except KeyError:
            raise Unsupported("an arc or a marking names a place outside the net") from None
        self.objs = transitions
        self.tidx: dict[Any, int] = {t: i for i, t in enumerate(transitions)}
        self.label = [t.label for t in transitions]
        self.cons = [sum(w for _p, w in arcs) for arcs in self.pre]
        self.prod = [sum(w for _p, w in arcs) for arcs in self.post]
        self.fm_sorted = sorted(self.fm, key=self.rank.__getitem__)
        trans_map: dict[Any, int] = {}
        try:
            by_tname = sorted(range(len(transitions)), key=lambda i: transitions[i].name)
        except TypeError:
            raise Unsupported("transition names cannot be sorted") from None
        for i in by_tname:
            trans_map[transitions[i].label] = i
        self.trans_map = trans_map
        self.by_label: dict[Any, list[int]] = {}
        for i, t in enumerate(transitions):
            self.by_label.setdefault(t.label, []).append(i)
        try:
            p_out = [[self.tidx[a.target] for a in p.out_arcs] for p in places]
        except KeyError:
            raise Unsupported("an arc leads to a transition outside the net") from None
        self.paths = _shortest_paths_by_hidden(len(places), p_out, self.post, self.label)
        self._steps: dict[tuple[State, str], tuple[State, int, int, int]] = {}
        self._ends: dict[State, tuple[int, int, int, int]] = {}

    # pm4py's semantics on the compiled net -------------------------------------------------------

    def _enabled(self, t: int, m: Marking) -> bool:
        return all(m.get(p, 0) >= w for p, w in self.pre[t])

    def _fire(self, t: int, m: Marking) -> None:
        """pm4py's ``semantics.execute`` on an enabled transition, in place, Counter order kept."""
        for p, w in self.pre[t]:
            v = m.get(p, 0) - w
            m[p] = v
            if v == 0:
                del m[p]
        for p, w in self.post[t]:
            m[p] = m.get(p, 0) + w

    def _hidden_to_enable(self, m: Marking, targets: Iterable[int]) -> list[list[int]]:
        """pm4py's ``get_hidden_transitions_to_enable`` / ``get_req_transitions_for_final_marking``."""
        rank = self.rank.__getitem__
        goals = sorted(targets, key=rank)
        out = []
        for p1 in sorted(m, key=rank):
            row = self.paths[p1]
            for p2 in goals:
                path = row.get(p2)
                if path is not None:
                    out.append(path)
        out.sort(key=len)
        return out

    def _enable_hidden(self, m: Marking, visited: set[int], groups: list[list[int]], t: int,
                       fired: list[int]) -> None:
        """pm4py's ``enable_hidden_transitions`` (non-exhaustive), in place."""
        j = [0] * len(groups)
        for z in range(_MAX_ENABLE_ROUNDS):
            g = z % len(groups)
            group = groups[g]
            changed = False
            for k in range(j[g], len(group)):
                t3 = group[k]
                if t3 != t and self._enabled(t3, m) and t3 not in visited:
                    self._fire(t3, m)
                    fired.append(t3)
                    visited.add(t3)
                    changed = True
                j[g] = k + 1
                if self._enabled(t, m):
                    break
            if self._enabled(t, m) or not changed:
                break

    def _apply_hidden(self, t: int, m: Marking, depth: int, visited: set[int], fired: list[int]) -> None:
        """pm4py's ``apply_hidden_trans``, in place; ``fired`` gets the transitions it fires."""
        if depth >= MAX_REC_DEPTH_HIDTRANSENABL or t in visited:
            return
        visited.add(t)
        at_start = dict(m)
        missing = {p for p, w in self.pre[t] if m.get(p, 0) < w}
        groups = self._hidden_to_enable(m, missing)
        if not groups:
            return
        self._enable_hidden(m, visited, groups, t, fired)
        if not self._enabled(t, m):
            for group in self._hidden_to_enable(m, missing):
                for t4 in group:
                    if t4 != t and t4 not in visited:
                        if not self._enabled(t4, m):
                            self._apply_hidden(t4, m, depth + 1, visited, fired)
                        if self._enabled(t4, m):
                            self._fire(t4, m)
                            fired.append(t4)
                            visited.add(t4)
        if not self._enabled(t, m) and at_start != m:
            self._apply_hidden(t, m, depth + 1, visited, fired)

    def _choose(self, activity: str, m: Marking) -> int:
        """The transition pm4py fires for ``activity``: the first enabled one carrying the label in
        the order of the set ``semantics.enabled_transitions`` builds, else ``trans_map``'s."""
        cands = self.by_label[activity]
        if len(cands) == 1:
            return cands[0]
        enabled = set()
        for i, obj in enumerate(self.objs):
            if self._enabled(i, m):
                enabled.add(obj)
        for obj in enabled:
            if obj.label == activity:
                return self.tidx[obj]
        return self.trans_map[activity]

    def _event(self, m: Marking, activity: str) -> tuple[int, int, int]:
        """One event of ``apply_trace``, in place: (missing, consumed, produced) it adds."""
        if activity not in self.trans_map:
            return 0, 0, 0
        t = self._choose(activity, m)
        missing = consumed = produced = 0
        if not self._enabled(t, m):
            fired: list[int] = []
            self._apply_hidden(t, m, 0, set(), fired)
            for tt in fired:
                consumed += self.cons[tt]
                produced += self.prod[tt]
        if not self._enabled(t, m):
            for p, w in self.pre[t]:  # add_missing_tokens: the deficit counts, the weight is added
                have = m.get(p, 0)
                if have < w:
                    missing += w - have
                    m[p] = have + w
        consumed += self.cons[t]
        produced += self.prod[t]
        if self._enabled(t, m):
            self._fire(t, m)
        return missing, consumed, produced

    def _reached(self, m: Marking) -> bool:
        """pm4py's ``break_condition_final_marking``: every final place is a key of the marking."""
        return all(p in m for p in self.fm)

    def _fire_counted(self, t: int, m: Marking, counts: list[int]) -> None:
        self._fire(t, m)
        counts[0] += self.cons[t]
        counts[1] += self.prod[t]

    def _end(self, m: Marking) -> tuple[int, int, int, int]:
        """The end of ``apply_trace``, in place: (consumed, produced, remaining, missing of the
        final marking) it adds (``consumed`` includes the final marking's tokens)."""
        counts = [0, 0]
        for _ in range(MAX_IT_FINAL1):
            if self._reached(m):
                break
            for group in self._hidden_to_enable(m, self.fm_sorted):
                for t in group:
                    if self._enabled(t, m):
                        self._fire_counted(t, m, counts)
                if self._reached(m):
                    break
        if not self._reached(m) and len(self.fm) == 1:
            sink = next(iter(self.fm))
            conns = [path for p in m if (path := self.paths[p].get(sink)) is not None]
            conns.sort(key=len)
            for _ in range(MAX_IT_FINAL2):
                for path in conns:
                    for t in path:
                        if not self._enabled(t, m):
                            break
                        self._fire_counted(t, m, counts)
        diff = sum(d for p, want in self.fm.items() if (d := want - m.get(p, 0)) > 0)
        remaining = 0
        for p, v in m.items():
            remaining += max(0, v - self.fm[p]) if p in self.fm else v
        return counts[0] + sum(self.fm.values()), counts[1], remaining, diff

    # one sequence ---------------------------------------------------------------------------------

    def replay(self, activities: Sequence[str]) -> TraceResult:
        """pm4py's ``apply_trace`` on one sequence of activities (memoised per marking)."""
        state: State = tuple(self.im)
        missing = consumed = 0
        produced = sum(w for _p, w in self.im)
        steps = self._steps
        for a in activities:
            key = (state, a)
            hit = steps.get(key)
            if hit is None:
                m = dict(state)
                dm, dc, dp = self._event(m, a)
                hit = steps[key] = (tuple(m.items()), dm, dc, dp)
            state = hit[0]
            missing += hit[1]
            consumed += hit[2]
            produced += hit[3]
        end = self._ends.get(state)
        if end is None:
            end = self._ends[state] = self._end(dict(state))
        consumed += end[0]
        produced += end[1]
        remaining = end[2]
        is_fit = missing == 0 and remaining == 0
        missing += end[3]
        if consumed > 0 and produced > 0:
            fitness = 0.5 * (1.0 - float(missing) / float(consumed)) + 0.5 * (1.0 - float(remaining) / float(produced))
        else:
            fitness = 1.0
        # as pm4py's transcribe_result gives them
        return is_fit, float(fitness), int(missing), int(consumed), int(remaining), int(produced)


def _shortest_paths_by_hidden(n_places: int, p_out: list[list[int]], post: list[list[tuple[int, int]]],
                              label: list[Any]) -> list[dict[int, list[int]]]:
    """pm4py's ``get_places_shortest_path_by_hidden(net, 50)``: per place, the invisible
    transitions leading to each place, as its depth-first search finds them (the first path of
    each length found in pm4py's arc order is kept; a place reached again no shorter is not
    explored further from there)."""
    table: list[dict[int, list[int]]] = [{} for _ in range(n_places)]

    def visit(row: dict[int, list[int]], current: int, actual: list[int], depth: int) -> None:
        if depth > MAX_REC_DEPTH:
            return
        for t in p_out[current]:
            if label[t] is None:
                for p2, _w in post[t]:
                    if p2 not in row or len(actual) + 1 < len(row[p2]):
                        new = [*actual, t]
                        row[p2] = new
                        visit(row, p2, new, depth + 1)

    for p in range(n_places):
        visit(table[p], p, [], 0)
    return table


def replay_sequences(net: Any, im: Any, fm: Any, sequences: Sequence[Sequence[str]]) -> list[TraceResult]:
    """pm4py's token replay of each sequence (raises :class:`Unsupported`, see the module docstring)."""
    compiled = TokenReplayNet(net, im, fm)
    return [compiled.replay(seq) for seq in sequences]
