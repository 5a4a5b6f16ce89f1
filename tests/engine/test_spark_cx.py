"""contacts, funnel and emotion with ``--engine spark`` write what ``--engine polars`` writes, byte
for byte (``--json``, ``contacts --contacts-out`` in CSV and Parquet), through the real command
line, on the sample and on a generated log, with several option sets; some runs spread the events
over many partitions (a small ``JOURNEYLOG_MEMORY_EVENTS``); the library gives the same answer on
a Spark frame whatever the partition count. The Polars answers themselves are checked against
oracles in tests/cx/; here the oracle is the Polars run."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from out_of_core import CONTACT_RULES, generated_store

pytestmark = pytest.mark.slow

#: a memory budget giving batches of 2,000 events: the sample's 20,843 events in 11 partitions
MANY = {"JOURNEYLOG_MEMORY_EVENTS": "8000"}
SPLIT = "called after failing on the portal"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated log with satisfaction scores on a third of its events, and contact rules."""
    store = generated_store(tmp_path_factory.mktemp("spark-cx-generated"))
    k = pl.col("input_order").cast(pl.Int64)
    raw = pl.read_parquet(store.parent / "raw.parquet").with_columns(
        pl.when(k % 3 != 0).then(None).otherwise(1 + (k * 7919) % 5).cast(pl.Float64).alias("satisfaction"))
    raw.write_parquet(store.parent / "raw.parquet")
    from journeylog.ingest import ingest

    ingest(store.parent / "raw.parquet", output=store)
    (store.parent / "crules.yaml").write_text(CONTACT_RULES, encoding="utf-8")
    return store


def _outputs(run_main: Any, monkeypatch: pytest.MonkeyPatch, folder: Path, args: list[str], outputs: list[str],
             engine: str, env: dict[str, str] | None) -> dict[str, bytes]:
    monkeypatch.delenv("JOURNEYLOG_MEMORY_EVENTS", raising=False)
    for name in outputs:
        (folder / name).unlink(missing_ok=True)
    code, _out, err = run_main(*args, "--engine", engine, cwd=folder, env=env)
    monkeypatch.delenv("JOURNEYLOG_MEMORY_EVENTS", raising=False)
    assert code == 0, err
    assert not re.search(r"\d\d:\d\d:\d\d (WARN|ERROR|INFO) ", err) and "log4j" not in err.lower(), err
    return {name: (folder / name).read_bytes() for name in outputs}


def same_on_both(run_main: Any, monkeypatch: pytest.MonkeyPatch, folder: Path, args: list[str], outputs: list[str],
                 env: dict[str, str] | None = None) -> dict[str, bytes]:
    """The outputs of ``args`` with ``--engine polars``, after checking that ``--engine spark``
    (with ``env``: many partitions) writes the same bytes."""
    polars = _outputs(run_main, monkeypatch, folder, args, outputs, "polars", None)
    spark = _outputs(run_main, monkeypatch, folder, args, outputs, "spark", env)
    for name in outputs:
        assert spark[name] == polars[name], name
    return polars


def _rows(folder: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(folder / name) if name.endswith(".parquet") else pl.read_csv(folder / name)


# -- contacts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("extra", "out", "env"), [
    ([], "contacts.csv", None),
    (["-m", "designed_journey.bpmn", "--rules", "contacts.yaml", "--segment", "plan=consumer"], "contacts.parquet",
     MANY),
], ids=["defaults", "model-rules-segment-parquet-many"])
def test_sample_contacts(spark: Any, sample: Path, run_main: Any, monkeypatch: pytest.MonkeyPatch,
                         extra: list[str], out: str, env: dict[str, str] | None) -> None:
    got = same_on_both(run_main, monkeypatch, sample.parent,
                       ["contacts", sample.name, *extra, "--json", "c.json", "--contacts-out", out], ["c.json", out], env)
    data = json.loads(got["c.json"])
    rows = _rows(sample.parent, out)
    assert data["contacts"] > 20 and rows.height == data["contacts"]
    assert rows["journey_id"].n_unique() == data["journeys_with_contacts"] < data["journeys"]
    assert rows["journey_id"].is_sorted() and data["avoidable"]["drivers"]
    decided = {d["decided_by"] for c in data["classes"] for d in c["decided_by"]}
    assert ("self-service in log" in decided) == ("-m" not in extra)  # a success in another partition counts
    if "--rules" in extra:
        assert any(d.startswith("rule: ") for d in decided) and data["costs"]["total"] > 0


@pytest.mark.parametrize(("extra", "env"), [
    (["-m", "design.ptree", "--rules", "crules.yaml", "--contacts-out", "contacts.csv"], MANY),
    (["--repeat-window", "1d", "--failure-window", "20h", "--channel", "phone"], None),
], ids=["model-rules-many", "windows-channel"])
def test_generated_contacts(spark: Any, generated: Path, run_main: Any, monkeypatch: pytest.MonkeyPatch,
                            extra: list[str], env: dict[str, str] | None) -> None:
    outputs = ["c.json", *(["contacts.csv"] if "--contacts-out" in extra else [])]
    got = same_on_both(run_main, monkeypatch, generated.parent, ["contacts", generated.name, *extra, "--json", "c.json"],
                       outputs, env)
    data = json.loads(got["c.json"])
    assert data["contacts"] > 20
    if "--rules" in extra:
        assert data["journeys"] == 1500 and data["costs"]["items"]
        assert _rows(generated.parent, "contacts.csv").height == data["contacts"]


