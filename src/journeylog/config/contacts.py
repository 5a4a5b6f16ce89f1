"""Contact rules (``journeylog contacts --rules contacts.yaml``, see ``docs/contacts.md``): which
events are assisted contacts, how each is classed (mandatory, avoidable, selfcare, assistance),
in which order the classes are tried, and what a contact costs.

::

    version: 1
    contacts:                       # which events are assisted contacts
      channels: [phone, chat, store, social]
      inbound_channels: [email]     # counted only when the direction column says inbound
      direction_column: direction
      inbound_values: [inbound, in, incoming]
    self_service_channels: [web, app]
    precedence: [mandatory, avoidable, selfcare, assistance]
    design: mandatory               # a contact on a step of the designed journey: mandatory, selfcare or ignore
    failure_window: 48h             # avoidable: after a failure in the same journey within this
    repeat_window: 7d               # avoidable: a repeat on the same reason within this
    selfcare_from_log: true         # selfcare: the same activity succeeds on web/app in other journeys
    rules:
      - {name: identity check help, class: avoidable, when: {reason: Identity check help}}
    currency: EUR
    costs: {phone: 6.0, chat: 3.5, store: 12.0}

Read through :class:`~journeylog.config.yamldoc.YamlDoc`: every mistake names its file, line and
column, an unknown key gets a did-you-mean. Out comes a frozen :class:`ContactRules`; an empty
file gives the defaults.

>>> ContactRules().precedence
('mandatory', 'avoidable', 'selfcare', 'assistance')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from journeylog import schema as S
from journeylog.config.rules import Step, _check_regex
from journeylog.config.yamldoc import YamlDoc

__all__ = [
    "CLASSES",
    "DESIGN_CHOICES",
    "REASON",
    "ContactRule",
    "ContactRules",
    "load_contact_rules",
]

#: The contact classes, in the default precedence.
CLASSES: tuple[str, ...] = ("mandatory", "avoidable", "selfcare", "assistance")
#: What a contact on a step of the designed journey is (``design:``).
DESIGN_CHOICES: tuple[str, ...] = ("mandatory", "selfcare", "ignore")
#: The condition key for the contact's reason: ``contact_reason``, else its activity.
REASON = "reason"

_TOP_KEYS = ("version", "contacts", "self_service_channels", "precedence", "design", "failure_window",
             "repeat_window", "selfcare_from_log", "rules", "currency", "costs")
_CONTACT_KEYS = ("channels", "inbound_channels", "direction_column", "inbound_values")
_RULE_KEYS = ("name", "class", "when", "matches")


@dataclass(frozen=True)
class ContactRule:
    """A named rule: a contact matching ``step`` (its conditions; ``reason`` is the contact's
    reason) is a candidate for ``klass``. ``line`` says where the file defined it."""

    name: str
    klass: str
    step: Step
    line: int | None = None


@dataclass(frozen=True)
class ContactRules:
    """Everything that decides the contacts and their classes (the defaults without a file)."""

    channels: tuple[str, ...] = ("phone", "chat", "store", "social")
    inbound_channels: tuple[str, ...] = ("email",)
    direction_column: str = "direction"
    inbound_values: tuple[str, ...] = ("inbound", "in", "incoming")
    self_service_channels: tuple[str, ...] = ("web", "app")
    precedence: tuple[str, ...] = CLASSES
    design: str = "mandatory"
    failure_window: timedelta = timedelta(hours=48)
    repeat_window: timedelta = timedelta(days=7)
    selfcare_from_log: bool = True
    rules: tuple[ContactRule, ...] = ()
    currency: str | None = None
    costs: Mapping[str, float] = field(default_factory=dict, hash=False)
    path: str | None = None


def load_contact_rules(path: str | os.PathLike[str]) -> ContactRules:
    """Read a contact rules file (see the module docs); every mistake is an
    :class:`~journeylog.errors.InvalidInput` naming the file, line and column."""
    doc = YamlDoc(path, "the contact rules file")
    try:
        return _rules_from(doc)
    finally:
        doc.loader.dispose()


def _channels(doc: YamlDoc, node: Any, what: str) -> tuple[str, ...]:
    out = []
    for item in doc.sequence(node, what):
        out.append(S.normalise_channel_name(doc.text(item, f"a channel in {what}")))
    return tuple(dict.fromkeys(out))


def _texts(doc: YamlDoc, node: Any, what: str) -> tuple[str, ...]:
    return tuple(doc.text(item, f"a value in {what}").strip() for item in doc.sequence(node, what))


def _rules_from(doc: YamlDoc) -> ContactRules:
    what = "the contact rules file"
    if doc.root is None:
        return ContactRules(path=doc.label)
    top = doc.mapping(doc.root, what, _TOP_KEYS)
    if "version" in top and doc.value(top["version"][1]) != 1:
        raise doc.error(top["version"][1], "unsupported contact rules version", hint="version: 1")
    kw: dict[str, Any] = {"path": doc.label}
    if "contacts" in top:
        kw.update(_contacts_from(doc, top["contacts"][1]))
    if "self_service_channels" in top:
        kw["self_service_channels"] = _channels(doc, top["self_service_channels"][1], "`self_service_channels`")
    if "precedence" in top:
        kw["precedence"] = _precedence(doc, top["precedence"][1])
    kw.update(_settings_from(doc, top))
    if "rules" in top:
        kw["rules"] = _contact_rules(doc, top["rules"][1])
    if "currency" in top:
        kw["currency"] = doc.text(top["currency"][1], "the currency").strip()
    if "costs" in top:
        kw["costs"] = _costs(doc, top["costs"][1])
    return ContactRules(**kw)


def _settings_from(doc: YamlDoc, top: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    """``design``, the two windows and ``selfcare_from_log``."""
    kw: dict[str, Any] = {}
    if "design" in top:
        design = doc.value(top["design"][1])
        if design not in DESIGN_CHOICES:
            raise doc.error(top["design"][1], "`design` is one of " + ", ".join(DESIGN_CHOICES))
        kw["design"] = design
    for key in ("failure_window", "repeat_window"):
        if key in top:
            kw[key] = doc.duration(top[key][1], key)
            if kw[key] <= timedelta(0):
                raise doc.error(top[key][1], f"{key} must be longer than 0")
    if "selfcare_from_log" in top:
        value = doc.value(top["selfcare_from_log"][1])
        if not isinstance(value, bool):
            raise doc.error(top["selfcare_from_log"][1], "`selfcare_from_log` is true or false")
        kw["selfcare_from_log"] = value
    return kw


def _contacts_from(doc: YamlDoc, node: Any) -> dict[str, Any]:
    entries = doc.mapping(node, "`contacts`", _CONTACT_KEYS)
    kw: dict[str, Any] = {}
    for key in ("channels", "inbound_channels"):
        if key in entries:
            kw[key] = _channels(doc, entries[key][1], f"`contacts.{key}`")
    if "direction_column" in entries:
        kw["direction_column"] = doc.text(entries["direction_column"][1], "the direction column").strip()
    if "inbound_values" in entries:
        kw["inbound_values"] = tuple(v.lower() for v in _texts(doc, entries["inbound_values"][1],
                                                                "`contacts.inbound_values`"))
    both = set(kw.get("channels", ())) & set(kw.get("inbound_channels", ()))
    if both:
        raise doc.error(node, f"channel {sorted(both)[0]!r} is in both `channels` and `inbound_channels`",
                        hint="list it in one of them")
    return kw


def _precedence(doc: YamlDoc, node: Any) -> tuple[str, ...]:
    items = doc.sequence(node, "`precedence`")
    names: list[str] = []
    for item in items:
        name = doc.value(item)
        if name not in CLASSES:
            raise doc.error(item, f"unknown class {name!r} in `precedence`", hint="one of " + ", ".join(CLASSES))
        if name in names:
            raise doc.error(item, f"class {name!r} is listed twice in `precedence`")
        names.append(name)
    missing = [c for c in CLASSES if c not in names]
    if missing:
        raise doc.error(node, "`precedence` must list every class once; missing: " + ", ".join(missing))
    return tuple(names)


def _contact_rules(doc: YamlDoc, node: Any) -> tuple[ContactRule, ...]:
    out: list[ContactRule] = []
    for item in doc.sequence(node, "`rules`"):
        entries = doc.mapping(item, "a rule", _RULE_KEYS)
        for key in ("name", "class"):
            if key not in entries:
                raise doc.error(item, f"a rule needs a `{key}`", hint="e.g. {name: id help, class: avoidable, "
                                "when: {reason: Identity check help}}")
        name = " ".join(doc.text(entries["name"][1], "the rule's name").split())
        klass = doc.value(entries["class"][1])
        if klass not in CLASSES:
            raise doc.error(entries["class"][1], f"unknown class {klass!r}", hint="one of " + ", ".join(CLASSES))
        if any(r.name == name for r in out):
            raise doc.error(entries["name"][1], f"another rule is already called {name!r}")
        step = _condition(doc, item, entries, name)
        out.append(ContactRule(name=name, klass=klass, step=step, line=doc.line(item)))
    return tuple(out)


def _condition(doc: YamlDoc, node: Any, entries: dict[str, tuple[Any, Any]], name: str) -> Step:
    conditions: dict[str, Any] = {}
    matches: dict[str, str] = {}
    if "when" in entries:
        for column, (_k, value_node) in doc.mapping(entries["when"][1], f"`when` of rule {name!r}").items():
            value = doc.value(value_node)
            values = value if isinstance(value, list) else [value]
            if not values or any(isinstance(v, (dict, list)) for v in values):
                raise doc.error(value_node, f"the condition on {column!r} takes a value or a list of values")
            conditions[column] = values
    if "matches" in entries:
        for column, (_k, rx_node) in doc.mapping(entries["matches"][1], "`matches`").items():
            regex = doc.text(rx_node, f"the regular expression for {column!r}")
            _check_regex(doc, rx_node, regex)
            matches[column] = regex
    if not conditions and not matches:
        raise doc.error(node, f"the rule {name!r} has no condition",
                        hint="give `when: {reason: ...}` or `matches: {activity: ...}`")
    return Step(conditions, matches=matches)


def _costs(doc: YamlDoc, node: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for channel, (key_node, value_node) in doc.mapping(node, "`costs`").items():
        value = doc.value(value_node)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
            raise doc.error(value_node, f"the cost of a contact on {channel!r} must be a number of 0 or more")
        key = S.normalise_channel_name(channel)
        if key in out:
            raise doc.error(key_node, f"two costs for channel {key!r}")
        out[key] = float(value)
    return out
