"""Issue 18: precision cannot run away. Past its time budget (``JOURNEYLOG_PRECISION_BUDGET``,
``Settings.precision_budget``) it is skipped, the workers are stopped, and conform says why and how
to skip it; the other figures are unchanged. No wall-clock asserts: a tiny budget forces the path."""

from __future__ import annotations

import json

import polars as pl
import pytest
from tests.factories import make_log, run_cli, write_model

from journeylog import mining
from journeylog.models import load_model
from journeylog.settings import Settings

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

LOOP_TREE = "->('open', *(X('check', 'fix', 'call'), tau), 'close')"
SEQS = [["open", *body, "close"] for body in (["check"], ["check", "fix"], ["fix", "call", "check"],
                                              ["call", "call", "fix", "check"], ["check", "fix", "check", "fix", "call"])]
TINY = 1e-9


def _vt() -> pl.DataFrame:
    return pl.DataFrame({"variant_id": list(range(1, len(SEQS) + 1)), "activities": SEQS, "journeys": [3, 2, 2, 1, 1]},
                        schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64})


@pytest.fixture
def loop_model(tmp_path):
    path = tmp_path / "loop.ptree"
    path.write_text(LOOP_TREE + "\n", encoding="utf-8")
    return load_model(str(path))


def _pm4py_precision(pm4py, model) -> float:
    from pm4py.objects.log.obj import Event, EventLog, Trace

    log = EventLog([Trace([Event({"concept:name": a}) for a in seq]) for seq, n in zip(SEQS, [3, 2, 2, 1, 1], strict=True)
                    for _ in range(n)])
    return pm4py.precision_alignments(log, model.net, model.initial_marking, model.final_marking)


@pytest.mark.parametrize("processes", [1, 2])
def test_a_spent_budget_gives_no_precision(loop_model, processes):
    assert mining.precision(loop_model, _vt(), processes=processes, settings=Settings(precision_budget=TINY)) is None


def test_no_limit_and_a_generous_budget_give_pm4pys_value(pm4py, loop_model):
    expected = _pm4py_precision(pm4py, loop_model)
    assert 0 < expected < 1
    assert mining.precision(loop_model, _vt(), processes=1, settings=Settings(precision_budget=0)) == expected
    assert mining.precision(loop_model, _vt(), processes=1, settings=Settings(precision_budget=3600)) == expected


def test_precision_skipped_counts_distinct_prefixes():
    # oracle: every proper prefix of every path, as a set
    prefixes = {tuple(s[:i]) for s in SEQS for i in range(1, len(s))}
    assert mining.precision_skipped(_vt(), Settings(precision_budget=7)) == (7.0, len(prefixes))


def test_the_budget_setting_is_checked():
    assert Settings.from_environ({"JOURNEYLOG_PRECISION_BUDGET": "2.5"}).precision_budget == 2.5
    with pytest.raises(Exception, match="precision_budget"):
        Settings.from_environ({"JOURNEYLOG_PRECISION_BUDGET": "-1"})


def test_conform_says_why_and_how_to_skip_it(tmp_path):
    make_log(300, seed=4).write_csv(tmp_path / "log.csv")
    write_model(tmp_path)
    args = ("conform", "log.csv", "-m", "design.ptree", "--json", "-")
    spent = run_cli(*args, "--precision-budget", str(TINY), cwd=tmp_path)
    assert spent.returncode == 0, spent.stderr
    data = json.loads(spent.stdout)
    assert data["precision"] is None
    note = next(n for n in data["notes"] if n.startswith("precision was not computed"))
    assert f"did not finish within {TINY:g} s" in note and "--no-precision skips it" in note
    assert "--precision-budget 0" in note
    full = json.loads(run_cli(*args, cwd=tmp_path, env={"JOURNEYLOG_PRECISION_BUDGET": "0"}).stdout)
    assert isinstance(full["precision"], float)
    assert not any(n.startswith("precision was not computed") for n in full["notes"])
    assert (full["fitness"], full["fitting_share"]) == (data["fitness"], data["fitting_share"])
    by_env = run_cli(*args, cwd=tmp_path, env={"JOURNEYLOG_PRECISION_BUDGET": str(TINY)})
    assert by_env.returncode == 0 and json.loads(by_env.stdout)["notes"] == data["notes"]
    bad = run_cli(*args, "--precision-budget", "-1", cwd=tmp_path)
    assert bad.returncode == 2 and "--precision-budget" in bad.stderr
