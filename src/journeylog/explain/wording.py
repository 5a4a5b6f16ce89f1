"""Every sentence journeylog says about journeys: templates, the channel vocabulary, and the one
:class:`DeviationKind` enum used wherever a kind of deviation is named.

Numbers, shares and durations are worded by :mod:`journeylog.text`, so a figure reads the same in
every output.

>>> DeviationKind("dropped_out").label
'dropped out'
>>> [k.value for k in DeviationKind]
['skipped', 'dropped_out', 'unexpected', 'repeated', 'wrong_order']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from journeylog import schema as S
from journeylog.config.rules import ONLINE, Pattern
from journeylog.text import fmt_duration, fmt_int, fmt_share

__all__ = [
    "DeviationKind",
    "DEFAULT_VOCABULARY",
    "PLACEHOLDERS",
    "DEFAULT_STATEMENT",
    "NO_JOURNEYS_STATEMENT",
    "channel_words",
    "builtin_name",
    "impact_clause",
    "journeys_word",
    "REFERENCE",
    "REFERENCE_OTHERS",
    "pattern_statement",
    "deviation_statement",
    "stage_names",
    "STAGE_NAMES_SHOWN",
    "no_information_reason",
    "no_match_reason",
    "skipped_note",
    "label_overlap_note",
    "unaligned_note",
    "in_progress_note",
    "precision_budget_note",
    "align_fallback_note",
    "selection_statement",
    "varying_column_note",
]


class DeviationKind(StrEnum):
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


# ----------------------------------------------------------------------------------------------
# The channel vocabulary
# ----------------------------------------------------------------------------------------------

#: Channel -> words in the customers' terms. ``failing`` completes "after failing ..." and
#: ``contact`` is the verb phrase of reaching out on the channel. A rules file may override any.
DEFAULT_VOCABULARY: dict[str, dict[str, str]] = {
    "web": {"failing": "on the portal", "contact": "used the portal"},
    "app": {"failing": "in the app", "contact": "used the app"},
    "phone": {"failing": "on the phone", "contact": "called"},
    "chat": {"failing": "in chat", "contact": "chatted"},
    "email": {"failing": "by e-mail", "contact": "e-mailed"},
    "sms": {"failing": "by SMS", "contact": "texted"},
    "store": {"failing": "in the store", "contact": "came to the store"},
    "field": {"failing": "on a field visit", "contact": "had a field visit"},
    "backoffice": {"failing": "in the back office", "contact": "was handled by the back office"},
    "social": {"failing": "on social media", "contact": "posted on social media"},
    ONLINE: {"failing": "online", "contact": "went online"},
}


def channel_words(vocabulary: Mapping[str, Mapping[str, str]], channel: str, key: str) -> str:
    """The ``failing`` or ``contact`` words for ``channel``: the vocabulary's, else the default's.

    >>> channel_words({}, "phone", "contact"), channel_words({}, "kiosk", "failing")
    ('called', 'on kiosk')
    """
    own = vocabulary.get(channel, {})
    if key in own:
        return own[key]
    default = DEFAULT_VOCABULARY.get(channel, {})
    if key in default:
        return default[key]
    return {"failing": f"on {channel}", "contact": f"used {channel}"}[key]


def builtin_name(vocabulary: Mapping[str, Mapping[str, str]], failing_key: str, contact: str) -> str:
    """The name of a built-in pattern: ``called after failing on the portal``.

    >>> builtin_name(DEFAULT_VOCABULARY, ONLINE, "store")
    'came to the store after failing online'
    """
    return f"{channel_words(vocabulary, contact, 'contact')} after failing {channel_words(vocabulary, failing_key, 'failing')}"


# ----------------------------------------------------------------------------------------------
# Impact and pattern statements
# ----------------------------------------------------------------------------------------------

#: Placeholders a statement template may use (see docs/rules.md).
PLACEHOLDERS: dict[str, str] = {
    "name": "the pattern's name",
    "Name": "the name with a capital first letter",
    "journeys": "how many journeys, e.g. 1,204",
    "journeys_noun": "'journey' or 'journeys'",
    "share": "their share of all journeys, e.g. 9.7%",
    "median": "median time from the step-1 event to the final event, e.g. 3.4 h",
    "activity": "the most frequent step-1 activity",
    "trigger": "that activity quoted, with 'failed' when step 1 requires a failure",
    "impact": "'; these journeys took 2.1 d longer than journeys that fit and scored 1.6 points lower', or empty",
}
DEFAULT_STATEMENT = "{Name}: {journeys} {journeys_noun} ({share}), a median {median} after {trigger}{impact}."
NO_JOURNEYS_STATEMENT = "{Name}: no journeys."


def journeys_word(n: int) -> str:
    """``journey`` for one, ``journeys`` for any other count: every sentence picks its noun by count.

    >>> [f"{n} {journeys_word(n)}" for n in (0, 1, 2)]
    ['0 journeys', '1 journey', '2 journeys']
    """
    return "journey" if n == 1 else "journeys"


#: What the impact of a deviation or a pattern is measured against (``reference`` of
#: :func:`journeylog.explain.deviations.catalogue` and :func:`journeylog.explain.patterns.match_patterns`).
REFERENCE = "journeys that fit"
#: ... when there is no designed model: the other journeys.
REFERENCE_OTHERS = "journeys without it"


def impact_clause(median_extra_seconds: float | None, satisfaction_delta: float | None,
                  reference: str = REFERENCE, journeys: int | None = None, metric: str | None = None) -> str:
    """The impact part of a statement, saying what it compares with; empty when nothing is known.
    ``journeys``: how many the statement is about (one reads "this journey was"). ``metric``:
    the label of the score compared (``CSAT (1-5)``), named after the points; None for the
    canonical satisfaction column, whose wording stays as it always was.

    >>> impact_clause(None, -1.12, metric="CSAT (1-5)")
    '; these journeys scored 1.1 points lower on CSAT (1-5) than journeys that fit'

    >>> impact_clause(181440.0, -1.62)
    '; these journeys took 2.1 d longer than journeys that fit and scored 1.6 points lower'
    >>> impact_clause(-600.0, None)
    '; these journeys were 10 min shorter than journeys that fit'
    >>> impact_clause(0.0, 0.5)
    '; these journeys took about as long as journeys that fit and scored 0.5 points higher'
    >>> impact_clause(None, 0.01)
    '; these journeys scored about the same as journeys that fit'
    >>> impact_clause(-600.0, None, "journeys without it", journeys=1)
    '; this journey was 10 min shorter than journeys without it'
    >>> impact_clause(None, None)
    ''
    """
    one = journeys == 1
    parts: list[tuple[str, str]] = []  # (the comparison, the word before the reference)
    extra = median_extra_seconds
    if extra is not None and not math.isnan(extra):
        if fmt_duration(abs(extra)) in ("0 s",):
            parts.append(("took about as long", "as"))
        elif extra > 0:
            parts.append((f"took {fmt_duration(extra)} longer", "than"))
        else:
            parts.append((f"{'was' if one else 'were'} {fmt_duration(-extra)} shorter", "than"))
    delta = satisfaction_delta
    if delta is not None and not math.isnan(delta):
        on = f" on {metric}" if metric else ""
        if round(abs(delta), 1) == 0:
            parts.append((f"scored about the same{on}", "as"))
        else:
            parts.append((f"scored {abs(delta):.1f} points {'higher' if delta > 0 else 'lower'}{on}", "than"))
    if not parts:
        return ""
    (first, word), rest = parts[0], [p for p, _w in parts[1:]]
    return ("; this journey " if one else "; these journeys ") + " and ".join([f"{first} {word} {reference}", *rest])


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def pattern_statement(
    pattern: Pattern,
    *,
    journeys: int,
    share: float,
    median_seconds: float | None,
    activity: str | None,
    median_extra_seconds: float | None = None,
    satisfaction_delta: float | None = None,
    reference: str = REFERENCE,
    metric: str | None = None,
) -> str:
    """Fill the pattern's statement template (or :data:`DEFAULT_STATEMENT`) with human numbers.

    >>> from journeylog.config.rules import Step
    >>> p = Pattern(name="called after failing on the portal",
    ...             steps=(Step({"channel": "web", "outcome": "failure"}), Step({"channel": "phone"})))
    >>> pattern_statement(p, journeys=1204, share=0.0971, median_seconds=12240, activity="Schedule appointment",
    ...                   median_extra_seconds=181440, satisfaction_delta=-1.6)  # doctest: +NORMALIZE_WHITESPACE
    "Called after failing on the portal: 1,204 journeys (9.7%), a median 3.4 h after 'Schedule appointment' failed;
    these journeys took 2.1 d longer than journeys that fit and scored 1.6 points lower."
    """
    if journeys == 0:
        return NO_JOURNEYS_STATEMENT.format(Name=_capital(pattern.name), name=pattern.name)
    quoted = f"'{activity}'" if activity is not None else "the first step"
    fails = pattern.steps[0].conditions.get(S.OUTCOME) == (S.FAILURE,)
    values = {
        "name": pattern.name,
        "Name": _capital(pattern.name),
        "journeys": fmt_int(journeys),
        "journeys_noun": journeys_word(journeys),
        "share": fmt_share(share),
        "median": fmt_duration(median_seconds) if median_seconds is not None else "-",
        "activity": activity if activity is not None else "",
        "trigger": f"{quoted} failed" if fails else quoted,
        "impact": impact_clause(median_extra_seconds, satisfaction_delta, reference, journeys, metric=metric),
    }
    return (pattern.statement or DEFAULT_STATEMENT).format(**values)


def no_information_reason(column: str) -> str:
    """Why a pattern is skipped when the log lacks a column's information."""
    return f"the log has no {column.replace('_', ' ')} information"


