"""The funnel's figures against an independent plain-Python computation on hand-built and seeded
random logs: journeys reaching each step in order, conversion, stopped with the settle window,
median and p90 times, failure rates, by channel and by segment."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import polars as pl
import pytest

from factories import T0, event_frame, funnel_check_steps, funnel_oracle
from journeylog.contracts import json_schema, validate
from journeylog.cx.funnel import FunnelOptions, funnel
from journeylog.errors import InvalidInput, UsageError

COLUMNS = ("journey_id", "timestamp", "channel", "activity", "outcome")
NO_SETTLE = FunnelOptions(settle=dt.timedelta(0))


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def random_log(seed: int, journeys: int = 300) -> pl.DataFrame:
    """Journeys of 1-9 events over activities A-E, some at equal times, with outcomes, channels and
    a plan column filled on some events only."""
    rng = random.Random(seed)
    rows = []
    for j in range(journeys):
        t = T0 + dt.timedelta(days=rng.randrange(60))
        plan = rng.choice(["basic", "plus", None])
        for _ in range(rng.randint(1, 9)):
            if rng.random() > 0.2:  # else: the same timestamp as the event before
                t += dt.timedelta(seconds=rng.randrange(1, 90_000), microseconds=rng.randrange(1_000_000))
            rows.append((f"j{j:03d}", t, rng.choice(["web", "app", "phone", None]), rng.choice("ABCDE"),
                         rng.choice(["success", "failure", None]), plan if rng.random() < 0.7 else None))
    frame = pl.DataFrame(rows, schema={"journey_id": pl.String, "timestamp": pl.Datetime("us", "UTC"),
                                       "channel": pl.String, "activity": pl.String, "outcome": pl.String,
                                       "plan": pl.String}, orient="row")
    shuffled = frame.with_row_index("input_order").with_columns(pl.col("input_order").cast(pl.UInt64))
    return shuffled.sample(fraction=1.0, shuffle=True, seed=seed)  # the library must order it itself


# ------------------------------------------------------------------------------------------
# hand-built logs


def test_order_matters_and_repeats_count_once():
    ev = event_frame([
        ("a", h(0), "web", "Order", "success"), ("a", h(1), "web", "Order", "failure"), ("a", h(3), "app", "Pay", None),
        ("b", h(0), "web", "Pay", None), ("b", h(2), "web", "Order", None),  # out of order: reaches Order only
        ("c", h(0), "web", "Order", None), ("c", h(0), "phone", "Pay", "failure"),  # same time, input order decides
        ("d", h(0), "web", "Call", None),
    ], COLUMNS)
    f = funnel(ev, steps=["Order", "Pay"], options=NO_SETTLE).to_json()
    order, pay = f["funnel"]
    assert (order["journeys"], pay["journeys"]) == (3, 2)
    assert order["conversion_from_previous"] == pytest.approx(3 / 4)
    assert pay["conversion_from_previous"] == pytest.approx(2 / 3)
    assert order["stopped"] == 1 and pay["stopped"] is None
    assert pay["median_seconds_from_previous"] == pytest.approx((3 * 3600 + 0) / 2)  # a: 3 h from its first Order, c: 0
    assert (order["events"], order["failed_events"]) == (4, 1)
    assert (pay["events"], pay["failed_events"], pay["failure_rate"]) == (3, 1, pytest.approx(1 / 3))
    assert [d["journeys"] for d in f["drop_offs"]] == [1, 1]
    assert f["drop_offs"][1]["statement"] == "1 journey (33.3%) stopped after 'Order' and never reached 'Pay'"
    assert f["completed"] == 2 and validate(f, json_schema("funnel")) == []


def test_in_progress_journeys_are_no_drop_outs():
    ev = event_frame([
        ("a", h(0), "web", "Order", None),                                      # ended long before the log's end
        ("b", h(200), "web", "Order", None),                                   # ended within 7 days of the end
        ("c", h(0), "web", "Order", None), ("c", h(240), "web", "Pay", None),  # the log's last event
    ], COLUMNS)
    f = funnel(ev, steps=["Order", "Pay"]).to_json()
    step = f["funnel"][0]
    assert (step["stopped"], step["stopped_in_progress"]) == (1, 1)
    assert step["stopped_share"] == 1.0  # of the journeys that reached it and are not in progress: a only
    assert f["journeys_in_progress"] == 2
    assert "1 more is still in progress" in f["drop_offs"][1]["statement"]


def test_channels_are_those_of_the_reaching_events():
    ev = event_frame([
        ("a", h(0), "web", "Order", None), ("a", h(1), "phone", "Order", "failure"), ("a", h(2), "app", "Pay", None),
        ("b", h(0), "phone", "Order", None), ("b", h(5), None, "Pay", None),
        ("c", h(0), "web", "Order", None),
    ], COLUMNS)
    f = funnel(ev, steps=["Order", "Pay"], options=FunnelOptions(by=("channel",), settle=dt.timedelta(0))).to_json()
    order, pay = f["funnel"]
    assert [(c["channel"], c["journeys"], c["continued"]) for c in order["channels"]] == [("web", 2, 1), ("phone", 1, 1)]
    assert [(c["channel"], c["events"], c["failed_events"]) for c in order["channels"]] == [("web", 2, 0), ("phone", 2, 1)]
    assert [(c["channel"], c["median_seconds_from_previous"]) for c in pay["channels"]] == [("app", 7200.0),
                                                                                          ("unknown", 18000.0)]


def test_no_outcome_column_gives_no_failure_rate():
    ev = event_frame([("a", h(0), "Order"), ("a", h(1), "Pay")], ("journey_id", "timestamp", "activity"))
    step = funnel(ev, steps=["Order", "Pay"], options=NO_SETTLE).to_json()["funnel"][0]
    assert (step["events"], step["failed_events"], step["failure_rate"]) == (1, None, None)
    unknown = event_frame([("a", h(0), "web", "Order", None), ("a", h(1), "web", "Pay", None)], COLUMNS)
    step = funnel(unknown, steps=["Order", "Pay"], options=NO_SETTLE).to_json()["funnel"][0]
    assert (step["failed_events"], step["failure_rate"]) == (None, None)  # an outcome column, but no outcome known


def test_bad_steps_and_columns_are_usage_errors_with_a_suggestion():
    ev = event_frame([("a", h(0), "web", "Identity check", None)], COLUMNS)
    with pytest.raises(UsageError, match="'Identiy check' is not an activity of the log.*did you mean 'Identity check'"):
        funnel(ev, steps=["Identiy check"])
    with pytest.raises(UsageError, match="at least one step"):
        funnel(ev, steps=[])
    with pytest.raises(UsageError, match="'chanel' is not a journey attribute.*did you mean 'channel'"):
        funnel(ev, steps=["Identity check"], options=FunnelOptions(by=("chanel",)))
    with pytest.raises(UsageError, match="model.*steps"):
        funnel(ev)
    with pytest.raises(InvalidInput, match="no events"):
        funnel(ev.clear(), steps=["Identity check"])


# ------------------------------------------------------------------------------------------
# seeded random logs against the oracle


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("steps", [["A", "B", "C"], ["B", "A", "B", "D"], ["E"]])
def test_random_logs_match_the_oracle(seed, steps):
    ev = random_log(seed)
    rows = ev.to_dicts()
    for settle in (dt.timedelta(0), dt.timedelta(days=3)):
        f = funnel(ev, steps=steps, options=FunnelOptions(settle=settle)).to_json()
        assert f["journeys"] == len({r["journey_id"] for r in rows})
        funnel_check_steps(f["funnel"], rows, steps, settle)
        assert validate(f, json_schema("funnel")) == []


@pytest.mark.parametrize("seed", [4, 5])
def test_random_segments_and_channels_match_the_oracle(seed):
    ev = random_log(seed)
    rows = ev.to_dicts()
    steps = ["A", "B", "C"]
    f = funnel(ev, steps=steps, options=FunnelOptions(by=("channel", "plan"), settle=dt.timedelta(0))).to_json()
    o = funnel_oracle(rows, steps, dt.timedelta(0), segment="plan")
    (plan,) = f["segments"]
    assert plan["column"] == "plan"
    for seg in plan["segments"]:
        members = {j for j, v in o["segment"].items() if v == seg["value"]}
        assert seg["journeys"] == len(members)
        funnel_check_steps(seg["steps"], [r for r in rows if r["journey_id"] in members], steps, dt.timedelta(0))
    assert [s["journeys"] for s in plan["segments"]] == sorted((s["journeys"] for s in plan["segments"]), reverse=True)
    for k, step in enumerate(f["funnel"]):
        per_channel = defaultdict(int)
        for _j, _d, channel in o["reach"][k]:
            per_channel[channel] += 1
        assert {c["channel"]: c["journeys"] for c in step["channels"]} == per_channel
        events = defaultdict(lambda: [0, 0])
        for r in rows:
            if r["activity"] == steps[k]:
                events[r["channel"] or "unknown"][0] += 1
                events[r["channel"] or "unknown"][1] += r["outcome"] == "failure"
        for c in step["channels"]:
            assert [c["events"], c["failed_events"]] == events[c["channel"]]


def test_same_input_same_output():
    ev = random_log(7)
    a = funnel(ev, steps=["A", "B"], options=FunnelOptions(by=("channel", "plan"))).to_json()
    b = funnel(ev.reverse(), steps=["A", "B"], options=FunnelOptions(by=("channel", "plan"))).to_json()
    assert a == b
