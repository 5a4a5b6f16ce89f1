"""The alignment cache: per-sequence alignments kept in a file between runs, so a nightly CI job
aligns only the (projected) variants it has not seen before.

An entry is the optimal alignment of one sequence of model labels (a variant with the
activities the model lacks removed, exactly what :func:`journeylog.mining.align` hands to pm4py):
its cost, best worst cost, fitness, label pairs and model transition names. The file is keyed by
everything that could change such an entry: the model's structure (a fingerprint of its places,
transitions, labels, arcs and markings), the move costs, pm4py's version and search variant, and
:data:`ALIGNMENT_CODE_VERSION` (raised whenever journeylog's alignment code changes what it
stores). A file made under another key is not used: the run starts afresh and says why, and the
file is rewritten with the new key. A file that is not an alignment cache at all is refused
(exit 3), so pointing ``--cache`` at a log by mistake cannot overwrite it.

The file is JSON (:data:`CACHE_VERSION` 2): every name once (``names``), every distinct
alignment step once as name numbers (``steps``: log label, model label, transition), and an entry
per sequence as ``[trace, cost, bwc, fitness, steps]`` with numbers into those tables. A
sequence's steps are mostly the same few dozen, so the file is a fraction of spelling every step
out (version 1: 10.5 MB and 0.5 s to parse for the 4,673 sequences of a 300k-event web-shop log).
A file of another version is stale: the run aligns afresh and rewrites it.

>>> key = cache_key(("m", "p1:1"))
>>> c = AlignmentCache(None, key)
>>> c.get(("a", "b")) is None, c.misses
(True, 1)
>>> c.put(("a", "b"), {"alignment": [("a", "a"), ("b", "b")], "transitions": ["t1", "t2"],
...                    "cost": 0, "bwc": 20001, "fitness": 1.0})
>>> c.get(("a", "b"))["cost"], c.hits, c.added
(0, 1, 1)
>>> AlignmentCache.from_text(c.text(), key).get(("a", "b"))["transitions"]
['t1', 't2']
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

from journeylog.errors import InvalidInput, param
from journeylog.io.files import read_input_bytes, write_text_atomic

__all__ = ["ALIGNMENT_CODE_VERSION", "CACHE_FORMAT", "CACHE_VERSION", "AlignmentCache", "cache_key", "model_fingerprint"]

#: the ``format`` field of a cache file
CACHE_FORMAT = "journeylog-alignment-cache"
#: the layout of a cache file (a file of another version is stale)
CACHE_VERSION = 2
#: raise when journeylog's alignment code changes what an entry holds or how it is found
ALIGNMENT_CODE_VERSION = 1
#: how every cache file starts (the format first, so a file that is not one is told apart at once)
_HEAD = f'{{"format":"{CACHE_FORMAT}",'


def model_fingerprint(net: Any, im: Any, fm: Any) -> tuple[str, ...]:
    """Every fact of a Petri net that an alignment depends on, as sorted text: places,
    transitions with labels, weighted arcs and both markings (names are deterministic, see
    :func:`journeylog.mining.petri.canonical_names`)."""
    facts = [f"place {p.name}" for p in net.places]
    facts += [f"transition {t.name} {'' if t.label is None else t.label!r}" for t in net.transitions]
    facts += [f"arc {a.source.name} -> {a.target.name} x{a.weight}" for a in net.arcs]
    facts += [f"initial {p.name}:{n}" for p, n in im.items()]
    facts += [f"final {p.name}:{n}" for p, n in fm.items()]
    return tuple(sorted(facts))


def cache_key(fingerprint: tuple[str, ...], *, costs: tuple[int, int, int] = (10000, 10000, 1),
              pm4py_version: str = "", variant: str = "") -> dict[str, Any]:
    """The key a cache file must carry for its entries to be used."""
    digest = hashlib.sha256("\n".join(fingerprint).encode("utf-8")).hexdigest()
    return {"code": ALIGNMENT_CODE_VERSION, "model": digest,
            "costs": {"log_move": costs[0], "model_move": costs[1], "silent_move": costs[2]},
            "pm4py": pm4py_version, "search": variant}


@dataclass
class AlignmentCache:
    """Alignments by sequence under one :func:`cache_key`; ``path`` None keeps it in memory.

    ``stale``: why entries found in the file were not used (another model, another version),
    None when the file was absent or matched. ``hits``, ``misses`` and ``added`` count this run.
    """

    path: str | None
    key: dict[str, Any]
    entries: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)
    stale: str | None = None
    hits: int = 0
    misses: int = 0
    added: int = 0

    @classmethod
    def open(cls, path: str | os.PathLike[str], key: dict[str, Any]) -> AlignmentCache:
        """The cache in ``path`` (an empty one when the file does not exist yet)."""
        label = os.fspath(path)
        if not os.path.exists(label):
            return cls(label, key)
        cache = cls.from_text(_decode(read_input_bytes(label), label), key, label)
        cache.path = label
        return cache

    @classmethod
    def from_text(cls, text: str, key: dict[str, Any], label: str = "cache") -> AlignmentCache:
        """Parse a cache file's text; entries made under another key are dropped (``stale``)."""
        if not text.startswith(_HEAD):
            raise InvalidInput("this file is not a journeylog alignment cache", path=label,
                               hint=f"{param('cache')} names a file journeylog writes itself; give a new file name")
        try:
            data = json.loads(text, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"the alignment cache is not valid JSON: {exc.msg}", path=label, row=exc.lineno,
                               column=exc.colno, hint="delete it; the next run writes a new one") from None
        except (ValueError, RecursionError) as exc:
            raise InvalidInput(f"the alignment cache is not a journeylog alignment cache ({exc})", path=label) from None
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            raise InvalidInput("this file is not a journeylog alignment cache", path=label,
                               hint=f"{param('cache')} names a file journeylog writes itself; give a new file name")
        if data.get("version") != CACHE_VERSION:
            return cls(None, key, stale=f"it has the layout of version {data.get('version')!r}, not {CACHE_VERSION}")
        if data.get("key") != key:
            return cls(None, key, stale=_why_stale(data.get("key"), key))
        try:
            entries = _decoded(data)
        except (TypeError, ValueError, IndexError, KeyError):
            raise InvalidInput("the alignment cache has malformed entries", path=label,
                               hint="delete it; the next run writes a new one") from None
        return cls(None, key, entries)

    def get(self, seq: tuple[str, ...]) -> dict[str, Any] | None:
        """The cached alignment of ``seq`` (as :func:`journeylog.mining.align` uses it), or None."""
        entry = self.entries.get(tuple(seq))
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        return {"alignment": list(entry["alignment"]), "transitions": list(entry["transitions"]),
                "cost": entry["cost"], "bwc": entry["bwc"], "fitness": entry["fitness"]}

    def put(self, seq: tuple[str, ...], aligned: dict[str, Any]) -> None:
        """Keep the alignment of ``seq`` (a timed-out alignment is never given here)."""
        self.entries[tuple(seq)] = {
            "trace": list(seq), "cost": int(aligned["cost"]), "bwc": int(aligned["bwc"]),
            "fitness": float(aligned["fitness"]),
            "alignment": [(pair[0], pair[1]) for pair in aligned["alignment"]],
            "transitions": list(aligned["transitions"]),
        }
        self.added += 1

    def text(self) -> str:
        """The file's text: same entries, same bytes (names, steps and entries sorted)."""
        keys = sorted(self.entries)
        names = sorted({n for k in keys for e in (self.entries[k],)
                        for n in (*e["trace"], *(x for pair in e["alignment"] for x in pair), *e["transitions"])
                        if n is not None})
        number = {n: i for i, n in enumerate(names)}

        def num(name: str | None) -> int | None:
            return None if name is None else number[name]
        triples = sorted({(num(pair[0]), num(pair[1]), num(t)) for k in keys
                          for pair, t in zip(self.entries[k]["alignment"], self.entries[k]["transitions"], strict=True)},
                         key=lambda x: tuple(-1 if v is None else v for v in x))
        step = {t: i for i, t in enumerate(triples)}
        rows = []
        for k in keys:
            e = self.entries[k]
            rows.append([[number[a] for a in e["trace"]], e["cost"], e["bwc"], e["fitness"],
                         [step[(num(pair[0]), num(pair[1]), num(t))]
                          for pair, t in zip(e["alignment"], e["transitions"], strict=True)]])
        body = json.dumps({"version": CACHE_VERSION, "key": self.key, "names": names, "steps": [list(t) for t in triples],
                           "entries": rows}, ensure_ascii=False, sort_keys=True, allow_nan=False, separators=(",", ":"))
        return _HEAD + body[1:] + "\n"

    def save(self) -> bool:
        """Write the file (atomically) when something was added or the file was stale; True if written."""
        if self.path is None or (self.added == 0 and self.stale is None and os.path.exists(self.path)):
            return False
        write_text_atomic(self.path, self.text())
        return True


