"""Rules files (YAML, see ``docs/rules.md``): cross-channel patterns and the channel vocabulary.

The file is read through :class:`~journeylog.config.yamldoc.YamlDoc`, so every mistake names its
file, line and column, and an unknown key gets a did-you-mean. Out come frozen dataclasses:
:class:`Step`, :class:`Pattern` and :class:`RuleSet`. The wording (default vocabulary, statement
placeholders, the built-in patterns named from the vocabulary) belongs to
:mod:`journeylog.explain`, which sits above this layer: it hands them in as :class:`RuleDefaults`
(``journeylog.explain.patterns.load_rules`` is the one-argument reader).
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.config.yamldoc import YamlDoc

__all__ = [
    "DEFAULT_WINDOW",
    "ONLINE",
    "WORD_KEYS",
    "CondValue",
    "Step",
    "Pattern",
    "RuleSet",
    "RuleDefaults",
    "slug",
    "load_rules",
]

DEFAULT_WINDOW = timedelta(hours=48)
ONLINE = "online"  # the vocabulary key for "web or app", used by the store pattern
WORD_KEYS: tuple[str, ...] = ("failing", "contact")
_TOP_KEYS = ("version", "window", "builtins", "vocabulary", "patterns")
_PATTERN_KEYS = ("name", "id", "statement", "steps")

Vocabulary = Mapping[str, Mapping[str, str]]

CondValue = str | None


def _norm_value(column: str, value: Any) -> CondValue:
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float, str)):
        text = str(value)
    else:
        raise TypeError(f"a condition value is a string, a number or null, not {type(value).__name__}")
    if column == S.CHANNEL:
        return S.normalise_channel_name(text)
    if column == S.OUTCOME:
        return S.OUTCOME_VALUES.get(text.strip().lower(), text)
    return text


@dataclass(frozen=True)
class Step:
    """Conditions one event must satisfy, and the most time allowed since the previous step's event.

    ``conditions`` maps a column to a value or a list of values (any of them; ``None`` = missing);
    channel and outcome values are normalised. ``matches`` maps a column to a regular expression
    the value must contain. ``within`` is ignored on the first step.

    >>> Step({"channel": ["Portal", "app"], "outcome": "failed"}).conditions
    {'channel': ('web', 'app'), 'outcome': ('failure',)}
    """

    conditions: Mapping[str, Any] = field(default_factory=dict, hash=False)
    within: timedelta | None = None
    matches: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        norm: dict[str, tuple[CondValue, ...]] = {}
        for column, value in self.conditions.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            norm[str(column)] = tuple(_norm_value(str(column), v) for v in values)
        object.__setattr__(self, "conditions", norm)
        object.__setattr__(self, "matches", {str(k): str(v) for k, v in self.matches.items()})

    def columns(self) -> list[str]:
        """The columns this step reads, conditions first, in order."""
        return list(dict.fromkeys([*self.conditions, *self.matches]))

    def describe(self) -> str:
        """Short text for notes: ``channel web, outcome failure``."""
        parts = []
        for column, values in self.conditions.items():
            shown = " or ".join("(missing)" if v is None else v for v in values)
            parts.append(f"{column} {shown}")
        parts += [f"{column} ~ /{rx}/" for column, rx in self.matches.items()]
        return ", ".join(parts) if parts else "any event"


@dataclass(frozen=True)
class Pattern:
    """A named sequence of steps with a statement template (None: the default template of
    :mod:`journeylog.explain.wording`).

    ``id`` is stable across vocabularies (built-ins: ``web-failure-then-phone``; others: a slug of
    the name). ``path``/``line`` say where a rules file defined it (for error messages).
    """

    name: str
    steps: tuple[Step, ...]
    statement: str | None = None
    builtin: bool = False
    id: str = ""
    path: str | None = None
    line: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        if not self.steps:
            raise ValueError("a pattern needs at least one step")
        if not self.id:
            object.__setattr__(self, "id", slug(self.name))


def slug(name: str) -> str:
    """A stable id from a name.

    >>> slug("Called twice within a week!")
    'called-twice-within-a-week'
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "pattern"



