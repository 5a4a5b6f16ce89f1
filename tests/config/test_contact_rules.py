"""config.contacts: the contact rules file reads every documented key; every mistake is located
(FILE:LINE:COL) with a did-you-mean where one helps; version 1 only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from journeylog.config.contacts import CLASSES, ContactRules, load_contact_rules
from journeylog.errors import InvalidInput

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "telecom" / "contacts.yaml"


def _error(path: Path) -> str:
    with pytest.raises(InvalidInput) as info:
        load_contact_rules(path)
    return str(info.value)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "contacts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_empty_file_gives_the_defaults(tmp_path):
    rules = load_contact_rules(_write(tmp_path, ""))
    assert rules == ContactRules(path=str(tmp_path / "contacts.yaml"))
    assert rules.precedence == CLASSES and rules.failure_window == timedelta(hours=48)


def test_every_key_is_read(tmp_path):
    rules = load_contact_rules(_write(tmp_path, """\
version: 1
contacts: {channels: [Call Centre, chat], inbound_channels: [e-mail], direction_column: dir, inbound_values: [IN]}
self_service_channels: [portal]
precedence: [avoidable, mandatory, assistance, selfcare]
design: selfcare
failure_window: 1d12h
repeat_window: 2w
selfcare_from_log: false
rules:
  - {name: kyc, class: mandatory, when: {reason: [KYC, ID]}}
  - {name: bills, class: selfcare, matches: {activity: '^Bill'}}
currency: GBP
costs: {Call Centre: 5, chat: 2.5}
"""))
    assert rules.channels == ("phone", "chat") and rules.inbound_channels == ("email",)
    assert rules.direction_column == "dir" and rules.inbound_values == ("in",)
    assert rules.self_service_channels == ("web",)
    assert rules.precedence == ("avoidable", "mandatory", "assistance", "selfcare")
    assert rules.design == "selfcare" and rules.selfcare_from_log is False
    assert rules.failure_window == timedelta(hours=36) and rules.repeat_window == timedelta(days=14)
    assert [(r.name, r.klass, r.line) for r in rules.rules] == [("kyc", "mandatory", 10), ("bills", "selfcare", 11)]
    assert rules.rules[0].step.conditions == {"reason": ("KYC", "ID")}
    assert rules.rules[1].step.matches == {"activity": "^Bill"}
    assert rules.currency == "GBP" and rules.costs == {"phone": 5.0, "chat": 2.5}


def test_the_sample_rules_read():
    rules = load_contact_rules(SAMPLE)
    assert rules.costs == {"phone": 6.0, "chat": 3.5, "store": 12.0} and rules.currency == "EUR"
    assert {r.klass for r in rules.rules} == {"avoidable", "selfcare", "assistance"}


@pytest.mark.parametrize(("text", "where", "says"), [
    ("version: 2\n", "1:10", "unsupported contact rules version"),
    ("failure_windw: 48h\n", "1:1", "did you mean 'failure_window'?"),
    ("contacts:\n  chanels: [phone]\n", "2:3", "did you mean 'channels'?"),
    ("precedence: [mandatory, avoidable, selfcare]\n", "1:13", "missing: assistance"),
    ("precedence: [mandatory, avoidable, selfcare, assistence]\n", "1:46", "unknown class 'assistence'"),
    ("precedence: [mandatory, mandatory, selfcare, assistance]\n", "1:25", "listed twice"),
    ("design: maybe\n", "1:9", "`design` is one of mandatory, selfcare, ignore"),
    ("repeat_window: 7\n", "1:16", "give a number and a unit"),
    ("failure_window: 0h\n", "1:17", "longer than 0"),
    ("selfcare_from_log: yes please\n", "1:20", "true or false"),
    ("rules:\n  - {name: x, class: avoidible, when: {reason: A}}\n", "2:22", "unknown class 'avoidible'"),
    ("rules:\n  - {name: x, class: avoidable}\n", "2:5", "has no condition"),
    ("rules:\n  - {class: avoidable, when: {reason: A}}\n", "2:5", "needs a `name`"),
    ("rules:\n  - {name: x, class: avoidable, wen: {reason: A}}\n", "2:33", "did you mean 'when'?"),
    ("rules:\n  - {name: x, class: avoidable, matches: {activity: '('}}\n", "2:53", "bad regular expression"),
    ("rules:\n  - {name: x, class: selfcare, when: {a: 1}}\n  - {name: x, class: avoidable, when: {a: 2}}\n",
     "3:12", "already called 'x'"),
    ("costs: {phone: -1}\n", "1:16", "a number of 0 or more"),
    ("costs: {phone: cheap}\n", "1:16", "a number of 0 or more"),
    ("contacts: {channels: [email], inbound_channels: [email]}\n", "1:11", "in both"),
    ("costs: [phone]\n", "1:8", "must be a mapping"),
    ("precedence: [mandatory\n", "2:1", "invalid YAML"),
])
def test_mistakes_are_located(tmp_path, text, where, says):
    path = _write(tmp_path, text)
    message = _error(path)
    assert f"{path}:{where}:" in message and says in message, message
