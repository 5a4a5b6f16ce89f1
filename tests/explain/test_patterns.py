"""Cross-channel patterns: built-ins on hand-built logs, the sample against an independent
plain-Python computation, rules files (good and bad), logs without channels, determinism."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import statistics
from collections import Counter, defaultdict

import polars as pl
import pytest

from factories import ROOT, write_file
from journeylog import schema as S
from journeylog.errors import InvalidInput
from journeylog.explain.patterns import (
    DEFAULT_VOCABULARY,
    Pattern,
    Rules,
    Step,
    builtin_patterns,
    default_rules,
    load_rules,
    match_patterns,
    parse_duration,
    pattern_journeys,
)

SAMPLE = ROOT / "samples" / "telecom" / "sources.yaml"
T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)
BUILTIN_IDS = {
    "web-failure-then-phone": ("web", "phone", "called after failing on the portal"),
    "app-failure-then-phone": ("app", "phone", "called after failing in the app"),
    "web-failure-then-chat": ("web", "chat", "chatted after failing on the portal"),
    "app-failure-then-chat": ("app", "chat", "chatted after failing in the app"),
    "online-failure-then-store": ("web", "store", "came to the store after failing online"),
}


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def log(rows: list[tuple], extra: dict[str, list] | None = None) -> pl.DataFrame:
    """rows: (journey, hours, channel, activity, outcome[, satisfaction]); input order = list order."""
    frame = pl.DataFrame(
        {
            "journey_id": [r[0] for r in rows],
            "customer_id": [r[0] for r in rows],
            "timestamp": [at(r[1]) for r in rows],
            "channel": [r[2] for r in rows],
            "activity": [r[3] for r in rows],
            "outcome": [r[4] for r in rows],
            "satisfaction": [r[5] if len(r) > 5 else None for r in rows],
            "input_order": list(range(len(rows))),
            **(extra or {}),
        },
        schema_overrides={"timestamp": S.TIME_DTYPE, "input_order": pl.UInt64, "satisfaction": pl.Float64,
                          "outcome": pl.String, "channel": pl.String},
    )
    return frame.sort(["journey_id", "timestamp", "input_order"])


def by_id(result, pid: str) -> dict:
    rows = result.table.filter(pl.col("id") == pid).to_dicts()
    assert len(rows) == 1, result.table
    return rows[0]


def builtin(pid: str) -> Pattern:
    return next(p for p in builtin_patterns() if p.id == pid)


# ----------------------------------------------------------------------------------------------
# Built-ins on tiny logs
# ----------------------------------------------------------------------------------------------


def test_builtin_names_and_ids():
    assert {p.id: p.name for p in builtin_patterns()} == {k: v[2] for k, v in BUILTIN_IDS.items()}
    assert all(p.builtin and p.steps[1].within == dt.timedelta(hours=48) for p in builtin_patterns())


@pytest.mark.parametrize("pid", sorted(BUILTIN_IDS))
def test_each_builtin_matches_and_respects_window_order_and_journeys(pid):
    failing, contact, name = BUILTIN_IDS[pid]
    other = "app" if failing == "web" else "web"
    ev = log([
        # j1: match, 3 h
        ("j1", 0, failing, "Pay", "failure"), ("j1", 3, contact, "Contact", None),
        # j2: contact 49 h after the failure: outside the window
        ("j2", 0, failing, "Pay", "failure"), ("j2", 49, contact, "Contact", None),
        # j3: contact before the failure
        ("j3", 0, contact, "Contact", None), ("j3", 1, failing, "Pay", "failure"),
        # j4: failure only; j5: contact only (journeys do not mix)
        ("j4", 0, failing, "Pay", "failure"), ("j5", 1, contact, "Contact", None),
        # j6: success, then contact
        ("j6", 0, failing, "Pay", "success"), ("j6", 1, contact, "Contact", None),
        # j7: matches twice; counted once, first match: 2 h
        ("j7", 0, failing, "Order", "failure"), ("j7", 2, contact, "Contact", None),
        ("j7", 10, failing, "Pay", "failure"), ("j7", 15, contact, "Contact", None),
        # j8: exactly 48 h: inside
        ("j8", 0, failing, "Pay", "failure"), ("j8", 48, contact, "Contact", None),
        # j9: failure on another channel (not this pattern's unless it is the store one)
        ("j9", 0, other, "Pay", "failure"), ("j9", 1, contact, "Contact", None),
    ])
    found = pattern_journeys(ev, builtin(pid))
    expected = ["j1", "j7", "j8"] + (["j9"] if pid == "online-failure-then-store" else [])
    assert found["journey_id"].to_list() == expected
    secs = dict(zip(found["journey_id"], found["seconds_to_contact"], strict=True))
    assert secs["j1"] == 3 * 3600 and secs["j7"] == 2 * 3600 and secs["j8"] == 48 * 3600
    assert dict(zip(found["journey_id"], found["activity"], strict=True))["j7"] == "Order"
    row = by_id(match_patterns(ev), pid)
    assert row["journeys"] == len(expected) and row["name"] == name
    assert row["share"] == pytest.approx(len(expected) / 9)
    assert row["examples"] == expected


def test_most_recent_failure_starts_the_match_and_ties_follow_input_order():
    ev = log([
        ("a", 0, "web", "Order", "failure"), ("a", 10, "web", "Pay", "failure"), ("a", 12, "phone", "Call", None),
        # same timestamp: failure first in input order -> match, 0 s
        ("b", 5, "web", "Pay", "failure"), ("b", 5, "phone", "Call", None),
        # same timestamp: call first in input order -> no match
        ("c", 5, "phone", "Call", None), ("c", 5, "web", "Pay", "failure"),
    ])
    found = pattern_journeys(ev, builtin("web-failure-then-phone"))
    assert found.select("journey_id", "activity", "seconds_to_contact").rows() == [("a", "Pay", 7200.0), ("b", "Pay", 0.0)]
    assert found["start_ts"].to_list() == [at(10), at(5)]
    assert found["end_ts"].to_list() == [at(12), at(5)]


def test_window_is_configurable():
    ev = log([("a", 0, "app", "Pay", "failure"), ("a", 60, "chat", "Chat", None), ("b", 0, "web", "X", "success")])
    assert by_id(match_patterns(ev), "app-failure-then-chat")["journeys"] == 0
    row = by_id(match_patterns(ev, default_rules(dt.timedelta(hours=72))), "app-failure-then-chat")
    assert row["journeys"] == 1 and row["median_seconds_to_contact"] == 60 * 3600


def test_statement_figures_and_impact():
    ev = log([
        ("a", 0, "web", "Schedule appointment", "failure"), ("a", 2, "phone", "Call", None, 2.0),
        ("a", 50, "web", "Done", "success"),
        ("b", 0, "web", "Schedule appointment", "failure"), ("b", 4, "phone", "Call", None, 3.0),
        ("b", 74, "web", "Done", "success"),
        ("c", 0, "web", "Schedule appointment", "success", 4.0), ("c", 2, "web", "Done", "success"),
        ("d", 0, "web", "Schedule appointment", "success", 5.0), ("d", 4, "web", "Done", "success"),
    ])
    row = by_id(match_patterns(ev), "web-failure-then-phone")
    assert row["journeys"] == 2 and row["median_seconds_to_contact"] == 3 * 3600
    assert row["median_extra_seconds"] == (62 - 3) * 3600 and row["satisfaction_delta"] == pytest.approx(2.5 - 4.5)
    assert row["activities"] == [{"activity": "Schedule appointment", "journeys": 2}]
    assert row["statement"] == ("Called after failing on the portal: 2 journeys (50.0%), a median 3.0 h after "
                                "'Schedule appointment' failed; these journeys took 2.5 d longer than journeys without it "
                                "and scored 2.0 points lower.")
    # an explicit reference (e.g. the journeys that fit the model)
    row = by_id(match_patterns(ev, reference=["d"]), "web-failure-then-phone")
    assert row["median_extra_seconds"] == (62 - 4) * 3600 and row["satisfaction_delta"] == pytest.approx(2.5 - 5.0)


def test_inapplicable_builtins_are_skipped_with_reasons():
    ev = log([("a", 0, "web", "Pay", "failure"), ("a", 1, "phone", "Call", None)])
    result = match_patterns(ev)
    assert result.table["id"].to_list() == ["web-failure-then-phone"]
    reasons = dict(result.skipped.select("id", "reason").iter_rows())
    assert reasons["app-failure-then-phone"] == "no event matches step 1 (channel app, outcome failure)"
    assert reasons["web-failure-then-chat"] == "no event matches step 2 (channel chat)"
    assert len(result.notes) == 4 and result.notes[0].startswith("not looking for 'called after failing in the app'")


# ----------------------------------------------------------------------------------------------
# Logs without channels or outcomes
# ----------------------------------------------------------------------------------------------


def test_log_without_channel_or_outcome_information():
    ev = log([("a", 0, "unknown", "Pay", None), ("a", 1, "unknown", "Call", None), ("b", 0, "unknown", "Pay", None)])
    result = match_patterns(ev)
    assert result.table.is_empty() and result.table.columns[:5] == ["id", "name", "statement", "journeys", "share"]
    assert sorted(result.skipped["id"]) == sorted(BUILTIN_IDS)
    assert set(result.skipped["reason"]) == {"the log has no channel information"}
    # no channel and no outcome columns at all (a plain process-mining log)
    plain = ev.select("journey_id", "timestamp", "activity")
    result = match_patterns(plain)
    assert result.table.is_empty() and result.skipped.height == 5
    assert set(result.skipped["reason"]) == {"the log has no channel information"}
    assert pattern_journeys(plain, builtin_patterns()[0]).is_empty()
    # channels but no outcomes
    ev2 = ev.with_columns(pl.lit("web").alias("channel"))
    assert set(match_patterns(ev2).skipped["reason"]) == {"the log has no outcome information"}
    # and nothing at all
    empty = S.empty_events()
    assert match_patterns(empty).table.is_empty() and match_patterns(empty).skipped.height == 5


# ----------------------------------------------------------------------------------------------
# The sample, against an independent computation in plain Python
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_events() -> pl.DataFrame:
    from journeylog.ingest import ingest

    return ingest(SAMPLE).events


def _independent_two_step(events: pl.DataFrame, failing: set[str], contact: str, window_h: float):
    """Per journey, by brute force over all pairs: the first contact event with a failure (on
    ``failing``) strictly before it and at most ``window_h`` earlier; the latest such failure."""
    journeys: dict[str, list[tuple]] = defaultdict(list)
    for j, ts, order, ch, act, out in events.select("journey_id", "timestamp", "input_order", "channel", "activity",
                                                     "outcome").iter_rows():
        journeys[j].append((ts, order, ch, act, out))
    window = dt.timedelta(hours=window_h)
    found = {}
    for j, evs in journeys.items():
        evs.sort(key=lambda e: (e[0], e[1]))
        for k, (ts, _, ch, _, _) in enumerate(evs):
            if ch != contact:
                continue
            starts = [i for i in range(k) if evs[i][2] in failing and evs[i][4] == "failure" and ts - evs[i][0] <= window]
            if starts:
                start = evs[max(starts)]
                found[j] = ((ts - start[0]).total_seconds(), start[3])
                break
    return found


def test_sample_against_independent_computation(sample_events):
    result = match_patterns(sample_events)
    assert result.skipped.is_empty()
    total = sample_events["journey_id"].n_unique()
    specs = {pid: ({"web", "app"} if pid.startswith("online") else {failing}, contact)
             for pid, (failing, contact, _) in BUILTIN_IDS.items()}
    figures = {}
    for pid, (failing, contact) in specs.items():
        expected = _independent_two_step(sample_events, failing, contact, 48)
        row = by_id(result, pid)
        assert row["journeys"] == len(expected), pid
        assert row["share"] == pytest.approx(len(expected) / total)
        figures[pid] = len(expected)
        if expected:
            assert row["median_seconds_to_contact"] == pytest.approx(statistics.median(s for s, _ in expected.values()))
            counts = Counter(a for _, a in expected.values())
            top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            assert row["activities"] == [{"activity": a, "journeys": n} for a, n in top[:5]]
            assert row["examples"] == sorted(expected)[:5]
            assert f"after '{top[0][0]}' failed" in row["statement"]
            found = pattern_journeys(sample_events, builtin(pid))
            assert dict(zip(found["journey_id"], found["seconds_to_contact"], strict=True)) == pytest.approx(
                {j: s for j, (s, _) in expected.items()})
    # the sample is built so that failures online are followed by calls and chats
    assert figures["web-failure-then-phone"] > 100 and figures["app-failure-then-phone"] > 100
    assert result.table["journeys"].to_list() == sorted(result.table["journeys"].to_list(), reverse=True)


def test_determinism(sample_events):
    a = json.dumps(match_patterns(sample_events).to_json(), sort_keys=False, default=str)
    shuffled = sample_events.sample(fraction=1.0, shuffle=True, seed=7)  # input_order keeps the order
    b = json.dumps(match_patterns(shuffled).to_json(), sort_keys=False, default=str)
    assert a == b


# ----------------------------------------------------------------------------------------------
# Custom patterns: brute force on random logs, rules files
# ----------------------------------------------------------------------------------------------


def _brute_force(events: pl.DataFrame, pattern: Pattern) -> dict[str, tuple[float, str]]:
    """All chains of strictly increasing rows; first final event; among its chains the latest start."""
    def ok(step: Step, ev: dict) -> bool:
        return all(ev.get(c) in vals for c, vals in step.conditions.items())

    out = {}
    for (j,), group in events.sort("input_order").group_by(["journey_id"], maintain_order=True):
        evs = sorted(group.to_dicts(), key=lambda e: (e["timestamp"], e["input_order"]))
        n = len(pattern.steps)
        best = None  # (final index, -start index)
        for idx in itertools.combinations(range(len(evs)), n):
            if not all(ok(s, evs[i]) for s, i in zip(pattern.steps, idx, strict=True)):
                continue
            if any(s.within is not None and evs[b]["timestamp"] - evs[a]["timestamp"] > s.within
                   for s, a, b in zip(pattern.steps[1:], idx[:-1], idx[1:], strict=True)):
                continue
            key = (idx[-1], -idx[0])
            best = key if best is None or key < best else best
        if best is not None:
            end, start = evs[best[0]], evs[-best[1]]
            out[j] = ((end["timestamp"] - start["timestamp"]).total_seconds(), start["activity"])
    return out


def test_three_step_patterns_against_brute_force_on_random_logs():
    rng = random.Random(11)
    windowed = Pattern(name="fail, call, fail again", steps=(
        Step({"outcome": "failure"}),
        Step({"channel": ["phone", "chat"]}, within=dt.timedelta(hours=10)),
        Step({"outcome": "failure", "activity": ["Pay", "Order"]}, within=dt.timedelta(hours=6)),
    ))
    open_ended = Pattern(name="pay, call, then anything failed", steps=(
        Step({"activity": "Pay", "outcome": [None, "success"]}),
        Step({"channel": "phone"}),
        Step({"outcome": "failure"}, within=dt.timedelta(hours=3)),
    ))
    matched = 0
    for pattern in (windowed, open_ended):
        for _ in range(4):
            rows = []
            for j in range(150):
                for _ in range(rng.randint(1, 9)):
                    rows.append((f"j{j:02d}", rng.randint(0, 30), rng.choice(["web", "app", "phone", "chat"]),
                                 rng.choice(["Pay", "Order", "Call"]), rng.choice(["failure", "success", None])))
            rng.shuffle(rows)
            ev = log(rows)
            expected = _brute_force(ev, pattern)
            found = pattern_journeys(ev, pattern)
            assert {j: (s, a) for j, s, a in found.select("journey_id", "seconds_to_contact", "activity").iter_rows()} == expected
            matched += len(expected)
    assert matched > 100  # the comparison is not vacuous


RULES = """\
# a complete rules file
version: 1
window: 24h
builtins: true
vocabulary:
  web: {failing: "on the website"}
  Call Centre: {contact: "rang us"}        # a synonym of phone
