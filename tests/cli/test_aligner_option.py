"""``journeylog --aligner journeylog|pm4py`` (and JOURNEYLOG_ALIGNER): journeylog's search is the
default; both give the same figures; the catalogue follows journeylog's documented choice among
equally cheap alignments (journeylog.mining.astar) by default."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from journeylog.errors import ExitCode

pytestmark = [pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]

TRACES = ["a b c d", "a c b d", "a c b b d", "a b b c d", "b a d c", "a d"]
FIGURES = ("fitness", "fitting_share", "average_fitness", "precision")


@pytest.fixture
def files(tmp_path: Path) -> Path:
    rows = ["journey_id,activity,timestamp"]
    for j, trace in enumerate(TRACES * 2):
        rows += [f"j{j:02d},{a},2026-01-01T{i:02d}:{j:02d}:00" for i, a in enumerate(trace.split())]
    (tmp_path / "log.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "m.ptree").write_text("->('a', 'b', 'c', 'd')\n")
    return tmp_path


def _conform(run_main, files: Path, *pre: str, env: dict[str, str] | None = None) -> dict:
    out = files / "out.json"
    code, _stdout, err = run_main(*pre, "conform", "log.csv", "--model", "m.ptree", "--settle", "0", "--json", str(out),
                                  "--journeys-out", "jt.csv", cwd=files, env=env)
    assert code == 0, err
    doc = json.loads(out.read_text())
    table = pl.read_csv(files / "jt.csv")
    doc["per_journey"] = table.select("journey_id", "fitness", "alignment_cost", "alignment_worst_cost").rows()
    return doc


def _ids(doc: dict) -> dict[str, int]:
    return {d["id"]: d["journeys"] for d in doc["deviations"]}


def test_default_is_journeylog_and_figures_equal_pm4py(run_main, files: Path) -> None:
    default = _conform(run_main, files)
    own = _conform(run_main, files, "--aligner", "journeylog")
    pm = _conform(run_main, files, "--aligner", "pm4py")
    assert default == own
    assert {k: own[k] for k in FIGURES} == {k: pm[k] for k in FIGURES}
    assert own["per_journey"] == pm["per_journey"] and len(own["per_journey"]) == 2 * len(TRACES)
    # "b a d c": each pair's first step is matched where it happened, the other one was late
    ids = _ids(own)
    assert ids["wrong_order:a"] == 2 and ids["wrong_order:c"] == 2
    # "a c b d" and "a c b b d": b late (the first b matched nowhere: c came first)
    assert ids["wrong_order:b"] == 4


def test_environment_chooses_pm4py_and_the_option_wins(run_main, files: Path) -> None:
    pm = _conform(run_main, files, "--aligner", "pm4py")
    assert _conform(run_main, files, env={"JOURNEYLOG_ALIGNER": "pm4py"}) == pm
    assert _conform(run_main, files, "--aligner", "journeylog", env={"JOURNEYLOG_ALIGNER": "pm4py"}) == \
        _conform(run_main, files, "--aligner", "journeylog", env={"JOURNEYLOG_ALIGNER": ""})


def test_unknown_aligner_is_a_usage_error(run_main, files: Path) -> None:
    code, _out, err = run_main("--aligner", "fast", "conform", "log.csv", "--model", "m.ptree", cwd=files)
    assert code == ExitCode.USAGE and "aligner must be one of journeylog, pm4py, got 'fast'" in err
