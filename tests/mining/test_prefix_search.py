"""journeylog's prefix search (``mining/prefix_search.py``) finds, for every distinct prefix, the
same set of markings as pm4py's own prefix alignment (``align_fake_log_stop_marking``), which
Align-ETConformance precision is computed from; nets it does not handle fall back to pm4py's."""

from __future__ import annotations

import importlib
import random

import polars as pl
import pytest
from test_equality_sweep import random_tree

from journeylog import mining
from journeylog.mining import prefix_search
from journeylog.mining.prefix_search import CountedPrefixNet, NotSafe, PrefixNet
from journeylog.models import load_model, parse_process_tree

pytestmark = [pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

P = importlib.import_module("journeylog.mining.precision")


def _net(text: str):
    from pm4py.objects.conversion.process_tree.variants import to_petri_net

    return to_petri_net.apply(parse_process_tree(text))


def _prefixes(seqs: list[tuple[str, ...]], labels: set[str]) -> dict[tuple[str, ...], set[str]]:
    trie, follow, _weight = P._prefix_trie([(i, s, 1) for i, s in enumerate(seqs)], labels)
    return dict(zip(trie.prefixes()[1:], follow[1:], strict=True))


def _same_as_pm4py(net, im, fm, follow, kind=PrefixNet) -> None:
    from pm4py.objects.petri_net.obj import Marking

    pn = kind(net, im)
    ours = pn.stop_markings(list(follow))
    theirs = P._prefix_markings_pm4py((net, im, fm), list(follow), {t.label for t in net.transitions if t.label}, 1, None)
    assert ours.keys() == theirs.keys()
    for prefix, ms in ours.items():
        if ms is None:
            assert theirs[prefix] is None, prefix
        else:
            assert theirs[prefix] is not None, prefix
            assert {Marking(pn.marking(m)) for m in ms} == set(theirs[prefix]), prefix


@pytest.mark.parametrize("seed", range(12))
def test_stop_markings_equal_pm4pys_on_random_trees(pm4py, seed):
    rng = random.Random(seed)
    net, im, fm = _net(random_tree(rng, list("abcdef"), depth=4))
    labels = sorted({t.label for t in net.transitions if t.label})
    if not labels:
        return
    log = pm4py.play_out(net, im, fm, parameters={"noTraces": 20})
    seqs = [tuple(e["concept:name"] for e in t) for t in log]
    seqs += [tuple(rng.choice(labels) for _ in range(rng.randint(1, 6))) for _ in range(20)]
    seqs += [s[:i] + (rng.choice(labels),) + s[i + 1:] for s in seqs if s for i in [rng.randrange(len(s))]]
    _same_as_pm4py(net, im, fm, _prefixes(seqs, set(labels)))


@pytest.mark.parametrize("name", ["receipt.bpmn", "running-example.pnml", "roadtraffic.pnml", "A.3.0.bpmn",
                                  "SimpleParallel.bpmn", "stochastic_running_example.pnml"])
def test_stop_markings_equal_pm4pys_on_shared_models(pm4py, shared_data, name):
    path = next(p for p in sorted(shared_data.rglob(name)))
    from journeylog.mining.petri import unpack_model

    net, im, fm, _ = unpack_model(load_model(path))
    labels = sorted({t.label for t in net.transitions if t.label})
    rng = random.Random(name)
    log = pm4py.play_out(net, im, fm, parameters={"noTraces": 15, "maxTraceLength": 25})
    seqs = [tuple(e["concept:name"] for e in t) for t in log]
    seqs += [s[:i] + (rng.choice(labels),) + s[i + 1:] for s in seqs if s for i in [rng.randrange(len(s))]]
    _same_as_pm4py(net, im, fm, _prefixes(seqs, set(labels)))


def test_only_the_markings_with_the_fewest_silent_moves(pm4py):
    # after "a": the first branch with no silent move, the second after skipping "d" (one); pm4py
    # keeps the first only, so "c" is not counted as enabled after "a" ...
    net, im, fm = _net("X(->('a', 'b'), ->(X(tau, 'd'), 'a', 'c'))")
    found = PrefixNet(net, im).stop_markings([("a",), ("a", "c")])
    assert len(found[("a",)]) == 1
    assert found[("a", "c")] is not None and len(found[("a", "c")]) == 1  # ... though "a", "c" replays
    _same_as_pm4py(net, im, fm, {("a",): {"b"}, ("a", "c"): set()})


def test_every_marking_of_the_least_cost(pm4py):
    net, im, fm = _net("X(->('a', 'b'), ->('a', 'c'))")
    assert len(PrefixNet(net, im).stop_markings([("a",)])[("a",)]) == 2
    vt = pl.DataFrame({"variant_id": [1], "activities": [["a", "b"]], "journeys": [3]},
                      schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64})
    log = pm4py.objects.log.obj.EventLog([pm4py.objects.log.obj.Trace(
        [pm4py.objects.log.obj.Event({"concept:name": a}) for a in ("a", "b")]) for _ in range(3)])
    # after a the model enables b and c (both markings count), the log takes only b
    assert mining.precision((net, im, fm), vt, processes=1) == pm4py.precision_alignments(log, net, im, fm)