# -- funnel --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("extra", "env"), [
    (["-m", "designed_journey.bpmn", "--by", "channel", "--by", "plan"], MANY),
    (["--steps", "Place order,Identity check,Installation completed,First bill issued", "--settle", "0",
      "--by", "region"], None),
], ids=["main-path-channel-plan-many", "steps-no-settle-region"])
def test_sample_funnel(spark: Any, sample: Path, run_main: Any, monkeypatch: pytest.MonkeyPatch,
                       extra: list[str], env: dict[str, str] | None) -> None:
    got = same_on_both(run_main, monkeypatch, sample.parent, ["funnel", sample.name, *extra, "--json", "f.json"],
                       ["f.json"], env)
    f = json.loads(got["f.json"])
    assert f["journeys"] > 50 and len(f["funnel"]) >= 2 and any(s["stopped"] for s in f["funnel"][:-1])
    assert all(s["median_seconds_from_previous"] is not None for s in f["funnel"][1:] if s["journeys"])
    assert f["segments"] and all(len(seg["segments"]) > 1 for seg in f["segments"])
    if "--settle" not in extra:
        assert f["journeys_in_progress"] > 0


@pytest.mark.parametrize(("extra", "env"), [
    (["-m", "design.ptree", "--by", "channel", "--by", "tier"], MANY),
    (["-m", "design.ptree", "--by", "channel", "--channel", "web"], None),
], ids=["main-path-channel-tier-many", "channel-filter"])
def test_generated_funnel(spark: Any, generated: Path, run_main: Any, monkeypatch: pytest.MonkeyPatch,
                          extra: list[str], env: dict[str, str] | None) -> None:
    got = same_on_both(run_main, monkeypatch, generated.parent, ["funnel", generated.name, *extra, "--json", "f.json"],
                       ["f.json"], env)
    f = json.loads(got["f.json"])
    if "--channel" in extra:
        assert [c["channel"] for c in f["funnel"][0]["channels"]] == ["web"]
        return
    assert f["journeys"] == 1500 and f["journeys_in_progress"] > 0 and f["segments"]
    assert any(s["stopped_in_progress"] for s in f["funnel"][:-1])


# -- emotion -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("extra", "env"), [
    (["--metric", "csat", "--desired", "desired.yaml", "--split-by", SPLIT, "--detractors"], MANY),
    (["--sentiment", "--by", "channel"], None),
], ids=["csat-desired-split-detractors-many", "sentiment-by-channel"])
def test_sample_emotion(spark: Any, sample: Path, run_main: Any, monkeypatch: pytest.MonkeyPatch,
                        extra: list[str], env: dict[str, str] | None) -> None:
    got = same_on_both(run_main, monkeypatch, sample.parent,
                       ["emotion", sample.name, "-m", "designed_journey.bpmn", *extra, "--json", "e.json"], ["e.json"], env)
    data = json.loads(got["e.json"])
    assert data["placement"]["responses"] > 100 and sum(1 for p in data["points"] if p["responses"]) >= 2
    if "--detractors" in extra:
        assert data["detractors"]["items"] and data["split"]["journeys_with"] > 0 and data["gaps"]
    if "--sentiment" in extra:
        assert data["sentiment"]["texts_scored"] > 10 and len({p["channel"] for p in data["points"]}) >= 2


