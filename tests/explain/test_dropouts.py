"""Drop-outs name where the journey stopped: every model move after the last synchronous move,
and the whole stage (every step that could come next), whichever branch the aligner picked.

Hand-built models (a small structure -> pm4py's process-tree text) and logs; the expected stage of
every journey is computed independently, in plain Python over the model's *language* (its runs,
enumerated from the structure) and the journey's steps: the steps that can follow the journey's
model activities in some run.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from factories import event_frame
from journeylog import conform as C
from journeylog import journeys as J
from journeylog import mining
from journeylog.explain.deviations import STAGE_SEPARATOR, occurrences_table, stage_id, variant_deviations
from journeylog.models import load_model

#: every hand-built journey here has ended: no settle window (see conform's in-progress journeys)
SETTLED = dt.timedelta(0)

S = ">>"
T0 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)

# ------------------------------------------------------------------------------------------
# the independent computation: a model as a structure, its language, the stage after a prefix
# ------------------------------------------------------------------------------------------

Node = str | tuple  # an activity, or ("seq"|"xor"|"and", *children) or ("loop", do, redo); None = tau
MAX_LEN = 14


def ptree(node) -> str:
    """pm4py's process-tree text of a structure."""
    if node is None:
        return "tau"
    if isinstance(node, str):
        return "'" + node + "'"
    op = {"seq": "->", "xor": "X", "and": "+", "loop": "*"}[node[0]]
    return op + "(" + ", ".join(ptree(c) for c in node[1:]) + ")"


def language(node, limit: int = MAX_LEN) -> set[tuple[str, ...]]:
    """Every run of the structure with at most ``limit`` steps."""
    if node is None:
        return {()}
    if isinstance(node, str):
        return {(node,)}
    kind, *kids = node
    langs = [language(k, limit) for k in kids]
    if kind == "xor":
        return set().union(*langs)
    if kind == "seq":
        out = {()}
        for lang in langs:
            out = {a + b for a in out for b in lang if len(a + b) <= limit}
        return out
    if kind == "and":
        out = {()}
        for lang in langs:
            out = {m for a in out for b in lang for m in _shuffles(a, b) if len(m) <= limit}
        return out
    do, redo = langs  # loop: do (redo do)*
    out, frontier = set(do), set(do)
    while frontier:
        frontier = {a + r + d for a in frontier for r in redo for d in do if len(a + r + d) <= limit} - out
        out |= frontier
    return out


def _shuffles(a: tuple, b: tuple) -> set[tuple]:
    if not a or not b:
        return {a + b}
    return {(a[0],) + s for s in _shuffles(a[1:], b)} | {(b[0],) + s for s in _shuffles(a, b[1:])}


def expected_stage(node, trace: list[str]) -> tuple[str, ...] | None:
    """The steps that could follow the journey's model activities in some run (None: it completed).

    The test journeys are built so that this is unambiguous: their model activities, minus repeats
    of steps a loop-free model cannot do twice, form a prefix of a run."""
    runs = language(node)
    acts = {a for run in runs for a in run}
    prefix: tuple[str, ...] = ()
    for a in trace:
        if a in acts and any(run[: len(prefix) + 1] == prefix + (a,) for run in runs):
            prefix += (a,)
    if prefix in runs and not any(len(r) > len(prefix) and r[: len(prefix)] == prefix for r in runs):
        return None
    nxt = {run[len(prefix)] for run in runs if len(run) > len(prefix) and run[: len(prefix)] == prefix}
    return tuple(sorted(nxt)) if prefix not in runs else None


def expected_counts(node, journeys: dict[str, list[str]]) -> Counter:
    """Independent: drop-out id -> journeys."""
    out: Counter = Counter()
    for trace in journeys.values():
        stage = expected_stage(node, trace)
        if stage:
            out["dropped_out:" + STAGE_SEPARATOR.join(stage)] += 1
    return out


def events_of(journeys: dict[str, list[str]]) -> pl.DataFrame:
    rows = [(jid, T0 + dt.timedelta(hours=i), a, "web", None) for jid, acts in journeys.items() for i, a in enumerate(acts)]
    return event_frame(rows, ("journey_id", "timestamp", "activity", "channel", "outcome"))