def no_match_reason(step_number: int, description: str) -> str:
    """Why a pattern is skipped when no event satisfies one of its steps."""
    return f"no event matches step {step_number} ({description})"


def skipped_note(name: str, reason: str) -> str:
    """The note for a skipped pattern: ``not looking for 'called ...': the log has no channels``."""
    return f"not looking for {name!r}: {reason}"


# ----------------------------------------------------------------------------------------------
# Deviation statements
# ----------------------------------------------------------------------------------------------


#: a drop-out stage with more steps than this lists the first ones, then how many more
STAGE_NAMES_SHOWN = 3


def _quote(name: str | None) -> str:
    return "'" + str(name) + "'" if name is not None else "the start"


def stage_names(names: Sequence[str], most: int = STAGE_NAMES_SHOWN) -> str:
    """The steps of a drop-out stage in words: up to ``most`` quoted names, then how many more.

    >>> stage_names(["Bill", "Install"])
    "'Bill' or 'Install'"
    >>> stage_names(["Release A", "Release B", "Release C", "Release D", "Release E"])
    "'Release A', 'Release B', 'Release C' or 2 more steps"
    """
    quoted = [_quote(x) for x in names]
    if len(quoted) > most:
        rest = len(quoted) - most
        return ", ".join(quoted[:most]) + f" or {rest} more {'step' if rest == 1 else 'steps'}"
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else "".join(quoted)


