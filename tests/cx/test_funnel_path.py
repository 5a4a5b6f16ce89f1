"""The main-path rule (journeylog.mining.paths via journeylog.cx.funnel.main_path) on sequence,
exclusive-choice, optional, parallel and loop models, and against a brute force over a model's
whole language on seeded random logs."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import statistics
from pathlib import Path

import pytest

from factories import T0, event_frame
from journeylog.cx.funnel import main_path
from journeylog.errors import InvalidInput
from journeylog.mining.paths import main_path as search
from journeylog.models import load_model


def model(tmp_path: Path, tree: str):
    path = tmp_path / "design.ptree"
    path.write_text(tree + "\n")
    return load_model(path)


def log(*journeys: tuple[int, str]):
    """``(how many, "A B C")`` -> that many journeys doing those activities an hour apart."""
    rows, n = [], 0
    for count, acts in journeys:
        for _ in range(count):
            rows += [(f"j{n:04d}", T0 + dt.timedelta(hours=i), a) for i, a in enumerate(acts.split())]
            n += 1
    return event_frame(rows, ("journey_id", "timestamp", "activity"))


def test_a_sequence_is_the_path_whatever_the_log(tmp_path):
    m = model(tmp_path, "->('A', 'B', 'C')")
    assert main_path(log((9, "A C"), (1, "A B C")), m) == (("A", "B", "C"), ())


def test_an_exclusive_choice_takes_the_branch_most_journeys_took(tmp_path):
    m = model(tmp_path, "->('A', X('B', 'C'), 'D')")
    assert main_path(log((5, "A B D"), (9, "A C D")), m) == (("A", "C", "D"), ("B",))
    assert main_path(log((9, "A B D"), (5, "A C D")), m) == (("A", "B", "D"), ("C",))
    assert main_path(log((5, "A C D"), (5, "A B D")), m)[0] == ("A", "B", "D")  # a tie: the names decide
    assert main_path(log((5, "X A C D"), (5, "A B D")), m)[0] == ("A", "B", "D")  # B's median position is lower
    assert main_path(log((5, "A C D"), (6, "X A B D")), m)[0] == ("A", "B", "D")  # more journeys did B


def test_a_long_branch_taken_more_often_wins_over_a_short_one(tmp_path):
    m = model(tmp_path, "->('A', X(->('B1', 'B2', 'B3'), 'C'), 'D')")
    assert main_path(log((4, "A B1 B2 B3 D"), (3, "A C D"), (3, "A D")), m)[0] == ("A", "B1", "B2", "B3", "D")


def test_an_optional_step_is_left_out_unless_everyone_does_it(tmp_path):
    m = model(tmp_path, "->('A', X('B', tau), 'C')")
    assert main_path(log((6, "A B C"), (4, "A C")), m) == (("A", "C"), ("B",))
    assert main_path(log((6, "A B C"), (4, "A")), m) == (("A", "B", "C"), ())  # every A..C journey did B


def test_parallel_branches_are_ordered_by_median_position(tmp_path):
    m = model(tmp_path, "->('A', +('B', 'C'), 'D')")
    assert main_path(log((7, "A C B D"), (3, "A B C D")), m)[0] == ("A", "C", "B", "D")
    assert main_path(log((3, "A C B D"), (7, "A B C D")), m)[0] == ("A", "B", "C", "D")


def test_a_loop_is_gone_through_once(tmp_path):
    m = model(tmp_path, "->('A', *('B', 'C'), 'D')")
    assert main_path(log((8, "A B C B D"), (2, "A B D")), m) == (("A", "B", "D"), ("C",))


def test_a_model_without_a_run_to_its_end_asks_for_steps(tmp_path):
    m = model(tmp_path, "->('A', 'B')")
    net, im, fm = m.net, m.initial_marking, dict(m.final_marking)
    for place in list(fm):  # an end no run can reach
        fm[place] = 2
    with pytest.raises(InvalidInput, match="no run from its start to its end"):
        search((net, im, fm), support=lambda labels: 1)
    with pytest.raises(InvalidInput, match="too many states"):
        search(m, support=lambda labels: 1, max_states=1)


# ------------------------------------------------------------------------------------------
# brute force: the model's whole (finite) language, scored by the rule written out in the tests

TREE = "->('A', X('B', ->('C', 'E')), +('D', 'F'), X('G', tau))"
LANGUAGE = [
    ["A", *mid, *par, *end]
    for mid, par, end in itertools.product([["B"], ["C", "E"]], [["D", "F"], ["F", "D"]], [["G"], []])
]


def brute_force(journeys: list[list[str]], tasks: set[str]) -> tuple[str, ...]:
    sets = [set(j) & tasks for j in journeys]
    firsts: dict[str, list[int]] = {}
    for j in journeys:
        for i, a in enumerate(j):
            if a in tasks and a not in j[:i]:
                firsts.setdefault(a, []).append(i)
    pos = {a: statistics.median(v) for a, v in firsts.items()}

    def key(run: list[str]):
        support = sum(1 for s in sets if set(run) <= s)
        return (-support, -len(run), [pos.get(a, float("inf")) for a in run], run)

    return tuple(min(LANGUAGE, key=key))


@pytest.mark.parametrize("seed", range(8))
def test_the_rule_equals_a_brute_force_over_the_language(tmp_path, seed):
    rng = random.Random(seed)
    m = model(tmp_path, TREE)
    journeys = []
    for _ in range(rng.randint(5, 40)):
        run = list(rng.choice(LANGUAGE))
        if rng.random() < 0.3:  # noise: a step left out, or an extra one
            run.pop(rng.randrange(len(run)))
        if rng.random() < 0.3:
            run.insert(rng.randrange(len(run) + 1), rng.choice("ABCDEFGX"))
        journeys.append(run or ["X"])
    ev = log(*[(1, " ".join(j)) for j in journeys])
    assert main_path(ev, m)[0] == brute_force(journeys, set(m.tasks))
