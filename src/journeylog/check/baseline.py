"""The committed baseline of ``journeylog check``: built from one conformance result, written as
deterministic JSON, read back and validated.

>>> b = baseline_from({"method": "alignments", "journeys": 3, "fitness": 0.123456789, "fitting_share": 0.5,
...                    "fitting_share_accepted": 0.5, "precision": None,
...                    "deviations": [{"id": "skipped:A", "share": 1 / 3, "accepted": False}], "patterns": []})
>>> b["fitness"], b["deviations"]
(0.123457, {'skipped:A': 0.333333})
>>> validate_baseline(b) is b
True
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from typing import Any

from journeylog.config.project import number
from journeylog.errors import InvalidInput
from journeylog.io.files import read_input_bytes, write_text_atomic
from journeylog.io.jsonio import loads_checked

__all__ = ["BASELINE_VERSION", "DIGITS", "MAX_BASELINE_BYTES", "baseline_from", "baseline_text", "write_baseline",
           "read_baseline", "validate_baseline"]

BASELINE_VERSION = 1
DIGITS = 6  # shares and figures in a baseline are rounded to this many digits
MAX_BASELINE_BYTES = 16 * 1024 * 1024


def _round(x: Any) -> float | None:
    if x is None:
        return None
    v = float(x)
    if not math.isfinite(v):
        return None
    r = round(v, DIGITS)
    return 0.0 if r == 0 else r  # no "-0.0"


def baseline_from(conformance: Mapping[str, Any]) -> dict[str, Any]:
    """The baseline of one conformance result (the JSON of ``conform``): figures and the share of
    every deviation and pattern, rounded, accepted ones left out."""
    devs = {d["id"]: _round(d["share"]) for d in conformance.get("deviations", []) if not d.get("accepted")}
    pats = {p["name"]: _round(p["share"]) for p in conformance.get("patterns", []) if not p.get("accepted")}
    return {
        "version": BASELINE_VERSION,
        "method": conformance.get("method"),
        "journeys": int(conformance.get("journeys") or 0),
        "fitness": _round(conformance.get("fitness")),
        "fitting_share": _round(conformance.get("fitting_share")),
        "fitting_share_accepted": _round(conformance.get("fitting_share_accepted")),
        "precision": _round(conformance.get("precision")),
        "deviations": dict(sorted(devs.items())),
        "patterns": dict(sorted(pats.items())),
    }


def baseline_text(baseline: Mapping[str, Any]) -> str:
    """Deterministic, diff-friendly JSON: sorted keys, one item per line, trailing newline."""
    return json.dumps(baseline, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def write_baseline(conformance: Mapping[str, Any], path: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the baseline of ``conformance`` to ``path`` (atomically) and return it."""
    data = baseline_from(conformance)
    write_text_atomic(path, baseline_text(data))
    return data


def read_baseline(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and validate a baseline file; anything malformed is InvalidInput (exit 3)."""
    label = os.fspath(path)
    raw = read_input_bytes(path, max_bytes=MAX_BASELINE_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the baseline is not UTF-8 JSON", path=label) from None
    try:
        data = loads_checked(text, label=label, constants=False)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the baseline is not valid JSON: {exc.msg}", path=label, row=exc.lineno, column=exc.colno,
                           hint="write it with journeylog check --write-baseline") from None
    except ValueError as exc:
        raise InvalidInput(f"the baseline contains {exc}", path=label) from None
    return validate_baseline(data, label)


def validate_baseline(data: Any, label: str = "baseline") -> dict[str, Any]:
    """Check the structure of a baseline dict (see :func:`baseline_from`); return it."""
    hint = "write it with journeylog check --write-baseline"
    if not isinstance(data, dict):
        raise InvalidInput("the baseline must be a JSON object", path=label, hint=hint)
    version = data.get("version")
    if version != BASELINE_VERSION:
        raise InvalidInput(f"unsupported baseline version {version!r} (this journeylog reads version {BASELINE_VERSION})",
                           path=label, hint=hint)
    journeys = data.get("journeys")
    if isinstance(journeys, bool) or not isinstance(journeys, int) or journeys < 0:
        raise InvalidInput("baseline field 'journeys' must be a whole number", path=label, hint=hint)
    for key in ("fitness", "fitting_share", "fitting_share_accepted", "precision"):
        if key not in data:
            raise InvalidInput(f"the baseline has no field {key!r}", path=label, hint=hint)
        v = data[key]
        if v is not None and (number(v) is None or not 0 <= float(v) <= 1):
            raise InvalidInput(f"baseline field {key!r} must be a number between 0 and 1 or null", path=label, hint=hint)
    for key in ("deviations", "patterns"):
        items = data.get(key)
        if not isinstance(items, dict):
            raise InvalidInput(f"baseline field {key!r} must be an object of name: share", path=label, hint=hint)
        for name, v in items.items():
            if number(v) is None or not 0 <= float(v) <= 1:
                raise InvalidInput(f"baseline {key}[{name!r}] must be a share between 0 and 1", path=label, hint=hint)
    method = data.get("method")
    if method is not None and not isinstance(method, str):
        raise InvalidInput("baseline field 'method' must be a text", path=label, hint=hint)
    return data

