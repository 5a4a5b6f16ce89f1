"""journeylog's IMd (mining/imd.py, no pm4py import) against pm4py's own IMd: the same canonical tree."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Callable

import pytest

from factories import ROOT
from journeylog.mining import imd as I

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

Graph = dict[tuple[str, str], int]


def _dfg_of(traces: list[list[str]]) -> tuple[Graph, dict[str, int], dict[str, int]]:
    """The directly-follows graph of ``traces`` (plain Python, one pass per trace)."""
    graph: Graph = {}
    start: dict[str, int] = {}
    end: dict[str, int] = {}
    for t in traces:
        if not t:
            continue
        start[t[0]] = start.get(t[0], 0) + 1
        end[t[-1]] = end.get(t[-1], 0) + 1
        for a, b in zip(t, t[1:], strict=False):
            graph[(a, b)] = graph.get((a, b), 0) + 1
    return graph, start, end


def _pm4py_imd(pm4py, graph: Graph, start: dict[str, int], end: dict[str, int]) -> str:
    """pm4py's IMd (its IMD class on the DFG in sorted order, as journeylog called it before), made
    canonical with pm4py's fold and tree_sort and the children of X/+/O sorted by text."""
    from pm4py.algo.discovery.inductive.dtypes.im_dfg import InductiveDFG
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureDFG
    from pm4py.algo.discovery.inductive.variants.imd import IMD
    from pm4py.objects.dfg.obj import DFG

    from journeylog.mining import canonical_tree
    from journeylog.mining.determinism import params

    dfg = DFG(graph={k: graph[k] for k in sorted(graph)}, start_activities={k: start[k] for k in sorted(start)},
              end_activities={k: end[k] for k in sorted(end)})
    p = params()
    return str(canonical_tree(IMD(p).apply(IMDataStructureDFG(InductiveDFG(dfg=dfg, skip=False)), p)))


def _outcome(mine: Callable[..., str]) -> str:
    """The tree's text, or the kind of error (pm4py's IMd fails on a few graphs, and so does the port)."""
    try:
        return mine()
    except Exception as exc:  # noqa: BLE001 - compared, not hidden
        return f"error {type(exc).__name__}"


HAND_BUILT = {
    "sequence": [["a", "b", "c"]],
    "choice": [["a", "b"], ["a", "c"]],
    "parallel": [["a", "b", "c", "d"], ["a", "c", "b", "d"]],
    "loop": [["a", "b", "a", "b", "c"], ["a", "c"]],
    "skip": [["a", "b", "c"], ["a", "c"]],
    "self-loop": [["a", "a", "a", "b"], ["a", "b"]],
    "flower": [["a", "b", "c"], ["c", "a"], ["b", "c", "a", "b"], ["c"]],
    "one activity": [["a"]],
    "disconnected": [["a", "b"], ["c", "d"], ["e"]],
    "concurrent three": [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "c", "b"], ["b", "a", "c"],
                         ["c", "b", "a"]],
}


@pytest.mark.parametrize("name", sorted(HAND_BUILT))
def test_hand_built_graphs_give_pm4pys_tree(pm4py, name: str) -> None:
    graph, start, end = _dfg_of(HAND_BUILT[name])
    assert str(I.canonical(I.imd(graph, start, end))) == _pm4py_imd(pm4py, graph, start, end)


def test_random_logs_give_pm4pys_tree(pm4py) -> None:
    rng = random.Random(20261205)
    checked = 0
    for _ in range(250):
        acts = [f"step {i}" for i in range(rng.randint(1, 14))]
        traces = [[rng.choice(acts) for _ in range(rng.randint(0, 9))] for _ in range(rng.randint(1, 20))]
        graph, start, end = _dfg_of(traces)
        if not start:
            continue
        mine = _outcome(lambda g=graph, s=start, e=end: str(I.canonical(I.imd(g, s, e))))
        assert mine == _outcome(lambda g=graph, s=start, e=end: _pm4py_imd(pm4py, g, s, e)), traces
        checked += 1
    assert checked > 200


def test_concurrency_groups_are_pm4pys(pm4py) -> None:
    """The direct concurrency cut returns pm4py's groups (same sets, same order) on graphs where it holds."""
    from pm4py.algo.discovery.inductive.cuts.concurrency import ConcurrencyCut
    from pm4py.algo.discovery.inductive.dtypes.im_dfg import InductiveDFG
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureDFG
    from pm4py.objects.dfg.obj import DFG

    rng = random.Random(7)
    held = 0
    for _ in range(300):
        acts = [f"x{i}" for i in range(rng.randint(2, 8))]
        order = acts[:]
        traces = []
        for _t in range(rng.randint(3, 30)):
            rng.shuffle(order)
            traces.append(order[: rng.randint(1, len(order))])
        graph, start, end = _dfg_of(traces)
        ref = ConcurrencyCut.holds(IMDataStructureDFG(InductiveDFG(DFG(graph, start, end))))
        mine = I.concurrency_groups(I.Dfg(graph, start, end))
        assert mine == ref
        held += ref is not None
    assert held > 10


def test_tree_text_and_conversion(pm4py) -> None:
    tree = I.canonical(I.imd(*_dfg_of([["a", "b"], ["a"]])))
    assert str(tree) == "->( 'a', X( 'b', tau ) )"
    assert str(tree.to_pm4py()) == str(tree)


def test_imd_does_not_import_pm4py() -> None:
    code = ("import sys; from journeylog.mining import discover_tree_imd; "
            "t = discover_tree_imd({('a', 'b'): 1}, {'a': 1}, {'b': 1}); "
            "print(t, 'pm4py' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")}).stdout.strip()
    assert out == "->( 'a', 'b' ) False"
