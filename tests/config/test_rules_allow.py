"""config.rules and config.allow: typos give FILE:LINE:COL with a did-you-mean, version: 1 only."""

from __future__ import annotations

import pytest

from journeylog.conform import load_allow
from journeylog.errors import InvalidInput
from journeylog.explain.patterns import load_rules


def _error(loader, path) -> str:
    with pytest.raises(InvalidInput) as info:
        loader(path)
    return str(info.value)


def test_rules_key_typo_is_located_with_a_suggestion(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("version: 1\nvocabulary:\n  web: {failing: on the website}\npaterns: []\n")
    message = _error(load_rules, path)
    assert f"{path}:4:1" in message and "'paterns'" in message and "did you mean 'patterns'?" in message


def test_rules_pattern_key_typo(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("patterns:\n  - name: two calls\n    stpes: [{channel: phone}]\n")
    message = _error(load_rules, path)
    assert f"{path}:3:5" in message and "did you mean 'steps'?" in message


def test_allow_key_typo_is_located_with_a_suggestion(tmp_path):
    path = tmp_path / "allow.yaml"
    path.write_text("accepted:\n  - {kind: repeated, activty: Pay}\n")
    message = _error(load_allow, path)
    assert f"{path}:2:22" in message and "'activty'" in message and "did you mean 'activity'?" in message


def test_allow_top_key_typo_and_version(tmp_path):
    path = tmp_path / "allow.yaml"
    path.write_text("version: 1\naccepet:\n  - {pattern: x}\n")
    assert "did you mean 'accepted'?" in _error(load_allow, path)
    path.write_text("version: 2\naccepted: []\n")
    message = _error(load_allow, path)
    assert f"{path}:1:10" in message and "unsupported allow-list version" in message


def test_allow_bad_kind_is_located(tmp_path):
    path = tmp_path / "allow.yaml"
    path.write_text("accepted:\n  - {kind: nonsense, activity: X}\n")
    message = _error(load_allow, path)
    assert f"{path}:2:12" in message and "skipped, dropped_out" in message


def test_allow_reads_every_form(tmp_path):
    path = tmp_path / "allow.yaml"
    path.write_text("version: 1\naccepted:\n  - {kind: repeated, activity: Pay, reason: fine}\n"
                    "  - {id: 'unexpected:Call'}\n  - {pattern: chatted after failing in the app}\n")
    allow = load_allow(path)
    assert allow.ids == {"repeated:Pay", "unexpected:Call"} and allow.patterns == {"chatted after failing in the app"}
    assert allow.reasons == {"repeated:Pay": "fine"} and allow.accepts("repeated:Pay")
