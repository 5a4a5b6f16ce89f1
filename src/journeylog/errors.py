"""The exit-code table and the one error type every reader, model loader and check raises.

Every failure a user can cause is a :class:`JourneylogError`. The CLI prints it as one line::

    journeylog: error: FILE:ROW:COLUMN: what is wrong (hint)

and exits with its ``code``. Anything else that escapes is a bug (exit 70).

>>> err = InvalidInput("timestamp 'not-a-date' does not parse", path="calls.csv", row=17,
...                    column="started_at", hint="give --timestamp-format")
>>> err.one_line()
"calls.csv:17:started_at: timestamp 'not-a-date' does not parse (hint: give --timestamp-format)"
>>> err.code
3
"""

from __future__ import annotations

from dataclasses import dataclass

OK = 0
CHECK_FAILED = 1
USAGE = 2
INVALID_INPUT = 3
RESOURCE_LIMIT = 4
UNSAFE_INPUT = 5
INTERNAL_ERROR = 70

EXIT_CODES: dict[int, str] = {
    OK: "ok",
    CHECK_FAILED: "a check failed (check, drift --fail-on-drift)",
    USAGE: "usage error: bad option, missing or non-regular file",
    INVALID_INPUT: "invalid input: a log, model, rules or baseline file is malformed",
    RESOURCE_LIMIT: "a resource limit was exceeded (size caps, memory)",
    UNSAFE_INPUT: "unsafe input refused (XML DOCTYPE/entities, URLs as paths)",
    INTERNAL_ERROR: "internal error: a bug in journeylog, please report it (rerun with --debug)",
}


@dataclass
class JourneylogError(Exception):
    """A user-facing error with a location, a hint and a stable exit code."""

    message: str
    path: str | None = None
    row: int | None = None
    column: str | int | None = None
    hint: str | None = None
    code: int = INVALID_INPUT
    more: str | None = None  # an optional second line, e.g. "and 41 more rows like it"

    def __post_init__(self) -> None:
        super().__init__(self.one_line())

    def location(self) -> str:
        parts = [str(p) for p in (self.path, self.row, self.column) if p is not None and p != ""]
        return ":".join(parts)

    def one_line(self) -> str:
        loc = self.location()
        text = f"{loc}: {self.message}" if loc else self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return " ".join(text.split("\n"))

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
