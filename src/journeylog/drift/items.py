"""What drift tracks: fitness, the fitting share, each deviation (by id) and each pattern (by name).

>>> Item("skipped:Identity check", "skipped", "Identity check").label
"skipping 'Identity check'"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from journeylog.explain.wording import DeviationKind

__all__ = ["FITNESS", "FITTING", "Item", "items_from"]

FITNESS, FITTING = "fitness", "fitting_share"

#: The noun phrase of each kind of item in statements; ``{a}`` is the quoted activity.
_LABELS: dict[str, str] = {
    DeviationKind.SKIPPED.value: "skipping {a}",
    DeviationKind.DROPPED_OUT.value: "dropping out before {a}",
    DeviationKind.UNEXPECTED.value: "the unexpected step {a}",
    DeviationKind.REPEATED.value: "repeating {a}",
    DeviationKind.WRONG_ORDER.value: "doing {a} out of order",
}


@dataclass(frozen=True)
class Item:
    """What is tracked: fitness, the fitting share, a deviation (by id) or a pattern (by name)."""

    id: str
    kind: str  # fitness, fitting_share, pattern, or a deviation kind (skipped, unexpected, ...)
    activity: str | None = None
    accepted: bool = False

    @property
    def label(self) -> str:
        """The noun phrase used in statements."""
        if self.kind == FITNESS:
            return "fitness"
        if self.kind == FITTING:
            return "the share of journeys that fit the designed journey"
        if self.kind in _LABELS:
            return _LABELS[self.kind].format(a=f"'{self.activity}'")
        return f"'{self.id}'"

    @property
    def is_share(self) -> bool:
        """Every item but fitness is a share of journeys."""
        return self.kind != FITNESS


def items_from(c: Any) -> list[Item]:
    """The items of a :class:`journeylog.conform.Conformance`: fitness, the fitting share, its
    deviations by id and its patterns (that occur) by name."""
    items = [Item(FITNESS, FITNESS), Item(FITTING, FITTING)]
    dev = c.deviations
    if dev.height:
        for r in dev.select("id", "kind", "activity", "accepted").sort("id").iter_rows(named=True):
            items.append(Item(r["id"], r["kind"], r["activity"], bool(r["accepted"])))
    pat = c.patterns
    if pat.height:
        cols = ["name", "journeys"] + (["accepted"] if "accepted" in pat.columns else [])
        for r in pat.select(cols).sort("name").iter_rows(named=True):
            if int(r["journeys"]) > 0:
                items.append(Item(r["name"], "pattern", None, bool(r.get("accepted", False))))
    return items

