"""No read option is silently ignored (issue 11, item 2) and ingest says what it assumed (item 6):
options on a journeylog store apply or fail naming the option, ``--case customer_id`` means one
journey per customer, dates-only logs, the columns guessed per role, duplicate headers, Disco and
Celonis export names. Through the library and the real command."""

from __future__ import annotations

import csv
import json

import polars as pl
import pytest

from factories import ROOT, SAMPLE, run_cli, write_file
from journeylog import schema as S
from journeylog.errors import UsageError
from journeylog.ingest import ReadOptions, ingest, open_events, read_events
from journeylog.ingest.columns import CANDIDATES, detect_columns

LOG = """case_id,customer_id,activity,timestamp,channel,step_name,medium
j1,c1,Order,2024-01-01 10:00,web,Ordered online,Internet
j1,c1,Pay,2024-01-01 11:00,web,Paid,Internet
j2,c1,Call,2024-01-03 09:00,phone,Called,Telephone
j3,c2,Order,2024-01-02 10:00,web,Ordered online,Internet
j3,c2,Call,2024-01-02 12:00,phone,Called,Telephone
"""


@pytest.fixture
def store(tmp_path):
    """The LOG above ingested as a journeylog store."""
    out = tmp_path / "store.parquet"
    ingest(write_file(tmp_path, "log.csv", LOG), output=out)
    return out


def _raw() -> list[dict[str, str]]:
    return list(csv.DictReader(LOG.splitlines()))


# ------------------------------------------------------------------------------------------------
# options on a store
# ------------------------------------------------------------------------------------------------


def test_channel_filter_on_a_store_keeps_only_that_channel(store):
    ev = read_events(store, ReadOptions(channel="web", drop_duplicates=False))
    expected = sorted((r["case_id"], r["activity"]) for r in _raw() if r["channel"] == "web")
    assert sorted(ev.select(S.JOURNEY_ID, S.ACTIVITY).rows()) == expected
    # a synonym of the channel name is the same channel
    assert read_events(store, ReadOptions(channel="Internet", drop_duplicates=False)).height == len(expected)
    with open_events(store, ReadOptions(channel="web", drop_duplicates=False)) as source:
        assert source.channel_filter == "web"


def test_channel_not_in_the_store_is_a_usage_error_with_did_you_mean(store):
    with pytest.raises(UsageError) as exc:
        read_events(store, ReadOptions(channel="wbe", drop_duplicates=False))
    assert exc.value.code == 2 and "'web'" in (exc.value.hint or "")


def test_case_customer_activity_remap_on_a_store(store):
    ev = read_events(store, ReadOptions(case="customer_id", activity="step_name", drop_duplicates=False))
    per_customer: dict[str, list[str]] = {}
    for r in sorted(_raw(), key=lambda r: (r["customer_id"], r["timestamp"])):
        per_customer.setdefault(r["customer_id"], []).append(r["step_name"])
    got: dict[str, list[str]] = {}
    for j, a in ev.select(S.JOURNEY_ID, S.ACTIVITY).rows():
        got.setdefault(j, []).append(a)
    assert got == per_customer
    assert ev[S.CUSTOMER_ID].to_list() == ev[S.JOURNEY_ID].to_list()
    # the channel re-mapped to another column, normalised
    assert read_events(store, ReadOptions(channel="medium", drop_duplicates=False))[S.CHANNEL].unique().sort().to_list() \
        == ["phone", "web"]


@pytest.mark.parametrize("options, word", [
    (ReadOptions(activity="nope"), "activity"),
    (ReadOptions(case="cas_id"), "case"),
    (ReadOptions(timestamp="ts"), "timestamp"),
    (ReadOptions(outcome="status"), "outcome"),
    (ReadOptions(timezone="Europe/Paris"), "timezone"),
    (ReadOptions(timestamp_format="%d/%m/%Y"), "timestamp_format"),
    (ReadOptions(delimiter=";"), "delimiter"),
])
def test_options_that_cannot_apply_to_a_store_fail_naming_them(store, options, word):
    with pytest.raises(UsageError) as exc:
        read_events(store, options)
    assert exc.value.code == 2 and f"⟦{word}⟧" in str(exc.value.message)


