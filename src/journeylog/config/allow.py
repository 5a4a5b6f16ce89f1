"""Allow-lists (``--allow allow.yaml``): deviations and patterns the team has accepted.

::

    version: 1            # optional; the only version
    accepted:
      - {kind: repeated, activity: Schedule appointment, reason: rescheduling is fine}
      - {id: "unexpected:Call: question about first bill"}
      - {pattern: chatted after failing in the app}

Read through :class:`~journeylog.config.yamldoc.YamlDoc`: every mistake names its file, line and
column, and an unknown key gets a did-you-mean. The kinds a ``kind:`` may name are handed in by the
caller (:func:`journeylog.conform.load_allow` passes the deviation kinds), since config sits below
:mod:`journeylog.explain`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from journeylog.config.yamldoc import YamlDoc

__all__ = ["Allow", "load_allow"]

_TOP_KEYS = ("version", "accepted")
_ITEM_KEYS = ("kind", "activity", "id", "pattern", "reason")


@dataclass(frozen=True)
class Allow:
    """Accepted deviations: ids (``kind:activity``), (kind, activity) pairs, pattern names.

    >>> Allow(frozenset({"repeated:Pay"})).accepts("repeated:Pay")
    True
    """

    ids: frozenset[str] = frozenset()
    patterns: frozenset[str] = frozenset()
    reasons: Mapping[str, str] = field(default_factory=dict)

    def accepts(self, deviation_id: str) -> bool:
        """Whether the deviation ``kind:activity`` is accepted."""
        return deviation_id in self.ids

    def accepts_pattern(self, name: str) -> bool:
        """Whether the pattern called ``name`` is accepted."""
        return name in self.patterns


def load_allow(path: str | os.PathLike[str], kinds: Sequence[str]) -> Allow:
    """Read an allow-list (see the module docs); ``kinds``: the deviation kinds ``kind:`` may name."""
    doc = YamlDoc(path, "the allow-list")
    try:
        return _allow_from(doc, kinds)
    finally:
        doc.loader.dispose()


def _allow_from(doc: YamlDoc, kinds: Sequence[str]) -> Allow:
    what = "the allow-list"
    if doc.root is None:
        raise doc.error(doc.root, "an allow-list is a mapping with an `accepted:` list")
    top = doc.mapping(doc.root, what, _TOP_KEYS)
    if "version" in top and doc.value(top["version"][1]) != 1:
        raise doc.error(top["version"][1], "unsupported allow-list version", hint="version: 1")
    if "accepted" not in top:
        raise doc.error(doc.root, "an allow-list is a mapping with an `accepted:` list")
    ids: set[str] = set()
    patterns: set[str] = set()
    reasons: dict[str, str] = {}
    for i, node in enumerate(doc.sequence(top["accepted"][1], "`accepted`")):
        item = doc.mapping(node, f"accepted[{i}]", _ITEM_KEYS)
        is_pattern, key = _item_key(doc, node, i, item, kinds)
        (patterns if is_pattern else ids).add(key)
        if "reason" in item:
            reason = doc.value(item["reason"][1])
            if reason:
                reasons[key] = str(reason)
    return Allow(frozenset(ids), frozenset(patterns), reasons)


def _item_key(doc: YamlDoc, node: Any, i: int, item: dict[str, tuple[Any, Any]],
              kinds: Sequence[str]) -> tuple[bool, str]:
    """(True, pattern name) or (False, the deviation id) an entry accepts."""
    if "pattern" in item:
        return True, str(doc.value(item["pattern"][1]))
    if "id" in item:
        return False, str(doc.value(item["id"][1]))
    if "kind" in item and "activity" in item:
        kind = doc.value(item["kind"][1])
        if kind not in kinds:
            raise doc.error(item["kind"][1], f"accepted[{i}]: kind must be one of {', '.join(kinds)}")
        return False, f"{kind}:{doc.value(item['activity'][1])}"
    raise doc.error(node, f"accepted[{i}] needs kind and activity, an id, or a pattern")
