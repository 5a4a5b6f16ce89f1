"""``journeylog explain`` end to end on the bundled sample: the JSON validates against its contract,
the deviation ids are conform's, the figures of a factor match a recount from the events and
conform's per-journey deviations, and a mistyped id is a usage error naming the nearest ids."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from factories import SAMPLE
from journeylog.contracts import json_schema, validate

MODEL = str(SAMPLE / "designed_journey.bpmn")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from journeylog.cli import main

    folder = tmp_path_factory.mktemp("explain-sample")
    path = folder / "journeys.parquet"
    with pytest.raises(SystemExit) as exc:
        main(["ingest", str(SAMPLE / "sources.yaml"), "-o", str(path)])
    assert exc.value.code in (0, None)
    return path


@pytest.fixture(scope="module")
def conformance(store):
    from journeylog import conform as C
    from journeylog.ingest import read_events
    from journeylog.models import load_model

    return C.conform(read_events(store), load_model(MODEL), C.ConformOptions(precision=False))


def test_explain_a_deviation_on_the_sample(run_main, store, conformance, tmp_path):
    code, out, err = run_main("explain", str(store), "-m", MODEL, "--deviation", "skipped:Identity check", "--json", "-",
                              cwd=tmp_path)
    assert code == 0, err
    data = json.loads(out)
    assert validate(data, json_schema("explain")) == []
    catalogue = conformance.deviations.filter(pl.col("id") == "skipped:Identity check").row(0, named=True)
    assert data["subject"]["statement"] == catalogue["statement"]
    assert data["journeys_with"] == catalogue["journeys"]
    assert "Skipped 'Identity check' is" in err and "p < 0.001" in err

    # recount the start channel factor from the events and conform's per-journey deviations
    events = pl.read_parquet(store)
    first = {}
    for jid, channel in events.sort("journey_id", "timestamp", "input_order").select("journey_id", "channel").iter_rows():
        first.setdefault(jid, channel)
    skipped = {j for j, devs in conformance.journey_table.select("journey_id", "deviations").iter_rows()
               if "skipped:Identity check" in devs}
    app = next(f for f in data["factors"] if f["id"] == "start_channel:app")
    on_app = {j for j, c in first.items() if c == "app"}
    assert (app["journeys"], app["support"]) == (len(on_app), len(on_app & skipped))
    assert app["rate_without"] == pytest.approx(len(skipped - on_app) / (len(first) - len(on_app)))
    assert app["significant"] and app["lift"] > 3  # the sample skips the check mostly on the app


def test_every_listed_id_is_accepted_as_conform_prints_it(run_main, store, conformance, tmp_path):
    ids = conformance.deviations["id"].to_list()
    dropout = next(i for i in ids if i.startswith("dropped_out:"))
    code, out, err = run_main("explain", str(store), "-m", MODEL, "--deviation", dropout, "--top", "0", "--correction",
                              "bh", "--min-support", "10", "--json", "-", cwd=tmp_path)
    assert code == 0, err
    data = json.loads(out)
    assert data["subject"]["id"] == dropout and data["correction"] == "bh" and data["min_support"] == 10
    assert len(data["factors"]) == data["over_represented"] and all(f["support"] >= 10 for f in data["factors"])
    assert data["journeys"] == conformance.journeys - conformance.journeys_in_progress
    assert any("still in progress left out" in n for n in data["notes"])
    # a path factor counts the settled journeys of that path and lists its steps as discover numbers it
    from journeylog import journeys as J

    paths = dict(J.variants(pl.read_parquet(store)).select("variant_id", "activities").iter_rows())
    settled = conformance.journey_table.filter(~pl.col("in_progress"))
    variants = [f for f in data["factors"] if f["kind"] == "variant"]
    assert variants, "the drop-out follows from its paths"
    for f in variants:
        assert f["steps"] == paths[int(f["value"])]
        assert f["journeys"] == settled.filter(pl.col("variant_id") == int(f["value"])).height


def test_unknown_deviation_is_a_usage_error_with_the_nearest_ids(run_main, store, tmp_path):
    code, out, err = run_main("explain", str(store), "-m", MODEL, "--deviation", "skipped:Identity chek", "--json",
                              "x.json", cwd=tmp_path)
    assert code == 2 and out == ""
    assert "--deviation 'skipped:Identity chek': no such deviation" in err and "said before aligning" in err
    assert "did you mean 'skipped:Identity check'" in err
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("args", [
    ["--deviation", "skipped:Identity check"],                      # no model
    [],                                                             # neither
    ["-m", MODEL, "--deviation", "skipped:Identity check", "--pattern", "web-failure-then-phone"],  # both
    ["--pattern", "web-failure-then-phone", "--correction", "bonferroni"],
])
def test_bad_options_are_usage_errors(run_main, store, tmp_path, args):
    code, _out, err = run_main("explain", str(store), *args, cwd=tmp_path)
    assert code == 2, err


def test_pattern_on_the_sample(run_main, store, tmp_path):
    code, out, err = run_main("explain", str(store), "--pattern", "called after failing on the portal", "--json", "-",
                              cwd=tmp_path)
    assert code == 0, err
    data = json.loads(out)
    assert validate(data, json_schema("explain")) == []
    assert data["subject"] == {**data["subject"], "kind": "pattern", "id": "web-failure-then-phone"}
    assert "channel 'phone'" in data["excluded"]
    again = run_main("explain", str(store), "--pattern", "web-failure-then-phone", "--json", "-", cwd=tmp_path)[1]
    assert again == out  # the same bytes, by id or by name
