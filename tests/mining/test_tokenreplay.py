"""journeylog's token replay (mining/tokenreplay.py) against pm4py's TOKEN_REPLAY, trace by trace.

The oracle is pm4py's own ``token_replay.apply`` with the parameters ``mining.token_replay`` always
gave it, on the same net object (pm4py's set orders depend on the objects' addresses, see the
module docstring). Every field of every trace is compared with ``==``: trace_is_fit,
trace_fitness, missing, consumed, remaining and produced tokens. Sequences: the logs' own traces,
the same with noise (events dropped, repeated, swapped, foreign ones inserted), random sequences
over the model's labels, and pm4py play-outs of the model with noise. Models: the ones the other
replay tests use, ``../shared/data``'s PNML and BPMN models (as pm4py reads them and as journeylog
loads them), random process trees (``pm4py.generate_process_tree``, with silent steps, loops and
repeated labels) and the sweep's trees.
"""

from __future__ import annotations

import contextlib
import random
import warnings
from pathlib import Path

import polars as pl
import pytest

from factories import ROOT
from journeylog import mining
from journeylog.errors import JourneylogError
from journeylog.mining import replay as replay_module
from journeylog.mining import tokenreplay
from journeylog.models import load_model

pytestmark = [pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

DATA = ROOT / "tests" / "data" / "models"
SAMPLE = ROOT / "samples" / "telecom"
FIELDS = ("trace_is_fit", "trace_fitness", "missing_tokens", "consumed_tokens", "remaining_tokens", "produced_tokens")


def pm4py_replay(net, im, fm, seqs) -> list[tuple]:
    """pm4py's token replay of each sequence, as ``mining.token_replay`` called it before the port."""
    from pm4py.algo.conformance.tokenreplay import algorithm as executor
    from pm4py.algo.conformance.tokenreplay.variants import token_replay as tr
    from pm4py.objects.log.obj import Event, EventLog, Trace

    log = EventLog([Trace([Event({"concept:name": a}) for a in s]) for s in seqs])
    params = {tr.Parameters.CONSIDER_REMAINING_IN_FITNESS: True, tr.Parameters.CLEANING_TOKEN_FLOOD: False,
              tr.Parameters.SHOW_PROGRESS_BAR: False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = executor.apply(log, net, im, fm, variant=executor.Variants.TOKEN_REPLAY, parameters=params)
    return [tuple(r[k] for k in FIELDS) for r in res]


def assert_same(net, im, fm, seqs) -> int:
    seqs = list(dict.fromkeys(tuple(s) for s in seqs))
    ref = pm4py_replay(net, im, fm, seqs)
    ours = tokenreplay.replay_sequences(net, im, fm, seqs)
    for seq, r, o in zip(seqs, ref, ours, strict=True):
        assert o == r, (seq, dict(zip(FIELDS, r, strict=True)), dict(zip(FIELDS, o, strict=True)))
        assert [type(x) for x in o] == [type(x) for x in r], seq
    return len(seqs)


def labels_of(net) -> list[str]:
    return sorted({t.label for t in net.transitions if t.label is not None})


def noisy(rng: random.Random, seqs, labels, n: int) -> list[tuple[str, ...]]:
    """``n`` sequences: a base sequence (or nothing) with a few random edits."""
    pool = list(labels) + ["zz-not-in-model"]
    out = []
    for _ in range(n):
        s = list(rng.choice(seqs)) if seqs and rng.random() < 0.8 else []
        for _ in range(rng.randint(0, 3)):
            op = rng.random()
            i = rng.randrange(len(s) + 1)
            if op < 0.3 and s:
                del s[min(i, len(s) - 1)]
            elif op < 0.55 and s:
                s.insert(i, s[min(i, len(s) - 1)])  # repeated step
            elif op < 0.75 and len(s) > 1:
                j = min(i, len(s) - 2)
                s[j], s[j + 1] = s[j + 1], s[j]
            elif pool:
                s.insert(i, rng.choice(pool))
        out.append(tuple(s))
    return out


def random_sequences(rng: random.Random, labels, n: int, longest: int = 12) -> list[tuple[str, ...]]:
    return [tuple(rng.choice(labels) for _ in range(rng.randint(0, longest))) for _ in range(n)] if labels else [()]


def play_out(net, im, fm, n: int, seed: int) -> list[tuple[str, ...]]:
    from pm4py.algo.simulation.playout.petri_net import algorithm as playout

    random.seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = playout.apply(net, im, fm, parameters={"noTraces": n, "maxTraceLength": 30})
    return [tuple(ev["concept:name"] for ev in t) for t in log]


def log_traces(pm4py, path: Path) -> list[tuple[str, ...]]:
    name = path.name
    if name.endswith(".csv"):
        import pandas as pd

        df = pd.read_csv(path, sep=";" if "broken" in name else ",")
        return [tuple(g["concept:name"]) for _c, g in df.groupby("case:concept:name", sort=True)]
    if name.endswith(".yaml"):
        from journeylog.ingest import ingest
        from journeylog.journeys import variants

        return [tuple(a) for a in variants(ingest(path).events)["activities"].to_list()]
    log = pm4py.read_xes(str(path), return_legacy_log_object=True)
    return [tuple(ev["concept:name"] for ev in t) for t in log]


def pm4py_net(pm4py, path: Path):
    if path.suffix == ".bpmn":
        return pm4py.convert_to_petri_net(pm4py.read_bpmn(str(path)))
    return pm4py.read_pnml(str(path))


# the models and logs of the other replay tests (tests/mining/test_mining.py, test_progress_replay.py)
PAIRS = [
    (DATA / "running-example.pnml", DATA / "running-example.xes"),
    (DATA / "running-example.bpmn", DATA / "running-example.xes"),
    (DATA / "running-example.pnml", DATA / "running_example_broken.csv"),
    (DATA / "roadtraffic.pnml", DATA / "roadtraffic100traces.xes.gz"),
    (DATA / "a12.pnml", DATA / "a12f0n50.xes.gz"),
    (DATA / "receipt.bpmn", DATA / "08_receipt.xes.gz"),
    (SAMPLE / "designed_journey.bpmn", SAMPLE / "sources.yaml"),
]


@pytest.mark.parametrize(("model_path", "log_path"), PAIRS, ids=lambda p: p.name)
def test_equal_to_pm4py_on_the_replay_tests_models_and_logs(pm4py, model_path, log_path):
    traces = log_traces(pm4py, log_path)
    rng = random.Random(model_path.name + log_path.name)
    for net, im, fm in (pm4py_net(pm4py, model_path), _unpack(load_model(model_path))):
        labels = labels_of(net)
        seqs = traces + noisy(rng, traces, labels, 150) + random_sequences(rng, labels, 60)
        assert assert_same(net, im, fm, seqs) > 60


SHARED_PAIRS = [
    ("pm4py-core/models/running-example.pnml", "pm4py-core/logs/running-example.xes"),
    ("pm4py-core/models/running-example.bpmn", "pm4py-core/logs/running_example_broken.csv"),
    ("pm4py-core/models/receipt.bpmn", "pm4py-core/logs/receipt.csv"),
    ("pm4py-core/models/receipt_one_variant.pnml", "pm4py-core/logs/receipt.csv"),
    ("pm4py-core/models/a12.pnml", "pm4py-core/logs/a12f0n00.xes.gz"),
    ("pm4py-core/models/a22.pnml", "pm4py-core/logs/a22f0n00.xes.gz"),
    ("pm4py-core/models/roadtraffic.pnml", "pm4py-core/logs/roadtraffic50traces.xes"),
    ("pm4py-core/models/stochastic_running_example.pnml", "pm4py-core/logs/running-example.xes"),
]


@pytest.mark.parametrize(("model_name", "log_name"), SHARED_PAIRS, ids=lambda n: Path(n).name)
def test_equal_to_pm4py_on_the_shared_models_and_logs(pm4py, shared_data, model_name, log_name):
    traces = log_traces(pm4py, shared_data / log_name)
    net, im, fm = pm4py_net(pm4py, shared_data / model_name)
    rng = random.Random(model_name)
    labels = labels_of(net)
    traces = list(dict.fromkeys(traces))[:400]
    assert assert_same(net, im, fm, traces + noisy(rng, traces, labels, 150) + random_sequences(rng, labels, 60)) > 60


def _shared_models(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".bpmn", ".pnml")) if root.is_dir() else []


@pytest.mark.parametrize("rel", [str(p.relative_to(ROOT.parent / "shared" / "data"))
                                 for p in _shared_models(ROOT.parent / "shared" / "data")] or ["none"])
def test_equal_to_pm4py_on_every_shared_model_with_played_out_and_random_traces(pm4py, shared_data, rel):
    path = shared_data / rel
    if not path.is_file():
        pytest.skip("no shared models")
    nets = []
    with contextlib.suppress(Exception):  # B.1.0 / B.2.0: pm4py's BPMN importer fails (SOURCES.md)
        nets.append(pm4py_net(pm4py, path))
    with contextlib.suppress(Exception):  # journeylog refuses some (no final marking, ...)
        nets.append(_unpack(load_model(path)))
    if not nets:  # a model without a net to replay: journeylog must say why, in one located line
        with pytest.raises(JourneylogError):
            load_model(path)
        return
    rng = random.Random(rel)
    for net, im, fm in nets:
        labels = labels_of(net)
        played = play_out(net, im, fm, 40, rng.randrange(1 << 30)) if len(fm) else []
        assert_same(net, im, fm, played + noisy(rng, played, labels, 100) + random_sequences(rng, labels, 80))


@pytest.mark.parametrize("seed", range(30))
def test_equal_to_pm4py_on_random_process_trees(pm4py, seed):
    """pm4py's process tree generator (PTandLogGenerator) with silent steps, loops, parallelism,
    OR, and repeated labels on every other seed; played out with noise, and random sequences."""
    from pm4py.algo.simulation.tree_generator.variants import ptandloggenerator as gen
    from pm4py.objects.conversion.process_tree.variants import to_petri_net

    random.seed(seed)
    params = {"mode": 6, "min": 3, "max": 10, "sequence": 0.3, "choice": 0.25, "parallel": 0.25, "loop": 0.2,
              "or": 0.0 if seed % 3 else 0.1, "silent": 0.2, "duplicate": 0.0, "no_models": 1}
    rng = random.Random(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = gen.apply(parameters=params)
        if seed % 2:  # repeated labels (pm4py's own "duplicate" option can loop for ever)
            leaves = [x for x in tree._get_leaves() if x.label is not None]
            for leaf in leaves[1:]:
                if rng.random() < 0.3:
                    leaf.label = rng.choice(leaves).label
        net, im, fm = to_petri_net.apply(tree)
    labels = labels_of(net)
    played = play_out(net, im, fm, 40, seed)
    assert assert_same(net, im, fm, played + noisy(rng, played, labels, 120) + random_sequences(rng, labels, 60)) > 20


SWEEP_TREES = ["->('a', 'a')", "->('a', X('b', 'a'), 'a')", "*('a', 'a')", "+('a', ->('b', 'a'))",
               "->('a', *(X('b', 'c'), tau), 'd')", "->('Order', X('Pay', tau), 'Ship')",
               "X(tau, +('a', *('b', tau), 'c'))", "*(+('a', X('b', tau)), ->(tau, 'c'))",
               "->(X(tau, 'a'), +(X(tau, 'b'), *(tau, 'c')), X('d', tau))"]


@pytest.mark.parametrize("text", SWEEP_TREES)
def test_equal_to_pm4py_on_the_sweeps_trees(pm4py, text):
    """Trees of tests/mining/test_equality_sweep.py (repeated labels among them) and a few with
    silent steps in loops and parallel branches, as pm4py converts them and as journeylog loads them."""
    from pm4py.objects.conversion.process_tree.variants import to_petri_net

    from journeylog.models import parse_process_tree

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net, im, fm = to_petri_net.apply(parse_process_tree(text))
    rng = random.Random(text)
    labels = labels_of(net)
    seqs = random_sequences(rng, labels, 200, longest=9) + play_out(net, im, fm, 30, 1)
    assert_same(net, im, fm, seqs)


def test_shortest_paths_equal_pm4py(pm4py):
    """The invisible-transition paths between places are pm4py's, path for path."""
    from pm4py.objects.petri_net.utils.petri_utils import get_places_shortest_path_by_hidden

    silent = 0
    for path in (DATA / "receipt.bpmn", DATA / "running-example.bpmn", SAMPLE / "designed_journey.bpmn"):
        net, im, fm = _unpack(load_model(path))
        compiled = tokenreplay.TokenReplayNet(net, im, fm)
        places = list(net.places)
        transitions = list(net.transitions)
        ref = get_places_shortest_path_by_hidden(net, tokenreplay.MAX_REC_DEPTH)
        ours = {places[p]: {places[q]: [transitions[t] for t in ts] for q, ts in row.items()}
                for p, row in enumerate(compiled.paths)}
        assert ours == {p: dict(row) for p, row in ref.items()}, path.name
        silent += sum(map(len, compiled.paths))
    assert silent > 10  # the models do have silent paths


def _vt(seqs: list[list[str]]) -> pl.DataFrame:
    return pl.DataFrame({"variant_id": list(range(1, len(seqs) + 1)), "activities": seqs,
                         "journeys": [k % 3 + 1 for k in range(len(seqs))]},
                        schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64})


def _unpack(model):
    return model.net, model.initial_marking, model.final_marking


def test_token_replay_rows_are_pm4pys_per_trace_rows(pm4py):
    """``mining.token_replay``'s variant rows carry pm4py's figures of the variant's trace."""
    model = load_model(DATA / "receipt.bpmn")
    traces = list(dict.fromkeys(log_traces(pm4py, DATA / "08_receipt.xes.gz")))
    rep = mining.token_replay(model, _vt([list(t) for t in traces]))
    ref = pm4py_replay(*_unpack(model), traces)
    rows = rep["variants"].select("fit", "fitness", "missing", "consumed", "remaining", "produced").rows()
    assert rows == ref


def test_places_sharing_a_name_go_to_pm4pys_replay(pm4py, monkeypatch):
    """A net whose places share a name is not compiled (pm4py then sorts them by address);
    ``token_replay`` replays it with pm4py's own code, with the same figures as ever."""
    model = load_model(DATA / "running-example.pnml")
    net, im, fm = _unpack(model)
    for p in net.places:
        p.name = "same"
    with pytest.raises(tokenreplay.Unsupported):
        tokenreplay.TokenReplayNet(net, im, fm)
    seqs = [list(t) for t in dict.fromkeys(log_traces(pm4py, DATA / "running_example_broken.csv"))]
    called = []
    real = replay_module._replay
    monkeypatch.setattr(replay_module, "_replay", lambda *a: called.append(1) or real(*a))
    rep = mining.token_replay(model, _vt(seqs))
    assert called
    assert rep["variants"]["fitness"].to_list() == [r[1] for r in pm4py_replay(net, im, fm, [tuple(s) for s in seqs])]


def test_the_port_is_used_and_remembers_markings(pm4py, monkeypatch):
    """``token_replay`` does not call pm4py's replay on a supported net; a second sequence through
    the same markings replays without new steps."""
    monkeypatch.setattr(replay_module, "_replay", lambda *a: pytest.fail("pm4py's replay was called"))
    model = load_model(DATA / "running-example.pnml")
    rep = mining.token_replay(model, _vt([["register request", "examine casually", "check ticket", "decide"]]))
    assert rep["variants"].height == 1
    compiled = tokenreplay.TokenReplayNet(*_unpack(model))
    first = compiled.replay(["register request", "check ticket", "examine thoroughly", "decide", "reject request"])
    steps = len(compiled._steps)
    again = compiled.replay(["register request", "check ticket", "examine thoroughly", "decide", "reject request"])
    assert first == again and len(compiled._steps) == steps == 5
