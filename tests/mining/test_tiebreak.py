"""Which of the equally cheap alignments journeylog's search picks (journeylog.mining.astar).

The rule (documented in astar.py): among the optimal alignments, compared move by move from the
end, a log move wins over a visible model move, which wins over a silent move, which wins over a
synchronous move (then the transition order); then, in each run of moves between two synchronous
moves, the log moves are written first. Oracles: every optimal alignment enumerated by a plain
depth-first search with pm4py's own Petri-net semantics, and the rule applied to that list; and
hand-built cases with the alignment and the deviation kinds a journey owner should read.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import pytest

from journeylog.explain.deviations import variant_deviations
from journeylog.mining import NextSteps, astar
from journeylog.models import load_model

pytestmark = [pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

#: loop-free trees (the enumeration below needs a finite number of alignments)
TREES = {
    "sequence": "->('a', 'b', 'c', 'd')",
    "xor": "->('a', X('b', 'c', tau), 'd')",
    "and": "->('a', +('b', 'c', 'd'), 'e')",
    "mixed": "->(X(->('a', 'b'), 'c'), +('d', X('e', tau)), 'b')",
}
RANK = {"log": 0, "model": 1, "silent": 2, "sync": 3}


def _model(tmp_path: Path, text: str) -> Any:
    p = tmp_path / "m.ptree"
    p.write_text(text + "\n")
    return load_model(p)


def _all_optimal(net: Any, im: Any, fm: Any, seq: tuple[str, ...]) -> list[list[tuple[str, int, str]]]:
    """Every optimal alignment as ``(kind, event index or -1, transition name or "")`` moves, by
    exhaustive depth-first search (loop-free nets only)."""
    from pm4py.objects.petri_net import semantics

    found: list[tuple[int, list[tuple[str, int, str]]]] = []
    best = [10**12]

    def dfs(marking: Any, i: int, cost: int, path: list[tuple[str, int, str]]) -> None:
        if cost > best[0]:
            return
        if i == len(seq) and marking == fm:
            best[0] = min(best[0], cost)
            found.append((cost, list(path)))
        if i < len(seq):
            dfs(marking, i + 1, cost + 10000, [*path, ("log", i, "")])
        for t in sorted(semantics.enabled_transitions(net, marking), key=lambda t: t.name):
            after = semantics.execute(t, net, marking)
            if t.label is None:
                dfs(after, i, cost + 1, [*path, ("silent", -1, t.name)])
                continue
            dfs(after, i, cost + 10000, [*path, ("model", -1, t.name)])
            if i < len(seq) and seq[i] == t.label:
                dfs(after, i + 1, cost, [*path, ("sync", i, t.name)])

    dfs(im, 0, 0, [])
    return [p for c, p in found if c == best[0]]


def _by_the_rule(alignments: list[list[tuple[str, int, str]]]) -> list[tuple[str, int, str]]:
    """The rule, applied to the list: the least reversed move sequence (kind rank, then the later
    transition name), then log moves first in every run between synchronous moves."""
    names = sorted({name for a in alignments for _k, _i, name in a})
    chosen = min(alignments, key=lambda a: [(RANK[k], -names.index(name)) for k, _i, name in reversed(a)])
    out: list[tuple[str, int, str]] = []
    run: list[tuple[str, int, str]] = []
    for move in chosen:
        if move[0] == "sync":
            out += [m for m in run if m[0] == "log"] + [m for m in run if m[0] != "log"] + [move]
            run = []
        else:
            run.append(move)
    return out + [m for m in run if m[0] == "log"] + [m for m in run if m[0] != "log"]


def _searched(cn: astar.CompiledNet, seq: tuple[str, ...]) -> list[tuple[str, int, str]]:
    res = astar.search(cn, seq)
    assert res is not None
    out = []
    i = 0
    for (log, model), name in zip(res["alignment"], res["transitions"], strict=True):
        if log == astar.SKIP:
            out.append(("silent" if model is None else "model", -1, name))
        elif model == astar.SKIP:
            out.append(("log", i, ""))
            i += 1
        else:
            out.append(("sync", i, name))
            i += 1
    return out


@pytest.mark.parametrize("name", sorted(TREES))
def test_the_search_picks_what_the_rule_says_among_all_optimal_alignments(tmp_path: Path, name: str) -> None:
    m = _model(tmp_path, TREES[name])
    net, im, fm = m.net, m.initial_marking, m.final_marking
    cn = astar.CompiledNet(net, im, fm)
    labels = sorted({t.label for t in net.transitions if t.label})
    rng = random.Random(name)
    seqs = [s for n in range(4) for s in itertools.product(labels, repeat=n)]
    seqs = sorted(rng.sample(seqs, min(40, len(seqs))) + [tuple(rng.choice(labels) for _ in range(5)) for _ in range(10)])
    ties = 0
    for seq in seqs:
        every = _all_optimal(net, im, fm, seq)
        ties += len(every) > 1
        assert _searched(cn, seq) == _by_the_rule(every), seq
    assert ties >= 5  # the cases do test a choice


# (tree, trace, expected moves (log, model; ">>" for none, None for silent), expected deviation ids)
CASES = [
    # a repeated step: its first occurrence is synchronous, every repeat a log move
    ("->('a', 'b', 'c')", "a b b b c", [("a", "a"), ("b", "b"), ("b", ">>"), ("b", ">>"), ("c", "c")], ["repeated:b"]),
    # a skipped step
    ("->('a', 'b', 'c')", "a c", [("a", "a"), (">>", "b"), ("c", "c")], ["skipped:b"]),
    # a swapped pair: the step done first is matched, the other one was done late
    ("->('a', 'b', 'c')", "a c b", [("a", "a"), (">>", "b"), ("c", "c"), ("b", ">>")], ["wrong_order:b"]),
    # the same swap with the late step repeated: still "b late", whatever comes before
    ("->('x', 'a', 'b', 'c', 'd')", "x a c b b d",
     [("x", "x"), ("a", "a"), (">>", "b"), ("c", "c"), ("b", ">>"), ("b", ">>"), ("d", "d")], ["wrong_order:b"]),
    ("->('x', 'a', 'b', 'c', 'd')", "x a x c b d",
     [("x", "x"), ("a", "a"), ("x", ">>"), (">>", "b"), ("c", "c"), ("b", ">>"), ("d", "d")],
     ["repeated:x", "wrong_order:b"]),
    # the early step repeated: the first is matched, the repeat is a repeat, b was late
    ("->('a', 'b', 'c', 'd')", "a c c b d",
     [("a", "a"), (">>", "b"), ("c", "c"), ("c", ">>"), ("b", ">>"), ("d", "d")], ["repeated:c", "wrong_order:b"]),
    # two swapped pairs
    ("->('a', 'b', 'c', 'd')", "b a d c",
     [(">>", "a"), ("b", "b"), ("a", ">>"), (">>", "c"), ("d", "d"), ("c", ">>")], ["wrong_order:a", "wrong_order:c"]),
    # a drop-out after a repeat: the journey's own events first, then what it never did
    ("->('a', 'b', 'c', 'd')", "a b a", [("a", "a"), ("b", "b"), ("a", ">>"), (">>", "c"), (">>", "d")],
     ["dropped_out:c", "repeated:a"]),
    # a drop-out inside a parallel block: the stage names both branches
    ("->('a', +('b', 'c'), 'd')", "a", [("a", "a"), (">>", "b"), (">>", "c"), (">>", "d")], ["dropped_out:b | c"]),
    # parallel steps in either order are synchronous
    ("->('a', +('b', 'c'), 'd')", "a c b d", [("a", "a"), ("c", "c"), ("b", "b"), ("d", "d")], []),
    # an optional step not taken is one silent move
    ("->('a', X('b', tau), 'c')", "a c", [("a", "a"), (">>", None), ("c", "c")], []),
    # a step the model has later, done early: matched where done, the steps in between skipped,
    # the later occurrence of the step the journey came back to reads as done late
    ("->('a', 'b', 'c', 'd')", "a d b", [("a", "a"), (">>", "b"), (">>", "c"), ("d", "d"), ("b", ">>")],
     ["skipped:c", "wrong_order:b"]),
]


@pytest.mark.parametrize("tree, trace, expected, kinds", CASES)
def test_pinned_alignments_and_deviations(tmp_path: Path, tree: str, trace: str, expected: list[tuple[Any, Any]],
                                          kinds: list[str]) -> None:
    m = _model(tmp_path, tree)
    seq = tuple(trace.split())
    res = astar.search(astar.CompiledNet(m.net, m.initial_marking, m.final_marking), seq)
    assert res is not None and res["alignment"] == expected
    steps = [(log, model, t) for (log, model), t in zip(res["alignment"], res["transitions"], strict=True)]
    got = sorted({f"{o['kind'].value}:{o['activity']}" for o in variant_deviations(steps, NextSteps(m).stage)})
    assert got == kinds
    # the rule holds on the enumeration too
    every = _all_optimal(m.net, m.initial_marking, m.final_marking, seq)
    assert _searched(astar.CompiledNet(m.net, m.initial_marking, m.final_marking), seq) == _by_the_rule(every)


def test_the_choice_does_not_depend_on_what_was_aligned_before(tmp_path: Path) -> None:
    """The compiled model remembers markings across searches; the chosen moves stay the same."""
    m = _model(tmp_path, TREES["mixed"])
    labels = sorted({t.label for t in m.net.transitions if t.label})
    seqs = [s for n in range(4) for s in itertools.product(labels, repeat=n)]
    fresh = [astar.search(astar.CompiledNet(m.net, m.initial_marking, m.final_marking), s) for s in seqs]
    shared = astar.CompiledNet(m.net, m.initial_marking, m.final_marking)
    warm = [astar.search(shared, s) for s in reversed(seqs)][::-1]
    assert fresh == warm
