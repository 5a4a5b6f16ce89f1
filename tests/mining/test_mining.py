"""journeylog.mining against pm4py on the full logs: exact equality, determinism, quietness."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import polars as pl
import pytest

from factories import ROOT, event_frame
from journeylog import mining
from journeylog.errors import InvalidInput, UsageError
from journeylog.journeys import variants
from journeylog.mining import parallel as mining_parallel
from journeylog.models import load_model

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

DATA = ROOT / "tests" / "data" / "models"
SRC = ROOT / "src"


def _events(case_ids, timestamps, activities) -> pl.DataFrame:
    rows = zip([str(c) for c in case_ids], timestamps, range(len(activities)), [str(a) for a in activities], strict=True)
    return event_frame(rows, ("journey_id", "timestamp", "input_order", "activity"))


def read_log(pm4py, name: str):
    """(the log as pm4py reads it, journeylog's variant table, variant id of every trace in pm4py's order)."""
    import pandas as pd

    path = str(DATA / name)
    if name.endswith(".csv"):
        df = pd.read_csv(path, sep=";")
        log = pm4py.format_dataframe(df, case_id="case:concept:name", activity_key="concept:name", timestamp_key="time:timestamp")
    elif name.startswith("a12"):  # no timestamps: pm4py's conformance needs the legacy EventLog
        log = pm4py.read_xes(path, return_legacy_log_object=True)
    else:
        log = pm4py.read_xes(path)
    if hasattr(log, "columns"):
        from pm4py.util import pandas_utils

        df = log.reset_index(drop=True)
        ts = pd.to_datetime(df["time:timestamp"], utc=True)
        events = _events(df["case:concept:name"].tolist(), pl.Series(ts).cast(pl.Datetime("us", "UTC")),
                         df["concept:name"].tolist())
        traces = pandas_utils.get_traces(log, "case:concept:name", "concept:name")
    else:
        cases, acts = [], []
        for k, trace in enumerate(log):
            for ev in trace:
                cases.append(f"{k:06d}")
                acts.append(ev["concept:name"])
        events = _events(cases, [None] * len(acts), acts)
        traces = [tuple(ev["concept:name"] for ev in t) for t in log]
    vt = variants(events)
    ids = {tuple(a): v for v, a in vt.select("variant_id", "activities").iter_rows()}
    order = [ids[t] for t in traces]  # KeyError if journeylog and pm4py saw different sequences
    return log, vt, order


def pm4py_model(pm4py, name: str):
    path = str(DATA / name)
    if name.endswith(".bpmn"):
        return pm4py.convert_to_petri_net(pm4py.read_bpmn(path))
    return pm4py.read_pnml(path)


PAIRS = [
    ("running-example.xes", "running-example.pnml"),
    ("running-example.xes", "running-example.bpmn"),
    ("running_example_broken.csv", "running-example.pnml"),
    ("roadtraffic100traces.xes.gz", "roadtraffic.pnml"),
    ("a12f0n50.xes.gz", "a12.pnml"),
    pytest.param("08_receipt.xes.gz", "receipt.bpmn", marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("log_name", "model_name"), PAIRS)
def test_figures_equal_pm4py_on_the_full_log(pm4py, log_name, model_name):
    log, vt, order = read_log(pm4py, log_name)
    net, im, fm = pm4py_model(pm4py, model_name)
    ref_fit = pm4py.fitness_alignments(log, net, im, fm)
    ref_prec = pm4py.precision_alignments(log, net, im, fm)
    ref_tbr = pm4py.fitness_token_based_replay(log, net, im, fm)

    model = load_model(DATA / model_name)
    aligned = mining.align(model, vt)
    figs = mining.alignment_figures(aligned, vt, trace_order=order)
    assert figs["log_fitness"] == ref_fit["log_fitness"]
    assert figs["fitting_share"] == ref_fit["percentage_of_fitting_traces"] / 100
    assert figs["average_fitness"] == ref_fit["average_trace_fitness"]
    assert figs["journeys"] == len(order)
    # without the trace order: the exactly rounded mean, within an ulp or two of pm4py's sum
    average = mining.alignment_figures(aligned, vt)["average_fitness"]
    assert average == pytest.approx(ref_fit["average_trace_fitness"], rel=1e-13, abs=1e-15)

    assert mining.precision(model, vt) == ref_prec

    tbr = mining.token_replay(model, vt, trace_order=order)
    assert tbr["log_fitness"] == ref_tbr["log_fitness"]
    assert tbr["fitting_share"] == ref_tbr["percentage_of_fitting_traces"] / 100
    assert tbr["average_fitness"] == ref_tbr["average_trace_fitness"]
    assert tbr["variants"].height == vt.height


def test_known_figures_from_the_sources_table(pm4py):
    # SOURCES.md: token replay of running_example_broken on running-example.pnml: 0.8156, 16.67 %
    _log, vt, _order = read_log(pm4py, "running_example_broken.csv")
    tbr = mining.token_replay(load_model(DATA / "running-example.pnml"), vt)
    assert round(tbr["log_fitness"], 4) == 0.8156
    assert round(tbr["fitting_share"] * 100, 2) == 16.67


def test_alignment_rows_and_move_encoding(pm4py):
    _log, vt, _order = read_log(pm4py, "running_example_broken.csv")
    model = load_model(DATA / "running-example.pnml")
    aligned = mining.align(model, vt)
    assert aligned.columns == ["variant_id", "cost", "bwc", "fitness", "moves"]
    assert aligned["variant_id"].to_list() == vt["variant_id"].to_list()
    assert aligned.schema["moves"] == pl.List(mining.MOVE_DTYPE)
    acts = dict(vt.select("variant_id", "activities").iter_rows())
    for vid, cost, bwc, fitness, moves in aligned.iter_rows():
        assert fitness == 1 - (cost // 10000) / (bwc // 10000)
        kinds = {m["kind"] for m in moves}
        assert kinds <= {"sync", "log", "model", "silent"}
        for m in moves:
            if m["kind"] == "sync":
                assert m["log"] == m["model"] is not None
            elif m["kind"] == "log":
                assert m["log"] is not None and m["model"] is None
            elif m["kind"] == "model":
                assert m["log"] is None and m["model"] in model.tasks
            else:
                assert m["log"] is None and m["model"] is None
        # the log side of the alignment is the journey, in order
        assert [m["log"] for m in moves if m["log"] is not None] == acts[vid]
        visible = sum(1 for m in moves if m["kind"] in ("log", "model"))
        assert cost // 10000 == visible


def test_events_the_model_lacks_are_log_moves_and_cost_the_same(pm4py):
    """The speed-up (drop unknown activities, add their cost back) gives pm4py's own numbers."""
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alg
    from pm4py.objects.log.obj import Event, Trace

    model = load_model(DATA / "running-example.pnml")
    seqs = [
        ["register request", "called the hotline", "examine casually", "check ticket", "decide", "pay compensation"],
        ["called the hotline", "register request", "examine casually", "check ticket", "decide", "pay compensation", "survey"],
        ["register request", "examine casually", "check ticket", "decide", "pay compensation"],
        ["chat", "chat", "survey"],
    ]
    vt = pl.DataFrame(
        {"variant_id": list(range(1, len(seqs) + 1)), "activities": seqs, "journeys": [3, 2, 1, 1]},
        schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64},
    )
    aligned = mining.align(model, vt)
    for (_vid, cost, bwc, fitness, moves), seq in zip(aligned.iter_rows(), seqs, strict=True):
        trace = Trace([Event({"concept:name": a}) for a in seq])
        ref = alg.apply_trace(trace, model.net, model.initial_marking, model.final_marking,
                              parameters={"show_progress_bar": False})
        assert (cost, bwc, fitness) == (ref["cost"], ref["bwc"], ref["fitness"])
        assert [m["log"] for m in moves if m["log"] is not None] == seq
        unknown = [a for a in seq if a not in model.tasks]
        assert [m["log"] for m in moves if m["kind"] == "log" and m["log"] not in model.tasks] == unknown