def model_of(tmp_path: Path, node):
    path = tmp_path / "design.ptree"
    path.write_text(ptree(node) + "\n", encoding="utf-8")
    return load_model(path)


R = [f"Release {c}" for c in "ABCDE"]
SHAPES = {
    # a log move (a repeat, a call) between the last synchronous move and the trailing model moves
    "log move before the tail": (
        ("seq", "Upload", "Identity verification", "Appointment", "Install"),
        {"fit": ["Upload", "Identity verification", "Appointment", "Install"],
         "u1": ["Upload", "Upload failed", "Call contact centre"],
         "u2": ["Upload", "Upload", "Call contact centre"],
         "u3": ["Upload", "Identity verification", "Upload", "Call contact centre"],
         "none": ["Call contact centre"]},
    ),
    "XOR at the end": (
        ("seq", "Apply", "Review", ("xor", *R)),
        {"fit": ["Apply", "Review", "Release C"], "x1": ["Apply", "Review"], "x2": ["Apply", "Review", "Chat"],
         "x3": ["Apply", "Review", "Review"], "x4": ["Apply"]},
    ),
    "parallel branches at the end": (
        ("seq", "Order", ("and", "Install", "Bill", "Welcome pack")),
        {"fit": ["Order", "Bill", "Install", "Welcome pack"], "p1": ["Order"], "p2": ["Order", "Bill"],
         "p3": ["Order", "Welcome pack", "Call"], "p4": ["Order", "Install", "Bill"]},
    ),
    # (a journey that stops right after a loop's redo step is left out: logging the redo as an
    # extra step costs the aligner as much as doing it, so either alignment is optimal)
    "loops": (
        ("seq", "Open", ("loop", ("seq", "Work", "Review"), "Wait"), ("xor", "Close", ("seq", "Escalate", "Close"))),
        {"fit": ["Open", "Work", "Review", "Wait", "Work", "Review", "Close"], "l1": ["Open", "Work"],
         "l2": ["Open", "Work", "Review", "Wait", "Work"], "l3": ["Open", "Work", "Review"],
         "l4": ["Open", "Work", "Review", "Escalate"], "l5": ["Open", "Work", "Review", "Wait", "Work", "Review", "Call"]},
    ),
    "optional step (silent) and a loop with a silent redo": (
        ("seq", "Start", ("xor", "Extra check", None), ("loop", "Try", None), "Finish"),
        {"fit": ["Start", "Try", "Finish"], "o1": ["Start"], "o2": ["Start", "Extra check"], "o3": ["Start", "Try", "Try"]},
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_drop_outs_equal_the_independent_computation(tmp_path, shape):
    node, journeys = SHAPES[shape]
    events = events_of(journeys)
    model = model_of(tmp_path, node)
    result = C.conform(events, model, C.ConformOptions(precision=False, settle=SETTLED))
    got = {r["id"]: r["journeys"] for r in result.deviations.iter_rows(named=True) if r["kind"] == "dropped_out"}
    assert got == dict(expected_counts(node, journeys))
    # per journey, too
    per_journey = {r["journey_id"]: [d for d in r["deviations"] if d.startswith("dropped_out:")]
                   for r in result.journey_table.iter_rows(named=True)}
    for jid, trace in journeys.items():
        stage = expected_stage(node, trace)
        assert per_journey[jid] == (["dropped_out:" + STAGE_SEPARATOR.join(stage)] if stage else []), jid
    # model moves after the last synchronous move are never "skipped"
    skipped = {r["activity"] for r in result.deviations.iter_rows(named=True) if r["kind"] == "skipped"}
    assert not skipped, skipped
    # the stage field lists the names; the statement names them all (or the one step)
    for r in result.deviations.filter(pl.col("kind") == "dropped_out").iter_rows(named=True):
        assert r["id"] == "dropped_out:" + stage_id(r["stage"]) and r["activity"] == stage_id(r["stage"])
        if len(r["stage"]) == 1:
            assert r["statement"].startswith(f"Dropped out before '{r['stage'][0]}' in ")
        else:
            assert r["statement"].startswith("Ended before any of '" + r["stage"][0] + "'")


def test_the_issue_example_drops_out_before_identity_verification(tmp_path):
    node, journeys = SHAPES["log move before the tail"]
    result = C.conform(events_of(journeys), model_of(tmp_path, node), C.ConformOptions(precision=False, settle=SETTLED))
    rows = {r["id"]: r for r in result.deviations.iter_rows(named=True)}
    assert rows["dropped_out:Identity verification"]["journeys"] == 2  # u1, u2 (u3 did verify: before Appointment)
    assert rows["dropped_out:Upload"]["journeys"] == 1  # no synchronous move: before the first step
    assert "skipped:Identity verification" not in rows
    assert rows["unexpected:Call contact centre"]["journeys"] == 4  # the call is still reported


def test_stage_of_five_releases_reads_as_a_stage(tmp_path):
    node, journeys = SHAPES["XOR at the end"]
    result = C.conform(events_of(journeys), model_of(tmp_path, node), C.ConformOptions(precision=False, settle=SETTLED))
    row = result.deviations.filter(pl.col("id") == "dropped_out:" + " | ".join(R)).row(0, named=True)
    assert row["journeys"] == 3 and row["stage"] == R
    assert row["statement"].startswith(
        "Ended before any of 'Release A', 'Release B', 'Release C' or 2 more steps in 3 journeys (60.0%)")


def test_ids_do_not_depend_on_the_order_of_branches_in_the_model(tmp_path):
    """The same design exported with its branches in another order gives the same ids."""
    journeys = {"a": ["Apply", "Review"], "b": ["Apply"], "c": ["Apply", "Review", "Release B"]}
    ids = []
    for k, order in enumerate((R, list(reversed(R)), R[2:] + R[:2])):
        folder = tmp_path / str(k)
        folder.mkdir()
        res = C.conform(events_of(journeys), model_of(folder, ("seq", "Apply", "Review", ("xor", *order))),
                        C.ConformOptions(precision=False, settle=SETTLED))
        ids.append(sorted(res.deviations["id"].to_list()))
    assert ids[0] == ids[1] == ids[2]
    assert "dropped_out:" + " | ".join(R) in ids[0]


def test_next_steps_replays_transition_names(tmp_path):
    model = model_of(tmp_path, ("seq", "Order", ("and", "Install", "Bill")))
    steps = mining.NextSteps(model)
    vt = J.variants(events_of({"j": ["Order", "Bill"]}))
    moves = mining.align(model, vt)["moves"][0].to_list()
    names = [m["transition"] for m in moves if m["kind"] != "log"]
    assert steps.after([]) == ("Order",)
    fired = [m["transition"] for m in moves if m["kind"] != "log"]
    assert steps.after(fired) == ()  # the aligner ran Install as a model move: the run is complete
    # the aligner may place the Install model move before the Bill sync move: it is postponed
    last_sync = max(i for i, m in enumerate(moves) if m["kind"] == "sync")
    upto = [m["transition"] for m in moves[: last_sync + 1]]
    movable = [k for k, m in enumerate(moves[: last_sync + 1]) if m["kind"] == "model"]
    assert steps.stage(upto, movable)[0] == ("Install",)
    assert steps.knows(names) and not steps.knows([None])


# ------------------------------------------------------------------------------------------
# the explain layer alone, on hand-built moves
# ------------------------------------------------------------------------------------------


def _occ(moves, next_steps=None):
    return [(o["kind"].value, o["activity"], o["context"], o["event_index"]) for o in variant_deviations(moves, next_steps)]


def test_log_moves_between_trailing_model_moves_do_not_make_skips():
    moves = [("Upload", "Upload"), (S, "Verify"), ("Call", S), (S, "Install")]
    assert _occ(moves) == [("unexpected", "Call", "Upload", 1), ("dropped_out", "Verify", "Call", 1)]


def test_no_synchronous_move_drops_out_before_the_first_step():
    assert _occ([("Call", S), (S, "A"), (S, "B")]) == [("unexpected", "Call", None, 0), ("dropped_out", "A", "Call", 0)]


def test_model_moves_before_the_last_sync_stay_skipped():
    moves = [("A", "A"), (S, "B"), ("C", "C"), ("X", S), (S, "D")]
    assert _occ(moves) == [("skipped", "B", "A", 0), ("unexpected", "X", "C", 2), ("dropped_out", "D", "X", 2)]


def test_steps_done_out_of_order_are_not_the_stage():
    # C done early (wrong order); after B the design wants C (done) then D: the stage is D
    moves = [("A", "A", "tA"), ("C", S, None), ("B", "B", "tB"), (S, "C", "tC"), (S, "D", "tD")]
    seen = []

    def finder(fired, movable):
        seen.append(list(fired))
        return ["D"], ()

    assert _occ(moves, finder)[-1] == ("dropped_out", "D", "B", 2)
    assert seen == [["tA", "tB", "tC"]]


def test_the_finder_gets_the_transitions_up_to_the_last_sync_move_only():
    moves = [("A", "A", "tA"), (S, None, "tau_1"), ("B", "B", "tB"), (S, None, "tau_2"), ("X", S, None), (S, "C", "tC")]
    seen = []

    def finder(fired, movable):
        seen.append(list(fired))
        return ["C", "E"], ()

    occ = variant_deviations(moves, finder)
    assert seen == [["tA", "tau_1", "tB"]]
    assert occ[-1]["activity"] == "C | E" and occ[-1]["stage"] == ["C", "E"]


def test_without_transition_names_the_first_dropped_step_names_it():
    table = occurrences_table(pl.DataFrame({"variant_id": pl.Series([0], dtype=pl.UInt32),
                                            "moves": [[{"log": "A", "model": "A"}, {"log": None, "model": "B"}]]}),
                              lambda fired, movable: (["never used"], ()))
    assert table.select("kind", "activity", "stage").rows() == [("dropped_out", "B", ["B"])]


def test_a_parallel_branch_the_aligner_put_first_is_part_of_the_drop_out():
    # Order, then Install and Bill in parallel; the journey did Order, Bill and stopped. The aligner
    # placed the Install model move before the Bill sync move: Install was not skipped.
    moves = [("Order", "Order", "tO"), (S, "Install", "tI"), ("Bill", "Bill", "tB"), (S, None, "join")]
    calls = []

    def finder(fired, movable):
        calls.append((list(fired), list(movable)))
        return ["Install"], {1}

    assert _occ(moves, finder) == [("dropped_out", "Install", "Bill", 1)]
    assert calls == [(["tO", "tI", "tB"], [1])]


def test_a_finished_journey_with_trailing_log_moves_did_not_drop_out():
    assert _occ([("A", "A"), ("B", "B"), ("Call", S), (S, None)]) == [("unexpected", "Call", "B", 2)]


# ------------------------------------------------------------------------------------------
# the command
# ------------------------------------------------------------------------------------------


def test_cli_conform_states_the_stage(tmp_path, run_main):
    node, journeys = SHAPES["XOR at the end"]
    (tmp_path / "design.ptree").write_text(ptree(node) + "\n", encoding="utf-8")
    rows = [{"journey_id": j, "activity": a, "timestamp": (T0 + dt.timedelta(hours=i)).isoformat()}
            for j, acts in journeys.items() for i, a in enumerate(acts)]
    pl.DataFrame(rows).write_csv(tmp_path / "log.csv")
    code, _out, err = run_main("conform", "log.csv", "--model", "design.ptree", "--no-precision", "--settle", "0", "--json",
                               "c.json", cwd=tmp_path)
    assert code == 0, err
    flat = " ".join(err.split())
    assert "Ended before any of 'Release A', 'Release B', 'Release C' or 2 more steps in 3 journeys" in flat.replace("│ ", "")
    data = json.loads((tmp_path / "c.json").read_text())
    [dev] = [d for d in data["deviations"] if d["kind"] == "dropped_out" and len(d["stage"]) > 1]
    assert dev["id"] == "dropped_out:Release A | Release B | Release C | Release D | Release E"
    assert dev["stage"] == R and dev["journeys"] == 3
    # a CI threshold on the id means something
    code, _out, err = run_main("check", "log.csv", "--model", "design.ptree", "--no-config", "--no-precision",
                               "--settle", "0", "--max-share", f"{dev['id']}=0.4", cwd=tmp_path)
    assert code == 1 and dev["id"] in err


