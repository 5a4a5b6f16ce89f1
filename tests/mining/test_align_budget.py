"""Issue 18: pm4py's alignment search cannot run away. Past ``align_budget`` (``JOURNEYLOG_ALIGN_BUDGET``)
the paths left are aligned with journeylog's exact search: the same optimal costs, hence the same
fitness figures, and conform says so. No wall-clock asserts: a tiny budget forces the path."""

from __future__ import annotations

import json

import polars as pl
import pytest
from tests.factories import make_log, run_cli, write_model

from journeylog import mining
from journeylog.models import load_model
from journeylog.settings import Settings

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

TINY = 1e-9
TREE = "->('a', X('b', 'c'), *('d', tau), 'e')"
SEQS = [["a", "b", "d", "e"], ["a", "c", "d", "d", "e"], ["a", "d", "e"], ["b", "a", "x", "e"], ["a", "b", "c", "d"]]


def _vt() -> pl.DataFrame:
    return pl.DataFrame({"variant_id": list(range(1, len(SEQS) + 1)), "activities": SEQS, "journeys": [4, 2, 1, 1, 1]},
                        schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64})


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "m.ptree"
    path.write_text(TREE + "\n", encoding="utf-8")
    return load_model(str(path))


@pytest.mark.parametrize("processes", [1, 2])
def test_a_spent_budget_aligns_the_rest_exactly_and_marks_it(model, processes):
    full = mining.align(model, _vt(), processes=1, settings=Settings(aligner="pm4py", align_budget=0))
    spent = mining.align(model, _vt(), processes=processes, settings=Settings(aligner="pm4py", align_budget=TINY))
    assert "fallback" not in full.columns
    assert spent["fallback"].to_list() == [True] * len(SEQS)
    # the same optimal costs, so the same figures
    assert spent.select("variant_id", "cost", "bwc", "fitness").equals(full.select("variant_id", "cost", "bwc", "fitness"))
    assert mining.alignment_figures(spent, _vt()) == mining.alignment_figures(full, _vt())
    assert mining.align_fallbacks(spent, Settings(align_budget=TINY)) == (TINY, len(SEQS))
    assert mining.align_fallbacks(full)[1] == 0 and mining.align_fallbacks(None)[1] == 0


def test_the_budget_does_not_apply_to_journeylogs_own_search(model):
    own = mining.align(model, _vt(), processes=1, settings=Settings(aligner="journeylog", align_budget=TINY))
    assert "fallback" not in own.columns


def test_the_budget_setting_is_checked():
    assert Settings.from_environ({"JOURNEYLOG_ALIGN_BUDGET": "0"}).align_budget == 0
    with pytest.raises(Exception, match="align_budget"):
        Settings.from_environ({"JOURNEYLOG_ALIGN_BUDGET": "-3"})


def test_conform_says_which_search_finished_the_work(tmp_path):
    make_log(300, seed=5).write_csv(tmp_path / "log.csv")
    write_model(tmp_path)
    args = ("conform", "log.csv", "-m", "design.ptree", "--no-precision", "--json", "-")
    spent = run_cli(*args, cwd=tmp_path, env={"JOURNEYLOG_ALIGN_BUDGET": str(TINY), "JOURNEYLOG_ALIGNER": "pm4py"})
    assert spent.returncode == 0, spent.stderr
    data = json.loads(spent.stdout)
    note = next(n for n in data["notes"] if n.startswith("pm4py's alignment search did not finish"))
    assert f"within {TINY:g} s" in note and "JOURNEYLOG_ALIGN_BUDGET=0" in note
    full = json.loads(run_cli(*args, cwd=tmp_path, env={"JOURNEYLOG_ALIGN_BUDGET": "0", "JOURNEYLOG_ALIGNER": "pm4py"}).stdout)
    assert not any(n.startswith("pm4py's alignment search") for n in full["notes"])
    for key in ("fitness", "fitting_share", "average_fitness"):
        assert data[key] == full[key]


def test_past_the_second_half_paths_are_left_unaligned(model, monkeypatch):
    from journeylog.mining import alignments

    monkeypatch.setattr(alignments, "DEFAULT_VARIANT_TIMEOUT", TINY)  # journeylog's share: max(budget, this)
    spent = mining.align(model, _vt(), processes=1, settings=Settings(align_budget=TINY))
    assert spent["fitness"].null_count() == len(SEQS)
    assert mining.align_fallbacks(spent)[1] == 0