def _decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("this file is not a journeylog alignment cache (not UTF-8 text)", path=label) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _decoded(data: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    """The entries of a version-2 file by sequence; TypeError, ValueError, IndexError or KeyError
    when it is malformed. Numbers are checked a list at a time and looked up with ``map`` (a
    re-run reads every entry it reuses: 150,000 names and 190,000 steps for the web shop)."""
    names, steps, rows = data["names"], data["steps"], data["entries"]
    if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        raise TypeError("names")
    if not (isinstance(steps, list) and all(isinstance(t, list) and len(t) == 3 for t in steps)):
        raise TypeError("steps")
    for triple in steps:
        _numbers([i for i in triple if i is not None], len(names))
    pairs = [(None if a is None else names[a], None if m is None else names[m]) for a, m, _t in steps]
    moved_by = [None if t is None else names[t] for _a, _m, t in steps]
    if not isinstance(rows, list):
        raise TypeError("entries")
    out: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in rows:
        trace, cost, bwc, fitness, moved = row
        if not (type(cost) is int and type(bwc) is int and type(fitness) is float):
            raise TypeError("an entry")
        seq = tuple(map(names.__getitem__, _numbers(trace, len(names))))
        moved = _numbers(moved, len(steps))
        out[seq] = {"trace": list(seq), "cost": cost, "bwc": bwc, "fitness": fitness,
                    "alignment": list(map(pairs.__getitem__, moved)), "transitions": list(map(moved_by.__getitem__, moved))}
    return out


def _numbers(values: Any, size: int) -> list[int]:
    """``values`` when it is a list of numbers below ``size``; TypeError otherwise."""
    if not isinstance(values, list) or not all(type(i) is int for i in values) or (
            values and (min(values) < 0 or max(values) >= size)):
        raise TypeError("numbers")
    return values


def _why_stale(found: Any, key: dict[str, Any]) -> str:
    """What differs between the file's key and this run's, in a few words."""
    if not isinstance(found, dict):
        return "it has no key"
    if found.get("model") != key["model"]:
        return "it was made for another model"
    if found.get("costs") != key["costs"]:
        return "it was made with other move costs"
    if found.get("code") != key["code"]:
        return "it was made by another version of journeylog's alignment code"
    return "it was made with another pm4py version or search variant"
