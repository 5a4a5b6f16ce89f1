"""Every sentence journeylog says about journeys: templates, the channel vocabulary, and the one
:class:`DeviationKind` enum used wherever a kind of deviation is named.

>>> DeviationKind("dropped_out").label
'dropped out'
>>> [k.value for k in DeviationKind]
['skipped', 'dropped_out', 'unexpected', 'repeated', 'wrong_order']
"""

from __future__ import annotations

from enum import Enum

__all__ = ["DeviationKind"]


class DeviationKind(str, Enum):
    """The kinds of deviation from the designed journey; the value is the id prefix (``skipped:A``)."""

    SKIPPED = "skipped"
    DROPPED_OUT = "dropped_out"
    UNEXPECTED = "unexpected"
    REPEATED = "repeated"
    WRONG_ORDER = "wrong_order"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        """The kind in words, as tables show it."""
        return self.value.replace("_", " ")