patterns:
  - name: failed, called, then failed again
    steps:
      - {channel: [web, app], outcome: failed}
      - {channel: phone, within: 12h}
      - {outcome: failure, within: 1d, matches: {activity: "^(Pay|Order)"}}
  - name: chatted about billing after the first bill
    id: billing-chat
    statement: "{Name}: {journeys} {journeys_noun} ({share}), {median} after {trigger}."
    steps:
      - {activity: First bill issued}
      - {channel: chat, contact_reason: Billing question, within: 14d}
"""


def test_rules_file_custom_patterns_and_vocabulary(tmp_path):
    rules = load_rules(write_file(tmp_path, "rules.yaml", RULES))
    assert rules.window == dt.timedelta(hours=24)
    names = [p.name for p in rules.patterns]
    assert names[:2] == ["rang us after failing on the website", "rang us after failing in the app"]
    assert names[-2:] == ["failed, called, then failed again", "chatted about billing after the first bill"]
    assert all(p.steps[1].within == dt.timedelta(hours=24) for p in rules.patterns if p.builtin)
    three = rules.patterns[-2]
    assert three.id == "failed-called-then-failed-again" and three.line == 9
    assert three.steps[0].conditions == {"channel": ("web", "app"), "outcome": ("failure",)}
    ev = log(
        [
            ("a", 0, "web", "Pay", "failure"), ("a", 5, "phone", "Call", None), ("a", 20, "app", "Order", "failure"),
            ("b", 0, "app", "Pay", "failure"), ("b", 13, "phone", "Call", None), ("b", 14, "app", "Pay", "failure"),
            ("c", 0, "backoffice", "First bill issued", "success"), ("c", 200, "chat", "Bill", None),
            ("d", 0, "backoffice", "First bill issued", "success"), ("d", 400, "chat", "Bill", None),
        ],
        extra={"contact_reason": [None] * 7 + ["Billing question", None, "Billing question"]},
    )
    assert _brute_force(ev, three) == {"a": (20 * 3600.0, "Pay")}
    result = match_patterns(ev, rules)
    row = by_id(result, "failed-called-then-failed-again")
    assert row["journeys"] == 1 and row["median_seconds_to_contact"] == 20 * 3600
    assert row["statement"].startswith("Failed, called, then failed again: 1 journey (25.0%), a median 20 h after 'Pay' failed")
    assert by_id(result, "web-failure-then-phone")["statement"].startswith(
        "Rang us after failing on the website: 1 journey (25.0%), a median 5.0 h after 'Pay' failed")
    row = by_id(result, "billing-chat")
    assert row["statement"] == "Chatted about billing after the first bill: 1 journey (25.0%), 8.3 d after 'First bill issued'."
    assert row["builtin"] is False


def test_rules_without_builtins_and_empty_file(tmp_path):
    rules = load_rules(write_file(tmp_path, "rules.yaml", "builtins: false\npatterns:\n  - name: two calls\n"
                                  "    steps: [{channel: phone}, {channel: phone, within: 7d}]\n"))
    assert [p.id for p in rules.patterns] == ["two-calls"]
    empty = load_rules(write_file(tmp_path, "empty.yaml", "# nothing\n"))
    assert [p.id for p in empty.patterns] == [p.id for p in builtin_patterns()]
    assert isinstance(Rules().vocabulary, dict) and Rules().vocabulary == DEFAULT_VOCABULARY


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("windows: 48h\n", 1, "unknown key 'windows' in the rules file"),
        ("window: 48\n", 1, "cannot read the duration '48'"),
        ("window: soon\n", 1, "cannot read the duration 'soon'"),
        ("builtins: maybe\n", 1, "`builtins` is true or false"),
        ("version: 2\n", 1, "unsupported rules version"),
        ("patterns:\n  - name: x\n    steps: []\n", 3, "has an empty `steps` list"),
        ("patterns:\n  - name: x\n", 2, "has no `steps`"),
        ("patterns:\n  - steps: [{channel: phone}]\n", 2, "a pattern needs a `name`"),
        ("patterns:\n  - name: x\n    step: [{channel: phone}]\n", 3, "unknown key 'step' in a pattern"),
        ("patterns:\n  - name: x\n    steps:\n      - {channel: phone}\n      - {channel: chat, within: 2 days}\n", 5,
         "cannot read the duration '2 days'"),
        ("patterns:\n  - name: x\n    steps:\n      - {channel: phone, within: 1h}\n", 4, "the first step cannot have `within`"),
        ("patterns:\n  - name: x\n    steps:\n      - {within: 1h}\n", 4, "the first step cannot have `within`"),
        ("patterns:\n  - name: x\n    steps:\n      - {channel: phone}\n      - {within: 1h}\n", 5, "has no condition"),
        ("patterns:\n  - name: x\n    steps:\n      - {channel: []}\n", 4, "lists no values"),
        ("patterns:\n  - name: x\n    steps:\n      - {matches: {activity: '(?<=a)b'}}\n", 4, "bad regular expression"),
        ("patterns:\n  - name: x\n    statement: '{name} {count}'\n    steps: [{channel: phone}]\n", 3,
         "unknown placeholder {count}"),
        ("patterns:\n  - name: called after failing on the portal\n    steps: [{channel: phone}]\n", 2,
         "a built-in pattern is already called"),
        ("patterns:\n  - name: x\n    steps: [{channel: phone}]\n  - name: X\n    steps: [{channel: chat}]\n", 4,
         "another pattern is already called"),
        ("vocabulary:\n  web: {failng: on the site}\n", 2, "unknown key 'failng'"),
        ("vocabulary:\n  web: on the site\n", 2, "must be a mapping"),
        ("patterns:\n  - name: x\n    steps:\n      - {channel: phone, channel: chat}\n", 4, "duplicate key 'channel'"),
        ("patterns: [\n", 2, "invalid YAML"),
        ("- just a list\n", 1, "must be a mapping"),
    ],
)
def test_bad_rules_files(tmp_path, text, line, message):
    path = write_file(tmp_path, "rules.yaml", text)
    with pytest.raises(InvalidInput) as info:
        load_rules(path)
    err = info.value
    assert message in err.message and err.path == str(path) and err.row == line, err.one_line()
    assert err.code == 3


def test_unknown_column_at_match_time_names_the_rules_file(tmp_path):
    path = write_file(tmp_path, "rules.yaml", "builtins: false\npatterns:\n  - name: by tier\n    steps: [{tier: gold}]\n")
    ev = log([("a", 0, "web", "Pay", "failure")])
    with pytest.raises(InvalidInput) as info:
        match_patterns(ev, load_rules(path))
    assert "needs the column 'tier'" in info.value.message and info.value.path == str(path) and info.value.row == 3
    # a known attribute column whose value never occurs: skipped, not an error
    result = match_patterns(ev.with_columns(pl.lit("silver").alias("tier")), load_rules(path))
    assert result.table.is_empty() and result.skipped["reason"].to_list() == ["no event matches step 1 (tier gold)"]


def test_parse_duration():
    assert parse_duration("90min") == dt.timedelta(minutes=90)
    assert parse_duration("2w") == dt.timedelta(weeks=2)
    assert parse_duration("1.5h") == dt.timedelta(minutes=90)
    for bad in ("", "1x", "h", "-1h", True):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_json_contract(sample_events):
    doc = match_patterns(sample_events).to_json()
    assert list(doc) == ["patterns", "skipped_patterns"]
    first = doc["patterns"][0]
    assert list(first) == ["id", "name", "statement", "journeys", "share", "median_seconds_to_contact", "activities",
                           "examples", "median_extra_seconds", "satisfaction_delta", "builtin"]
    assert isinstance(first["journeys"], int) and 0 < first["share"] < 1
    assert first["examples"] == sorted(first["examples"]) and len(first["examples"]) <= 5


def test_attribute_conditions_numbers_regex_and_missing_values():
    ev = log(
        [("a", 0, "web", "Pay by card", "failure", 1.0), ("a", 1, "phone", "Call", None),
         ("b", 0, "web", "Pay by card", "failure", 4.0), ("b", 1, "phone", "Call", None),
         ("c", 0, "web", "Top up", "failure", 1.0), ("c", 1, "phone", "Call", None)],
        extra={"queue": ["q1", "billing", "q1", "sales", "q1", None]},
    )
    low_score = Pattern(name="low score then call", steps=(
        Step({"satisfaction": [1, 2]}, matches={"activity": "^Pay"}), Step({"channel": "phone", "queue": ["billing", None]}),
    ))
    assert pattern_journeys(ev, low_score)["journey_id"].to_list() == ["a"]
    not_a_number = Pattern(name="scored high", steps=(Step({"satisfaction": "high"}),))
    result = match_patterns(ev, [low_score, not_a_number])
    assert result.table["id"].to_list() == ["low-score-then-call"]
    assert result.skipped["reason"].to_list() == ["no event matches step 1 (satisfaction high)"]


def test_docs_example_rules_file_loads_and_runs(tmp_path, sample_events):
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    rules = load_rules(write_file(tmp_path, "rules.yaml", example))
    assert [p.id for p in rules.patterns if not p.builtin] == [
        "called-twice-within-a-week", "billing-chat", "failed-to-order-or-book-online-called-failed-again"]
    result = match_patterns(sample_events, rules)
    row = by_id(result, "web-failure-then-phone")
    assert row["name"] == "called us after failing on the website"
    assert row["statement"].startswith(f"Called us after failing on the website: {row['journeys']} journeys")
    assert by_id(result, "billing-chat")["journeys"] > 0
    assert by_id(result, "called-twice-within-a-week")["journeys"] > 0
    assert result.skipped.is_empty()


def test_module_doctests():
    import doctest

    from journeylog.explain import patterns

    assert doctest.testmod(patterns).failed == 0
