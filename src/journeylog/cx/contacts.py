"""Contacts: why customers contact, and whether they should have.

:func:`contacts` finds the assisted contacts of a log (calls, chats, store visits, social media,
inbound e-mail; configurable), gives each exactly one class (mandatory, avoidable, selfcare,
assistance; :mod:`journeylog.cx.contact_rules` says how, :mod:`journeylog.config.contacts` how
to configure it) and sums them up: per journey, per class overall, by channel and by reason, the
drivers of avoidable contacts, the repeat rate, a first-contact-resolution proxy, and costs.

The log is read in journey-complete batches (:class:`journeylog.ingest.EventSource`; in memory:
one batch), twice: first the facts of the whole log (journeys, first and last event, channels,
and the activities that succeed on a self-service channel, per journey), then each batch's
contacts are classified with them and counted (:class:`journeylog.cx.contact_summary.ContactCounts`).
Both passes are functions of one batch whose results merge in any order
(:func:`journeylog.explain.batches.map_batches`): on a Spark DataFrame they run on the
executors, one call per partition of whole journeys, and only the counts reach the driver.
The contact rows go to ``on_contacts`` batch by batch, and are kept only when asked
(``ContactOptions.keep_table``): they grow with the events, the counts with the groups.

>>> import polars as pl, datetime as dt
>>> t = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)
>>> ev = pl.DataFrame({"journey_id": ["a", "a", "b"], "timestamp": [t, t + dt.timedelta(hours=2), t],
...     "channel": ["web", "phone", "chat"], "activity": ["Pay", "Call: payment", "Chat: hello"],
...     "outcome": ["failure", None, None]})
>>> result = contacts(ev, options=ContactOptions(keep_table=True))
>>> result.table.select("journey_id", "class", "decided_by").rows()
[('a', 'avoidable', "after failure of 'Pay' on web within 48h"), ('b', 'assistance', 'no other rule')]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, cast

import polars as pl

from journeylog import schema as S
from journeylog.config.contacts import REASON, ContactRules
from journeylog.contracts.contacts import ContactsOutput
from journeylog.cx.contact_rules import classify_contacts, merge_self_service, rule_columns, self_service_counts
from journeylog.cx.contact_summary import ContactCounts, CountsGatherer, summary_json
from journeylog.errors import InvalidInput, UsageError, param
from journeylog.explain.batches import map_batches
from journeylog.ingest import EventSource

__all__ = ["CONTACT_COLUMNS", "ContactOptions", "Contacts", "contact_table", "contacts"]

_COMPACT = 32  # merge the self-service counts of this many batches into one

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
    ``failure_window`` / ``repeat_window``: override the rules' windows when given.
    ``keep_table``: keep every contact row in :attr:`Contacts.table` (one row per contact: it
    grows with the log; the figures never need it)."""

    rules: ContactRules = field(default_factory=ContactRules)
    drivers: int = 10
    failure_window: timedelta | None = None
    repeat_window: timedelta | None = None
    keep_table: bool = False


@dataclass
class Contacts:
    """The result of :func:`contacts`; :meth:`to_json` is its documented contract."""

    counts: ContactCounts  #: the figures' counts, added up over the batches
    journeys: int
    first: Any
    last: Any
    rules: ContactRules
    model: str | None
    drivers: int = 10
    notes: list[str] = field(default_factory=list)
    #: one row per contact (:data:`journeylog.cx.contact_rules.CONTACT_FRAME_COLUMNS`) when
    #: ``ContactOptions.keep_table``, else None
    table: pl.DataFrame | None = None

    def to_json(self) -> ContactsOutput:
        """The documented JSON contract of ``journeylog contacts --json`` (docs/contacts.md)."""
        return cast("ContactsOutput", summary_json(self.counts, journeys=self.journeys, first=self.first,
                                                   last=self.last, rules=self.rules, model=self.model,
                                                   drivers=self.drivers, notes=self.notes))


@dataclass
class _LogFacts:
    """The first pass: events, journeys, first and last timestamp, channels, self-service counts."""

    events: int = 0
    journeys: int = 0
    first: Any = None
    last: Any = None
    channels: set[str] = field(default_factory=set)
    self_service: pl.DataFrame | None = None


