"""journeylog.config.yamldoc: every configuration mistake is located (file, line, column counted
from 1, as an editor shows them) with a did-you-mean hint; durations with units."""

from __future__ import annotations

from datetime import timedelta

import pytest

from factories import write_file
from journeylog.config import yamldoc
from journeylog.config.yamldoc import YamlDoc, parse_duration
from journeylog.errors import InvalidInput, ResourceLimit


def where(text: str, needle: str) -> tuple[int, int]:
    """(line, column), both from 1, of the first ``needle`` in ``text``: the oracle for locations."""
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def doc(tmp_path, text: str) -> YamlDoc:
    return YamlDoc(write_file(tmp_path, "rules.yaml", text), "the rules file")


@pytest.mark.parametrize(("text", "expected"), [
    ("48h", timedelta(hours=48)), ("7d", timedelta(days=7)), ("90min", timedelta(minutes=90)), ("10m", timedelta(minutes=10)),
    ("1d12h", timedelta(hours=36)), ("2w", timedelta(weeks=2)), ("45s", timedelta(seconds=45)), ("30sec", timedelta(seconds=30)),
    ("1.5h", timedelta(minutes=90)), ("1h 30min", timedelta(minutes=90)), (" 2D ", timedelta(days=2)),
])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "48", "h", "1x", "1h30", "-1h", "1,5h", True, None])
def test_parse_duration_refuses(text):
    with pytest.raises(ValueError, match="give a number and a unit"):
        parse_duration(text)


def test_unknown_key_is_located_with_did_you_mean(tmp_path):
    text = "version: 1\npatterns:\n  - name: calls\n    windw: 48h\n"
    d = doc(tmp_path, text)
    top = d.mapping(d.root, "the rules file", allowed=["version", "patterns"])
    item = d.sequence(top["patterns"][1], "patterns")[0]
    with pytest.raises(InvalidInput) as err:
        d.mapping(item, "a pattern", allowed=["name", "steps", "window"])
    e = err.value
    assert (e.path, (e.row, e.column)) == (str(tmp_path / "rules.yaml"), where(text, "windw"))
    assert e.message == "unknown key 'windw' in a pattern" and e.hint == "did you mean 'window'?"


def test_unknown_key_without_a_close_match_lists_the_keys(tmp_path):
    d = doc(tmp_path, "zzz: 1\n")
    with pytest.raises(InvalidInput) as err:
        d.mapping(d.root, "the rules file", allowed=["version", "patterns"])
    assert err.value.hint == "one of version, patterns" and (err.value.row, err.value.column) == (1, 1)


def test_duplicate_key_is_located_at_the_second(tmp_path):
    text = "window: 1d\nbuiltins: true\nwindow: 2d\n"
    d = doc(tmp_path, text)
    with pytest.raises(InvalidInput) as err:
        d.mapping(d.root, "the rules file")
    assert "duplicate key 'window'" in err.value.message and err.value.row == 3


@pytest.mark.parametrize(("text", "method", "message"), [
    ("- a\n- b\n", "mapping", "the rules file must be a mapping (key: value)"),
    ("a: 1\n", "sequence", "the rules file must be a list"),
    ("1: a\n", "mapping", "keys in the rules file are names, not 1"),
])
def test_wrong_shapes(tmp_path, text, method, message):
    d = doc(tmp_path, text)
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        getattr(d, method)(d.root, "the rules file")


def test_values_text_and_durations_are_located(tmp_path):
    text = "name: '  '\nwindow: fortnight\nlimit: 48h\n"
    d = doc(tmp_path, text)
    m = d.mapping(d.root, "the rules file")
    with pytest.raises(InvalidInput) as err:
        d.text(m["name"][1], "name")
    assert err.value.message == "name must be a non-empty text" and (err.value.row, err.value.column) == where(text, "'  '")
    with pytest.raises(InvalidInput) as err:
        d.duration(m["window"][1], "window")
    assert err.value.message.startswith("window: cannot read the duration 'fortnight'")
    assert (err.value.row, err.value.column) == where(text, "fortnight")
    assert d.duration(m["limit"][1], "limit") == timedelta(hours=48)
    assert d.line(m["limit"][0]) == 3


def test_invalid_yaml_is_located(tmp_path):
    text = "patterns:\n  - name: a\n   steps: [\n"
    with pytest.raises(InvalidInput) as err:
        doc(tmp_path, text)
    assert err.value.message.startswith("invalid YAML: ") and err.value.row == 3 and err.value.column is not None


def test_unsafe_yaml_tags_are_refused(tmp_path):
    d = doc(tmp_path, "x: !!python/object/apply:os.system ['true']\n")
    m = d.mapping(d.root, "the rules file")
    with pytest.raises(InvalidInput, match="invalid YAML value") as err:
        d.value(m["x"][1])
    assert err.value.row == 1


def test_not_utf8_and_too_large(tmp_path, monkeypatch):
    with pytest.raises(InvalidInput, match="the rules file is not UTF-8"):
        YamlDoc(write_file(tmp_path, "latin.yaml", "name: caf\xe9\n".encode("latin-1")), "the rules file")
    monkeypatch.setattr(yamldoc, "MAX_CONFIG_BYTES", 10)
    with pytest.raises(ResourceLimit, match="larger than 10 bytes"):
        doc(tmp_path, "version: 1\npatterns: []\n")
