"""Stages of the designed journey: which visible steps could come next at a point of a run.

A drop-out is named by the *stage* where the journey stopped, not by the one branch the aligner
happened to pick: :class:`NextSteps` replays the model transitions an alignment fired up to that
point (by transition name, so the marking is exact) and returns the labels of every visible
transition enabled from the reached marking, directly or after silent transitions (gateways,
parallel splits, optional steps). Plain Python over the net's arcs; pm4py's own helper
(``get_visible_transitions_eventually_enabled_by_marking``) keeps one marking per silent
transition and can miss branches, so it is not used.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from journeylog.mining.petri import unpack_model

__all__ = ["MAX_SILENT_MARKINGS", "NextSteps"]

#: At most this many markings are visited through silent transitions from one marking (a net
#: whose silent transitions produce tokens forever would otherwise never stop).
MAX_SILENT_MARKINGS = 10_000

#: :meth:`NextSteps.stage` results remembered per model (then the memory starts afresh)
MAX_REMEMBERED_STAGES = 100_000

#: a marking as a sorted tuple of (place name, tokens)
_Marking = tuple[tuple[str, int], ...]


class NextSteps:
    """The visible steps that could come next after a prefix of a run of ``model``.

    ``model``: a :class:`journeylog.models.DesignedModel` or a ``(net, im, fm)`` tuple. Calling
    :meth:`after` with the names of the transitions fired so far (sync, model and silent moves
    of an alignment, in order) returns the sorted labels of the visible transitions enabled from
    the reached marking through silent transitions. Results are cached per marking.
    """

    def __init__(self, model: Any) -> None:
        net, im, _fm, _path = unpack_model(model)
        self._pre: dict[str, dict[str, int]] = {}
        self._post: dict[str, dict[str, int]] = {}
        self._label: dict[str, str | None] = {}
        for t in net.transitions:
            name = str(t.name)
            self._pre[name] = _weights((str(a.source.name), int(a.weight)) for a in t.in_arcs)
            self._post[name] = _weights((str(a.target.name), int(a.weight)) for a in t.out_arcs)
            self._label[name] = None if t.label is None else str(t.label)
        self._silent = sorted(n for n, lab in self._label.items() if lab is None)
        self._visible = sorted(n for n, lab in self._label.items() if lab is not None)
        self._initial: _Marking = _freeze({str(p.name): int(n) for p, n in im.items()})
        self._cache: dict[_Marking, tuple[str, ...]] = {}
        #: :meth:`stage` by its arguments: variants that differ only in activities the model lacks
        #: fire the same transitions (a log of 20,000 variants has a few hundred distinct runs)
        self._stages: dict[tuple[tuple[str, ...], frozenset[int]], tuple[tuple[str, ...], frozenset[int]]] = {}

    def knows(self, names: Iterable[str | None]) -> bool:
        """Whether every name is a transition of the model (None never is)."""
        return all(n is not None and n in self._label for n in names)

    def after(self, fired: Sequence[str]) -> tuple[str, ...]:
        """Sorted labels of the visible transitions that could fire next after ``fired``.

        Transitions are fired as given, without checking that they are enabled (an alignment's
        moves always are); unknown names raise ``KeyError``.
        """
        return self._next(self._replay(fired, frozenset(), check=False) or {})

    def stage(self, fired: Sequence[str], movable: Collection[int] = ()) -> tuple[tuple[str, ...], frozenset[int]]:
        """``(steps that could come next, postponed)`` after ``fired``, where the steps at the
        indexes ``movable`` (model moves the journey did not make) are postponed when the rest
        of ``fired`` can run without them: the aligner orders concurrent steps arbitrarily, so a
        parallel branch it placed before the journey's last step is still where it stopped.

        Indexes are tried from the last one back; a silent transition that is no longer enabled
        once a step is postponed is postponed with it. Unknown names raise ``KeyError``.
        """
        key = (tuple(fired), frozenset(movable))
        got = self._stages.get(key)
        if got is None:
            if len(self._stages) >= MAX_REMEMBERED_STAGES:
                self._stages.clear()
            got = self._stages[key] = self._stage(key[0], key[1])
        return got

    def _stage(self, fired: Sequence[str], movable: Collection[int]) -> tuple[tuple[str, ...], frozenset[int]]:
        postponed: frozenset[int] = frozenset()
        for i in sorted(movable, reverse=True):
            if self._replay(fired, postponed | {i}, check=True) is not None:
                postponed = postponed | {i}
        marking = self._replay(fired, postponed, check=bool(postponed)) or {}
        return self._next(marking), postponed

    def _replay(self, fired: Sequence[str], leave_out: frozenset[int], *, check: bool) -> dict[str, int] | None:
        """The marking after ``fired`` without ``leave_out``; with ``check``, None when a visible
        transition is not enabled (a silent one that is not is left out too)."""
        marking = dict(self._initial)
        for i, name in enumerate(fired):
            pre = self._pre[name]
            if i in leave_out:
                continue
            if check and not self._enabled(marking, name):
                if self._label[name] is None:
                    continue
                return None
            for place, n in pre.items():
                marking[place] = marking.get(place, 0) - n
            for place, n in self._post[name].items():
                marking[place] = marking.get(place, 0) + n
        return marking

    def _next(self, marking: dict[str, int]) -> tuple[str, ...]:
        key = _freeze(marking)
        if key not in self._cache:
            self._cache[key] = self._closure(key)
        return self._cache[key]

    def _enabled(self, marking: dict[str, int], name: str) -> bool:
        return all(marking.get(p, 0) >= n for p, n in self._pre[name].items())

    def _closure(self, start: _Marking) -> tuple[str, ...]:
        """Labels of visible transitions enabled in any marking reachable by silent firings."""
        labels: set[str] = set()
        seen = {start}
        queue = deque([start])
        while queue:
            marking = dict(queue.popleft())
            labels.update(str(self._label[t]) for t in self._visible if self._enabled(marking, t))
            for t in self._silent:
                if not self._enabled(marking, t) or len(seen) >= MAX_SILENT_MARKINGS:
                    continue
                nxt = dict(marking)
                for place, n in self._pre[t].items():
                    nxt[place] -= n
                for place, n in self._post[t].items():
                    nxt[place] = nxt.get(place, 0) + n
                key = _freeze(nxt)
                if key not in seen:
                    seen.add(key)
                    queue.append(key)
        return tuple(sorted(labels))


def _weights(arcs: Iterable[tuple[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for place, n in arcs:
        out[place] = out.get(place, 0) + n
    return out


def _freeze(marking: dict[str, int]) -> _Marking:
    return tuple(sorted((p, n) for p, n in marking.items() if n))
