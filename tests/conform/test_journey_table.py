"""conform --journeys-out: the per-journey table for people, read back as a spreadsheet would
(Python's csv module) and compared with figures computed here by hand from the log."""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from pathlib import Path

import polars as pl
import pytest

from journeylog import conform as C
from journeylog.ingest import ingest
from journeylog.models import load_model

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
# journey -> (customer, [(activity, channel, minutes after T0, satisfaction or None)])
LOG: dict[str, tuple[str, list[tuple[str, str, int, float | None]]]] = {
    "j1": ("=cust1", [("Order", "web", 0, None), ("Pay", "web", 30, 4.0), ("Ship", "store", 120, 2.0)]),
    "j2": ("c2", [("Order", "app", 0, None), ("Call", "phone", 60, 1.0), ("Pay", "app", 90, None),
                  ("Ship", "store", 1500, None)]),
    "j3": ("c3", [("Order", "web", 10, None), ("Pay", "web", 20, None)]),
    "j4": ("c4", [("Order", "app", 0, 5.0), ("Ship", "phone", 45, None)]),
}


@pytest.fixture()
def case(tmp_path: Path) -> tuple[Path, Path]:
    rows = []
    for j, (cust, events) in LOG.items():
        for act, ch, minutes, sat in events:
            rows.append({"journey_id": j, "customer_id": cust, "activity": act, "channel": ch,
                         "timestamp": (T0 + dt.timedelta(minutes=minutes)).isoformat(),
                         "satisfaction": sat})
    log = tmp_path / "log.csv"
    pl.DataFrame(rows).write_csv(log)
    model = tmp_path / "design.ptree"
    model.write_text("->('Order', 'Pay', 'Ship')\n")
    return log, model


def _expected() -> dict[str, dict[str, object]]:
    """The table computed by hand from LOG, independent of journeylog."""
    out: dict[str, dict[str, object]] = {}
    for j, (cust, events) in LOG.items():
        times = [T0 + dt.timedelta(minutes=m) for _a, _c, m, _s in events]
        scores = [s for *_x, s in events if s is not None]
        channels: list[str] = []
        for _a, ch, _m, _s in events:
            if ch not in channels:
                channels.append(ch)
        acts = [a for a, *_x in events]
        out[j] = {"customer_id": cust, "first": min(times), "last": max(times),
                  "seconds": (max(times) - min(times)).total_seconds(),
                  "satisfaction": statistics.mean(scores) if scores else None, "channels": channels,
                  "fits": acts == ["Order", "Pay", "Ship"]}
    return out


def test_journeys_out_csv_reads_right_in_a_spreadsheet_reader(case, tmp_path, run_main):
    log, model = case
    out = tmp_path / "journeys.csv"
    code, _out, err = run_main("conform", str(log), "--model", str(model), "--journeys-out", str(out),
                               "--settle", "0", cwd=tmp_path)
    assert code == 0, err
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(C.JOURNEY_COLUMNS)
    assert "cost" not in rows[0] and "bwc" not in rows[0] and "variant_id" not in rows[0]
    expected = _expected()
    assert sorted(r["journey_id"] for r in rows) == sorted(expected)
    for r in rows:
        e = expected[r["journey_id"]]
        # a customer id that a spreadsheet would run as a formula is quoted
        assert r["customer_id"] == ("'" + str(e["customer_id"]) if str(e["customer_id"]).startswith("=")
                                    else e["customer_id"])
        assert dt.datetime.fromisoformat(r["first_event"]) == e["first"]
        assert dt.datetime.fromisoformat(r["last_event"]) == e["last"]
        assert float(r["duration_seconds"]) == e["seconds"]
        assert r["duration"]  # in words, e.g. "2.0 h"
        sat = e["satisfaction"]
        assert (r["satisfaction"] == "") if sat is None else float(r["satisfaction"]) == pytest.approx(sat)
        assert r["channels"].split("; ") == e["channels"]
        assert r["fits"] == ("true" if e["fits"] else "false")
        assert r["in_progress"] == "false"  # --settle 0: every journey has ended
        fitness = float(r["fitness"])
        assert 0.0 <= fitness <= 1.0 and (fitness == 1.0) == e["fits"]
        assert (r["deviations"] == "") == e["fits"]
        assert int(r["alignment_worst_cost"]) > 0 and int(r["alignment_cost"]) >= 0
    by_id = {r["journey_id"]: r for r in rows}
    assert by_id["j1"]["duration"] == "2.0 h"
    assert "Call" in by_id["j2"]["deviations"]
    assert "Ship" in by_id["j3"]["deviations"] and "Pay" in by_id["j4"]["deviations"]


def test_journey_table_in_the_library_and_parquet(case, tmp_path, run_main):
    log, model = case
    events = ingest(log).events
    table = C.journey_table(C.conform(events, load_model(model), C.ConformOptions(settle=dt.timedelta(0))))
    assert table.columns == list(C.JOURNEY_COLUMNS)
    assert table.schema["fits"] == pl.Boolean and table.schema["channels"] == pl.List(pl.String)
    row = table.filter(pl.col("journey_id") == "j2").row(0, named=True)
    assert row["channels"] == ["app", "phone", "store"] and row["customer_id"] == "c2"
    out = tmp_path / "journeys.parquet"
    code, _out, err = run_main("conform", str(log), "--model", str(model), "--journeys-out", str(out),
                               "--settle", "0", cwd=tmp_path)
    assert code == 0, err
    assert pl.read_parquet(out).equals(table)


def test_token_replay_table_has_no_alignment_costs(case):
    log, model = case
    c = C.conform(ingest(log).events, load_model(model), C.ConformOptions(method="tbr", precision=False))
    table = C.journey_table(c)
    assert table["alignment_cost"].null_count() == table.height
    # pm4py's token replay passes over events the model does not know (j2's Call)
    assert table.filter(pl.col("fits"))["journey_id"].sort().to_list() == ["j1", "j2"]


def test_without_journey_details_the_figures_are_the_same_and_the_table_is_refused(case):
    """``journey_details=False`` (conform without --journeys-out, check, drift) keeps neither
    customers nor channels; every other result is the same, and asking for the table says why not."""
    from journeylog.errors import UsageError

    log, model = case
    events, designed = ingest(log).events, load_model(model)
    full = C.conform(events, designed, C.ConformOptions(settle=dt.timedelta(0)))
    lean = C.conform(events, designed, C.ConformOptions(settle=dt.timedelta(0), journey_details=False))
    assert C.to_json(lean) == C.to_json(full)
    assert "customer_id" not in lean.journey_table.columns and "channels" not in lean.journey_table.columns
    assert lean.journey_table.equals(full.journey_table.drop("customer_id", "channels"))
    with pytest.raises(UsageError, match="journey_details"):
        C.journey_table(lean)