def test_variant_log_has_one_trace_per_variant(pm4py):
    _log, vt, _order = read_log(pm4py, "running-example.xes")
    log = mining.variant_log(vt)
    assert len(log) == vt.height
    for trace, (vid, acts, count) in zip(log, vt.select("variant_id", "activities", "journeys").iter_rows(), strict=True):
        assert [e["concept:name"] for e in trace] == acts
        assert trace.attributes["concept:name"] == str(vid)
        assert trace.attributes["journeys"] == count


def test_discover_tree_equals_pm4py_and_fits(pm4py):
    log, vt, _order = read_log(pm4py, "running-example.xes")
    for noise in (0.0, 0.2):
        ours = mining.discover_tree(vt, noise_threshold=noise)
        ref = mining.canonical_tree(pm4py.discover_process_tree_inductive(log, noise_threshold=noise))
        assert str(ours) == str(ref)
    net, im, fm = mining.discover_net(vt)
    figs = mining.alignment_figures(mining.align((net, im, fm), vt), vt)
    assert figs["fitting_share"] == 1.0  # the inductive miner without noise filtering fits its log
    names = sorted(str(t.name) for t in net.transitions)
    assert len(set(names)) == len(names)
    assert not any(len(n) == 36 and n.count("-") == 4 for n in names)  # no uuid4 names


