"""Simplifying a process map for display: the activities and paths knobs, always connected.

Two knobs, as in Disco:

* **activities** (a share in (0, 1]): the most frequent activities (events, descending; ties by
  name) whose events cover that share of all events; the smallest such prefix. The map of the
  remaining activities is the map of the log *projected* onto them (the hidden activities are
  removed from every journey and the map is recomputed, so ``A -> X -> B`` with ``X`` hidden
  shows as ``A -> B``). The projection needs the events; :func:`activities_to_keep` picks the
  activities and the caller recomputes the map (see :func:`journeylog.discover.discover`).
* **paths** (a share in [0, 1]): of the arcs of that map (activity to activity, and from
  ``start`` and to ``end``), the ``ceil(paths * arcs)`` strongest (journeys along them,
  descending; ties by names) are kept, at least one; then the map is **repaired** so every
  activity is reachable from ``start`` and reaches ``end`` (:func:`keep_paths`).

The repair, in two passes over the arcs of the map (never inventing one):

1. *forward*: ``R`` = what ``start`` reaches through the kept arcs. While an activity is outside
   ``R``, add the strongest arc from inside ``R`` to outside it, and grow ``R`` through the kept
   arcs. This is Prim's algorithm grown from ``start``: every activity it reaches gets a *widest*
   path (one whose weakest arc is as strong as possible) from ``start``.
2. *backward*: the same from ``end`` along reversed arcs (the strongest arc from outside the set
   that reaches ``end`` into it).

Adding arcs never breaks what a pass established, so after both passes every activity lies on a
path from ``start`` to ``end``. A map whose arcs come from journeys (every activity sits on some
journey from start to end) can always be repaired; so no activity is left without arcs.

>>> import polars as pl
>>> acts = pl.DataFrame({"activity": ["a", "b", "c"], "count": [10, 5, 1]})
>>> activities_to_keep(acts, 0.9)
['a', 'b']
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import polars as pl

from journeylog.engine.results import ProcessMap
from journeylog.errors import UsageError, param

__all__ = ["END", "START", "MapView", "activities_to_keep", "arcs_of", "connected_part", "drop_weak_edges", "keep_paths"]


class _Terminal:
    """``start`` or ``end``: sentinels no activity name can equal."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __lt__(self, other: object) -> bool:  # only for deterministic sorting
        return str(self) < str(other)


START: Hashable = _Terminal("start")
END: Hashable = _Terminal("end")
Arc = tuple[Hashable, Hashable]


@dataclass(frozen=True)
class MapView:
    """A map as shown: the drawn map and what was hidden.

    ``activities_total`` / ``paths_total`` count the map before simplification (paths: arcs
    between activities plus those from start and to end); ``activities`` / ``paths`` are the
    knobs as applied; ``repaired`` the arcs added back to keep the map connected.
    """

    process_map: ProcessMap
    activities_total: int
    paths_total: int
    activities: float
    paths: float
    repaired: int = 0

    @property
    def activities_shown(self) -> int:
        return self.process_map.activities.height

    @property
    def paths_shown(self) -> int:
        return len(arcs_of(self.process_map))

    @property
    def complete(self) -> bool:
        """Whether nothing was hidden."""
        return self.activities_shown == self.activities_total and self.paths_shown == self.paths_total


def check_share(value: float, name: str, *, zero: bool) -> None:
    """A knob must be a share: (0, 1] for activities, [0, 1] for paths."""
    if not (0 <= value <= 1) or (not zero and value == 0) or math.isnan(value):
        raise UsageError(f"{param(name)} is a share {'from 0' if zero else 'above 0'} to 1, e.g. 0.8")


def activities_to_keep(activities: pl.DataFrame, share: float) -> list[str]:
    """The most frequent activities (``count`` descending, ties by name) whose events cover
    ``share`` of all events: the smallest such prefix (all when ``share`` is 1)."""
    check_share(share, "activities", zero=False)
    rows = sorted(activities.select("activity", "count").rows(), key=lambda r: (-int(r[1]), r[0] is None, r[0] or ""))
    total = sum(int(c) for _a, c in rows)
    kept: list[str] = []
    covered = 0
    for name, count in rows:
        if kept and covered >= share * total - 1e-9 * total:
            break
        kept.append(name)
        covered += int(count)
    return kept


def arcs_of(pmap: ProcessMap) -> dict[Arc, int]:
    """Every arc of a map with its count: activity pairs, ``(START, a)`` and ``(a, END)``."""
    arcs: dict[Arc, int] = {(START, a): int(c) for a, c in pmap.start.select("activity", "count").rows()}
    arcs.update({(f, t): int(c) for f, t, c in pmap.edges.select("from", "to", "count").rows()})
    arcs.update({(a, END): int(c) for a, c in pmap.end.select("activity", "count").rows()})
    return arcs