@dataclass
class _FactsOf:
    """The first pass over one batch (a :class:`_LogFacts` of it; pickled to Spark's executors)."""

    rules: ContactRules
    has_channel: bool

    def __call__(self, batch: pl.DataFrame) -> _LogFacts:
        jid = batch[S.JOURNEY_ID]  # sorted by journey: count where a journey starts (cheaper than n_unique)
        lo, hi = batch.select(pl.col(S.TIMESTAMP).min().alias("a"), pl.col(S.TIMESTAMP).max().alias("b")).row(0)
        facts = _LogFacts(events=batch.height, journeys=int(jid.ne_missing(jid.shift(1)).sum()), first=lo, last=hi)
        if self.has_channel:
            facts.channels = set(batch[S.CHANNEL].drop_nulls().unique().to_list())
            if self.rules.selfcare_from_log:
                facts.self_service = self_service_counts(batch, self.rules)
        return facts


def _log_facts(source: EventSource, rules: ContactRules) -> _LogFacts:
    """What the classes and notes need of the whole log (one pass over the batches, merged in
    any order: sums, min and max, unions, :func:`merge_self_service`)."""
    facts = _LogFacts()
    names = source.columns
    has_channel = S.CHANNEL in names
    ss: list[pl.DataFrame] = []
    wanted = [c for c in (S.CHANNEL, S.ACTIVITY, S.OUTCOME) if c in names]
    for part in map_batches(source, _FactsOf(rules, has_channel), wanted):
        facts.events += part.events
        facts.journeys += part.journeys
        if part.first is not None:
            facts.first = part.first if facts.first is None else min(facts.first, part.first)
            facts.last = part.last if facts.last is None else max(facts.last, part.last)
        facts.channels.update(part.channels)
        if part.self_service is not None:
            ss.append(part.self_service)
            if len(ss) >= _COMPACT:
                ss = [merge_self_service(ss)]
    facts.self_service = merge_self_service(ss) if rules.selfcare_from_log else None
    return facts


@dataclass
class _Classifier:
    """The second pass over one batch: its contacts classified and counted, and its contact rows
    when asked (``rows``; pickled to Spark's executors with what it needs)."""

    rules: ContactRules
    tasks: tuple[str, ...] | None
    self_service: pl.DataFrame | None
    last: Any
    rows: bool

    def __call__(self, batch: pl.DataFrame) -> tuple[ContactCounts, pl.DataFrame | None]:
        table = classify_contacts(batch, self.rules, self.tasks, self.self_service)
        return ContactCounts.of(table, last=self.last, rules=self.rules), table if self.rows else None


def _chosen_rules(rules: ContactRules | None, opts: ContactOptions) -> ContactRules:
    chosen = rules if rules is not None else opts.rules
    if opts.failure_window is not None:
        chosen = replace(chosen, failure_window=opts.failure_window)
    if opts.repeat_window is not None:
        chosen = replace(chosen, repeat_window=opts.repeat_window)
    if chosen.failure_window <= timedelta(0) or chosen.repeat_window <= timedelta(0):
        raise UsageError(f"{param('failure_window')} and {param('repeat_window')} must be longer than 0")
    if opts.drivers < 0:
        raise UsageError("drivers must be 0 or more")
    return chosen


def _wanted(rules: ContactRules, names: list[str]) -> list[str]:
    """The columns the classification reads (those the log has)."""
    wanted = [S.CUSTOMER_ID, S.CHANNEL, S.ACTIVITY, S.OUTCOME, S.CONTACT_REASON, S.SOURCE, S.SOURCE_ROW,
              rules.direction_column, *[c for r in rules.rules for c in r.step.columns() if c != REASON]]
    return [c for c in dict.fromkeys(wanted) if c in names]