def deviation_statement(row: Mapping[str, Any], vocabulary: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The plain-language sentence for one deviation catalogue row (same words in every output).

    Where it happened comes from the channel vocabulary (``failing`` words: "on the portal",
    "in the app"), which a rules file can change (see docs/rules.md).

    >>> deviation_statement({"kind": "skipped", "activity": "Identity check", "journeys": 1204, "share": 0.0971,
    ...                      "channel": "app", "channel_share": 0.8, "median_extra_seconds": 7200.0})
    ... # doctest: +NORMALIZE_WHITESPACE
    "Skipped 'Identity check' in 1,204 journeys (9.7%), mostly in the app; these journeys took 2.0 h longer
    than journeys that fit."

    A drop-out names its stage (``stage``: every step that could have come next):

    >>> deviation_statement({"kind": "dropped_out", "activity": "Release A | Release B", "journeys": 76, "share": 0.1,
    ...                      "stage": ["Release A", "Release B"]})
    "Ended before any of 'Release A' or 'Release B' in 76 journeys (10.0%)."
    """
    kind, act = DeviationKind(row["kind"]), _quote(row["activity"])
    n, share = f"{row['journeys']:,} {journeys_word(row['journeys'])}", fmt_share(row["share"])
    words = (vocabulary or DEFAULT_VOCABULARY).get(row.get("channel") or "", {})
    where = words.get("failing", "")
    mostly = f", mostly {where}" if where and (row.get("channel_share") or 0) >= 0.5 else ""
    ctx = row.get("context")
    ctx_share = row.get("context_share") or 0
    if kind is DeviationKind.SKIPPED:
        head = f"Skipped {act} in {n} ({share}){mostly}"
    elif kind is DeviationKind.DROPPED_OUT:
        failed = " failed" if (row.get("failed_share") or 0) >= 0.5 else ""
        after = f", most often right after {_quote(ctx)}{failed}" if ctx and ctx_share >= 0.3 else ""
        stage = list(row.get("stage") or [])
        if len(stage) > 1:
            head = f"Ended before any of {stage_names(stage)} in {n} ({share}){after}"
        else:
            head = f"Dropped out before {_quote(stage[0]) if stage else act} in {n} ({share}){after}"
    elif kind is DeviationKind.UNEXPECTED:
        after = f", most often after {_quote(ctx)}" if ctx and ctx_share >= 0.3 else ""
        if row.get("in_model") is False:
            head = f"Extra step {act} in {n} ({share}){after}{mostly}"
        else:
            head = f"{act} happened where the designed journey does not expect it in {n} ({share}){after}{mostly}"
    elif kind is DeviationKind.REPEATED:
        head = f"Repeated {act} in {n} ({share}){mostly}"
    else:  # wrong order
        rel = row.get("relation") or "before"
        head = f"Did {act} {rel} {_quote(ctx)} against the designed order in {n} ({share})"
    return head + impact_clause(row.get("median_extra_seconds"), row.get("satisfaction_delta"),
                                journeys=row["journeys"], metric=row.get("metric")) + "."


# ----------------------------------------------------------------------------------------------
# Notes on the log as a whole: a model of another log, journeys not over yet


def unaligned_note(unaligned: int, total: int, longest: int) -> str:
    """What the figures leave out when some journeys could not be aligned (``longest``: the
    longest path aligned, in events of the model's activities).

    >>> unaligned_note(1, 51, 5000).split(":")[0]
    '1 journey (2.0%) was not aligned'
    """
    one = unaligned == 1
    return (f"{fmt_int(unaligned)} {'journey' if one else 'journeys'} ({fmt_share(unaligned / total)}) "
            f"{'was' if one else 'were'} not aligned: {'its path is' if one else 'their paths are'} longer than "
            f"{fmt_int(longest)} events of the model's activities or took longer than the time limit; "
            f"fitness and the fitting share leave {'it' if one else 'them'} out, as pm4py does with traces that time out")


def label_overlap_note(events_share: float, minimum: float, shared: int, activities: int) -> str:
    """What to say when the model shares too few activity labels with the log.

    >>> label_overlap_note(0.0, 0.5, 0, 12)
    "the model does not fit this log: none of the log's 12 activities is a task of the model (0.0% of events; \
the minimum is 50.0%), so every journey reads as a drop-out and every event as an extra step; check that \
the model belongs to this log, or map the activity names"
    """
    which = (f"none of the log's {fmt_int(activities)} activities is a task of the model" if shared == 0 else
             f"only {fmt_int(shared)} of the log's {fmt_int(activities)} activities "
             f"{'is a task' if shared == 1 else 'are tasks'} of the model")
    return (f"the model does not fit this log: {which} ({fmt_share(events_share)} of events; the minimum is "
            f"{fmt_share(minimum)}), so every journey reads as a drop-out and every event as an extra step; "
            "check that the model belongs to this log, or map the activity names")


def in_progress_note(journeys: int, settle: str) -> str:
    """What to say about journeys still in progress at the end of the log.

    >>> in_progress_note(1, "7d")
    "1 journey ended within 7d of the log's end: counted as in progress, not as a drop-out"
    """
    verb = "journey ended" if journeys == 1 else "journeys ended"
    return (f"{fmt_int(journeys)} {verb} within {settle} of the log's end: counted as in progress, "
            "not as a drop-out")


def precision_budget_note(budget: float, prefixes: int) -> str:
    """What to say when alignment precision ran out of its time budget (it is then not given).

    >>> precision_budget_note(60, 104_310)
    'precision was not computed: it did not finish within 60 s; it replays every distinct prefix of every path \
(104,310 here) through the model, and silent steps that reach many states (many skips, parallel branches, loops) \
make each replay long; --no-precision skips it, --precision-budget 0 (or JOURNEYLOG_PRECISION_BUDGET=0) waits for it'
    """
    return (f"precision was not computed: it did not finish within {budget:g} s; it replays every distinct prefix of "
            f"every path ({fmt_int(prefixes)} here) through the model, and silent steps that reach many states (many "
            "skips, parallel branches, loops) make each replay long; --no-precision skips it, --precision-budget 0 "
            "(or JOURNEYLOG_PRECISION_BUDGET=0) waits for it")


def align_fallback_note(budget: float, paths: int) -> str:
    """What to say when pm4py's alignment search ran past its budget and journeylog's finished the work.

    >>> align_fallback_note(60, 1)
    "pm4py's alignment search did not finish within 60 s: the 1 path left was aligned with journeylog's own \
exact search (the same optimal costs, so the same fitness figures; among equally cheap alignments it may \
choose other moves, so some deviation counts can differ); JOURNEYLOG_ALIGN_BUDGET=0 waits for pm4py's search, \
JOURNEYLOG_ALIGNER=journeylog uses journeylog's throughout"
    """
    left = "path left was" if paths == 1 else "paths left were"
    return (f"pm4py's alignment search did not finish within {budget:g} s: the {fmt_int(paths)} {left} aligned with "
            "journeylog's own exact search (the same optimal costs, so the same fitness figures; among equally cheap "
            "alignments it may choose other moves, so some deviation counts can differ); JOURNEYLOG_ALIGN_BUDGET=0 "
            "waits for pm4py's search, JOURNEYLOG_ALIGNER=journeylog uses journeylog's throughout")


# ----------------------------------------------------------------------------------------------
# Root causes (journeylog.cx.rootcause): what is over-represented in the journeys with a deviation


# Journey selections (--segment, --from/--to, --journeys-where)


def selection_statement(parts: Sequence[str], kept: int, journeys: int) -> str:
    """What a journey selection kept, for stderr.

    >>> selection_statement(["plan=business", "from 2026-05-01"], 812, 3000)
    'selected plan=business, from 2026-05-01: 812 of 3,000 journeys (27.1%)'
    """
    share = f" ({fmt_share(kept / journeys)})" if journeys else ""
    return f"selected {', '.join(parts)}: {fmt_int(kept)} of {fmt_int(journeys)} {journeys_word(journeys)}{share}"


def varying_column_note(column: str, journeys: int) -> str:
    """A segment column that changes within journeys.

    >>> varying_column_note("product", 3)
    "note: 'product' changes within 3 journeys; a journey's value is its first non-empty one"
    """
    return (f"note: {column!r} changes within {fmt_int(journeys)} {journeys_word(journeys)}; "
            "a journey's value is its first non-empty one")
def map_shown(acts: int, acts_total: int, paths: int, paths_total: int, act_share: float, path_share: float) -> str:
    """What a process map shows of the full map, and how to see everything.

    >>> map_shown(24, 70, 61, 412, 0.9, 0.1)
    'map: showing 24 of 70 activities and 61 of 412 paths (--activities 0.9 --paths 0.1); --activities 1 --paths 1 for all'
    >>> map_shown(5, 5, 9, 9, 1.0, 1.0)
    'map: showing all 5 activities and 9 paths'
    """
    if acts == acts_total and paths == paths_total:
        return f"map: showing all {fmt_int(acts)} {'activity' if acts == 1 else 'activities'} and {fmt_int(paths)} " \
               f"{'path' if paths == 1 else 'paths'}"
    return (f"map: showing {fmt_int(acts)} of {fmt_int(acts_total)} activities and {fmt_int(paths)} of "
            f"{fmt_int(paths_total)} paths (--activities {act_share:g} --paths {path_share:g}); "
            "--activities 1 --paths 1 for all")
# The funnel along the designed journey (journeylog.cx.funnel)


