"""journeylog's exact alignment search (journeylog.mining.astar) against pm4py's A*.

Oracles: pm4py's optimal cost for the same sequence and net (the optimal cost is unique, the
chosen alignment may differ); the moves replayed with pm4py's own Petri-net semantics (the model
moves fire from the initial marking to the final marking) and re-costed by hand; the log side of
the moves read back equals the sequence.
"""

from __future__ import annotations

import itertools
import random
import warnings
from pathlib import Path
from typing import Any

import pytest

from factories import SHARED_DATA_MISSING
from journeylog.mining import alignments as A
from journeylog.mining import astar
from journeylog.models import load_model

pytestmark = [pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

ROOT = Path(__file__).resolve().parents[2]

SHARED = ROOT.parent / "shared" / "data" / "pm4py-core"

TREES = {
    "sequence": "->('a', 'b', 'c')",
    "xor": "->('a', X('b', 'c', tau), 'd')",
    "and": "->('a', +('b', 'c', 'd'), 'e')",
    "loop_tau": "->('a', *(->('b', X('c', tau)), tau), 'd')",
    "nested": "->(X(->('a', 'b'), 'c'), +(*('d', 'e'), X('f', tau)), 'g')",
}


def _ptree(tmp_path: Path, text: str) -> Any:
    p = tmp_path / "m.ptree"
    p.write_text(text + "\n")
    return load_model(p)


def _net(model: Any) -> tuple[Any, Any, Any]:
    return model.net, model.initial_marking, model.final_marking


def _pm4py_cost(net: Any, im: Any, fm: Any, seq: tuple[str, ...], bwc0: int) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = A._align_pm4py(net, im, fm, seq, bwc0, 60.0)
    assert res is not None
    return int(res["cost"])


def _pm4py_bwc(net: Any, im: Any, fm: Any) -> int:

    return int(A.alignment_variant().value.get_best_worst_cost(net, im, fm, parameters={}))


def check_moves(net: Any, im: Any, fm: Any, seq: tuple[str, ...], res: dict[str, Any]) -> None:
    """The moves are a valid alignment of ``seq`` with the net, and cost what ``res`` says."""
    from pm4py.objects.petri_net import semantics

    by_name = {t.name: t for t in net.transitions}
    marking = im
    cost = 0
    log_side = []
    for (log, model), name in zip(res["alignment"], res["transitions"], strict=True):
        if log != A.SKIP:
            log_side.append(log)
        if name is None:
            assert model == A.SKIP
            cost += 10000
            continue
        t = by_name[name]
        assert model == t.label
        assert semantics.is_enabled(t, net, marking), f"{name} not enabled"
        marking = semantics.execute(t, net, marking)
        if log == A.SKIP:
            cost += 1 if t.label is None else 10000
        else:
            assert log == t.label
    assert marking == fm
    assert tuple(log_side) == seq
    assert cost == res["cost"]


def _traces(labels: list[str], max_len: int, extra: str = "zz") -> list[tuple[str, ...]]:
    alphabet = sorted(labels) + [extra]
    out = []
    for n in range(max_len + 1):
        out.extend(itertools.product(alphabet, repeat=n))
    return out


@pytest.mark.parametrize("name", sorted(TREES))
def test_costs_equal_pm4py_on_every_short_trace(tmp_path: Path, name: str) -> None:
    net, im, fm = _net(_ptree(tmp_path, TREES[name]))
    cn = astar.CompiledNet(net, im, fm)
    bwc0 = _pm4py_bwc(net, im, fm)
    assert astar.search(cn, ())["cost"] == bwc0  # type: ignore[index]
    labels = sorted({t.label for t in net.transitions if t.label})
    traces = _traces(labels, 3)
    traces += random.Random(name).sample(_traces(labels, 5), 60)
    for seq in traces:
        res = astar.search(cn, seq)
        assert res is not None
        assert res["cost"] == _pm4py_cost(net, im, fm, seq, bwc0), seq
        check_moves(net, im, fm, seq, res)


def _hand_net(weighted: bool = False, duplicate: bool = False) -> tuple[Any, Any, Any]:
    """source -a-> p1 (x2 when weighted) -b-> p2 -c (consumes 2 when weighted)-> sink; with
    ``duplicate`` a second transition labelled ``b`` goes p1 -> p2 alongside a ``d``."""
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils import petri_utils as pu

    net = PetriNet("hand")
    ps = {n: PetriNet.Place(n) for n in ("source", "p1", "p2", "sink")}
    for p in ps.values():
        net.places.add(p)
    w = 2 if weighted else 1
    ta, tb, tc = PetriNet.Transition("ta", "a"), PetriNet.Transition("tb", "b"), PetriNet.Transition("tc", "c")
    for t in (ta, tb, tc):
        net.transitions.add(t)
    pu.add_arc_from_to(ps["source"], ta, net)
    pu.add_arc_from_to(ta, ps["p1"], net, weight=w)
    pu.add_arc_from_to(ps["p1"], tb, net)
    pu.add_arc_from_to(tb, ps["p2"], net)
    pu.add_arc_from_to(ps["p2"], tc, net, weight=w)
    pu.add_arc_from_to(tc, ps["sink"], net)
    if duplicate:
        tb2, td = PetriNet.Transition("tb2", "b"), PetriNet.Transition("td", "d")
        net.transitions.update({tb2, td})
        pu.add_arc_from_to(ps["p1"], tb2, net)
        p3 = PetriNet.Place("p3")
        net.places.add(p3)
        pu.add_arc_from_to(tb2, p3, net)
        pu.add_arc_from_to(p3, td, net)
        pu.add_arc_from_to(td, ps["p2"], net)
    return net, Marking({ps["source"]: 1}), Marking({ps["sink"]: 1})


@pytest.mark.parametrize("weighted, duplicate", [(True, False), (False, True)])
def test_weighted_arcs_like_pm4py_and_duplicate_labels(weighted: bool, duplicate: bool) -> None:
    """pm4py's alignments ignore arc weights (its synchronous product has weight-1 arcs): so does
    the default search, and the costs are equal."""
    net, im, fm = _hand_net(weighted, duplicate)
    plain = _hand_net(False, duplicate)  # the same net with weight-1 arcs: what pm4py aligns with
    cn = astar.CompiledNet(net, im, fm)
    bwc0 = _pm4py_bwc(net, im, fm)
    assert astar.search(cn, ())["cost"] == bwc0  # type: ignore[index]
    for seq in _traces(["a", "b", "c", "d"], 4):
        res = astar.search(cn, seq)
        assert res is not None and res["cost"] == _pm4py_cost(net, im, fm, seq, bwc0), seq
        check_moves(*plain, seq, res)


def test_weighted_search_follows_the_weights() -> None:
    net, im, fm = _hand_net(weighted=True)
    cn = astar.CompiledNet(net, im, fm, weighted=True)
    assert astar.search(cn, ())["cost"] == 40000  # type: ignore[index]  # a, b, b, c
    for seq in _traces(["a", "b", "c"], 4):
        res = astar.search(cn, seq)
        assert res is not None
        check_moves(net, im, fm, seq, res)
    assert astar.search(cn, ("a", "b", "b", "c"))["cost"] == 0  # type: ignore[index]


def test_unreachable_final_marking_gives_none() -> None:
    from pm4py.objects.petri_net.obj import Marking

    net, im, _fm = _hand_net()
    nowhere = Marking({next(p for p in net.places if p.name == "p1"): 2})
    assert astar.search(astar.CompiledNet(net, im, nowhere), ("a",)) is None


def test_timeout_gives_none(tmp_path: Path) -> None:
    net, im, fm = _net(_ptree(tmp_path, TREES["and"]))
    assert astar.search(astar.CompiledNet(net, im, fm), ("e", "d", "c"), timeout=0.0) is None


# the catalogue's raw material on hand-built cases: which move each deviation becomes (the
# documented tie-breaking of journeylog.mining.astar; pm4py picks the same on all but one)
PINNED = [
    # a repeated step: the first occurrence is synchronous, the repeat is the log move
    ("->('a', 'b', 'c')", ("a", "b", "b", "c"), [("a", "a"), ("b", "b"), ("b", ">>"), ("c", "c")]),
    # a skipped step: one model move where it belongs
    ("->('a', 'b', 'c')", ("a", "c"), [("a", "a"), (">>", "b"), ("c", "c")]),
    # an extra step the model has elsewhere
    ("->('a', 'b', 'c')", ("a", "c", "b", "c"), [("a", "a"), ("c", ">>"), ("b", "b"), ("c", "c")]),
    # a drop-out: the rest of the model as model moves
    ("->('a', 'b', 'c')", ("a",), [("a", "a"), (">>", "b"), (">>", "c")]),
    # a swapped pair: the model move comes first, then the late step is the log move (as pm4py)
    ("->('a', 'b', 'c')", ("a", "c", "b"), [("a", "a"), (">>", "b"), ("c", "c"), ("b", ">>")]),
    # two swapped pairs: each is "skipped, then extra" (pm4py's LP picks "extra, then skipped" here)
    ("->('a', 'b', 'c', 'd')", ("b", "a", "d", "c"),
     [(">>", "a"), ("b", "b"), ("a", ">>"), (">>", "c"), ("d", "d"), ("c", ">>")]),
    # parallel steps in either order are synchronous
    ("->('a', +('b', 'c'), 'd')", ("a", "c", "b", "d"), [("a", "a"), ("c", "c"), ("b", "b"), ("d", "d")]),
    # a choice not taken costs nothing; the silent branch is one silent step
    ("->('a', X('b', tau), 'c')", ("a", "c"), [("a", "a"), (">>", None), ("c", "c")]),
]


@pytest.mark.parametrize("tree, seq, expected", PINNED)
def test_pinned_alignments(tmp_path: Path, tree: str, seq: tuple[str, ...], expected: list[tuple[Any, Any]]) -> None:
    net, im, fm = _net(_ptree(tmp_path, tree))
    res = astar.search(astar.CompiledNet(net, im, fm), seq)
    assert res is not None and res["alignment"] == expected
    bwc0 = _pm4py_bwc(net, im, fm)
    assert res["cost"] == _pm4py_cost(net, im, fm, seq, bwc0)
    if seq == ("b", "a", "d", "c"):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert A._align_pm4py(net, im, fm, seq, bwc0, 60.0)["alignment"] == expected  # type: ignore[index]


def test_align_gives_the_same_figures_with_either_aligner(tmp_path: Path) -> None:
    import polars as pl

    from journeylog import settings

    model = _ptree(tmp_path, TREES["nested"])
    rng = random.Random(3)
    acts = list("abcdefgx")
    seqs = sorted({tuple(rng.choice(acts) for _ in range(rng.randrange(0, 7))) for _ in range(80)})
    vt = pl.DataFrame({"variant_id": list(range(len(seqs))), "activities": [list(s) for s in seqs],
                       "journeys": [1 + i % 3 for i in range(len(seqs))]},
                      schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt32})
    out = {}
    for name in settings.ALIGNERS:
        s = settings.Settings(processes=1, aligner=name)
        out[name] = A.align(model, vt, settings=s).select("variant_id", "cost", "bwc", "fitness")
    assert out["journeylog"].equals(out["pm4py"])