def test_discover_tree_uses_the_counts(pm4py):
    def table(counts):
        return pl.DataFrame(
            {"variant_id": [1, 2], "activities": [["a", "b", "c", "d"], ["a", "d", "b", "c"]], "journeys": counts},
            schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64},
        )

    # the rare order is filtered out only because its count is low
    assert str(mining.discover_tree(table([1000, 1]), noise_threshold=0.2)) == "->( 'a', 'b', 'c', 'd' )"
    assert str(mining.discover_tree(table([1, 1]), noise_threshold=0.2)) == "->( 'a', +( 'b', 'c', 'd' ) )"
    assert str(mining.discover_tree(table([1000, 1]), noise_threshold=0.0)) == "->( 'a', +( 'b', 'c', 'd' ) )"
    with pytest.raises(InvalidInput):
        mining.discover_tree(table([1, 1]).clear())


DETERMINISM_SCRIPT = textwrap.dedent(
    """
    import hashlib, json, sys
    import polars as pl
    from journeylog import mining
    from journeylog.models import load_model
    pm4py = mining.pm4py_quiet()
    log = pm4py.read_xes(sys.argv[1], return_legacy_log_object=True)
    seqs = {}
    for t in log:
        k = tuple(e["concept:name"] for e in t)
        seqs[k] = seqs.get(k, 0) + 1
    items = sorted(seqs.items(), key=lambda kv: (-kv[1], kv[0]))
    vt = pl.DataFrame({"variant_id": list(range(1, len(items) + 1)), "activities": [list(k) for k, _ in items],
                       "journeys": [c for _, c in items]},
                      schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64})
    out = {"trees": [str(mining.discover_tree(vt, n)) for n in (0.0, 0.1, 0.3)]}
    net, im, fm = mining.discover_net(vt, 0.3)
    out["net"] = sorted((t.name, t.label) for t in net.transitions)
    model = load_model(sys.argv[2])
    out["align"] = hashlib.sha256(repr(mining.align(model, vt).rows()).encode()).hexdigest()
    out["tbr"] = hashlib.sha256(repr(mining.token_replay(model, vt)["variants"].rows()).encode()).hexdigest()
    print(json.dumps(out))
    """
)


def _start_script(script: str, args: list[str], env_extra: dict[str, str]) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PM4PY_")}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_extra)
    return subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)


def _finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


@pytest.mark.slow
def test_results_identical_across_hash_seeds_and_pm4py_variables():
    args = [str(DATA / "a12f0n50.xes.gz"), str(DATA / "a12.pnml")]
    runs = [
        _start_script(DETERMINISM_SCRIPT, args, {"PYTHONHASHSEED": seed, **extra})
        for seed, extra in (("0", {}), ("1", {}), ("2", {
            "PM4PY_DEFAULT_ENCODING": "utf-16",
            "PM4PY_DEFAULT_ALIGNMENTS_VARIANT": "Variants.VERSION_DIJKSTRA_NO_HEURISTICS",
            "PM4PY_SHOW_PROGRESS_BAR": "true",
            "PM4PY_ENABLE_MULTIPROCESSING_DEFAULT": "true",
            "PM4PY_DEFAULT_IS_THREADING_MANAGEMENT_ENABLED": "true",
        }))
    ]
    outputs = []
    for proc in runs:
        code, out, err = _finish(proc)
        assert code == 0, err
        assert err == ""  # no banner, no tqdm bars, no warnings
        outputs.append(json.loads(out))
    assert outputs[0] == outputs[1] == outputs[2]


QUIET_SCRIPT = textwrap.dedent(
    """
    import os
    import polars as pl
    from journeylog import mining
    from journeylog.models import load_model
    pm4py = mining.pm4py_quiet()
    from pm4py.util import constants
    assert mining.pm4py_quiet() is pm4py
    assert os.environ["PM4PY_SHOW_PROGRESS_BAR"] == "true"  # the user's environment is restored
    assert constants.SHOW_PROGRESS_BAR is False and constants.DEFAULT_ENCODING == "utf-8"
    vt = pl.DataFrame({"variant_id": [1, 2, 3], "activities": [["register request", "decide"], ["check ticket"], ["x", "y"]],
                       "journeys": [1, 2, 3]},
                      schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64})
    model = load_model(os.environ["MODEL"])
    mining.align(model, vt); mining.precision(model, vt); mining.token_replay(model, vt)
    print("ok")
    """
)


def test_pm4py_is_imported_quietly():
    env = {"PM4PY_SHOW_PROGRESS_BAR": "true", "PM4PY_DEFAULT_ENCODING": "utf-16", "MODEL": str(DATA / "running-example.bpmn")}
    code, out, err = _finish(_start_script(QUIET_SCRIPT, [], env))
    assert code == 0, err
    assert out.strip() == "ok"
    assert err == ""


