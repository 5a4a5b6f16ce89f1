"""Contacts: why customers contact, and whether they should have.

:func:`contacts` finds the assisted contacts of a log (calls, chats, store visits, social media,
inbound e-mail; configurable), gives each exactly one class (mandatory, avoidable, selfcare,
assistance; :mod:`journeylog.cx.contact_rules` says how, :mod:`journeylog.config.contacts` how
to configure it) and sums them up: per journey, per class overall, by channel and by reason, the
drivers of avoidable contacts, the repeat rate, a first-contact-resolution proxy, and costs.

>>> import polars as pl, datetime as dt
>>> t = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)
>>> ev = pl.DataFrame({"journey_id": ["a", "a", "b"], "timestamp": [t, t + dt.timedelta(hours=2), t],
...     "channel": ["web", "phone", "chat"], "activity": ["Pay", "Call: payment", "Chat: hello"],
...     "outcome": ["failure", None, None]})
>>> result = contacts(ev)
>>> result.table.select("journey_id", "class", "decided_by").rows()
[('a', 'avoidable', "after failure of 'Pay' on web within 48h"), ('b', 'assistance', 'no other rule')]
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, cast

import polars as pl

from journeylog import journeys as J
from journeylog import schema as S
from journeylog.config.contacts import ContactRules
from journeylog.contracts.contacts import ContactsOutput
from journeylog.cx.contact_rules import classify_contacts
from journeylog.cx.contact_summary import summary_json
from journeylog.errors import InvalidInput, UsageError, param

__all__ = ["CONTACT_COLUMNS", "ContactOptions", "Contacts", "contact_table", "contacts"]

#: The columns of :func:`contact_table` (``contacts --contacts-out``), with what they hold.
CONTACT_COLUMNS: dict[str, str] = {
    "journey_id": "the journey",
    "customer_id": "its customer",
    "timestamp": "when the contact happened (UTC)",
    "channel": "phone, chat, store, ...",
    "activity": "the contact's activity",
    "contact_reason": "the reason given in the log (empty when none)",
    "class": "mandatory, avoidable, selfcare or assistance",
    "decided_by": "the test that gave the class ('model step', 'rule: ...', \"after failure of 'X' on web "
                  "within 48h\", 'repeat within 7d', 'self-service in log', 'no other rule')",
    "source": "the input the event came from",
    "source_row": "its row in that input",
}


@dataclass(frozen=True)
class ContactOptions:
    """``rules``: the contact rules (:class:`journeylog.config.contacts.ContactRules`; the
    defaults without a file). ``drivers``: how many top drivers of avoidable contacts to report.
    ``failure_window`` / ``repeat_window``: override the rules' windows when given."""

    rules: ContactRules = field(default_factory=ContactRules)
    drivers: int = 10
    failure_window: timedelta | None = None
    repeat_window: timedelta | None = None


@dataclass
class Contacts:
    """The result of :func:`contacts`; :meth:`to_json` is its documented contract."""

    table: pl.DataFrame  #: one row per contact (:data:`journeylog.cx.contact_rules.CONTACT_FRAME_COLUMNS`)
    journeys: int
    first: Any
    last: Any
    rules: ContactRules
    model: str | None
    drivers: int = 10
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> ContactsOutput:
        """The documented JSON contract of ``journeylog contacts --json`` (docs/contacts.md)."""
        return cast("ContactsOutput", summary_json(self.table, journeys=self.journeys, first=self.first,
                                                   last=self.last, rules=self.rules, model=self.model,
                                                   drivers=self.drivers, notes=self.notes))


def contacts(events: pl.DataFrame, model: Any = None, rules: ContactRules | None = None,
             options: ContactOptions | None = None) -> Contacts:
    """Classify the assisted contacts of ``events``. ``model``: the designed journey (a
    :class:`journeylog.models.DesignedModel`, or any object with ``tasks`` and ``path``); its
    steps decide mandatory (or selfcare) contacts by the rules' ``design`` setting. ``rules``
    overrides ``options.rules``."""
    opts = options or ContactOptions()
    chosen = rules if rules is not None else opts.rules
    if opts.failure_window is not None:
        chosen = replace(chosen, failure_window=opts.failure_window)
    if opts.repeat_window is not None:
        chosen = replace(chosen, repeat_window=opts.repeat_window)
    if chosen.failure_window <= timedelta(0) or chosen.repeat_window <= timedelta(0):
        raise UsageError(f"{param('failure_window')} and {param('repeat_window')} must be longer than 0")
    if opts.drivers < 0:
        raise UsageError("drivers must be 0 or more")
    if events.height == 0:
        raise InvalidInput("the log has no events")
    if S.CHANNEL not in events.columns:
        raise InvalidInput("the log has no channel column: contacts are told apart by channel",
                           hint=f"give {param('channel')}")
    ordered = J.ordered(events)
    tasks = tuple(model.tasks) if model is not None else None
    table = classify_contacts(ordered, chosen, tasks)
    journeys = ordered[S.JOURNEY_ID].n_unique()
    span = ordered.select(pl.col(S.TIMESTAMP).min().alias("a"), pl.col(S.TIMESTAMP).max().alias("b")).row(0)
    return Contacts(table=table, journeys=journeys, first=span[0], last=span[1], rules=chosen,
                    model=getattr(model, "path", None) if model is not None else None, drivers=opts.drivers,
                    notes=_notes(ordered, chosen, table))


def _notes(events: pl.DataFrame, rules: ContactRules, table: pl.DataFrame) -> list[str]:
    """What was decided for the user: e-mails not counted without a direction column, channels
    without a cost."""
    notes: list[str] = []
    inbound_only = [c for c in rules.inbound_channels
                    if events.filter(pl.col(S.CHANNEL) == c).height]
    if inbound_only and rules.direction_column not in events.columns:
        notes.append(f"the log has no {rules.direction_column!r} column: events on {', '.join(inbound_only)} "
                     "are not counted as contacts (only inbound ones are)")
    if rules.costs and table.height:
        uncosted = sorted(set(table[S.CHANNEL].drop_nulls().unique().to_list()) - set(rules.costs))
        if uncosted:
            notes.append("no cost given for " + ", ".join(uncosted) + ": those contacts are left out of the costs")
    if table.height == 0:
        notes.append("no assisted contacts in the log (contact channels: "
                     + ", ".join(rules.channels + rules.inbound_channels) + ")")
    if S.OUTCOME not in events.columns:
        notes.append("the log has no outcome column: no contact follows a failure, and none is self-service in the log")
    return notes


def contact_table(c: Contacts) -> pl.DataFrame:
    """One row per contact for people (``contacts --contacts-out``): the columns of
    :data:`CONTACT_COLUMNS`, in event order."""
    return c.table.select(list(CONTACT_COLUMNS))