def _arc_key(arc: Arc, count: int) -> tuple[int, str, str]:
    def name(node: Hashable) -> str:  # start and end sort before every activity
        return str(node) if node is START or node is END else f"~{node}"

    return (-count, name(arc[0]), name(arc[1]))


def _closure(seeds: Iterable[Hashable], adj: dict[Hashable, list[Hashable]]) -> set[Hashable]:
    seen = set(seeds)
    stack = list(seen)
    while stack:
        for nxt in adj.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _grow(root: Hashable, nodes: set[Hashable], kept: set[Arc], arcs: dict[Arc, int], reverse: bool) -> set[Arc]:
    """Prim from ``root`` (forward, or backward along reversed arcs): the arcs to add so that the
    root reaches (or is reached by) every node it can reach through ``arcs``."""
    def ends(arc: Arc) -> tuple[Hashable, Hashable]:
        return (arc[1], arc[0]) if reverse else arc

    adj_kept: dict[Hashable, list[Hashable]] = {}
    out_all: dict[Hashable, list[Arc]] = {}
    for arc in arcs:
        a, b = ends(arc)
        out_all.setdefault(a, []).append(arc)
        if arc in kept:
            adj_kept.setdefault(a, []).append(b)
    reached = _closure([root], adj_kept)
    heap = [(_arc_key(arc, arcs[arc]), arc) for n in reached for arc in out_all.get(n, ()) if ends(arc)[1] not in reached]
    heapq.heapify(heap)
    added: set[Arc] = set()
    while heap and not nodes <= reached:
        _key, arc = heapq.heappop(heap)
        b = ends(arc)[1]
        if b in reached:
            continue
        added.add(arc)
        new = _closure([b], adj_kept) - reached
        reached |= new
        for n in new:
            heap.extend((_arc_key(a2, arcs[a2]), a2) for a2 in out_all.get(n, ()) if ends(a2)[1] not in reached)
        heapq.heapify(heap)
    return added


def connected_part(pmap: ProcessMap, arcs: dict[Arc, int]) -> set[Hashable]:
    """The activities on some path from start to end through ``arcs``."""
    fwd: dict[Hashable, list[Hashable]] = {}
    bwd: dict[Hashable, list[Hashable]] = {}
    for a, b in arcs:
        fwd.setdefault(a, []).append(b)
        bwd.setdefault(b, []).append(a)
    both = _closure([START], fwd) & _closure([END], bwd)
    return {a for a in pmap.activities["activity"].to_list() if a in both}


def restrict(pmap: ProcessMap, activities: set[Hashable], arcs: set[Arc]) -> ProcessMap:
    """``pmap`` with only these activities and arcs (frames keep their order)."""
    def keep(frame: pl.DataFrame, cols: list[str], wanted: set[tuple[Hashable, ...]]) -> pl.DataFrame:
        mask = [tuple(row) in wanted for row in frame.select(cols).rows()]
        return frame.filter(pl.Series(mask, dtype=pl.Boolean))

    return ProcessMap(
        activities=keep(pmap.activities, ["activity"], {(a,) for a in activities}),
        edges=keep(pmap.edges, ["from", "to"], {arc for arc in arcs if arc[0] is not START and arc[1] is not END}),
        start=keep(pmap.start, ["activity"], {(t,) for f, t in arcs if f is START}),
        end=keep(pmap.end, ["activity"], {(f,) for f, t in arcs if t is END}),
    )


def drop_weak_edges(pmap: ProcessMap, threshold: float) -> ProcessMap:
    """``pmap`` without the activity-to-activity arcs under ``threshold`` journeys, and without
    the activities this leaves off every path from start to end (with their arcs)."""
    arcs = {arc: c for arc, c in arcs_of(pmap).items() if arc[0] is START or arc[1] is END or c >= threshold}
    keep = connected_part(pmap, arcs)
    inside = {arc for arc in arcs if (arc[0] is START or arc[0] in keep) and (arc[1] is END or arc[1] in keep)}
    return restrict(pmap, keep, inside)


def keep_paths(pmap: ProcessMap, share: float) -> tuple[ProcessMap, int]:
    """The map with the ``ceil(share * arcs)`` strongest arcs (at least one) and the arcs the
    connectivity repair adds back (see the module docstring); returns the map and how many arcs
    the repair added."""
    check_share(share, "paths", zero=True)
    arcs = arcs_of(pmap)
    if not arcs:
        return pmap, 0
    order = sorted(arcs, key=lambda arc: _arc_key(arc, arcs[arc]))
    kept = set(order[: max(1, math.ceil(share * len(order) - 1e-9))])
    nodes: set[Hashable] = set(pmap.activities["activity"].to_list())
    before = len(kept)
    kept |= _grow(START, nodes, kept, arcs, reverse=False)
    kept |= _grow(END, nodes, kept, arcs, reverse=True)
    return restrict(pmap, nodes, kept), len(kept) - before
