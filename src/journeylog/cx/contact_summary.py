"""The figures of the contact analysis from the classified contacts (one row per contact, see
:func:`journeylog.cx.contact_rules.classify_contacts`), counted per journey-complete batch
(:class:`ContactCounts`: Polars group-bys whose counts add up over batches, so a log read in
batches gives the same figures as in one) and summed up; the Python loops run over the small
aggregated rows (classes, channels, reasons, drivers).

Rates: the avoidable rate and the repeat rate are over all contacts. The first-contact-resolution
proxy (:data:`journeylog.cx.wording.FCR_DEFINITION`) is over the contacts at least one repeat
window before the log's last event. Per month: the log's span (first to last event) in months of
30.44 days, when it spans at least 28 days (else no per-month figure).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.config.contacts import CLASSES, ContactRules
from journeylog.cx import wording as W

__all__ = ["DAYS_PER_MONTH", "MIN_DAYS_FOR_MONTHS", "ContactCounts", "CountsGatherer", "summary_json"]

DAYS_PER_MONTH = 30.436875
MIN_DAYS_FOR_MONTHS = 28.0


def _share(n: int, total: int) -> float | None:
    return n / total if total else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else None


_KEYS: dict[str, tuple[str, ...]] = {
    "classes": ("class", "decided_by"),
    "channels": (S.CHANNEL, "class"),
    "reasons": ("reason", "class"),
    "drivers": ("kind", "contact_channel", "activity", "channel", "reason", "rule"),
    "per_journey": ("contacts",),
}
_COUNT = {"per_journey": "journeys"}
_COMPACT = 32  # merge the counts of this many batches into one


@dataclass
class ContactCounts:
    """What the figures need of the classified contacts, in tables that add up over
    journey-complete batches (:meth:`of` one batch, :meth:`merge` several): ``tables`` holds
    ``classes`` (class, decided_by), ``channels`` (channel, class), ``reasons`` (reason, class),
    ``drivers`` (the avoidable contacts by what made them avoidable) with a ``contacts`` count,
    and ``per_journey`` (contacts, journeys: how many journeys have that many contacts);
    ``repeats``, ``settled`` (contacts a repeat window before the log's last event) and
    ``resolved`` (those of them no repeat follows) are counts."""

    tables: dict[str, pl.DataFrame]
    repeats: int = 0
    settled: int = 0
    resolved: int = 0

    @property
    def contacts(self) -> int:
        """The number of contacts."""
        return int(self.tables["classes"]["contacts"].sum())

    @classmethod
    def of(cls, table: pl.DataFrame, *, last: Any, rules: ContactRules) -> ContactCounts:
        """The counts of one batch of classified contacts (``last``: the log's last event)."""
        repeat = pl.col("driver_kind") == "repeat"
        drivers = table.filter(pl.col("class") == "avoidable").select(
            pl.col("driver_kind").alias("kind"), pl.col(S.CHANNEL).alias("contact_channel"),
            pl.col("driver_activity").alias("activity"), pl.col("driver_channel").alias("channel"),
            pl.when(repeat).then(pl.col("reason")).alias("reason"), pl.col("driver_rule").alias("rule"))
        per_journey = table.group_by(S.JOURNEY_ID).len("contacts").select(pl.col("contacts").cast(pl.Int64))
        tables = {"classes": table, "channels": table, "reasons": table, "drivers": drivers, "per_journey": per_journey}
        counted = {name: frame.group_by(list(_KEYS[name])).agg(pl.len().cast(pl.Int64).alias(_COUNT.get(name, "contacts")))
                   for name, frame in tables.items()}
        if isinstance(last, dt.datetime) and table.height:
            settled = table.filter(pl.col(S.TIMESTAMP) <= pl.lit(last) - pl.lit(rules.repeat_window))
        else:
            settled = table.head(0)
        return cls(counted, repeats=int(table["repeat"].sum()), settled=settled.height,
                   resolved=int((~settled["followed"]).sum()))

    @classmethod
    def merge(cls, parts: Sequence[ContactCounts]) -> ContactCounts:
        """The counts of several batches added up (one batch's as they are)."""
        if len(parts) == 1:
            return parts[0]
        tables = {name: pl.concat([p.tables[name] for p in parts]).group_by(list(keys))
                  .agg(pl.col(_COUNT.get(name, "contacts")).sum()) for name, keys in _KEYS.items()}
        return cls(tables, repeats=sum(p.repeats for p in parts), settled=sum(p.settled for p in parts),
                   resolved=sum(p.resolved for p in parts))


class CountsGatherer:
    """Adds up the :class:`ContactCounts` of batches, merging every few batches (bounded memory)."""

    def __init__(self) -> None:
        self._parts: list[ContactCounts] = []

    def add(self, counts: ContactCounts) -> None:
        """One batch's counts."""
        self._parts.append(counts)
        if len(self._parts) >= _COMPACT:
            self._parts = [ContactCounts.merge(self._parts)]

    def result(self) -> ContactCounts:
        """The counts of every batch added (at least one batch must have been added)."""
        return ContactCounts.merge(self._parts)


def _class_counts(counts: pl.DataFrame, key: str) -> list[dict[str, Any]]:
    """Per value of ``key``: contacts and contacts per class, most contacts first, ties by name."""
    if counts.height == 0:
        return []
    per = counts.group_by(key).agg(
        pl.col("contacts").sum(), *[pl.col("contacts").filter(pl.col("class") == c).sum().alias(c) for c in CLASSES],
    ).sort(["contacts", key], descending=[True, False], nulls_last=True)
    out = []
    for row in per.iter_rows(named=True):
        n = int(row["contacts"])
        out.append({key: row[key] if row[key] is not None else "(none)", "contacts": n,
                    "classes": {c: int(row[c]) for c in CLASSES},
                    "shares": {c: _share(int(row[c]), n) for c in CLASSES}})
    return out


def _classes(decided: pl.DataFrame, precedence: Sequence[str]) -> list[dict[str, Any]]:
    total = int(decided["contacts"].sum())
    decided = decided.sort(["contacts", "decided_by"], descending=[True, False])
    out = []
    for c in precedence:
        rows = decided.filter(pl.col("class") == c)
        n = int(rows["contacts"].sum()) if rows.height else 0
        out.append({"class": c, "contacts": n, "share": _share(n, total),
                    "decided_by": [{"decided_by": r["decided_by"], "contacts": int(r["contacts"])}
                                   for r in rows.iter_rows(named=True)]})
    return out


def _per_journey(per: pl.DataFrame, journeys: int) -> list[dict[str, int]]:
    per = per.sort("contacts")
    with_contacts = int(per["journeys"].sum()) if per.height else 0
    rows = [{"contacts": 0, "journeys": journeys - with_contacts}] if journeys > with_contacts else []
    return rows + [{"contacts": int(r["contacts"]), "journeys": int(r["journeys"])} for r in per.iter_rows(named=True)]


def _drivers(counts: pl.DataFrame, rules: ContactRules, top: int) -> list[dict[str, Any]]:
    avoidable = int(counts["contacts"].sum())
    if avoidable == 0 or top == 0:
        return []
    cols = list(_KEYS["drivers"])
    grouped = counts.sort(["contacts", *cols], descending=[True] + [False] * len(cols), nulls_last=True).head(top)
    out = []
    for r in grouped.iter_rows(named=True):
        share = r["contacts"] / avoidable
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


def _costs(channels: pl.DataFrame, rules: ContactRules, months: float | None,
           precedence: Sequence[str]) -> dict[str, Any] | None:
    """The costs per class and channel: contacts times the channel's cost."""
    if not rules.costs:
        return None
    currency = rules.currency or ""
    per = (channels.filter(pl.col(S.CHANNEL).is_in(list(rules.costs)))
           .group_by("class", S.CHANNEL).agg(pl.col("contacts").sum())
           .with_columns((pl.col("contacts") * pl.col(S.CHANNEL).replace_strict(dict(rules.costs), return_dtype=pl.Float64))
                         .alias("total"))
           .sort(["total", "class", S.CHANNEL], descending=[True, False, False]))

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
    grand = float(sum(i["total"] for i in items))
    return {"currency": rules.currency, "per_contact": dict(sorted(rules.costs.items())), "months": months,
            "total": grand, "per_month": monthly(grand), "classes": classes, "items": items, "statements": statements}


def _fcr(counts: ContactCounts) -> dict[str, Any]:
    return {"definition": W.FCR_DEFINITION, "contacts_considered": counts.settled, "resolved": counts.resolved,
            "rate": _share(counts.resolved, counts.settled)}


def _settings(rules: ContactRules, model: str | None) -> dict[str, Any]:
    return {
        "rules_file": rules.path, "model": model, "channels": list(rules.channels),
        "inbound_channels": list(rules.inbound_channels), "direction_column": rules.direction_column,
        "self_service_channels": list(rules.self_service_channels), "precedence": list(rules.precedence),
        "design": rules.design, "failure_window_seconds": rules.failure_window.total_seconds(),
        "repeat_window_seconds": rules.repeat_window.total_seconds(), "selfcare_from_log": rules.selfcare_from_log,
        "rules": [f"{r.klass}: {r.name}" for r in rules.rules],
    }


def summary_json(counts: ContactCounts, *, journeys: int, first: Any, last: Any, rules: ContactRules,
                 model: str | None, drivers: int, notes: Sequence[str]) -> dict[str, Any]:
    """The ``contacts --json`` document (:class:`journeylog.contracts.outputs.ContactsOutput`)."""
    total = counts.contacts
    t = counts.tables
    with_contacts = int(t["per_journey"]["journeys"].sum())
    avoidable = int(t["drivers"]["contacts"].sum())
    months = _months(first, last)
    return {
        "contacts": total,
        "journeys": journeys,
        "journeys_with_contacts": with_contacts,
        "contacts_per_journey": _share(total, journeys),
        "first": _iso(first),
        "last": _iso(last),
        "per_journey": _per_journey(t["per_journey"], journeys),
        "classes": _classes(t["classes"], rules.precedence),
        "by_channel": _class_counts(t["channels"], S.CHANNEL),
        "by_reason": _class_counts(t["reasons"], "reason"),
        "avoidable": {"contacts": avoidable, "rate": _share(avoidable, total),
                      "drivers": _drivers(t["drivers"], rules, drivers)},
        "repeat": {"window_seconds": rules.repeat_window.total_seconds(), "repeats": counts.repeats,
                   "rate": _share(counts.repeats, total)},
        "first_contact_resolution": _fcr(counts),
        "costs": _costs(t["channels"], rules, months, rules.precedence),
        "settings": _settings(rules, model),
        "notes": list(notes),
    }
