"""The sentences of the contact analysis: contact nouns per channel, the ``decided_by`` texts,
driver statements and cost statements. The channel words of failures come from
:func:`journeylog.explain.wording.channel_words`, so "failed on the portal" reads as in the
cross-channel patterns; numbers go through :mod:`journeylog.text`.

>>> driver_statement("failure", 229, 0.412, contact_channel="phone", activity="Identity check", channel="web")
"229 calls after 'Identity check' failed on the portal (41.2% of avoidable contacts)"
>>> driver_statement("failure", 1, 1.0, contact_channel="store", activity="Pay", channel="app")
"a store visit after 'Pay' failed in the app (100.0% of avoidable contacts)"
"""

from __future__ import annotations

from collections.abc import Mapping

from journeylog.explain.wording import channel_words
from journeylog.text import fmt_duration, fmt_int, fmt_share

__all__ = [
    "CONTACT_NOUNS",
    "DECIDED_DESIGN",
    "DECIDED_LOG",
    "DECIDED_REST",
    "FCR_DEFINITION",
    "about_amount",
    "contact_noun",
    "cost_statement",
    "decided_failure_parts",
    "decided_repeat",
    "decided_rule",
    "driver_statement",
    "window_text",
]

#: Channel -> (one, many): what a contact on the channel is called.
CONTACT_NOUNS: dict[str, tuple[str, str]] = {
    "phone": ("call", "calls"),
    "chat": ("chat", "chats"),
    "store": ("store visit", "store visits"),
    "email": ("e-mail", "e-mails"),
    "social": ("social media message", "social media messages"),
    "sms": ("text message", "text messages"),
    "field": ("field visit", "field visits"),
}

DECIDED_DESIGN = {"mandatory": "model step", "selfcare": "self-service in the design"}
DECIDED_LOG = "self-service in log"
DECIDED_REST = "no other rule"
FCR_DEFINITION = ("a contact not followed by another contact on the same reason (contact_reason, else activity) "
                  "in the same journey within the repeat window; contacts closer than that window to the log's "
                  "last event are left out (their outcome is not known yet)")


def contact_noun(channel: str, n: int) -> str:
    """``call`` / ``calls``; other channels ``contact on kiosk`` / ``contacts on kiosk``.

    >>> contact_noun("phone", 2), contact_noun("kiosk", 1)
    ('calls', 'contact on kiosk')
    """
    one, many = CONTACT_NOUNS.get(channel, (f"contact on {channel}", f"contacts on {channel}"))
    return one if n == 1 else many


def window_text(seconds: float) -> str:
    """A window in the short form of rules files: ``48h``, ``7d``, ``90min``.

    >>> window_text(172800), window_text(604800), window_text(5400), window_text(45)
    ('48h', '7d', '90min', '45s')
    """
    s = int(round(seconds))
    if s % 86400 == 0 and s // 86400 != 2:
        return f"{s // 86400}d"
    if s % 3600 == 0:
        return f"{s // 3600}h"
    if s % 60 == 0:
        return f"{s // 60}min"
    return f"{s}s"


def decided_rule(name: str) -> str:
    """``rule: NAME``."""
    return f"rule: {name}"


def decided_failure_parts(window_seconds: float) -> tuple[str, str, str]:
    """The pieces of ``after failure of 'X' on web within 48h`` around the activity and channel
    (joined in Polars): before the activity, between it and the channel, after the channel."""
    return "after failure of '", "' on ", f" within {window_text(window_seconds)}"


def decided_repeat(window_seconds: float) -> str:
    """``repeat within 7d``."""
    return f"repeat within {window_text(window_seconds)}"


def driver_statement(kind: str, contacts: int, share: float, *, contact_channel: str, activity: str | None = None,
                     channel: str | None = None, reason: str | None = None, rule: str | None = None,
                     window_seconds: float | None = None,
                     vocabulary: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """One driver of avoidable contacts, in words (``kind``: failure, repeat or rule).

    >>> driver_statement("repeat", 12, 0.05, contact_channel="chat", reason="Appointment", window_seconds=604800)
    "12 repeat chats about 'Appointment' within 7d (5.0% of avoidable contacts)"
    >>> driver_statement("rule", 3, 0.01, contact_channel="phone", rule="identity help")
    "3 calls by the rule 'identity help' (1.0% of avoidable contacts)"
    """
    count = "a" if contacts == 1 else fmt_int(contacts)
    noun = contact_noun(contact_channel, contacts)
    if count == "a" and noun[:1] in "aeiou":
        count = "an"
    tail = f" ({fmt_share(share)} of avoidable contacts)"
    if kind == "failure":
        where = channel_words(vocabulary or {}, channel or "", "failing")
        return f"{count} {noun} after '{activity}' failed {where}{tail}"
    if kind == "repeat":
        within = window_text(window_seconds) if window_seconds is not None else ""
        return f"{count} repeat {noun} about '{reason}' within {within}{tail}"
    return f"{count} {noun} by the rule '{rule}'{tail}"


def about_amount(x: float) -> str:
    """An amount rounded to two significant digits, with thousands separators.

    >>> about_amount(7234.5), about_amount(96.4), about_amount(0.0), about_amount(3.25)
    ('7,200', '96', '0', '3.2')
    """
    if x == 0:
        return "0"
    from math import floor, log10

    digits = 1 - int(floor(log10(abs(x))))
    value = round(x, digits)
    return f"{value:,.{max(digits, 0)}f}"


def cost_statement(klass: str, contacts: int, total: float, per_month: float | None, currency: str,
                   channel: str | None = None) -> str:
    """``1,204 avoidable calls, about EUR 7,200 a month (EUR 43,000 in all)``; without a span,
    the total only.

    >>> cost_statement("avoidable", 1204, 43344.0, 7224.0, "EUR", channel="phone")
    '1,204 avoidable calls, about EUR 7,200 a month (EUR 43,000 in all)'
    >>> cost_statement("selfcare", 1, 6.0, None, "EUR")
    '1 selfcare contact, about EUR 6.0 in all'
    """
    noun = contact_noun(channel, contacts) if channel else ("contact" if contacts == 1 else "contacts")
    head = f"{fmt_int(contacts)} {klass} {noun}"
    if per_month is None:
        return f"{head}, about {currency} {about_amount(total)} in all"
    return f"{head}, about {currency} {about_amount(per_month)} a month ({currency} {about_amount(total)} in all)"


def months_note(days: float) -> str:
    """How the months of a per-month figure were counted.

    >>> months_note(179.1)
    'a month is 30.44 days; the log spans 179 d'
    """
    return f"a month is 30.44 days; the log spans {fmt_duration(days * 86400)}"
