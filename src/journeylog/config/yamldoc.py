"""Configuration files (rules, allow-lists, journeylog.yaml, source maps): YAML read as nodes so
every mistake names its file, line and column, and durations such as ``48h`` or ``1d12h``.

>>> parse_duration("1d12h")
datetime.timedelta(days=1, seconds=43200)
>>> parse_duration("48")
Traceback (most recent call last):
...
ValueError: cannot read the duration '48': give a number and a unit (45s, 90min, 48h, 7d, 2w)
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from journeylog.errors import InvalidInput, ResourceLimit
from journeylog.io.files import local_file, refuse_unread_compression

MAX_CONFIG_BYTES = 8 * 1024 * 1024
#: the longest duration a setting may give (a window, gap or settle beyond a century means nothing)
MAX_DURATION = timedelta(days=36_525)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: Any) -> timedelta:
    """``48h``, ``7d``, ``90min``, ``1d12h``, ``2w``, ``45s`` -> timedelta (``m`` = minutes)."""
    raw = str(text).strip().lower().replace(" ", "")
    parts = re.findall(r"(\d+(?:\.\d+)?)(sec|min|[smhdw])", raw)
    if isinstance(text, bool) or not raw or "".join(a + b for a, b in parts) != raw:
        raise ValueError(f"cannot read the duration {str(text)!r}: give a number and a unit (45s, 90min, 48h, 7d, 2w)")
    seconds = sum(float(v) * _UNITS[u] for v, u in parts)
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"the duration {str(text)!r} is longer than {MAX_DURATION.days:,} days")
    return timedelta(seconds=seconds)


#: the most values a configuration file may hold once its aliases (``*name``) are expanded
MAX_EXPANDED_NODES = 100_000
#: the deepest nesting of lists and mappings a configuration file may have
MAX_DEPTH = 200


def _refuse_alias_bombs(root: Any, label: str, what: str) -> None:
    """A file whose aliases expand to more than :data:`MAX_EXPANDED_NODES` values (a "billion
    laughs"), that refers to itself, or nests deeper than :data:`MAX_DEPTH` is a resource limit:
    nothing is expanded or printed. One pass over the nodes, each counted once (memoised)."""
    size: dict[int, int] = {}
    stack: list[tuple[Any, bool, int]] = [(root, False, 0)]
    open_ids: set[int] = set()
    while stack:
        node, done, depth = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            open_ids.discard(key)
            size[key] = min(1 + sum(size[id(c)] for c in children), MAX_EXPANDED_NODES + 1)
            continue
        if key in size:
            continue
        mark = getattr(node, "start_mark", None)
        row = mark.line + 1 if mark else None
        if key in open_ids:
            raise ResourceLimit(f"{what} has an alias that refers to itself", path=label, row=row)
        if depth > MAX_DEPTH:
            raise ResourceLimit(f"{what} nests deeper than {MAX_DEPTH} levels", path=label, row=row)
        open_ids.add(key)
        stack.append((node, True, depth))
        stack.extend((c, False, depth + 1) for c in children if id(c) not in size)
    if size[id(root)] > MAX_EXPANDED_NODES:
        raise ResourceLimit(f"{what} expands to more than {MAX_EXPANDED_NODES:,} values through its aliases "
                            "(*name)", path=label, hint="write the values out instead of nesting aliases")


def _children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


class YamlDoc:
    """A YAML file as nodes (safe loader only), with helpers that raise located errors."""

    def __init__(self, path: str | os.PathLike[str], what: str = "the file") -> None:
        import yaml

        self.label = os.fspath(path)
        file = local_file(path)
        if file.stat().st_size > MAX_CONFIG_BYTES:  # before reading it
            raise ResourceLimit(f"{what} is larger than {MAX_CONFIG_BYTES:,} bytes", path=self.label)
        refuse_unread_compression(file)
        with open(file, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ResourceLimit(f"{what} is larger than {MAX_CONFIG_BYTES:,} bytes", path=self.label)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{what} is not UTF-8", path=self.label) from None
        try:
            self.loader = yaml.SafeLoader(text)  # the reader refuses control characters here already
            self.root = self.loader.get_single_node()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InvalidInput(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", path=self.label,
                               row=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None) from None
        except RecursionError:
            raise ResourceLimit(f"{what} nests too deeply", path=self.label) from None
        _refuse_alias_bombs(self.root, self.label, what)

    def error(self, node: Any, message: str, hint: str | None = None) -> InvalidInput:
        mark = getattr(node, "start_mark", None)
        return InvalidInput(message, path=self.label, row=mark.line + 1 if mark else None,
                            column=mark.column + 1 if mark else None, hint=hint)

    def line(self, node: Any) -> int | None:
        mark = getattr(node, "start_mark", None)
        return mark.line + 1 if mark else None

    def value(self, node: Any) -> Any:
        import yaml

        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self.error(node, f"invalid YAML value: {getattr(exc, 'problem', None) or exc}") from None

    def mapping(self, node: Any, what: str, allowed: Sequence[str] | None = None) -> dict[str, tuple[Any, Any]]:
        """Keys -> (key node, value node); duplicate keys and keys outside ``allowed`` are errors."""
        import yaml

        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"{what} must be a mapping (key: value)")
        out: dict[str, tuple[Any, Any]] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if not isinstance(key, str):
                raise self.error(key_node, f"keys in {what} are names, not {key!r}")
            if key in out:
                raise self.error(key_node, f"duplicate key {key!r} in {what}")
            out[key] = (key_node, value_node)
        if allowed is not None:
            self.unknown(out, allowed, what)
        return out

    def unknown(self, found: dict[str, tuple[Any, Any]], allowed: Sequence[str], what: str) -> None:
        for key, (key_node, _) in found.items():
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1)
                hint = f"did you mean {close[0]!r}?" if close else "one of " + ", ".join(allowed)
                raise self.error(key_node, f"unknown key {key!r} in {what}", hint=hint)

    def sequence(self, node: Any, what: str) -> list[Any]:
        import yaml

        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, f"{what} must be a list")
        return list(node.value)

    def text(self, node: Any, what: str) -> str:
        value = self.value(node)
        if not isinstance(value, str) or not value.strip():
            raise self.error(node, f"{what} must be a non-empty text")
        return value

    def duration(self, node: Any, what: str) -> timedelta:
        try:
            return parse_duration(self.value(node))
        except ValueError as exc:
            raise self.error(node, f"{what}: {exc}") from None
