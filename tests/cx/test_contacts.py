"""contacts: every class and its precedence against the plain-Python oracle (tests/cx/contact_oracle.py)
on hand-built logs and seeded random logs; repeats, first-contact resolution and costs recounted."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import polars as pl
import pytest
from contact_oracle import oracle

from journeylog.config.contacts import ContactRule, ContactRules
from journeylog.config.rules import Step
from journeylog.cx.contacts import ContactOptions, contact_table, contacts
from journeylog.errors import InvalidInput

T = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
H = timedelta(hours=1)
D = timedelta(days=1)
COLUMNS = ("journey_id", "customer_id", "timestamp", "channel", "activity", "outcome", "contact_reason", "direction",
           "source", "source_row", "input_order")


def frame(rows: list[dict]) -> pl.DataFrame:
    full = []
    for i, r in enumerate(rows):
        full.append({"customer_id": "c-" + r["journey_id"], "outcome": None, "contact_reason": None, "direction": None,
                     "source": "test", "source_row": i + 1, "input_order": i, **r})
    schema = {"journey_id": pl.String, "customer_id": pl.String, "timestamp": pl.Datetime("us", "UTC"),
              "channel": pl.String, "activity": pl.String, "outcome": pl.String, "contact_reason": pl.String,
              "direction": pl.String, "source": pl.String, "source_row": pl.Int64, "input_order": pl.UInt64}
    return pl.DataFrame(full, schema=schema).select(COLUMNS)


def ev(j: str, t: dt.datetime, channel: str, activity: str, outcome: str | None = None, reason: str | None = None,
       direction: str | None = None) -> dict:
    return {"journey_id": j, "timestamp": t, "channel": channel, "activity": activity, "outcome": outcome,
            "contact_reason": reason, "direction": direction}


HAND = [
    # j1: a web failure, a call 3h later (avoidable after failure), a second call on the same reason 2d later
    # (failure 51h ago: outside 48h, but a repeat within 7d)
    ev("j1", T, "web", "Upload documents", "failure"),
    ev("j1", T + 3 * H, "phone", "Call: documents", reason="Documents"),
    ev("j1", T + 2 * D + 3 * H, "phone", "Call: documents again", reason="Documents"),
    # j2: a designed step by phone (mandatory with a model), a chat about billing 10 days later (assistance)
    ev("j2", T, "phone", "Place order"),
    ev("j2", T + 10 * D, "chat", "Chat: bill", reason="Billing"),
    # j3: 'Track order' succeeds on the web here; a call about it in j4 is selfcare (in another journey),
    # the call in j3 itself is not (only its own journey has it)
    ev("j3", T, "web", "Track order", "success"),
    ev("j3", T + 5 * H, "phone", "Track order"),
    ev("j4", T + D, "store", "Store visit", reason="Track order"),
    # j5: e-mails: inbound is a contact, outbound is not; a social post is
    ev("j5", T, "email", "Mail: question", direction="Inbound"),
    ev("j5", T + H, "email", "Mail: reply", direction="outbound"),
    ev("j5", T + 2 * H, "social", "Tweet", reason="Outage"),
    # j6: a failure 49h before a call (outside the window), then a repeat on another reason 8 days later (no repeat)
    ev("j6", T, "app", "Pay", "failure"),
    ev("j6", T + 49 * H, "phone", "Call: payment", reason="Payment"),
    ev("j6", T + 9 * D + 49 * H, "phone", "Call: payment", reason="Payment"),
    # j7: a failure and a contact at the same time, the failure second in input order: not "before"
    ev("j7", T, "chat", "Chat: help", reason="Help"),
    ev("j7", T, "web", "Login", "failure"),
]
MODEL = SimpleNamespace(tasks=("Place order", "Identity check"), path="design.bpmn")


def classified(rows: list[dict], rules: ContactRules | None = None, model: object = None) -> list[tuple]:
    result = contacts(frame(rows), model, rules, ContactOptions(keep_table=True))
    return [tuple(r) for r in result.table.select("journey_id", "activity", "class", "decided_by").rows()]


def expected(rows: list[dict], rules: ContactRules | None = None, tasks: tuple[str, ...] | None = None) -> list[tuple]:
    ordered = [{**r, "input_order": i} for i, r in enumerate(rows)]
    return [(o["journey_id"], o["activity"], o["class"], o["decided_by"]) for o in oracle(ordered, rules, tasks)]


def test_hand_built_log_every_class_as_documented():
    got = {(j, a): (k, d) for j, a, k, d in classified(HAND, model=MODEL)}
    assert got[("j1", "Call: documents")] == ("avoidable", "after failure of 'Upload documents' on web within 48h")
    assert got[("j1", "Call: documents again")] == ("avoidable", "repeat within 7d")
    assert got[("j2", "Place order")] == ("mandatory", "model step")
    assert got[("j2", "Chat: bill")] == ("assistance", "no other rule")
    assert got[("j3", "Track order")] == ("assistance", "no other rule")
    assert got[("j4", "Store visit")] == ("selfcare", "self-service in log")
    assert got[("j5", "Mail: question")][0] == "assistance" and ("j5", "Mail: reply") not in got
    assert got[("j5", "Tweet")] == ("assistance", "no other rule")
    assert got[("j6", "Call: payment")] == ("assistance", "no other rule")  # both: 49h and 9d are outside
    assert [k for j, _a, k, _d in classified(HAND, model=MODEL) if j == "j6"] == ["assistance", "assistance"]
    assert got[("j7", "Chat: help")] == ("assistance", "no other rule")
    assert len(got) == 10


@pytest.mark.parametrize("model", [None, MODEL])
def test_hand_built_log_equals_the_oracle(model):
    tasks = model.tasks if model else None
    assert classified(HAND, model=model) == expected(HAND, tasks=tasks)


RULES = (
    ContactRule("documents are failure demand", "avoidable", Step({"reason": "Documents"})),
    ContactRule("kyc", "mandatory", Step({"channel": "store"})),
    ContactRule("billing online", "selfcare", Step({"reason": ["Billing", "Payment"]})),
    ContactRule("tweets", "assistance", Step({}, matches={"activity": "^Tw"})),
)


@pytest.mark.parametrize("precedence", [
    ("mandatory", "avoidable", "selfcare", "assistance"),
    ("assistance", "selfcare", "avoidable", "mandatory"),
    ("selfcare", "mandatory", "assistance", "avoidable"),
])
@pytest.mark.parametrize("design", ["mandatory", "selfcare", "ignore"])
def test_rules_precedence_and_design_equal_the_oracle(precedence, design):
    rules = ContactRules(rules=RULES, precedence=precedence, design=design)
    assert classified(HAND, rules, MODEL) == expected(HAND, rules, MODEL.tasks)


def test_rule_names_the_decision_and_respects_precedence():
    rules = ContactRules(rules=RULES)
    got = {(j, a): (k, d) for j, a, k, d in classified(HAND, rules, MODEL)}
    assert got[("j4", "Store visit")] == ("mandatory", "rule: kyc")  # mandatory outranks selfcare-in-log
    assert got[("j2", "Chat: bill")] == ("selfcare", "rule: billing online")
    assert got[("j5", "Tweet")] == ("assistance", "rule: tweets")
    # within a class the failure test comes before the rule
    assert got[("j1", "Call: documents")][1].startswith("after failure")
    swapped = replace(rules, precedence=("selfcare", "avoidable", "mandatory", "assistance"))
    got = {(j, a): (k, d) for j, a, k, d in classified(HAND, swapped, MODEL)}
    assert got[("j4", "Store visit")] == ("selfcare", "self-service in log")


def test_windows_are_configurable():
    rules = ContactRules(failure_window=timedelta(days=3), repeat_window=timedelta(days=14))
    j6 = [(k, d) for j, _a, k, d in classified(HAND, rules) if j == "j6"]
    assert j6 == [("avoidable", "after failure of 'Pay' on app within 3d"), ("avoidable", "repeat within 14d")]
    assert classified(HAND, rules) == expected(HAND, rules)
    via_options = contacts(frame(HAND), options=ContactOptions(keep_table=True, failure_window=timedelta(days=3),
                                                                repeat_window=timedelta(days=14)))
    assert [tuple(r) for r in via_options.table.select("journey_id", "activity", "class", "decided_by").rows()] == \
        classified(HAND, rules)


def test_contact_channels_are_configurable():
    rules = ContactRules(channels=("phone",), inbound_channels=("email", "chat"), direction_column="direction")
    got = classified(HAND, rules)
    assert {a for _, a, _, _ in got} == {"Call: documents", "Call: documents again", "Place order", "Track order",
                                         "Call: payment", "Mail: question"}
    assert got == expected(HAND, rules)


def random_rows(seed: int, journeys: int = 60) -> list[dict]:
    rng = random.Random(seed)
    acts = {"web": ["Pay", "Track order", "Upload"], "app": ["Pay", "Track order"],
            "phone": ["Call: pay", "Track order", "Place order"], "chat": ["Chat: pay", "Chat: track"],
            "store": ["Visit"], "email": ["Mail"], "backoffice": ["Check"]}
    rows = []
    for j in range(journeys):
        t = T + timedelta(hours=rng.randrange(0, 400))
        for _ in range(rng.randint(1, 8)):
            t += timedelta(hours=rng.choice([0, 1, 5, 20, 47, 48, 49, 100, 168, 170]))
            ch = rng.choice(list(acts))
            rows.append(ev(f"r{j:03d}", t, ch, rng.choice(acts[ch]),
                           outcome=rng.choice([None, "success", "failure"]),
                           reason=rng.choice([None, "Pay", "Track order", "Other"]) if ch in ("phone", "chat") else None,
                           direction=rng.choice([None, "inbound", "outbound"]) if ch == "email" else None))
    return rows


@pytest.mark.parametrize("seed", range(4))
def test_random_logs_equal_the_oracle(seed):
    rows = random_rows(seed)
    rules = ContactRules(rules=RULES[:3], precedence=random.Random(seed).sample(
        ["mandatory", "avoidable", "selfcare", "assistance"], 4))
    assert classified(rows, rules, MODEL) == expected(rows, rules, MODEL.tasks)
    assert classified(rows) == expected(rows)


def test_repeat_rate_and_first_contact_resolution():
    rows = random_rows(7, journeys=80)
    result = contacts(frame(rows))
    data = result.to_json()
    want = oracle([{**r, "input_order": i} for i, r in enumerate(rows)])
    assert data["contacts"] == len(want)
    assert data["repeat"]["repeats"] == sum(o["repeat"] for o in want)
    last = max(r["timestamp"] for r in rows)
    settled = [o for o in want if o["timestamp"] <= last - timedelta(days=7)]
    fcr = data["first_contact_resolution"]
    assert fcr["contacts_considered"] == len(settled)
    assert fcr["resolved"] == sum(not o["followed"] for o in settled)
    assert data["avoidable"]["contacts"] == sum(o["class"] == "avoidable" for o in want)
    per_class = {c["class"]: c["contacts"] for c in data["classes"]}
    for klass in per_class:
        assert per_class[klass] == sum(o["class"] == klass for o in want)
    by_channel = {g["channel"]: g["classes"] for g in data["by_channel"]}
    for channel, counts in by_channel.items():
        for klass, n in counts.items():
            assert n == sum(o["class"] == klass and o["channel"] == channel for o in want)
    journeys_with = {o["journey_id"] for o in want}
    assert data["journeys_with_contacts"] == len(journeys_with)
    assert sum(p["journeys"] for p in data["per_journey"]) == len({r["journey_id"] for r in rows})


def test_drivers_and_costs():
    rows = HAND + [ev("j8", T, "web", "Upload documents", "failure"), ev("j8", T + H, "chat", "Chat: docs"),
                   ev("j9", T + 40 * D, "web", "Upload documents", "failure"), ev("j9", T + 40 * D + H, "phone", "Call")]
    rules = ContactRules(costs={"phone": 6.0, "chat": 3.5}, currency="EUR")
    data = contacts(frame(rows), rules=rules).to_json()
    want = oracle([{**r, "input_order": i} for i, r in enumerate(rows)], rules)
    drivers = data["avoidable"]["drivers"]
    assert drivers[0]["statement"] == "2 calls after 'Upload documents' failed on the portal (50.0% of avoidable contacts)"
    assert {d["statement"] for d in drivers[1:]} == {
        "a chat after 'Upload documents' failed on the portal (25.0% of avoidable contacts)",
        "a repeat call about 'Documents' within 7d (25.0% of avoidable contacts)"}
    costs = data["costs"]
    price = {"phone": 6.0, "chat": 3.5}
    assert costs["total"] == sum(price.get(o["channel"], 0.0) for o in want)
    months = (T + 40 * D + H - T).total_seconds() / 86400 / 30.436875
    assert costs["months"] == pytest.approx(months)
    avoid = [c for c in costs["classes"] if c["class"] == "avoidable"][0]
    assert avoid["total"] == sum(price.get(o["channel"], 0.0) for o in want if o["class"] == "avoidable") == 21.5
    assert avoid["per_month"] == pytest.approx(21.5 / months)
    # 18 / 1.3155 months = 13.7 a month; 3.5 / 1.3155 = 2.66
    assert costs["statements"] == ["3 avoidable calls, about EUR 14 a month (EUR 18 in all)",
                                   "1 avoidable chat, about EUR 2.7 a month (EUR 3.5 in all)"]
    assert any("no cost given for email, social, store" in n for n in data["notes"])


def test_contact_table_columns_and_rows():
    result = contacts(frame(HAND), MODEL, options=ContactOptions(keep_table=True))
    table = contact_table(result)
    assert table.columns == ["journey_id", "customer_id", "timestamp", "channel", "activity", "contact_reason", "class",
                             "decided_by", "source", "source_row"]
    assert table.height == 11 and table["source_row"].to_list() == sorted(table["source_row"].to_list())


def test_bad_logs_and_rules_are_named():
    with pytest.raises(InvalidInput, match="no events"):
        contacts(frame([]))
    with pytest.raises(InvalidInput, match="channel column"):
        contacts(frame(HAND).drop("channel"))
    bad = ContactRules(rules=(ContactRule("x", "avoidable", Step({"queue": "Sales"}), line=7),), path="c.yaml")
    with pytest.raises(InvalidInput, match=r"c\.yaml:7: the rule 'x' reads the column 'queue'"):
        contacts(frame(HAND), rules=bad)


def test_no_direction_column_is_said():
    data = contacts(frame(HAND).drop("direction")).to_json()
    assert any("no 'direction' column" in n for n in data["notes"])
    assert data["contacts"] == 10
