"""The ``journeylog contacts --json`` contract (see docs/contacts.md): :class:`ContactsOutput` and
its parts. Keys that are Python keywords (``class``) use the functional TypedDict syntax."""

# no `from __future__ import annotations`: TypedDict reads NotRequired from evaluated annotations
from typing import Literal, TypedDict

__all__ = ["ContactsOutput"]



class ClassCounts(TypedDict):
    """Contacts per class."""

    mandatory: int
    avoidable: int
    selfcare: int
    assistance: int


class ClassShares(TypedDict):
    """Each class's share of the contacts of a group (0 to 1; None when the group has none)."""

    mandatory: float | None
    avoidable: float | None
    selfcare: float | None
    assistance: float | None


class ContactsPerJourney(TypedDict):
    """How many journeys had this many contacts (0 included)."""

    contacts: int
    journeys: int


class DecidedBy(TypedDict):
    """How many contacts of a class one test decided (``rule: NAME``, ``model step``, ...)."""

    decided_by: str
    contacts: int


ContactClass = TypedDict("ContactClass", {
    "class": str, "contacts": int, "share": float | None, "decided_by": list[DecidedBy],
})
ContactClass.__doc__ = "One class: its contacts, their share of all contacts, and the tests that decided them."


class ChannelContacts(TypedDict):
    """The contacts on one channel, per class."""

    channel: str
    contacts: int
    classes: ClassCounts
    shares: ClassShares


class ReasonContacts(TypedDict):
    """The contacts on one reason (contact_reason, else the activity), per class."""

    reason: str
    contacts: int
    classes: ClassCounts
    shares: ClassShares


class ContactDriver(TypedDict):
    """A driver of avoidable contacts. ``kind``: failure (``activity`` failed on ``channel``
    before the contact), repeat (on ``reason``) or rule (``rule``)."""

    kind: Literal["failure", "repeat", "rule"]
    contact_channel: str
    activity: str | None
    channel: str | None
    reason: str | None
    rule: str | None
    contacts: int
    share: float
    statement: str


class AvoidableContacts(TypedDict):
    """Avoidable contacts: how many, their share of all contacts, and the top drivers."""

    contacts: int
    rate: float | None
    drivers: list[ContactDriver]


class RepeatContacts(TypedDict):
    """Contacts that repeat an earlier contact of the journey on the same reason within the window."""

    window_seconds: float
    repeats: int
    rate: float | None


class FirstContactResolution(TypedDict):
    """The first-contact-resolution proxy (``definition`` says how it is counted)."""

    definition: str
    contacts_considered: int
    resolved: int
    rate: float | None


ContactCost = TypedDict("ContactCost", {
    "class": str, "channel": str, "contacts": int, "cost_per_contact": float, "total": float,
    "per_month": float | None, "statement": str,
})
ContactCost.__doc__ = "The cost of one class's contacts on one channel (channels with a cost only)."

ClassCost = TypedDict("ClassCost", {"class": str, "contacts": int, "total": float, "per_month": float | None})
ClassCost.__doc__ = "The cost of one class's contacts on all channels with a cost."


class ContactCosts(TypedDict):
    """Costs from the rules file's ``costs`` (per contact, per channel)."""

    currency: str | None
    per_contact: dict[str, float]
    months: float | None
    total: float
    per_month: float | None
    classes: list[ClassCost]
    items: list[ContactCost]
    statements: list[str]


class ContactSettings(TypedDict):
    """What decided which events are contacts and their classes."""

    rules_file: str | None
    model: str | None
    channels: list[str]
    inbound_channels: list[str]
    direction_column: str
    self_service_channels: list[str]
    precedence: list[str]
    design: str
    failure_window_seconds: float
    repeat_window_seconds: float
    selfcare_from_log: bool
    rules: list[str]


class ContactsOutput(TypedDict):
    """``journeylog contacts --json``: assisted contacts, their classes and what drives them."""

    contacts: int
    journeys: int
    journeys_with_contacts: int
    contacts_per_journey: float | None
    first: str | None
    last: str | None
    per_journey: list[ContactsPerJourney]
    classes: list[ContactClass]
    by_channel: list[ChannelContacts]
    by_reason: list[ReasonContacts]
    avoidable: AvoidableContacts
    repeat: RepeatContacts
    first_contact_resolution: FirstContactResolution
    costs: ContactCosts | None
    settings: ContactSettings
    notes: list[str]