def test_canonical_names_and_drop_duplicates_on_a_store(tmp_path, store):
    same = read_events(store, ReadOptions(case="journey_id", activity="activity", timestamp="timestamp",
                                          channel="channel", drop_duplicates=False))
    assert same.equals(read_events(store))
    doubled = tmp_path / "doubled.csv"
    doubled.write_text(LOG + LOG.splitlines()[1] + "\n")
    keep = tmp_path / "keep.parquet"
    ingest(doubled, ReadOptions(drop_duplicates=False), output=keep)
    assert read_events(keep).height == 6
    assert read_events(keep, ReadOptions(drop_duplicates=True)).height == 5


def test_out_of_core_store_takes_the_channel_filter_and_refuses_remaps(store, monkeypatch):
    from journeylog import settings

    settings.use(settings.Settings(memory_events=2))
    try:
        with open_events(store, ReadOptions(channel="phone", drop_duplicates=False)) as source:
            assert source.store is not None and source.channel_filter == "phone"
        with pytest.raises(UsageError, match="channel"):
            open_events(store, ReadOptions(channel="fax", drop_duplicates=False))
        with pytest.raises(UsageError):
            open_events(store, ReadOptions(case="customer_id", drop_duplicates=False))
    finally:
        settings.use(None)


def test_a_store_under_the_budget_but_above_one_batch_is_read_in_batches(store):
    """A sorted store costs nothing to read in batches: above one analysis batch (a quarter of
    the budget here) it is, with the same events; a store needing a rewrite (a re-mapped column,
    dropped duplicates) under the budget is still read whole; a store of one batch too."""
    from journeylog import settings

    events = read_events(store)
    for budget, batched in ((events.height * 4 - 4, True), (events.height * 4, False)):
        settings.use(settings.Settings(memory_events=budget))
        try:
            with open_events(store) as source:
                assert (source.store is not None) is batched, budget
                got = pl.concat(list(source.batches()))
                assert got.select(events.columns).equals(events)
            with open_events(store, ReadOptions(drop_duplicates=True)) as source:
                assert source.store is None and source.events is not None
        finally:
            settings.use(None)


def test_channel_filter_on_a_raw_log_applies_in_read_events(tmp_path):
    p = write_file(tmp_path, "log.csv", LOG)
    ev = read_events(p, ReadOptions(channel="phone", drop_duplicates=False))
    assert ev[S.CHANNEL].unique().to_list() == ["phone"] and ev.height == 2


def test_source_map_refuses_per_file_options():
    with pytest.raises(UsageError) as exc:
        ingest(SAMPLE / "sources.yaml", ReadOptions(activity="event"))
    assert "⟦activity⟧" in exc.value.message and "source map" in exc.value.message


def test_readme_example_discover_channel_web_shows_only_web_events(tmp_path):
    """`journeylog discover journeys.parquet --channel web` (README) end to end."""
    out = tmp_path / "journeys.parquet"
    r = run_cli("ingest", str(SAMPLE / "sources.yaml"), "-o", str(out), cwd=ROOT)
    assert r.returncode == 0, r.stderr
    r = run_cli("discover", str(out), "--channel", "web", "--no-model", "--json", str(tmp_path / "d.json"), cwd=ROOT)
    assert r.returncode == 0, r.stderr
    data = json.loads((tmp_path / "d.json").read_text())
    events = pl.read_parquet(out)
    assert data["channels"] == 1
    assert data["events"] == events.filter(pl.col(S.CHANNEL) == "web").height
    r = run_cli("discover", str(out), "--channel", "wbe", "--no-model", cwd=ROOT)
    assert r.returncode == 2 and "--channel" in r.stderr and "did you mean 'web'" in r.stderr
    r = run_cli("conform", str(out), "-m", str(SAMPLE / "designed_journey.bpmn"), "--timezone", "UTC", cwd=ROOT)
    assert r.returncode == 2 and "--timezone" in r.stderr


# ------------------------------------------------------------------------------------------------
# --case customer_id on a raw log
# ------------------------------------------------------------------------------------------------


