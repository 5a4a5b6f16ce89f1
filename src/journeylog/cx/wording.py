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

from collections.abc import Mapping, Sequence
from typing import Any

from journeylog.explain.wording import DEFAULT_VOCABULARY, DeviationKind, channel_words, journeys_word, stage_names
from journeylog.text import fmt_duration, fmt_int, fmt_ratio, fmt_share

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
    # root causes (journeylog explain)
    "deviation_subject",
    "pattern_subject",
    "factor_words",
    "root_cause_statement",
    # the funnel
    "funnel_dropoff_statement",
    "funnel_steps_note",
    "funnel_unseen_step_note",
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


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _quote(name: str | None) -> str:
    return "'" + str(name) + "'" if name is not None else "the start"


# --- root causes (journeylog explain) and the funnel ------------------------------------------


def deviation_subject(row: Mapping[str, Any]) -> str:
    """A deviation as the subject of a sentence, in the words of :func:`deviation_statement`
    (``row``: ``kind``, ``activity``, and as the catalogue has them ``stage``, ``in_model``,
    ``context``, ``relation``).

    >>> deviation_subject({"kind": "skipped", "activity": "Identity check"})
    "Skipped 'Identity check'"
    >>> deviation_subject({"kind": "dropped_out", "activity": "A | B", "stage": ["A", "B"]})
    "Ending before any of 'A' or 'B'"
    >>> deviation_subject({"kind": "wrong_order", "activity": "Pay", "context": "Order", "relation": "before"})
    "Doing 'Pay' before 'Order' against the designed order"
    """
    kind, act = DeviationKind(row["kind"]), _quote(row["activity"])
    if kind is DeviationKind.SKIPPED:
        return f"Skipped {act}"
    if kind is DeviationKind.DROPPED_OUT:
        stage = list(row.get("stage") or [])
        if len(stage) > 1:
            return f"Ending before any of {stage_names(stage)}"
        return f"Dropping out before {_quote(stage[0]) if stage else act}"
    if kind is DeviationKind.UNEXPECTED:
        return f"Extra step {act}" if row.get("in_model") is False else (
            f"{act} where the designed journey does not expect it")
    if kind is DeviationKind.REPEATED:
        return f"Repeated {act}"
    ctx = row.get("context")
    if ctx:
        return f"Doing {act} {row.get('relation') or 'before'} {_quote(ctx)} against the designed order"
    return f"Doing {act} against the designed order"


def pattern_subject(name: str) -> str:
    """A cross-channel pattern as the subject of a sentence: its name with a capital.

    >>> pattern_subject("called after failing on the portal")
    'Called after failing on the portal'
    """
    return _capital(name)


def factor_words(kind: str, value: str, *, column: str | None = None, steps: Sequence[str] | None = None,
                 vocabulary: Mapping[str, Mapping[str, str]] | None = None) -> tuple[str, str]:
    """``(with, without)``: where a root-cause factor holds, and where it does not, as the two
    ends of "is 3.4 times as common WITH as WITHOUT". Channel words come from the vocabulary.

    >>> factor_words("channel", "app")
    ('in journeys where the customer used the app', 'in other journeys')
    >>> factor_words("start_channel", "web")
    ('in journeys that started on the portal', 'in journeys that started elsewhere')
    >>> factor_words("attribute", "android", column="platform")
    ("when platform is 'android'", 'otherwise')
    >>> factor_words("variant", "3", steps=["Order", "Pay", "Ship"])
    ("on path 3 (3 steps from 'Order' to 'Ship')", 'on other paths')
    """
    voc = vocabulary or DEFAULT_VOCABULARY
    if kind == "channel":
        return f"in journeys where the customer {channel_words(voc, value, 'contact')}", "in other journeys"
    if kind == "start_channel":
        return f"in journeys that started {channel_words(voc, value, 'failing')}", "in journeys that started elsewhere"
    if kind == "contact_reason":
        return f"in journeys with a contact about {_quote(value)}", "in other journeys"
    if kind == "activity":
        return f"in journeys with {_quote(value)}", f"in journeys without {_quote(value)}"
    if kind == "failed_step":
        return f"in journeys where {_quote(value)} failed", "in other journeys"
    if kind == "variant":
        path = list(steps or [])
        shape = (f" ({len(path)} {'step' if len(path) == 1 else 'steps'} from {_quote(path[0])} to {_quote(path[-1])})"
                 if len(path) > 1 else (f" ({_quote(path[0])} only)" if path else ""))
        return f"on path {value}{shape}", "on other paths"
    return f"when {column} is {_quote(value)}", "otherwise"