SHOP = ("->('land', *(->(X('search', 'browse'), 'view'), 'back'), 'cart', X('login', ->('guest', 'email')), "
        "+(->('address', X('validate', tau)), 'delivery'), X('card', 'wallet'), *('authorise', 'retry'), 'confirm', "
        "+('mail', ->('pick', 'pack')), X(tau, 'review', ->('return', 'refund')))")


def test_hypothesis_traces_cost_what_pm4py_says(tmp_path: Path) -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")
    net, im, fm = _net(_ptree(tmp_path, SHOP))
    cn = astar.CompiledNet(net, im, fm)
    bwc0 = _pm4py_bwc(net, im, fm)
    labels = sorted({t.label for t in net.transitions if t.label}) + ["unknown"]

    @hypothesis.settings(max_examples=60, deadline=None, derandomize=True)
    @hypothesis.given(st.lists(st.sampled_from(labels), max_size=14))
    def check(trace: list[str]) -> None:
        seq = tuple(trace)
        res = astar.search(cn, seq)
        assert res is not None and res["cost"] == _pm4py_cost(net, im, fm, seq, bwc0)
        check_moves(net, im, fm, seq, res)

    check()


SHARED_LOGS = ["running-example.xes", "03_repairExample.xes.gz", "02_teleclaims.xes.gz", "06_bpic2013_closed.xes.gz",
               "roadtraffic100traces.xes"]


