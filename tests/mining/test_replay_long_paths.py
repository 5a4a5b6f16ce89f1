"""Issue 18: token replay is not slower than alignments on a huge journey. As alignments do, it
leaves out a path longer than MAX_ALIGN_LENGTH events of the model's activities (nulls in its
row, left out of the figures), and conform --method tbr says so."""

from __future__ import annotations

import json

import polars as pl
import pytest
from tests.factories import make_log, run_cli, write_model

from journeylog import mining
from journeylog.mining import alignments, replay
from journeylog.models import load_model

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

TREE = "->('a', *(X('b', 'c'), tau), 'd')"


def _vt(seqs: list[list[str]], counts: list[int]) -> pl.DataFrame:
    return pl.DataFrame({"variant_id": list(range(1, len(seqs) + 1)), "activities": seqs, "journeys": counts},
                        schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64})


def test_a_path_over_the_limit_is_left_out_like_alignments(tmp_path, monkeypatch):
    monkeypatch.setattr(replay, "MAX_ALIGN_LENGTH", 6)
    monkeypatch.setattr(alignments, "MAX_ALIGN_LENGTH", 6)
    (tmp_path / "m.ptree").write_text(TREE + "\n", encoding="utf-8")
    model = load_model(str(tmp_path / "m.ptree"))
    short = [["a", "b", "d"], ["a", "c", "b", "d"], ["a", "d", "b"]]
    long = ["a", *(["b", "c"] * 5), "d"]
    # "x" is not in the model: it does not count towards the limit
    fine = ["a", "x", "x", "x", "b", "c", "d"]
    with_long = mining.token_replay(model, _vt([*short, long, fine], [3, 2, 1, 4, 2]))
    without = mining.token_replay(model, _vt([*short, fine], [3, 2, 1, 2]))
    for key in ("log_fitness", "fitting_share", "average_fitness", "fitting_journeys"):
        assert with_long[key] == without[key], key
    assert with_long["journeys"] == without["journeys"] == 8
    row = with_long["variants"].filter(pl.col("variant_id") == 4).row(0, named=True)
    assert row["fitness"] is None and row["fit"] is None and row["consumed"] is None
    assert mining.align(model, _vt([long], [1]))["fitness"].to_list() == [None]


def test_conform_tbr_says_what_it_left_out(tmp_path):
    log = make_log(60, seed=6)
    first = log.sort("timestamp").row(0, named=True)
    n = alignments.MAX_ALIGN_LENGTH + 500
    # one journey of a model task repeated, a minute apart
    big = pl.DataFrame([{**first, "journey_id": "ZBIG", "activity": "Schedule appointment"}] * n,
                       schema=log.schema).with_columns(pl.col("timestamp") + pl.duration(minutes=pl.int_range(0, n)))
    log = pl.concat([log, big])
    log.write_csv(tmp_path / "log.csv")
    write_model(tmp_path)
    out = run_cli("conform", "log.csv", "-m", "design.ptree", "--method", "tbr", "--no-precision", "--json", "-",
                  cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert any(n.startswith("1 journey (") and "longer than 5,000 events" in n for n in data["notes"]), data["notes"]
