"""Importing pm4py quietly and making its results independent of the run.

pm4py is imported lazily, once, by :func:`pm4py_quiet` (so ``journeylog --help`` never pays for it):

* ``PM4PY_*`` environment variables are hidden while pm4py is imported (they change parsers,
  alignment variants, encodings and the child order of discovered trees) and the constants that
  matter are reset afterwards, so a user's environment never changes a result;
* no AGPL banner (``sys._pm4py_welcome_shown``) and no tqdm bars (``SHOW_PROGRESS_BAR = False``,
  and ``show_progress_bar=False`` is passed everywhere, see :func:`params`);
* alignments are made deterministic: pm4py's A* breaks ties between equally good search states by
  the order of Python sets of transitions, which hash by memory address, so the chosen optimal
  alignment changed from run to run. :func:`pm4py_quiet` gives ``SearchTuple`` a final,
  deterministic order (ties broken by a digest of the path of transition *names*), and every net
  journeylog builds has unique, deterministic transition and place names (pm4py's converters use
  uuid4; see :func:`journeylog.mining.petri.canonical_names`). Costs and fitness are unaffected:
  only which of several optimal alignments is returned.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

__all__ = ["ACTIVITY_KEY", "CASE_KEY", "pm4py_quiet", "params", "silenced"]

#: the activity attribute of the traces journeylog hands to pm4py
ACTIVITY_KEY = "concept:name"
#: the case attribute of the traces journeylog hands to pm4py
CASE_KEY = "case:concept:name"

_PM4PY: ModuleType | None = None
_LOCK = threading.Lock()

# Constants that PM4PY_* variables can change, with pm4py's own defaults.
_CONSTANT_DEFAULTS: dict[str, object] = {
    "DEFAULT_ENCODING": "utf-8",
    "DEFAULT_ALIGNMENTS_VARIANT": "Variants.VERSION_STATE_EQUATION_A_STAR",
    "ENABLE_MULTIPROCESSING_DEFAULT": False,
    "SHOW_PROGRESS_BAR": False,  # pm4py's default is True: journeylog never shows tqdm bars
    "SHOW_INTERNAL_WARNINGS": False,
    "DEFAULT_IS_THREADING_MANAGEMENT_ENABLED": False,
    "DEFAULT_XES_PARSER": "iterparse",
    "DEFAULT_READ_XES_LEGACY_OBJECT": False,
    "DEFAULT_RETURN_DIAGNOSTICS_DATAFRAME": False,
    "SHOW_EVENT_LOG_DEPRECATION": False,
}


def pm4py_quiet() -> Any:
    """Import pm4py once, quietly and independent of ``PM4PY_*`` variables; return the module."""
    global _PM4PY
    if _PM4PY is not None:
        return _PM4PY
    with _LOCK:
        if _PM4PY is None:
            saved = {k: v for k, v in os.environ.items() if k.startswith("PM4PY_")}
            for key in saved:
                del os.environ[key]
            sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # no AGPL banner
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    import pm4py
                    from pm4py.util import constants
            finally:
                os.environ.update(saved)
            for name, value in _CONSTANT_DEFAULTS.items():
                setattr(constants, name, value)
            _make_alignments_deterministic()
            _PM4PY = pm4py
    return _PM4PY


@contextmanager
def silenced() -> Iterator[None]:
    """Ignore every warning inside the block (pm4py's deprecation and internal warnings).

    >>> with silenced():
    ...     warnings.warn("not shown")
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def params(**extra: Any) -> dict[Any, Any]:
    """pm4py parameters every call gets: journeylog's keys, no progress bar, no multiprocessing.

    >>> params(noise_threshold=0.2)["noise_threshold"], params()["show_progress_bar"]
    (0.2, False)
    """
    p: dict[Any, Any] = {
        "pm4py:param:activity_key": ACTIVITY_KEY,
        "pm4py:param:case_id_key": CASE_KEY,
        "show_progress_bar": False,
        "multiprocessing": False,
    }
    p.update(extra)
    return p


def _path_digest(state: Any) -> bytes:
    """A digest of the transition names from the search root to ``state`` (cached)."""
    digest: bytes | None = state.__dict__.get("_jl_digest")
    if digest is None:
        chain = []
        node = state
        while node is not None and node.__dict__.get("_jl_digest") is None:
            chain.append(node)
            node = node.p
        digest = b"" if node is None else node._jl_digest
        for item in reversed(chain):
            t = item.t
            name = "" if t is None else repr(t.name)
            digest = hashlib.blake2b(digest + name.encode("utf-8", "surrogatepass"), digest_size=12).digest()
            item._jl_digest = digest
    return digest


def _make_alignments_deterministic() -> None:
    """Give pm4py's A* search states a strict total order.

    pm4py orders states by ``f``, then trusted before untrusted heuristics, then ``h`` - but that
    relation is neither antisymmetric (a trusted and an untrusted state can each be "smaller") nor
    total, so the heap's pop order, and with it the optimal alignment returned, depended on the
    order of pushes, i.e. on set iteration over transitions hashed by memory address. Here:
    ``(f, untrusted, h, digest of the path of transition names)``. The search still expands
    states by increasing ``f``, so alignment costs are unchanged.
    """
    from pm4py.objects.petri_net.utils import align_utils

    cls = align_utils.SearchTuple
    if getattr(cls, "_jl_patched", False):
        return

    def __lt__(self: Any, other: Any) -> bool:
        if self.f != other.f:
            return bool(self.f < other.f)
        if self.trust != other.trust:
            return bool(self.trust)
        if self.h != other.h:
            return bool(self.h < other.h)
        return _path_digest(self) < _path_digest(other)

    cls.__lt__ = __lt__
    cls._jl_patched = True