@pytest.mark.skipif(not SHARED.is_dir(), reason=SHARED_DATA_MISSING)
@pytest.mark.parametrize("name", SHARED_LOGS)
def test_shared_logs_sampled_variants_cost_what_pm4py_says(name: str) -> None:
    """IMf (noise 0.2) nets of the shared logs, 25 sampled variants each (the whole-log figures
    are compared by benchmarks/equality_sweep.py)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py

        log = pm4py.read_xes(str(SHARED / "logs" / name), return_legacy_log_object=True)
        net, im, fm = pm4py.discover_petri_net_inductive(log, noise_threshold=0.2)
        seqs = sorted({tuple(e["concept:name"] for e in trace) for trace in log})
    seqs = sorted(random.Random(name).sample(seqs, min(25, len(seqs))))
    cn = astar.CompiledNet(net, im, fm)
    bwc0 = _pm4py_bwc(net, im, fm)
    assert astar.search(cn, ())["cost"] == bwc0  # type: ignore[index]
    for seq in seqs:
        res = astar.search(cn, seq)
        assert res is not None and res["cost"] == _pm4py_cost(net, im, fm, seq, bwc0), seq
        check_moves(net, im, fm, seq, res)


def test_webshop_generator_and_per_variant_benchmark_run(tmp_path: Path) -> None:
    """benchmarks/generate_webshop.py is seeded; bench_align.py finds every cost equal (no timing asserts)."""
    import subprocess
    import sys

    import polars as pl

    bench = ROOT / "benchmarks"
    for name in ("a.parquet", "b.parquet"):
        proc = subprocess.run([sys.executable, str(bench / "generate_webshop.py"), "--events", "3000", "--seed", "5",
                               "-o", name, "--model-out", "shop.ptree"], cwd=tmp_path, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr
    a, b = pl.read_parquet(tmp_path / "a.parquet"), pl.read_parquet(tmp_path / "b.parquet")
    assert a.equals(b) and a.height >= 3000
    proc = subprocess.run([sys.executable, str(bench / "bench_align.py"), "--log", "a.parquet", "--model", "shop.ptree",
                           "--sample", "15"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "costs_differ             0" in proc.stdout


def test_a_failure_of_the_own_search_is_a_bug_not_the_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception inside journeylog's own search propagates (the CLI's exit 70, a bug); it
    used to be reported as "pm4py cannot replay the model", an input error (exit 3), which
    blamed the user's model for journeylog's fault. pm4py's own failures are still input errors."""
    from journeylog.errors import InvalidInput

    net, im, fm = _net(_ptree(tmp_path, TREES["and"]))

    def broken(*_a: Any, **_k: Any) -> Any:
        raise AttributeError("a bug in the search")

    monkeypatch.setattr(astar, "search", broken)
    with pytest.raises(AttributeError, match="a bug in the search"):
        A.best_worst_cost(net, im, fm, None, 5.0)
    monkeypatch.setattr(A.alignment_variant().value, "get_best_worst_cost", broken)
    from journeylog import settings

    monkeypatch.setattr(settings, "_CURRENT", settings.Settings(aligner="pm4py"))
    with pytest.raises(InvalidInput, match="pm4py cannot replay"):
        A.best_worst_cost(net, im, fm, None, 5.0)
