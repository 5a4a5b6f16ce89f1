"""Errors about files a source map points at never show those files' content.

The user names the source map on the command line; the sources, identity table and customers
table it points at are not named by the user, and a map (from another team, a pull request) can
point at any file inside its folder, links included. So an error raised while reading such a file
keeps its FILE:ROW location and its wording, but every quoted value and every listed column name
that is not a word of the map itself or of journeylog (a column role, a format example) becomes
``<not shown>``, and a location column that is not such a word is left out.

>>> from journeylog.errors import InvalidInput
>>> err = InvalidInput("timestamp 'root:x:0:0' is not a date", path="t.csv", row=2, column="root:x:0:0",
...                    hint="columns found: root:x:0:0, timestamp; give --timestamp-format, e.g. '%d/%m/%Y %H:%M'")
>>> print(redacted(err, "sources:\\n  - path: t.csv\\n").one_line())  # doctest: +NORMALIZE_WHITESPACE
t.csv:2: timestamp <not shown> is not a date
(hint: columns found: timestamp, 1 not shown; give --timestamp-format, e.g. '%d/%m/%Y %H:%M')
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from journeylog.errors import JourneylogError

__all__ = ["NOT_SHOWN", "content_hidden", "hide_content", "redacted"]

NOT_SHOWN = "<not shown>"

#: a Python repr of a string, not glued to a word (so "the map's folder" is no quote)
_QUOTED = re.compile(r"""(?<![\w])('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")(?![\w])""")
#: a list of column (or channel) names, up to the end of the clause
_LISTED = re.compile(r"(columns found|its columns|columns|channels in the log): ([^;()]*)")


@functools.cache
def _own_words() -> frozenset[str]:
    """The string literals of journeylog's own source (a role name, a format example): such a
    value is not news. Empty when the sources are not installed (then only the map's words are kept)."""
    root = Path(__file__).resolve().parents[1]
    parts: list[str] = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "redact.py":  # its examples are data
            continue
        try:
            parts.append(path.read_text(encoding="utf-8"))
        except OSError:
            continue
    return frozenset(m.group(2) for m in _LITERAL.finditer("\n".join(parts)))


_LITERAL = re.compile(r"""(['"])([^'"\\\n]{1,200})\1""")


def _known(word: str, map_text: str) -> bool:
    return bool(word) and (word in map_text or word in _own_words())


def _unquote(literal: str) -> str:
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError):
        return literal[1:-1]
    return value if isinstance(value, str) else literal[1:-1]


def hide_content(text: str | None, map_text: str) -> str | None:
    """``text`` with quoted values and listed names that are not the map's or journeylog's words
    replaced (see :func:`redacted`)."""
    if text is None:
        return None

    def quoted(m: re.Match[str]) -> str:
        return m.group(0) if _known(_unquote(m.group(1)), map_text) else NOT_SHOWN

    def listed(m: re.Match[str]) -> str:
        names = [n.strip() for n in m.group(2).split(",") if n.strip()]
        kept = [n for n in names if _known(n, map_text)]
        hidden = len(names) - len(kept)
        return f"{m.group(1)}: " + ", ".join(kept + ([f"{hidden} not shown"] if hidden else []))

    return _QUOTED.sub(quoted, _LISTED.sub(listed, text))


def redacted(exc: JourneylogError, map_text: str) -> JourneylogError:
    """``exc`` with the content of the file it is about hidden (see the module docstring);
    ``map_text``: the source map's text, whose words may be shown."""
    column = exc.column
    if isinstance(column, str) and not _known(column, map_text):
        column = None
    return replace(exc, message=hide_content(exc.message, map_text) or "", hint=hide_content(exc.hint, map_text),
                   more=hide_content(exc.more, map_text), column=column)


@contextmanager
def content_hidden(map_text: str) -> Iterator[None]:
    """Errors raised inside show no content of the files a source map points at."""
    try:
        yield
    except JourneylogError as exc:
        raise redacted(exc, map_text) from None
