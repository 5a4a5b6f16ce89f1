"""The main path of a designed journey: one run of its Petri net, chosen by what the log does.

:func:`main_path` searches the runs of the net from the initial to the final marking in which
every visible transition fires at most once (a loop is gone through once; silent transitions
may fire as often as needed) and returns the visible labels of the best run, in firing order.
Runs are compared by, in this order:

1. ``support(labels)``, larger first: how many journeys did every step of the run (the caller
   counts it on the log, as a set, ignoring order). At an exclusive choice this picks the branch
   most journeys took together with the rest of the run; an optional step (a run can skip it)
   is left out unless every journey that does the rest of the run also does it;
2. the number of steps, more first (such an optional step is then kept);
3. the sequence of ``position(label)`` (the median position of the step in the journeys),
   lexicographically smaller first: this orders the branches of a parallel block, whose
   interleavings tie on 1 and 2, by where the journeys usually do each step;
4. the sequence of labels, alphabetically.

Plain Python over the net's arcs (like :mod:`journeylog.mining.stages`), in two passes: a
depth-first branch and bound over (marking, transitions fired) states finds the transition sets
of the runs best on 1 and 2 (support only falls as steps are added, so a state whose steps already
have less support than the best run found is left), then, for each such set, a search over the
runs firing exactly those transitions finds the best order (3, 4). More than ``max_states``
states is refused with an :class:`~journeylog.errors.InvalidInput` asking for the steps.

>>> from journeylog.models import parse_process_tree
>>> from journeylog.mining import tree_to_net
>>> journeys = [{"A", "B", "D"}] * 5 + [{"A", "C", "D"}] * 9 + [{"A", "C"}] * 2
>>> count = lambda labels: sum(labels <= j for j in journeys)
>>> main_path(tree_to_net(parse_process_tree("->('A', X('B', 'C'), 'D')")), support=count)
('A', 'C', 'D')
>>> main_path(tree_to_net(parse_process_tree("->('A', X('B', tau), 'D')")), support=count)
('A', 'D')
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from journeylog.errors import InvalidInput, param
from journeylog.mining.petri import unpack_model
from journeylog.mining.stages import MAX_SILENT_MARKINGS

__all__ = ["MAX_PATH_STATES", "main_path"]

#: at most this many (marking, fired transitions) states are searched for the main path
MAX_PATH_STATES = 200_000

_Marking = tuple[tuple[str, int], ...]
_State = tuple[_Marking, frozenset[str]]


@dataclass
class _Net:
    pre: dict[str, dict[str, int]]
    post: dict[str, dict[str, int]]
    label: dict[str, str | None]
    silent: list[str]
    visible: list[str]


def _read(net: Any) -> _Net:
    pre: dict[str, dict[str, int]] = {}
    post: dict[str, dict[str, int]] = {}
    label: dict[str, str | None] = {}
    for t in net.transitions:
        name = str(t.name)
        pre[name], post[name] = {}, {}
        for a in t.in_arcs:
            pre[name][str(a.source.name)] = pre[name].get(str(a.source.name), 0) + int(a.weight)
        for a in t.out_arcs:
            post[name][str(a.target.name)] = post[name].get(str(a.target.name), 0) + int(a.weight)
        label[name] = None if t.label is None else str(t.label)
    return _Net(pre, post, label, sorted(n for n, v in label.items() if v is None),
                sorted(n for n, v in label.items() if v is not None))


def _freeze(marking: Mapping[str, int]) -> _Marking:
    return tuple(sorted((p, n) for p, n in marking.items() if n))


def _enabled(net: _Net, marking: Mapping[str, int], name: str) -> bool:
    return all(marking.get(p, 0) >= n for p, n in net.pre[name].items())


def _fire(net: _Net, marking: Mapping[str, int], name: str) -> _Marking:
    out = dict(marking)
    for p, n in net.pre[name].items():
        out[p] = out.get(p, 0) - n
    for p, n in net.post[name].items():
        out[p] = out.get(p, 0) + n
    return _freeze(out)


def main_path(model: Any, *, support: Callable[[frozenset[str]], int],
              position: Callable[[str], float] | None = None, max_states: int = MAX_PATH_STATES) -> tuple[str, ...]:
    """The visible labels of the designed journey's main path (see the module docstring).

    ``model``: a :class:`journeylog.models.DesignedModel`, a ``(net, im, fm)`` tuple or a bare net
    (initial and final marking: its source and sink places). ``support(labels)``: journeys that
    did all of ``labels``; ``position(label)``: where a step usually happens (default 0).
    """
    if hasattr(model, "transitions") and hasattr(model, "places"):
        model = _bare(model)
    raw, im, fm, path = unpack_model(model)
    search = _Search(_read(raw), _freeze({str(p.name): int(n) for p, n in fm.items()}), support,
                     position or (lambda _label: 0.0), max_states, path)
    start = _freeze({str(p.name): int(n) for p, n in im.items()})
    search.explore(start, frozenset())
    if not search.sets:
        raise InvalidInput("the designed model has no run from its start to its end that does each step at most once",
                           path=path, hint=f"give the steps of the funnel ({param('steps')})")
    runs = []
    for chosen in search.sets:
        search.memo.clear()  # the best orders found are those of one set of transitions
        runs.append(search.order(start, frozenset(), chosen))
    return min(r for r in runs if r is not None)[1]


class _Search:
    """One :func:`main_path` search, in two passes. :meth:`explore` finds the sets of visible
    transitions of the runs with the largest support, then the most steps (a depth-first branch
    and bound: support only falls as steps are added, so a state whose steps already have less
    support than the best run found is left; each (marking, fired) state is explored once).
    :meth:`order` then finds, for one such set, the run firing exactly those transitions with the
    smallest sequence of positions (the interleaving of parallel branches)."""

    def __init__(self, net: _Net, final: _Marking, support: Callable[[frozenset[str]], int],
                 position: Callable[[str], float], max_states: int, path: str | None) -> None:
        self.net, self.final, self.support, self.position = net, final, support, position
        self.max_states, self.path = max_states, path
        self.closures: dict[_Marking, list[_Marking]] = {}
        self.supports: dict[frozenset[str], int] = {}
        self.seen: set[_State] = set()
        self.value: tuple[int, int] = (-1, -1)  # (support, steps) of the best runs found so far
        self.sets: list[frozenset[str]] = []  # their visible transitions
        self.memo: dict[_State, tuple[tuple[float, ...], tuple[str, ...], tuple[str, ...]] | None] = {}

    def closure(self, marking: _Marking) -> list[_Marking]:
        """The markings reachable from ``marking`` by silent transitions (itself included), sorted."""
        if marking not in self.closures:
            seen, queue = {marking}, deque([marking])
            while queue:
                m = dict(queue.popleft())
                for t in self.net.silent:
                    if _enabled(self.net, m, t) and len(seen) < MAX_SILENT_MARKINGS:
                        nxt = _fire(self.net, m, t)
                        if nxt not in seen:
                            seen.add(nxt)
                            queue.append(nxt)
            self.closures[marking] = sorted(seen)
        return self.closures[marking]

    def count(self, fired: frozenset[str]) -> int:
        """The support of the labels of the ``fired`` transitions (cached)."""
        labels = frozenset(str(self.net.label[t]) for t in fired)
        if labels not in self.supports:
            self.supports[labels] = int(self.support(labels))
        return self.supports[labels]

    def _steps(self, marking: _Marking, fired: frozenset[str]) -> list[tuple[_Marking, str]]:
        """(marking of the closure, visible transition enabled there and not fired yet), sorted."""
        out = []
        for m in self.closure(marking):
            current = dict(m)
            out += [(m, t) for t in self.net.visible if t not in fired and _enabled(self.net, current, t)]
        return out

    def explore(self, marking: _Marking, fired: frozenset[str]) -> None:
        """Pass 1 from (``marking``, ``fired``); the recursion only goes deeper by a visible
        firing, each transition at most once, so it always ends."""
        support = self.count(fired)
        state = (marking, fired)
        if support < self.value[0] or state in self.seen:
            return
        self.seen.add(state)
        if len(self.seen) > self.max_states:
            raise InvalidInput(f"the designed model has too many states (over {self.max_states:,}) to find its main path",
                               path=self.path, hint=f"give the steps of the funnel ({param('steps')})")
        if self.final in self.closure(marking):
            value = (support, len(fired))
            if value > self.value:
                self.value, self.sets = value, [fired]
            elif value == self.value and fired not in self.sets:
                self.sets.append(fired)
        steps = self._steps(marking, fired)  # the most supported first: a good bound early
        steps.sort(key=lambda mt: (-self.count(fired | {mt[1]}), mt[1], mt[0]))
        for m, t in steps:
            self.explore(_fire(self.net, dict(m), t), fired | {t})

    def order(self, marking: _Marking, fired: frozenset[str], chosen: frozenset[str]
              ) -> tuple[tuple[float, ...], tuple[str, ...], tuple[str, ...]] | None:
        """Pass 2: the run from (``marking``, ``fired``) that fires exactly ``chosen``, as
        (positions, labels, transitions), lexicographically smallest; None when there is none."""
        state = (marking, fired)
        if fired == chosen:
            return ((), (), ()) if self.final in self.closure(marking) else None
        if state in self.memo:
            return self.memo[state]
        options = []
        for m, t in self._steps(marking, fired):
            if t not in chosen:
                continue
            rest = self.order(_fire(self.net, dict(m), t), fired | {t}, chosen)
            if rest is not None:
                lab = str(self.net.label[t])
                options.append(((float(self.position(lab)), *rest[0]), (lab, *rest[1]), (t, *rest[2])))
        self.memo[state] = min(options) if options else None
        return self.memo[state]


def _bare(net: Any) -> tuple[Any, dict[Any, int], dict[Any, int]]:
    """A net with its source places marked initially and its sink places finally."""
    im = {p: 1 for p in net.places if not p.in_arcs}
    fm = {p: 1 for p in net.places if not p.out_arcs}
    return net, im, fm
