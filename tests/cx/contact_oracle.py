"""An independent, plain-Python classification of contacts: loops over hand-built event lists,
written from docs/contacts.md, not from the Polars code (no window functions, no joins).

``oracle(rows, rules, tasks)`` takes event dicts (journey_id, timestamp, channel, activity and
optionally outcome, contact_reason, direction, input_order) and returns, in event order, one
``(journey_id, timestamp, activity, class, decided_by)`` per contact plus the repeat and followed
flags."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta
from typing import Any

from journeylog.config.contacts import ContactRules


def _key(e: dict[str, Any]) -> tuple:
    return (e["journey_id"], e["timestamp"], e.get("input_order", 0))


def _is_contact(e: dict[str, Any], rules: ContactRules) -> bool:
    if e.get("channel") in rules.channels:
        return True
    if e.get("channel") in rules.inbound_channels:
        d = e.get(rules.direction_column)
        return d is not None and str(d).strip().lower() in rules.inbound_values
    return False


def _rule_matches(rule: Any, e: dict[str, Any], reason: str) -> bool:
    for column, values in rule.step.conditions.items():
        value = reason if column == "reason" else e.get(column)
        if value is None:
            if None not in values:
                return False
        elif str(value) not in [v for v in values if v is not None]:
            return False
    for column, regex in rule.step.matches.items():
        value = reason if column == "reason" else e.get(column)
        if value is None or not re.search(regex, str(value)):
            return False
    return True


def oracle(rows: list[dict[str, Any]], rules: ContactRules | None = None,
           tasks: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    rules = rules or ContactRules()
    events = sorted(rows, key=_key)
    # which journeys have a success of each activity on a self-service channel
    ss: dict[str, set[str]] = defaultdict(set)
    for e in events:
        if e.get("channel") in rules.self_service_channels and e.get("outcome") == "success":
            ss[e["activity"]].add(e["journey_id"])
    by_journey: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        by_journey[e["journey_id"]].append(e)
    out = []
    for jid in sorted(by_journey):
        evs = by_journey[jid]
        contacts = [(i, e) for i, e in enumerate(evs) if _is_contact(e, rules)]
        for i, e in contacts:
            reason = e.get("contact_reason") or e["activity"]
            same = [f for _, f in contacts if (f.get("contact_reason") or f["activity"]) == reason]
            pos = next(k for k, f in enumerate(same) if f is e)
            repeat = pos > 0 and e["timestamp"] - same[pos - 1]["timestamp"] <= rules.repeat_window
            followed = pos + 1 < len(same) and same[pos + 1]["timestamp"] - e["timestamp"] <= rules.repeat_window
            failure = None
            for f in reversed(evs[:i]):
                if f.get("outcome") == "failure":
                    failure = f
                    break
            cands: dict[str, str | None] = {}
            # mandatory
            m = None
            if tasks is not None and rules.design == "mandatory" and e["activity"] in tasks:
                m = "model step"
            # avoidable
            a = None
            if failure is not None and e["timestamp"] - failure["timestamp"] <= rules.failure_window:
                hours = rules.failure_window / timedelta(hours=1)
                w = f"{int(hours)}h" if hours == 48 or hours % 24 else f"{int(hours // 24)}d"
                a = f"after failure of '{failure['activity']}' on {failure['channel']} within {w}"
            elif repeat:
                days = rules.repeat_window / timedelta(days=1)
                a = f"repeat within {int(days)}d" if days == int(days) else "repeat"
            # selfcare
            s = None
            if tasks is not None and rules.design == "selfcare" and e["activity"] in tasks:
                s = "self-service in the design"
            elif rules.selfcare_from_log and (ss[e["activity"]] - {jid} or ss[reason] - {jid}):
                s = "self-service in log"
            cands = {"mandatory": m, "avoidable": a, "selfcare": s, "assistance": None}
            for rule in rules.rules:
                if cands[rule.klass] is None and _rule_matches(rule, e, reason):
                    cands[rule.klass] = f"rule: {rule.name}"
            if cands["assistance"] is None:
                cands["assistance"] = "no other rule"
            klass = next(c for c in rules.precedence if cands[c] is not None)
            out.append({"journey_id": jid, "timestamp": e["timestamp"], "activity": e["activity"], "class": klass,
                        "decided_by": cands[klass], "repeat": repeat, "followed": followed, "channel": e["channel"]})
    return out
