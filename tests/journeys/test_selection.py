"""Journey selections against an independent plain-Python filter on seeded random logs: segments
(first non-empty value), start dates, ``has`` / ``not has`` sequences with windows; the parser and
its one-line errors; batch-wise selection adds up to the whole."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import polars as pl
import pytest

from journeylog import journeys as J
from journeylog.config.rules import Step
from journeylog.errors import InvalidInput, UsageError
from journeylog.explain.patterns import Rules
from journeylog.journeys import JourneySelection, apply_selection, parse_condition, select_journeys

T = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def _log(seed: int, journeys: int = 250) -> pl.DataFrame:
    """Journeys of 1-6 events over 20 days; ``plan`` constant per journey but sometimes missing or
    empty on some events, ``tier`` changing within some journeys, ties in time."""
    rng = random.Random(seed)
    rows = []
    order = 0
    for j in range(journeys):
        t = T + dt.timedelta(hours=rng.randrange(20 * 24))
        plan = rng.choice(["business", "consumer", "pro", None])
        for _ in range(rng.randint(1, 6)):
            t += dt.timedelta(hours=rng.choice([0, 1, 5, 30, 60]))
            rows.append({
                "journey_id": f"J{j:03d}", "timestamp": t, "input_order": order,
                "channel": rng.choice(["web", "app", "phone", "store"]),
                "activity": rng.choice(["Pay", "Upload documents", "Call", "Visit"]),
                "outcome": rng.choice(["failure", "success", None]),
                "plan": plan if rng.random() < 0.7 else rng.choice([None, ""]),
                "tier": rng.choice(["1", "2"]) if j % 4 == 0 else "1",
            })
            order += 1
    rng.shuffle(rows)  # the selection must order events itself
    return pl.DataFrame(rows, schema={"journey_id": pl.String, "timestamp": pl.Datetime("us", "UTC"),
                                      "input_order": pl.UInt64, "channel": pl.String, "activity": pl.String,
                                      "outcome": pl.String, "plan": pl.String, "tier": pl.String})


# ---- the independent filter: plain Python over rows --------------------------------------------


def _journeys(ev: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in ev.iter_rows(named=True):
        out[row["journey_id"]].append(row)
    for rows in out.values():
        rows.sort(key=lambda r: (r["timestamp"], r["input_order"]))
    return out


def _first_value(rows: list[dict[str, Any]], column: str) -> Any:
    for r in rows:
        if r[column] not in (None, ""):
            return r[column]
    return None


def _step_ok(row: dict[str, Any], step: Step) -> bool:
    return all(row.get(c) in values for c, values in step.conditions.items())


def _has(rows: list[dict[str, Any]], steps: Sequence[Step]) -> bool:
    """Brute force: some e1 < e2 < ... (row positions) matching the steps, each within its window."""
    for idx in itertools.combinations(range(len(rows)), len(steps)):
        if not all(_step_ok(rows[i], s) for i, s in zip(idx, steps, strict=True)):
            continue
        if all(s.within is None or rows[idx[k]]["timestamp"] - rows[idx[k - 1]]["timestamp"] <= s.within
               for k, s in enumerate(steps) if k):
            return True
    return False


def _oracle(ev: pl.DataFrame, segments: dict[str, list[str]], start: dt.datetime | None, end: dt.datetime | None,
            conditions: list[tuple[list[Step], bool]]) -> set[str]:
    kept = set()
    for jid, rows in _journeys(ev).items():
        if any(_first_value(rows, c) not in values for c, values in segments.items()):
            continue
        first = rows[0]["timestamp"]
        if (start is not None and first < start) or (end is not None and first >= end):
            continue
        if all(_has(rows, steps) != negated for steps, negated in conditions):
            kept.add(jid)
    return kept


CASES = [
    ({"plan": ["business"]}, None, None, []),
    ({"plan": ["business", "pro"], "tier": ["2"]}, None, None, []),
    ({}, T + dt.timedelta(days=5), T + dt.timedelta(days=12), []),
    ({}, None, None, ["has channel=phone"]),
    ({}, None, None, ["has activity='Upload documents' outcome=failure"]),
    ({}, None, None, ["not has channel=store"]),
    ({}, None, None, ["has channel=web|app outcome=failure then channel=phone within 48h"]),
    ({}, None, None, ["has outcome=failure then outcome=failure then channel=store within 2d"]),
    ({"plan": ["consumer"]}, T + dt.timedelta(days=3), None,
     ["not has channel=web outcome=failure then channel=phone within 5h", "has activity=Pay"]),
]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize(("segments", "start", "end", "conditions"), CASES)
def test_selection_equals_a_plain_python_filter(seed: int, segments: dict[str, list[str]], start: dt.datetime | None,
                                                end: dt.datetime | None, conditions: list[str]) -> None:
    ev = _log(seed)
    selection = JourneySelection([(c, v) for c, vs in segments.items() for v in vs], start, end, conditions)
    kept, info = select_journeys(ev, selection)
    parsed = [(list(c.steps), c.negated) for c in selection.journeys_where]
    expected = _oracle(ev, segments, start, end, parsed)
    assert set(kept["journey_id"].unique().to_list()) == expected
    assert (info.journeys, info.kept) == (ev["journey_id"].n_unique(), len(expected))
    # whole journeys: every event of a kept journey, no other
    assert kept.height == ev.filter(pl.col("journey_id").is_in(sorted(expected))).height == info.events
    assert expected and len(expected) < ev["journey_id"].n_unique()  # the case selects something, not all


def test_varying_columns_are_counted() -> None:
    ev = _log(3)
    _kept, info = select_journeys(ev, JourneySelection([("tier", "2"), ("plan", "pro")]))
    by_journey = _journeys(ev)
    varying = sum(1 for rows in by_journey.values() if len({r["tier"] for r in rows} - {None, ""}) > 1)
    plan_varying = sum(1 for rows in by_journey.values() if len({r["plan"] for r in rows} - {None, ""}) > 1)
    assert plan_varying == 0 and varying > 0
    assert dict(info.varying) == {"tier": varying}


def test_batches_add_up_to_the_whole() -> None:
    ev = J.ordered(_log(4))
    selection = JourneySelection([("plan", "business")], journeys_where=["has channel=phone"])
    whole, info = select_journeys(ev, selection)
    cut = ev["journey_id"].unique().sort()[100]
    parts = [select_journeys(ev.filter(pl.col("journey_id") < cut), selection),
             select_journeys(ev.filter(pl.col("journey_id") >= cut), selection)]
    total = parts[0][1] + parts[1][1]
    assert (total.journeys, total.kept, total.events) == (info.journeys, info.kept, info.events)
    assert pl.concat([p[0] for p in parts])["journey_id"].to_list() == whole["journey_id"].to_list()


def test_values_compare_as_step_conditions_do() -> None:
    ev = pl.DataFrame({"journey_id": ["a", "b"], "timestamp": [T, T], "channel": ["web", "phone"],
                       "activity": ["x", "y"], "score": [5.0, 3.0]})
    assert select_journeys(ev, JourneySelection([("channel", "Portal")]))[0]["journey_id"].to_list() == ["a"]
    assert select_journeys(ev, JourneySelection([("score", "5")]))[0]["journey_id"].to_list() == ["a"]


def test_patterns_resolve_to_their_steps() -> None:
    ev = _log(5)
    sel = JourneySelection(journeys_where=["pattern=web-failure-then-phone"]).resolve(Rules().patterns)
    builtin = next(p for p in Rules().patterns if p.id == "web-failure-then-phone")
    expected = _oracle(ev, {}, None, None, [(list(builtin.steps), False)])
    assert set(select_journeys(ev, sel)[0]["journey_id"].unique().to_list()) == expected
    with pytest.raises(UsageError, match="did you mean 'web-failure-then-phone'"):
        JourneySelection(journeys_where=["pattern=web-failure-then-phon"]).resolve(Rules().patterns)
    with pytest.raises(UsageError, match="not resolved"):
        select_journeys(ev, JourneySelection(journeys_where=["pattern=web-failure-then-phone"]))


def test_unknown_columns_and_empty_results() -> None:
    ev = _log(6)
    with pytest.raises(UsageError, match="no column 'plna'.*did you mean 'plan'"):
        select_journeys(ev, JourneySelection([("plna", "x")]))
    with pytest.raises(UsageError, match="no column 'chanel'"):
        select_journeys(ev, JourneySelection(journeys_where=["has chanel=web"]))
    # a canonical column the log lacks: nothing has it
    assert select_journeys(ev, JourneySelection(journeys_where=["has contact_reason=Billing"]))[1].kept == 0
    heard = []
    with pytest.raises(InvalidInput, match="no journey left after the selection \\(plan=nobody; the log has 250"):
        apply_selection(ev, JourneySelection([("plan", "nobody")], on_selected=heard.append))
    assert [(h.kept, h.journeys) for h in heard] == [(0, 250)]


@pytest.mark.parametrize(("text", "position", "what"), [
    ("has activity=", 14, "expected a value"),
    ("hass channel=phone", 1, "expected 'has', 'not has' or 'pattern=ID'"),
    ("has channel=phone then", 23, "expected a condition"),
    ("has activity='Upload documents", 14, "never closed"),
    ("has channel=phone within 2h", 19, "not on the first one"),
    ("has channel=web then channel=phone within 2 days", 43, "cannot read the duration"),
    ("has channel phone", 13, "expected '=' or '~' after 'channel'"),
    ("not", 4, "expected 'has' or 'pattern=ID' after 'not'"),
    ("has activity~'(' ", 14, "no regular expression"),
    ("", 1, "empty"),
])
def test_parse_errors_name_the_position(text: str, position: int, what: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_condition(text)
    line = exc.value.one_line(flags={})
    assert "\n" not in line and what in line and int(exc.value.code) == 2
    assert f"at position {position}: " in line
    marked = line.split(f"at position {position}: ", 1)[1]
    assert marked.startswith(text[: position - 1] + "^")
    assert line.startswith("--journeys-where: ") and "(hint: conditions read like" in line


def test_parses() -> None:
    c = parse_condition("  not has channel=\"web\"|app activity~'^Up' THEN channel=phone within=1d  ")
    assert c.negated and c.text == "not has channel=\"web\"|app activity~'^Up' THEN channel=phone within=1d"
    assert c.steps[0].conditions == {"channel": ("web", "app")} and c.steps[0].matches == {"activity": "^Up"}
    assert c.steps[1].within == dt.timedelta(days=1)
    # keywords are columns when a condition follows them
    assert parse_condition("has then=x").steps[0].conditions == {"then": ("x",)}
