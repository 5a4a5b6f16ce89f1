"""JSON text from users (JSON Lines rows, baselines) parsed with two guards the standard parser
lacks: a key given twice in one object is an error naming the key (never "the last one wins"),
and nesting too deep for the parser is a resource limit (exit 4), not a crash.

>>> loads_checked('{"a": 1, "b": {"c": [2]}}', label="x.jsonl", row=3)
{'a': 1, 'b': {'c': [2]}}
>>> loads_checked('{"a": 1, "a": 2}', label="x.jsonl", row=3)
Traceback (most recent call last):
...
journeylog.errors.InvalidInput: x.jsonl:3: the key 'a' appears twice in one JSON object (hint: keep one of them)
"""

from __future__ import annotations

import json
from typing import Any

from journeylog.errors import InvalidInput, ResourceLimit

__all__ = ["loads_checked"]


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name}, which is not JSON")


def loads_checked(text: str | bytes, *, label: str, row: int | None = None, constants: bool = True) -> Any:
    """``json.loads`` with the guards above (``constants=False``: NaN/Infinity are errors too).
    :class:`json.JSONDecodeError` passes through for the caller to locate."""
    try:
        if constants:
            return json.loads(text, object_pairs_hook=_no_duplicates)
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except _DuplicateKey as exc:
        raise InvalidInput(f"the key {exc.key[:80]!r} appears twice in one JSON object", path=label, row=row,
                           hint="keep one of them") from None
    except RecursionError:
        raise ResourceLimit("JSON nested too deeply to read", path=label, row=row,
                            hint="arrays and objects nested hundreds of levels deep are not event data") from None