def test_generated_emotion(spark: Any, generated: Path, run_main: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    got = same_on_both(run_main, monkeypatch, generated.parent, [
        "emotion", generated.name, "-m", "design.ptree", "--split-by", "unexpected:Call: identity check help",
        "--detractors", "--by", "channel", "--json", "e.json"], ["e.json"], MANY)
    data = json.loads(got["e.json"])
    assert data["placement"]["responses"] > 300 and data["journeys"] == 1500
    assert data["detractors"]["items"] and data["split"]["journeys_with"] > 50


# -- the library ---------------------------------------------------------------------------------


def test_the_same_whatever_the_partition_count(spark: Any, generated: Path) -> None:
    """contacts (with its rows), funnel and emotion on a Spark frame spread over a few or 18
    partitions equal them on the Polars frame: the per-partition results merge in any order."""
    from journeylog.config.contacts import load_contact_rules
    from journeylog.cx import emotion as E
    from journeylog.cx.contacts import ContactOptions, contacts
    from journeylog.cx.funnel import FunnelOptions, funnel
    from journeylog.ingest import EventSource, read_events
    from journeylog.models import load_model

    model = load_model(generated.parent / "design.ptree")
    events = read_events(generated)
    sdf = spark.read.parquet(str(generated))
    copts = ContactOptions(rules=load_contact_rules(generated.parent / "crules.yaml"), keep_table=True)
    fopts = FunnelOptions(by=("channel", "tier"))
    eopts = E.EmotionOptions(detractors=True, by="channel")
    c_mem = contacts(events, model, options=copts)
    f_mem = funnel(events, model, options=fopts).to_json()
    e_mem = E.to_json(E.emotion(events, model, eopts))
    for batch in (100_000, 500):
        rows: list[pl.DataFrame] = []
        c = contacts(EventSource(events=sdf, batch_events=batch), model, options=copts, on_contacts=rows.append)
        assert c.to_json() == c_mem.to_json(), batch
        assert c.table is not None and c_mem.table is not None and c.table.equals(c_mem.table), batch
        assert len(rows) == 1 and rows[0].equals(c_mem.table.select(rows[0].columns)), batch
        assert funnel(EventSource(events=sdf, batch_events=batch), model, options=fopts).to_json() == f_mem, batch
        assert E.to_json(E.emotion(EventSource(events=sdf, batch_events=batch), model, eopts)) == e_mem, batch
    assert c_mem.to_json()["contacts"] > 100 and f_mem["segments"] and e_mem["detractors"]["items"]


def test_the_driver_receives_one_row_per_partition(spark: Any, generated: Path, driver_rows: list[int]) -> None:
    """What contacts, funnel and emotion bring to the driver from 8,596 events in 1,500
    journeys spread over 18 partitions is a few rows per call (one per partition, the distinct
    activities, a count), never the events."""
    from journeylog.cx import emotion as E
    from journeylog.cx.contacts import contacts
    from journeylog.cx.funnel import FunnelOptions, funnel
    from journeylog.ingest import EventSource
    from journeylog.models import load_model

    sdf = spark.read.parquet(str(generated))
    model = load_model(generated.parent / "design.ptree")
    received = driver_rows
    assert contacts(EventSource(events=sdf, batch_events=500)).journeys == 1500
    assert funnel(EventSource(events=sdf, batch_events=500), model, options=FunnelOptions(by=("channel",))).journeys == 1500
    assert E.to_json(E.emotion(EventSource(events=sdf, batch_events=500), model))["journeys"] == 1500
    assert received, "the driver received nothing: the counting hook is not on the path"
    assert max(received) <= 20, received


def test_emotion_keeps_the_journeys_on_spark(spark: Any, generated: Path, journey_rows_back: list[int],
                                             shipped_rows: list[int]) -> None:
    """emotion with a split and detractors (what needs each journey's variant, deviations and
    patterns) on 1,500 journeys: no pass over the partitions brings a per-journey (or per-event)
    frame back inside its pickled results, and none ships one to the executors with its
    function (the journeys' columns are joined to their events on Spark). Before, conform's
    journey table (1,500 rows) came back and was shipped with emotion's pass."""
    from journeylog.cx import emotion as E
    from journeylog.ingest import EventSource
    from journeylog.models import load_model

    sdf = spark.read.parquet(str(generated))
    model = load_model(generated.parent / "design.ptree")
    opts = E.EmotionOptions(detractors=True, split_by="unexpected:Call: identity check help", by="channel")
    got = E.to_json(E.emotion(EventSource(events=sdf, batch_events=500), model, opts))
    assert got["journeys"] == 1500 and got["split"] is not None and got["split"]["journeys_with"] > 50
    assert got["detractors"] is not None and got["detractors"]["items"]
    assert got == E.to_json(E.emotion(EventSource(events=pl.read_parquet(generated)), model, opts))
    assert len(shipped_rows) >= 3 and len(journey_rows_back) >= 4, "the counting hooks are not on the path"
    assert max(shipped_rows) == 0 and max(journey_rows_back) == 0, (shipped_rows, journey_rows_back)


def test_funnel_keeps_the_step_times_on_spark(spark: Any, generated: Path, carried_rows: list[int]) -> None:
    """funnel by channel and tier on 1,500 journeys: the times from step to step (one row per
    journey and step reached) stay on the executors, where each group's exact median and p90
    values are picked; what comes back (the rows inside the pickled results counted too) is far
    below one row per journey. Before, every journey's times came back (over 5,000 rows)."""
    from journeylog.cx.funnel import FunnelOptions, funnel
    from journeylog.ingest import EventSource
    from journeylog.models import load_model

    sdf = spark.read.parquet(str(generated))
    model = load_model(generated.parent / "design.ptree")
    opts = FunnelOptions(by=("channel", "tier"))
    got = funnel(EventSource(events=sdf), model, options=opts).to_json()
    assert got == funnel(EventSource(events=pl.read_parquet(generated)), model, options=opts).to_json()
    assert got["journeys"] == 1500 and any(s["median_seconds_from_previous"] for s in got["funnel"][1:])
    assert carried_rows, "the counting hook is not on the path"
    assert max(carried_rows) < 1500 / 3, carried_rows
