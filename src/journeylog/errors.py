"""The exit-code table and the one error type every reader, model loader and check raises.

Every failure a user can cause is a :class:`JourneylogError`. The CLI prints it as one line::

    journeylog: error: FILE:ROW:COLUMN: what is wrong (hint)

and exits with its ``code``. Anything else that escapes is a bug (exit 70).

Messages name the library's PARAMETERS, never command-line flags: :func:`param` marks a
parameter name inside a message or hint, the library renders it as the plain name and the CLI
through its own spelling (``one_line(flags=...)``; default ``--`` + the name with dashes):

>>> err = InvalidInput("timestamp 'not-a-date' does not parse", path="calls.csv", row=17,
...                    column="started_at", hint=f"give {param('timestamp_format')}")
>>> err.one_line()
"calls.csv:17:started_at: timestamp 'not-a-date' does not parse (hint: give timestamp_format)"
>>> err.one_line(flags={})
"calls.csv:17:started_at: timestamp 'not-a-date' does not parse (hint: give --timestamp-format)"
>>> int(err.code)
3
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

#: the brackets around a parameter name inside a message (U+27E6, U+27E7)
PARAM_OPEN, PARAM_CLOSE = "\u27e6", "\u27e7"
PARAM_TOKEN = re.compile(PARAM_OPEN + r"([A-Za-z_][A-Za-z0-9_]*)" + PARAM_CLOSE)


def param(name: str) -> str:
    """A parameter's name as a token for a message or hint; :meth:`JourneylogError.one_line`
    renders it as the name (library) or as the CLI's flag for it.

    >>> param("delimiter")
    '⟦delimiter⟧'
    """
    if not PARAM_TOKEN.fullmatch(PARAM_OPEN + name + PARAM_CLOSE):
        raise ValueError(f"not a parameter name: {name!r}")
    return PARAM_OPEN + name + PARAM_CLOSE


def flag_for(name: str, flags: Mapping[str, str]) -> str:
    """The spelling of parameter ``name`` in ``flags``, else ``--`` + the name with dashes.

    >>> flag_for("skip_invalid_rows", {}), flag_for("date_from", {"date_from": "--from"})
    ('--skip-invalid-rows', '--from')
    """
    return flags.get(name, "--" + name.replace("_", "-"))


def render_params(text: str, flags: Mapping[str, str] | None = None) -> str:
    """``text`` with every :func:`param` token rendered: the plain name without ``flags``, else
    through ``flags`` (see :func:`flag_for`).

    >>> render_params(f"give {param('delimiter')} ';'")
    "give delimiter ';'"
    >>> render_params(f"loosen {param('date_from')}", {"date_from": "--from"})
    'loosen --from'
    """
    if flags is None:
        return PARAM_TOKEN.sub(lambda m: m.group(1), text)
    return PARAM_TOKEN.sub(lambda m: flag_for(m.group(1), flags), text)


class ExitCode(IntEnum):
    """journeylog's exit codes: the one table the CLI, the help text, README and docs render."""

    OK = 0
    CHECK_FAILED = 1
    USAGE = 2
    INVALID_INPUT = 3
    RESOURCE_LIMIT = 4
    UNSAFE_INPUT = 5
    INTERNAL_ERROR = 70

    @property
    def description(self) -> str:
        """What the code means, in one line."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS: dict[ExitCode, str] = {
    ExitCode.OK: "ok; for `check`: every error-level check passed (warnings are printed)",
    ExitCode.CHECK_FAILED: "`check`: an error-level check failed; `drift --fail-on-drift`: a significant change was found",
    ExitCode.USAGE: "usage error: bad option or value, missing file, a directory or device given as a file",
    ExitCode.INVALID_INPUT: "invalid input: a malformed log, model, rules, allow-list, journeylog.yaml or baseline",
    ExitCode.RESOURCE_LIMIT: ("a resource limit was exceeded (input size and event caps, compression ratio, "
                              "XML/YAML/JSON depth and size limits, memory, a full disk)"),
    ExitCode.UNSAFE_INPUT: ("unsafe input refused: XML with a DOCTYPE or entities, a URL given as a path, "
                            "a source map naming files outside its folder"),
    ExitCode.INTERNAL_ERROR: "internal error (a bug): rerun with `--debug` for the traceback",
}

OK = ExitCode.OK
CHECK_FAILED = ExitCode.CHECK_FAILED
USAGE = ExitCode.USAGE
INVALID_INPUT = ExitCode.INVALID_INPUT
RESOURCE_LIMIT = ExitCode.RESOURCE_LIMIT
UNSAFE_INPUT = ExitCode.UNSAFE_INPUT
INTERNAL_ERROR = ExitCode.INTERNAL_ERROR

#: code -> description, for tables and help text
EXIT_CODES: dict[int, str] = {int(code): code.description for code in ExitCode}


def exit_code_table() -> str:
    """The exit codes as a Markdown table (README, docs and a drift test render this).

    >>> print(exit_code_table().splitlines()[2])
    | 0 | ok; for `check`: every error-level check passed (warnings are printed) |
    """
    rows = ["| code | meaning |", "|---:|---|"]
    rows += [f"| {int(code)} | {code.description} |" for code in ExitCode]
    return "\n".join(rows)


@dataclass
class JourneylogError(Exception):
    """A user-facing error with a location, a hint and a stable exit code."""

    message: str
    path: str | None = None
    row: int | None = None
    column: str | int | None = None
    hint: str | None = None
    code: int = ExitCode.INVALID_INPUT
    more: str | None = None  # an optional second line, e.g. "and 41 more rows like it"

    def __post_init__(self) -> None:
        super().__init__(self.one_line())

    def location(self) -> str:
        parts = [str(p) for p in (self.path, self.row, self.column) if p is not None and p != ""]
        return ":".join(parts)

    def one_line(self, flags: Mapping[str, str] | None = None) -> str:
        """Location, message and hint on one line; parameter tokens rendered as plain names, or
        through ``flags`` (parameter -> CLI spelling) when given (see :func:`render_params`).

        >>> e = UsageError(f"{param('top_variants')} must be at least 1", hint=f"or give {param('coverage')}")
        >>> e.one_line()
        'top_variants must be at least 1 (hint: or give coverage)'
        >>> e.one_line(flags={"coverage": "--cover"})
        '--top-variants must be at least 1 (hint: or give --cover)'
        """
        loc = self.location()
        text = f"{loc}: {self.message}" if loc else self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return render_params(" ".join(text.split("\n")), flags)

    def more_line(self, flags: Mapping[str, str] | None = None) -> str | None:
        """The optional second line (``more``), tokens rendered as in :meth:`one_line`."""
        return None if self.more is None else render_params(self.more, flags)

    def __str__(self) -> str:  # dataclass would otherwise show the repr
        return self.one_line()


class UsageError(JourneylogError):
    """Bad option values, missing files, directories given as files (exit 2)."""

    def __init__(self, message: str, **kw) -> None:
        kw.setdefault("code", USAGE)
        super().__init__(message, **kw)


class InvalidInput(JourneylogError):
    """Malformed data, models, rules or baselines (exit 3)."""

    def __init__(self, message: str, **kw) -> None:
        kw.setdefault("code", INVALID_INPUT)
        super().__init__(message, **kw)


class ResourceLimit(JourneylogError):
    """An input exceeded a configured size cap (exit 4)."""

    def __init__(self, message: str, **kw) -> None:
        kw.setdefault("code", RESOURCE_LIMIT)
        super().__init__(message, **kw)


class UnsafeInput(JourneylogError):
    """Input refused for safety: XML DOCTYPE/entities, URLs given as paths (exit 5)."""

    def __init__(self, message: str, **kw) -> None:
        kw.setdefault("code", UNSAFE_INPUT)
        super().__init__(message, **kw)