def _unsafe_net():
    """a puts a token in p1 and p2; b and c each move one to p3, which then holds two."""
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils import petri_utils as pu

    net = PetriNet("unsafe")
    src, p1, p2, p3 = (PetriNet.Place(n) for n in ("src", "p1", "p2", "p3"))
    for p in (src, p1, p2, p3):
        net.places.add(p)
    ta, tb, tc = (PetriNet.Transition(n, n) for n in "abc")
    for t in (ta, tb, tc):
        net.transitions.add(t)
    for a, b in ((src, ta), (ta, p1), (ta, p2), (p1, tb), (tb, p3), (p2, tc), (tc, p3)):
        pu.add_arc_from_to(a, b, net)
    return net, Marking({src: 1}), Marking({p3: 2})


def _unsafe_case(pm4py):
    net, im, fm = _unsafe_net()
    seqs = [["a", "b", "c"], ["a", "c", "b"], ["a", "b", "c"]]
    vt = pl.DataFrame({"variant_id": [1, 2], "activities": seqs[:2], "journeys": [2, 1]},
                      schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64})
    log = pm4py.objects.log.obj.EventLog([pm4py.objects.log.obj.Trace(
        [pm4py.objects.log.obj.Event({"concept:name": a}) for a in s]) for s in seqs])
    return (net, im, fm), vt, pm4py.precision_alignments(log, net, im, fm)


def test_a_net_that_is_not_safe_is_searched_with_token_counts(pm4py):
    (net, im, fm), vt, expected = _unsafe_case(pm4py)
    prefixes = [("a",), ("a", "b"), ("a", "c"), ("a", "b", "c"), ("a", "c", "b"), ("b",)]
    with pytest.raises(NotSafe):
        PrefixNet(net, im).stop_markings(prefixes)
    _same_as_pm4py(net, im, fm, dict.fromkeys(prefixes, set()), kind=CountedPrefixNet)
    assert mining.precision((net, im, fm), vt, processes=1) == expected


def test_too_many_markings_fall_back_to_pm4pys_search(pm4py, monkeypatch):
    (net, im, fm), vt, expected = _unsafe_case(pm4py)
    monkeypatch.setattr(prefix_search, "MAX_MARKINGS", 0)
    with pytest.raises(NotSafe, match="more than 0 markings"):
        CountedPrefixNet(net, im).stop_markings([("a",), ("a", "b")])
    assert mining.precision((net, im, fm), vt, processes=1) == expected


@pytest.mark.parametrize("seed", range(8))
def test_stop_markings_equal_pm4pys_on_discovered_nets_with_many_skips(pm4py, seed):
    """Inductive-miner nets (noise 0.3) of random logs: many silent skips and loops, so prefixes
    stop at several markings and the cheapest silent path matters."""
    import pandas as pd

    rng = random.Random(100 + seed)
    acts = list("abcdef")
    seqs = [tuple(rng.choice(acts) for _ in range(rng.randint(1, 5))) for _ in range(15)]
    df = pd.DataFrame([{"case:concept:name": str(i), "concept:name": a,
                        "time:timestamp": pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(minutes=k)}
                       for i, s in enumerate(seqs) for k, a in enumerate(s)])
    net, im, fm = pm4py.discover_petri_net_inductive(df, noise_threshold=0.3)
    labels = {t.label for t in net.transitions if t.label}
    _same_as_pm4py(net, im, fm, _prefixes(seqs, labels))


def test_moves_past_the_cache_limit_are_worked_out_again(pm4py, monkeypatch):
    """With no room to remember a marking's moves, the walk finds the same markings."""
    net, im, fm = _net("->('a', +(X('b', tau), *('c', tau)), 'd')")
    prefixes = [("a",), ("a", "b"), ("a", "c"), ("a", "c", "c"), ("a", "b", "c", "d"), ("a", "c", "b"), ("a", "d")]
    remembered = PrefixNet(net, im)
    expected = remembered.stop_markings(prefixes)
    assert remembered._cached > 0
    monkeypatch.setattr(prefix_search, "MOVES_CACHED", 0)
    fresh = PrefixNet(net, im)
    assert fresh.stop_markings(prefixes) == expected and fresh._cached == 0
    _same_as_pm4py(net, im, fm, dict.fromkeys(prefixes, set()))