@pytest.mark.slow
def test_worker_processes_give_the_same_result(pm4py, monkeypatch):
    _log, vt, _order = read_log(pm4py, "a12f0n50.xes.gz")
    model = load_model(DATA / "a12.pnml")
    serial = mining.align(model, vt, processes=1)
    monkeypatch.setattr(mining_parallel, "PARALLEL_AFTER_SECONDS", 0.0)  # the default plan: workers once it takes long
    parallel = mining.align(model, vt)
    assert serial.rows() == parallel.rows()
    assert mining.precision(model, vt, processes=2) == mining.precision(model, vt, processes=1)


def test_timeouts_give_nulls_not_a_hang(pm4py):
    _log, vt, _order = read_log(pm4py, "running_example_broken.csv")
    model = load_model(DATA / "running-example.pnml")
    aligned = mining.align(model, vt, timeout_per_variant=0.0)
    assert aligned.height == vt.height
    assert aligned["cost"].null_count() == vt.height
    figs = mining.alignment_figures(aligned, vt)
    assert figs["journeys"] == 0 and figs["timed_out_journeys"] == int(vt["journeys"].sum())
    assert figs["log_fitness"] == 0.0


def test_unsound_model_is_invalid_input(pm4py):
    from pm4py.objects.petri_net.obj import Marking

    model = load_model(DATA / "running-example.pnml")
    place = next(iter(model.final_marking))
    broken = (model.net, model.initial_marking, Marking({place: 2}))
    vt = pl.DataFrame({"variant_id": [1], "activities": [["decide"]], "journeys": [1]},
                      schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64})
    for fn in (mining.align, mining.precision):
        with pytest.raises(InvalidInput, match="cannot reach its final marking"):
            fn(broken, vt)


def test_precision_keeps_activity_names_with_commas(pm4py):
    from journeylog.models import parse_process_tree

    def run(sep: str) -> float:
        a, b, c = f"call{sep} no answer", f"call{sep} answered", "close"
        tree = parse_process_tree(f"->('open', X('{a}', '{b}', 'email'), '{c}')")
        model = mining.tree_to_net(tree)
        seqs = [["open", a, c], ["open", b, c], ["open", a, b, c]]
        vt = pl.DataFrame({"variant_id": [1, 2, 3], "activities": seqs, "journeys": [5, 3, 1]},
                          schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64})
        return mining.precision(model, vt)

    assert run(",") == run(";")


def test_empty_variant_table(pm4py):
    model = load_model(DATA / "running-example.pnml")
    vt = pl.DataFrame(schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64})
    aligned = mining.align(model, vt)
    assert aligned.height == 0
    assert mining.alignment_figures(aligned, vt)["journeys"] == 0
    assert mining.token_replay(model, vt)["journeys"] == 0


def test_discover_model_miners(pm4py):
    from journeylog.journeys import process_map

    log, vt, _order = read_log(pm4py, "running-example.xes")
    tree, info = mining.discover_model(vt)
    assert info == {"algorithm": f"inductive miner (IM) on {vt.height} variants"}
    assert str(tree) == str(mining.discover_tree(vt))
    _tree, info = mining.discover_model(vt, noise_threshold=0.2, miner="im")
    assert info["algorithm"] == f"inductive miner (IMf, noise 0.2) on {vt.height} variants"
    # IMd: equal to pm4py's IMd on pm4py's own directly-follows graph, from the variants or the map
    dfg, start, end = pm4py.discover_dfg(log)
    ref = mining.canonical_tree(pm4py.discover_process_tree_inductive(pm4py.objects.dfg.obj.DFG(dfg, start, end)))
    imd, info = mining.discover_model(vt, miner="imd")
    assert "IMd" in info["algorithm"]
    assert str(imd) == str(ref)
    df = log.reset_index(drop=True)
    events = _events(df["case:concept:name"].tolist(), pl.Series(df["time:timestamp"]).cast(pl.Datetime("us", "UTC")),
                     df["concept:name"].tolist())
    from_map, info = mining.discover_model(vt, miner="imd", process_map=process_map(events))
    assert str(from_map) == str(ref) and "process map" in info["algorithm"]
    with pytest.raises(UsageError):
        mining.discover_model(vt, miner="alpha")


def test_worker_count_comes_from_the_settings(monkeypatch):
    from journeylog import settings
    from journeylog.settings import Settings

    monkeypatch.setenv("JOURNEYLOG_PROCESSES", "5")  # read by Settings.from_environ, never by mining itself
    try:
        settings.use(Settings(threads=3))
        plan = mining_parallel.Plan(None)
        assert (plan.processes, plan.auto) == (3, True)  # the default plan, with the settings' count
        settings.use(Settings(threads=3, processes=2))
        assert mining_parallel.Plan(None).processes == 2
        assert (mining_parallel.Plan(4).processes, mining_parallel.Plan(4).auto) == (4, False)  # an explicit count wins
        settings.use(None)
        assert mining_parallel.Plan(None).processes == 5
    finally:
        settings.use(None)
