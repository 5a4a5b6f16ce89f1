"""The figures of the contact analysis from the classified contacts (one row per contact, see
:func:`journeylog.cx.contact_rules.classify_contacts`): Polars group-bys; the Python loops run
over the small aggregated rows (classes, channels, reasons, drivers).

Rates: the avoidable rate and the repeat rate are over all contacts. The first-contact-resolution
proxy (:data:`journeylog.cx.wording.FCR_DEFINITION`) is over the contacts at least one repeat
window before the log's last event. Per month: the log's span (first to last event) in months of
30.44 days, when it spans at least 28 days (else no per-month figure).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.config.contacts import CLASSES, ContactRules
from journeylog.cx import wording as W

__all__ = ["DAYS_PER_MONTH", "MIN_DAYS_FOR_MONTHS", "summary_json"]

DAYS_PER_MONTH = 30.436875
MIN_DAYS_FOR_MONTHS = 28.0


def _share(n: int, total: int) -> float | None:
    return n / total if total else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else None


def _class_counts(table: pl.DataFrame, key: str) -> list[dict[str, Any]]:
    """Per value of ``key``: contacts and contacts per class, most contacts first, ties by name."""
    if table.height == 0:
        return []
    counts = table.group_by(key).agg(
        pl.len().alias("contacts"), *[(pl.col("class") == c).sum().alias(c) for c in CLASSES],
    ).sort(["contacts", key], descending=[True, False], nulls_last=True)
    out = []
    for row in counts.iter_rows(named=True):
        n = int(row["contacts"])
        out.append({key: row[key] if row[key] is not None else "(none)", "contacts": n,
                    "classes": {c: int(row[c]) for c in CLASSES},
                    "shares": {c: _share(int(row[c]), n) for c in CLASSES}})
    return out


def _classes(table: pl.DataFrame, precedence: Sequence[str]) -> list[dict[str, Any]]:
    total = table.height
    decided = (table.group_by("class", "decided_by").len("contacts")
               .sort(["contacts", "decided_by"], descending=[True, False]))
    out = []
    for c in precedence:
        rows = decided.filter(pl.col("class") == c)
        n = int(rows["contacts"].sum()) if rows.height else 0
        out.append({"class": c, "contacts": n, "share": _share(n, total),
                    "decided_by": [{"decided_by": r["decided_by"], "contacts": int(r["contacts"])}
                                   for r in rows.iter_rows(named=True)]})
    return out


def _per_journey(table: pl.DataFrame, journeys: int) -> list[dict[str, int]]:
    per = table.group_by(S.JOURNEY_ID).len("contacts").group_by("contacts").len("journeys").sort("contacts")
    with_contacts = int(per["journeys"].sum()) if per.height else 0
    rows = [{"contacts": 0, "journeys": journeys - with_contacts}] if journeys > with_contacts else []
    return rows + [{"contacts": int(r["contacts"]), "journeys": int(r["journeys"])} for r in per.iter_rows(named=True)]


def _drivers(table: pl.DataFrame, rules: ContactRules, top: int) -> list[dict[str, Any]]:
    avoidable = table.filter(pl.col("class") == "avoidable")
    if avoidable.height == 0 or top == 0:
        return []
    repeat = pl.col("driver_kind") == "repeat"
    keys = avoidable.select(
        pl.col("driver_kind").alias("kind"), pl.col(S.CHANNEL).alias("contact_channel"),
        pl.col("driver_activity").alias("activity"), pl.col("driver_channel").alias("channel"),
        pl.when(repeat).then(pl.col("reason")).alias("reason"), pl.col("driver_rule").alias("rule"),
    )
    cols = ["kind", "contact_channel", "activity", "channel", "reason", "rule"]
    grouped = keys.group_by(cols).len("contacts").sort(
        ["contacts", *cols], descending=[True] + [False] * len(cols), nulls_last=True).head(top)
    out = []
    for r in grouped.iter_rows(named=True):
        share = r["contacts"] / avoidable.height
        statement = W.driver_statement(r["kind"], int(r["contacts"]), share, contact_channel=r["contact_channel"] or "?",
                                       activity=r["activity"], channel=r["channel"], reason=r["reason"], rule=r["rule"],
                                       window_seconds=rules.repeat_window.total_seconds())
        out.append({**{k: r[k] for k in cols}, "contacts": int(r["contacts"]), "share": share, "statement": statement})
    return out


def _months(first: Any, last: Any) -> float | None:
    if not isinstance(first, dt.datetime) or not isinstance(last, dt.datetime):
        return None
    days = (last - first).total_seconds() / 86400
    return days / DAYS_PER_MONTH if days >= MIN_DAYS_FOR_MONTHS else None


def _costs(table: pl.DataFrame, rules: ContactRules, months: float | None,
           precedence: Sequence[str]) -> dict[str, Any] | None:
    if not rules.costs:
        return None
    currency = rules.currency or ""
    priced = table.filter(pl.col(S.CHANNEL).is_in(list(rules.costs))).with_columns(
        pl.col(S.CHANNEL).replace_strict(dict(rules.costs), return_dtype=pl.Float64).alias("_cost"))
    per = priced.group_by("class", S.CHANNEL).agg(pl.len().alias("contacts"), pl.col("_cost").sum().alias("total"))
    per = per.sort(["total", "class", S.CHANNEL], descending=[True, False, False])

    def monthly(total: float) -> float | None:
        return total / months if months else None

    items, statements = [], []
    for r in per.iter_rows(named=True):
        total = float(r["total"])
        statement = W.cost_statement(r["class"], int(r["contacts"]), total, monthly(total), currency or "",
                                     channel=r[S.CHANNEL])
        items.append({"class": r["class"], "channel": r[S.CHANNEL], "contacts": int(r["contacts"]),
                      "cost_per_contact": rules.costs[r[S.CHANNEL]], "total": total, "per_month": monthly(total),
                      "statement": statement})
        if r["class"] in ("avoidable", "selfcare"):
            statements.append(statement)
    classes = []
    for c in precedence:
        rows = [i for i in items if i["class"] == c]
        total = float(sum(i["total"] for i in rows))
        classes.append({"class": c, "contacts": sum(i["contacts"] for i in rows), "total": total,
                        "per_month": monthly(total)})
    grand = float(priced["_cost"].sum()) if priced.height else 0.0
    return {"currency": rules.currency, "per_contact": dict(sorted(rules.costs.items())), "months": months,
            "total": grand, "per_month": monthly(grand), "classes": classes, "items": items, "statements": statements}


def _fcr(table: pl.DataFrame, last: Any, rules: ContactRules) -> dict[str, Any]:
    if isinstance(last, dt.datetime) and table.height:
        settled = table.filter(pl.col(S.TIMESTAMP) <= pl.lit(last) - pl.lit(rules.repeat_window))
    else:
        settled = table.head(0)
    resolved = int((~settled["followed"]).sum()) if settled.height else 0
    return {"definition": W.FCR_DEFINITION, "contacts_considered": settled.height, "resolved": resolved,
            "rate": _share(resolved, settled.height)}


def _settings(rules: ContactRules, model: str | None) -> dict[str, Any]:
    return {
        "rules_file": rules.path, "model": model, "channels": list(rules.channels),
        "inbound_channels": list(rules.inbound_channels), "direction_column": rules.direction_column,
        "self_service_channels": list(rules.self_service_channels), "precedence": list(rules.precedence),
        "design": rules.design, "failure_window_seconds": rules.failure_window.total_seconds(),
        "repeat_window_seconds": rules.repeat_window.total_seconds(), "selfcare_from_log": rules.selfcare_from_log,
        "rules": [f"{r.klass}: {r.name}" for r in rules.rules],
    }


def summary_json(table: pl.DataFrame, *, journeys: int, first: Any, last: Any, rules: ContactRules,
                 model: str | None, drivers: int, notes: Sequence[str]) -> dict[str, Any]:
    """The ``contacts --json`` document (:class:`journeylog.contracts.outputs.ContactsOutput`)."""
    total = table.height
    with_contacts = table[S.JOURNEY_ID].n_unique() if total else 0
    avoidable = int((table["class"] == "avoidable").sum()) if total else 0
    repeats = int(table["repeat"].sum()) if total else 0
    months = _months(first, last)
    return {
        "contacts": total,
        "journeys": journeys,
        "journeys_with_contacts": with_contacts,
        "contacts_per_journey": _share(total, journeys),
        "first": _iso(first),
        "last": _iso(last),
        "per_journey": _per_journey(table, journeys),
        "classes": _classes(table, rules.precedence),
        "by_channel": _class_counts(table, S.CHANNEL),
        "by_reason": _class_counts(table, "reason"),
        "avoidable": {"contacts": avoidable, "rate": _share(avoidable, total), "drivers": _drivers(table, rules, drivers)},
        "repeat": {"window_seconds": rules.repeat_window.total_seconds(), "repeats": repeats,
                   "rate": _share(repeats, total)},
        "first_contact_resolution": _fcr(table, last, rules),
        "costs": _costs(table, rules, months, rules.precedence),
        "settings": _settings(rules, model),
        "notes": list(notes),
    }