@dataclass(frozen=True)
class RuleSet:
    """The patterns to look for, the vocabulary that named them and the built-ins' window."""

    patterns: tuple[Pattern, ...] = ()
    vocabulary: Vocabulary = field(default_factory=dict, hash=False)
    window: timedelta = DEFAULT_WINDOW
    path: str | None = None


@dataclass(frozen=True)
class RuleDefaults:
    """What a rules file is read against, given by :mod:`journeylog.explain` (config sits below it).

    ``vocabulary``: the default channel words a file's ``vocabulary`` overrides; ``placeholders``:
    the names a ``statement`` template may use; ``builtins``: the built-in patterns named from a
    vocabulary, with a window between their steps.
    """

    vocabulary: Vocabulary
    placeholders: Collection[str]
    builtins: Callable[[Vocabulary, timedelta], tuple[Pattern, ...]]


def _check_template(doc: YamlDoc, node: Any, template: str, placeholders: Collection[str]) -> None:
    try:
        parsed = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise doc.error(node, f"bad statement template: {exc}", hint="write braces as {{ and }}") from None
    for name, spec, conv in parsed:
        if spec or conv:  # '{journeys:d}', '{x:{y}}', '{share:>99999999}', '{name!r}': values are text already
            shown = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            raise doc.error(node, f"format specs are not allowed in a statement: {shown[:60]!r}",
                            hint="the values are already formatted; write {" + name[:40] + "}")
    for name, _spec, _conv in parsed:
        if name not in placeholders:
            raise doc.error(node, f"unknown placeholder {{{name}}} in the statement",
                            hint="one of " + ", ".join("{" + p + "}" for p in placeholders))


def _check_regex(doc: YamlDoc, node: Any, regex: str) -> None:
    try:
        pl.Series([""], dtype=pl.String).str.contains(regex)
    except Exception as exc:  # Polars' (Rust) regex syntax decides
        first = str(exc).strip().splitlines()
        raise doc.error(node, f"bad regular expression {regex!r}: {first[-1] if first else exc}") from None


def _parse_step(doc: YamlDoc, node: Any, index: int, where: str) -> Step:
    entries = doc.mapping(node, f"step {index} of {where}")
    within = None
    conditions: dict[str, Any] = {}
    matches: dict[str, str] = {}
    for key, (key_node, value_node) in entries.items():
        if key == "within":
            if index == 1:
                raise doc.error(key_node, "the first step cannot have `within` (it is the time since the previous step)")
            within = doc.duration(value_node, "within")
        elif key == "matches":
            for column, (_col_node, rx_node) in doc.mapping(value_node, "matches").items():
                regex = doc.text(rx_node, f"the regular expression for {column!r}")
                _check_regex(doc, rx_node, regex)
                matches[column] = regex
        else:
            value = doc.value(value_node)
            values = value if isinstance(value, list) else [value]
            if isinstance(value, list) and not value:
                raise doc.error(value_node, f"the condition on {key!r} lists no values")
            for v in values:
                if isinstance(v, (dict, list)):
                    raise doc.error(value_node, f"the condition on {key!r} takes a value or a list of values")
            conditions[key] = values
    if not conditions and not matches:
        raise doc.error(node, f"step {index} of {where} has no condition",
                        hint="e.g. {channel: phone} or {activity: Pay, outcome: failure}")
    return Step(conditions, within=within, matches=matches)


def load_rules(path: str | os.PathLike[str], defaults: RuleDefaults) -> RuleSet:
    """Read a rules file: built-ins (unless ``builtins: false``) renamed by its ``vocabulary``, with
    its ``window``, plus its own ``patterns``.

    Every mistake is an :class:`~journeylog.errors.InvalidInput` naming the file, line and column.
    """
    doc = YamlDoc(path, "the rules file")
    try:
        return _rules_from(doc, defaults)
    finally:
        doc.loader.dispose()