def contacts(events: pl.DataFrame | EventSource, model: Any = None, rules: ContactRules | None = None,
             options: ContactOptions | None = None, *,
             on_contacts: Callable[[pl.DataFrame], None] | None = None) -> Contacts:
    """Classify the assisted contacts of ``events``: a frame of canonical events or an
    :class:`~journeylog.ingest.EventSource` (a log larger than memory is read in journey-complete
    batches, twice; the results are the same). ``model``: the designed journey (a
    :class:`journeylog.models.DesignedModel`, or any object with ``tasks`` and ``path``); its
    steps decide mandatory (or selfcare) contacts by the rules' ``design`` setting. ``rules``
    overrides ``options.rules``. ``on_contacts`` hears each batch's contact rows (the columns of
    :data:`CONTACT_COLUMNS`, in event order; batches in journey order), an empty frame too; on a
    Spark DataFrame it hears them once, all partitions' rows sorted by journey (the same rows in
    the same order: they are gathered on the driver only when asked for)."""
    opts = options or ContactOptions()
    chosen = _chosen_rules(rules, opts)
    source = events if isinstance(events, EventSource) else EventSource(events)
    facts = _log_facts(source, chosen)
    if facts.events == 0:
        raise InvalidInput("the log has no events")
    names = source.columns
    if S.CHANNEL not in names:
        raise InvalidInput("the log has no channel column: contacts are told apart by channel",
                           hint=f"give {param('channel')}")
    rule_columns(chosen, names)
    tasks = tuple(model.tasks) if model is not None else None
    rows = on_contacts is not None or opts.keep_table
    fn = _Classifier(chosen, tasks, facts.self_service, facts.last, rows)
    gathered, kept = CountsGatherer(), []
    for counts_of, table in map_batches(source, fn, _wanted(chosen, names)):
        gathered.add(counts_of)
        if table is None:
            continue
        if source.distributed:  # in any order: put together and sorted by journey below
            kept.append(table)
            continue
        if on_contacts is not None:
            on_contacts(table.select(list(CONTACT_COLUMNS)))
        if opts.keep_table:
            kept.append(table)
    if source.distributed and rows:
        whole = _in_journey_order(kept)
        kept = [whole] if opts.keep_table else []
        if on_contacts is not None:
            on_contacts(whole.select(list(CONTACT_COLUMNS)))
    counts = gathered.result()
    return Contacts(counts=counts, journeys=facts.journeys, first=facts.first, last=facts.last, rules=chosen,
                    model=getattr(model, "path", None) if model is not None else None, drivers=opts.drivers,
                    notes=_notes(facts, names, chosen, counts),
                    table=(pl.concat(kept) if len(kept) > 1 else kept[0]) if opts.keep_table else None)


def _in_journey_order(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """The contact rows of batches that came in any order (Spark's partitions), sorted by journey
    id, each journey's rows in event order as they came (a stable sort)."""
    table = pl.concat(parts) if len(parts) > 1 else parts[0]
    return table if table[S.JOURNEY_ID].is_sorted() else table.sort(S.JOURNEY_ID, maintain_order=True)


def _notes(facts: _LogFacts, names: list[str], rules: ContactRules, counts: ContactCounts) -> list[str]:
    """What was decided for the user: e-mails not counted without a direction column, channels
    without a cost."""
    notes: list[str] = []
    inbound_only = [c for c in rules.inbound_channels if c in facts.channels]
    if inbound_only and rules.direction_column not in names:
        notes.append(f"the log has no {rules.direction_column!r} column: events on {', '.join(inbound_only)} "
                     "are not counted as contacts (only inbound ones are)")
    if rules.costs and counts.contacts:
        contacted = counts.tables["channels"][S.CHANNEL].drop_nulls().unique().to_list()
        uncosted = sorted(set(contacted) - set(rules.costs))
        if uncosted:
            notes.append("no cost given for " + ", ".join(uncosted) + ": those contacts are left out of the costs")
    if counts.contacts == 0:
        notes.append("no assisted contacts in the log (contact channels: "
                     + ", ".join(rules.channels + rules.inbound_channels) + ")")
    if S.OUTCOME not in names:
        notes.append("the log has no outcome column: no contact follows a failure, and none is self-service in the log")
    return notes


def contact_table(c: Contacts) -> pl.DataFrame:
    """One row per contact for people (``contacts --contacts-out``): the columns of
    :data:`CONTACT_COLUMNS`, in event order (the rows kept with ``ContactOptions(keep_table=True)``)."""
    if c.table is None:
        raise UsageError("the contact rows were not kept", hint="give ContactOptions(keep_table=True), or on_contacts")
    return c.table.select(list(CONTACT_COLUMNS))
