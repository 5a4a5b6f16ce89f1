"""GitHub Actions workflow commands (annotations) for ``check`` and ``drift``: one home for the
escaping and both builders.

>>> gh_property("a:b, c"), gh_data("100%\\nnow")
('a%3Ab%2C c', '100%25%0Anow')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from journeylog.check import FAIL, WARN, CheckResult

__all__ = ["gh_data", "gh_property", "check_annotations", "drift_annotations"]


def gh_data(s: str) -> str:
    """Escape a workflow command's message (``%``, CR, LF)."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(s: str) -> str:
    """Escape a workflow command's property value (also ``:`` and ``,``)."""
    return gh_data(s).replace(":", "%3A").replace(",", "%2C")


def check_annotations(results: Sequence[CheckResult], *, file: str | None = None) -> list[str]:
    """``::error title=...::message`` for FAIL checks and ``::warning ...`` for WARN checks."""
    lines = []
    for r in results:
        if r.status not in (FAIL, WARN):
            continue
        level = "error" if r.status == FAIL else "warning"
        props = []
        if file:
            props.append(f"file={gh_property(file)}")
        props.append(f"title={gh_property('journeylog check ' + r.name)}")
        lines.append(f"::{level} {','.join(props)}::{gh_data(r.message)}")
    return lines


def drift_annotations(data: Mapping[str, Any], *, level: str = "warning") -> list[str]:
    """One workflow command per change of a drift JSON (``::warning title=...::statement``)."""
    return [f"::{level} title={gh_property('journeylog drift ' + c['item'])}::{gh_data(c['statement'])}"
            for c in data["changes"]]