def root_cause_statement(subject: str, with_x: str, without_x: str, *, lift: float | None, rate_with: float,
                         rate_without: float, p: str) -> str:
    """The sentence for one root-cause factor; ``p`` is the worded (adjusted) p-value
    (:func:`journeylog.stats.fmt_p`), ``lift`` None when the deviation never happens without it.

    >>> root_cause_statement("Skipped 'Identity check'", "in journeys that started in the app",
    ...                      "in journeys that started elsewhere", lift=3.43, rate_with=0.12, rate_without=0.035,
    ...                      p="p < 0.001")  # doctest: +NORMALIZE_WHITESPACE
    "Skipped 'Identity check' is 3.4 times as common in journeys that started in the app as in journeys that
    started elsewhere (12.0% vs 3.5%, p < 0.001)."
    >>> root_cause_statement("Repeated 'Pay'", "on path 2", "on other paths", lift=None, rate_with=1.0,
    ...                      rate_without=0.0, p="p = 0.004")
    "Repeated 'Pay' happens only on path 2: in 100.0% of them, never on other paths (p = 0.004)."
    """
    if lift is None:
        return f"{subject} happens only {with_x}: in {fmt_share(rate_with)} of them, never {without_x} ({p})."
    return (f"{subject} is {fmt_ratio(lift)} as common {with_x} as {without_x} "
            f"({fmt_share(rate_with)} vs {fmt_share(rate_without)}, {p}).")


def funnel_dropoff_statement(after: str | None, before: str, journeys: int, share: float | None,
                             in_progress: int) -> str:
    """A funnel drop-off in words, with conform's drop-out semantics: journeys still in progress
    at the end of the log are said apart, not counted as stopped. ``after`` None: before the
    first step.

    >>> funnel_dropoff_statement("Identity check", "Schedule appointment", 1204, 0.12, 37)
    "1,204 journeys (12.0%) stopped after 'Identity check' and never reached 'Schedule appointment'; \
37 more are still in progress"
    >>> funnel_dropoff_statement(None, "Place order", 1, 0.004, 0)
    "1 journey (0.4%) never reached 'Place order'"
    >>> funnel_dropoff_statement("Pay", "Ship", 0, None, 1)
    "No journey stopped after 'Pay'; 1 more is still in progress"
    >>> funnel_dropoff_statement(None, "Order", 0, 0.0, 0)
    "No journey stopped before 'Order'"
    """
    share_text = f" ({fmt_share(share)})" if share is not None else ""
    if journeys == 0:
        head = f"No journey stopped after {_quote(after)}" if after is not None else f"No journey stopped before {_quote(before)}"
    elif after is None:
        head = f"{fmt_int(journeys)} {journeys_word(journeys)}{share_text} never reached {_quote(before)}"
    else:
        head = (f"{fmt_int(journeys)} {journeys_word(journeys)}{share_text} stopped after {_quote(after)} "
                f"and never reached {_quote(before)}")
    if in_progress:
        head += f"; {fmt_int(in_progress)} more {'is' if in_progress == 1 else 'are'} still in progress"
    return head


def funnel_steps_note(steps: Sequence[str], left_out: Sequence[str]) -> str:
    """What the command decided when the steps come from the model.

    >>> funnel_steps_note(["Order", "Pay"], ["Call"])
    "steps: the designed journey's main path, 'Order' → 'Pay' (left out: 'Call'; see docs/funnel.md)"
    """
    path = " → ".join(_quote(s) for s in steps)
    rest = f"left out: {', '.join(_quote(s) for s in left_out)}; " if left_out else ""
    return f"steps: the designed journey's main path, {path} ({rest}see docs/funnel.md)"


def funnel_unseen_step_note(step: str) -> str:
    """A step no event of the log has.

    >>> funnel_unseen_step_note("Ship")
    "no event of the log is step 'Ship': no journey can reach it"
    """
    return f"no event of the log is step {_quote(step)}: no journey can reach it"