def test_case_customer_id_is_one_journey_per_customer(tmp_path):
    p = write_file(tmp_path, "log.csv", LOG)
    ev = read_events(p, ReadOptions(case="customer_id", drop_duplicates=False))
    expected = {r["customer_id"] for r in _raw()}
    assert set(ev[S.JOURNEY_ID]) == expected and ev[S.JOURNEY_ID].to_list() == ev[S.CUSTOMER_ID].to_list()
    assert "case_id" in ev.columns  # the journey column is kept as an attribute
    r = run_cli("discover", str(p), "--case", "customer_id", "--no-model", "--json", "-")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["journeys"] == len(expected)


def test_one_column_in_two_other_roles_is_still_an_error():
    with pytest.raises(UsageError, match="several roles"):
        detect_columns(["case_id", "activity", "timestamp"], ReadOptions(activity="case_id"), "x.csv")


# ------------------------------------------------------------------------------------------------
# say what was assumed
# ------------------------------------------------------------------------------------------------


def test_dates_only_gives_a_note_in_summary_and_on_stderr(tmp_path):
    p = write_file(tmp_path, "d.csv", "case_id,activity,timestamp\nc1,A,2024-01-01\nc1,B,2024-01-01\nc2,A,2024-01-02\n")
    summary = ingest(p).summary()
    assert any("midnight" in n and "file order" in n for n in summary["notes"])
    timed = write_file(tmp_path, "t.csv", "case_id,activity,timestamp\nc1,A,2024-01-01 10:00\n")
    assert not any("midnight" in n for n in ingest(timed).summary()["notes"])
    r = run_cli("ingest", str(p), "-o", str(tmp_path / "d.parquet"), "--json", str(tmp_path / "d.json"))
    assert r.returncode == 0 and "midnight" in r.stderr
    assert any("midnight" in n for n in json.loads((tmp_path / "d.json").read_text())["notes"])


def test_guessed_columns_are_printed_and_in_the_json(tmp_path):
    p = write_file(tmp_path, "log.csv", LOG)
    src = ingest(p, ReadOptions(activity="activity")).summary()["sources"][0]
    assert src["columns"]["case"] == "case_id" and "case" in src["columns_guessed"]
    assert "activity" not in src["columns_guessed"]
    r = run_cli("ingest", str(p), "--activity", "activity", "-o", str(tmp_path / "o.parquet"))
    assert r.returncode == 0
    line = next(x for x in r.stderr.splitlines() if x.startswith("columns of log.csv"))
    assert "case=case_id (guessed)" in line and "activity=activity," in line
    sample = ingest(SAMPLE / "sources.yaml").summary()["sources"]
    assert all("columns" in s for s in sample)


def test_disco_export_columns_are_detected(tmp_path):
    p = write_file(tmp_path, "disco.csv",
                   "Case ID,Activity,Start Timestamp,Complete Timestamp,Resource,Variant,Variant index\n"
                   "c1,A,2024-01-01 09:00,2024-01-01 10:00,bob,Variant 1,1\n"
                   "c1,B,2024-01-01 11:00,2024-01-01 12:00,ann,Variant 1,1\n")
    cmap = detect_columns(pl.read_csv(p).columns, ReadOptions(), str(p))
    assert (cmap.case, cmap.activity, cmap.timestamp) == ("Case ID", "Activity", "Complete Timestamp")
    ev = read_events(p)
    assert ev[S.TIMESTAMP].dt.hour().to_list() == [10, 12]
    assert {"Start Timestamp", "Resource", "Variant"} <= set(ev.columns)  # left alone, as attributes
    assert "complete timestamp" in CANDIDATES["timestamp"] and "start timestamp" not in CANDIDATES["timestamp"]


def test_duplicate_header_names_the_column_and_how_to_rename(tmp_path):
    p = write_file(tmp_path, "dup.csv", "case_id,activity,timestamp,activity\nc1,A,2024-01-01,B\n")
    r = run_cli("ingest", str(p), "-o", str(tmp_path / "o.parquet"))
    assert r.returncode == 3
    assert "'activity' is columns 2, 4" in r.stderr and "'activity_2'" in r.stderr


def test_semicolon_file_gives_the_delimiter_hint(tmp_path):
    p = write_file(tmp_path, "s.csv", "case_id;activity;timestamp\nc1;A;2024-01-01\n")
    r = run_cli("ingest", str(p), "-o", str(tmp_path / "o.parquet"))
    assert r.returncode == 3 and "--delimiter ';'" in r.stderr
