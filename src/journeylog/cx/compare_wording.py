"""The sentences of ``journeylog compare``: one per significant difference between segments, in
the words drift uses for its items (:mod:`journeylog.drift.items`).

>>> difference_statement("'called after failing on the portal'", "plan=business", "plan=consumer", 0.153, 0.081, 0.0001)
"'called after failing on the portal' is 1.9 times as common in plan=business as in plan=consumer (15.3% vs 8.1% \
of journeys, p < 0.001)."
>>> difference_statement("the phone channel", "2026-04", "other journeys", 0.05, 0.2, 0.004)
'The phone channel is less common in 2026-04 than in other journeys (5.0% vs 20.0% of journeys, p = 0.004).'
"""

from __future__ import annotations

from journeylog.stats import fmt_p
from journeylog.text import fmt_share

__all__ = ["OTHERS", "MISSING", "OTHER_VALUES", "difference_statement", "item_labels", "segment_phrase", "variant_label"]

#: the name of the journeys outside a segment when each segment is compared with the rest
OTHERS = "other journeys"
#: the segment of journeys without a value of the ``--by`` column
MISSING = "(missing)"
#: the segment that lumps the values beyond the largest ``max_segments``
OTHER_VALUES = "(other values)"


def difference_statement(label: str, group: str, against: str, share: float, share_against: float, p: float) -> str:
    """``label`` (a noun phrase) in ``group`` against ``against``: how many times as common, or
    that it is less common, with both shares and the p-value."""
    ps = fmt_p(p)
    label = label[:1].upper() + label[1:]
    both = f"({fmt_share(share)} vs {fmt_share(share_against)} of journeys, {ps})"
    if share > share_against and share_against > 0:
        ratio = share / share_against
        return f"{label} is {ratio:.1f} times as common in {group} as in {against} {both}."
    if share > share_against:
        return f"{label} happens in {group} but never in {against} {both}."
    if share == 0:
        return f"{label} never happens in {group}, unlike in {against} {both}."
    return f"{label} is less common in {group} than in {against} {both}."


def item_labels() -> dict[str, str]:
    """The noun phrase of the items that are not deviations or patterns; ``{x}`` the name."""
    return {
        "failure": "a failed step",
        "channel": "the {x} channel",
        "variant": "variant {x}",
    }


def variant_label(rank: int, activities: list[str]) -> str:
    """``variant 2 ('Place order' → ... → 'First bill issued', 7 steps)``.

    >>> variant_label(1, ["Order", "Pay"])
    "variant 1 ('Order' → 'Pay')"
    """
    steps = [f"'{a}'" for a in activities]
    path = " → ".join(steps) if len(steps) <= 3 else f"{steps[0]} → ... → {steps[-1]}, {len(steps)} steps"
    return f"variant {rank} ({path})"


def segment_phrase(name: str, by: str | None, period: bool) -> str:
    """How a statement names a segment: ``product=Fibre 500``, ``journeys with no product``, ``2026-03``.

    >>> segment_phrase("Fibre 500", "product", False), segment_phrase(MISSING, "product", False)
    ('product=Fibre 500', 'journeys with no product')
    """
    if by is None or period:
        return name
    if name == MISSING:
        return f"journeys with no {by}"
    if name == OTHER_VALUES:
        return f"the other values of {by}"
    return f"{by}={name}"