def _rules_from(doc: YamlDoc, defaults: RuleDefaults) -> RuleSet:
    label = doc.label
    if doc.root is None:
        return RuleSet(patterns=defaults.builtins(defaults.vocabulary, DEFAULT_WINDOW), vocabulary=defaults.vocabulary,
                       path=label)
    top = doc.mapping(doc.root, "the rules file")
    doc.unknown(top, _TOP_KEYS, "the rules file")
    if "version" in top and doc.value(top["version"][1]) != 1:
        raise doc.error(top["version"][1], "unsupported rules version", hint="version: 1")
    window = doc.duration(top["window"][1], "window") if "window" in top else DEFAULT_WINDOW
    builtins = True
    if "builtins" in top:
        builtins = doc.value(top["builtins"][1])
        if not isinstance(builtins, bool):
            raise doc.error(top["builtins"][1], "`builtins` is true or false")
    vocabulary: dict[str, dict[str, str]] = {k: dict(v) for k, v in defaults.vocabulary.items()}
    if "vocabulary" in top:
        _vocabulary_from(doc, top["vocabulary"][1], vocabulary)
    patterns: list[Pattern] = list(defaults.builtins(vocabulary, window)) if builtins else []
    if "patterns" in top:
        for p_node in doc.sequence(top["patterns"][1], "`patterns`"):
            patterns.append(_pattern_from(doc, p_node, patterns, defaults.placeholders))
    return RuleSet(patterns=tuple(patterns), vocabulary=vocabulary, window=window, path=label)


def _vocabulary_from(doc: YamlDoc, node: Any, vocabulary: dict[str, dict[str, str]]) -> None:
    """Merge the file's ``vocabulary`` section into ``vocabulary`` (channel names normalised)."""
    for channel, (ch_node, words_node) in doc.mapping(node, "vocabulary").items():
        key = " ".join(channel.strip().lower().split())
        key = key if key == ONLINE else S.normalise_channel_name(key)
        if not key:
            raise doc.error(ch_node, "an empty channel name in the vocabulary")
        words = doc.mapping(words_node, f"the words for {channel!r}")
        doc.unknown(words, WORD_KEYS, f"the words for {channel!r}")
        entry = vocabulary.setdefault(key, {})
        for word_key, (_, w_node) in words.items():
            entry[word_key] = doc.text(w_node, f"{channel}.{word_key}").strip()


def _pattern_from(doc: YamlDoc, p_node: Any, earlier: list[Pattern], placeholders: Collection[str]) -> Pattern:
    """One entry of ``patterns``; its name and id must differ from every ``earlier`` pattern's."""
    entries = doc.mapping(p_node, "a pattern")
    doc.unknown(entries, _PATTERN_KEYS, "a pattern")
    if "name" not in entries:
        raise doc.error(p_node, "a pattern needs a `name`")
    name = " ".join(doc.text(entries["name"][1], "the name").split())
    statement = None
    if "statement" in entries:
        statement = doc.text(entries["statement"][1], "the statement")
        _check_template(doc, entries["statement"][1], statement, placeholders)
    pid = slug(name)
    if "id" in entries:
        pid = doc.text(entries["id"][1], "the id").strip()
    if "steps" not in entries:
        raise doc.error(p_node, f"the pattern {name!r} has no `steps`")
    step_nodes = doc.sequence(entries["steps"][1], "`steps`")
    if not step_nodes:
        raise doc.error(entries["steps"][1], f"the pattern {name!r} has an empty `steps` list")
    steps = tuple(_parse_step(doc, n, i, repr(name)) for i, n in enumerate(step_nodes, 1))
    for other in earlier:
        if other.name == name or other.id == pid:
            what = "a built-in pattern" if other.builtin else "another pattern"
            raise doc.error(entries["name"][1], f"{what} is already called {name!r} (id {other.id!r})",
                            hint="rename it" + (" or set `builtins: false`" if other.builtin else ""))
    return Pattern(name=name, steps=steps, statement=statement, id=pid, path=doc.label, line=doc.line(p_node))
