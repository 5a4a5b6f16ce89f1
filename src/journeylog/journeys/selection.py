"""Journey selections: the journeys an analysis looks at, kept whole.

A :class:`JourneySelection` keeps the journeys that

* belong to every **segment** given (``segments``: ``(column, value)`` pairs; values of the same
  column are alternatives, different columns must all hold: ``plan=business``, ``plan=pro``,
  ``region=north`` keeps business or pro journeys in the north);
* **start** in [``date_from``, ``date_to``) (a journey's start is its first event);
* satisfy every **journey condition** (``journeys_where``, :func:`parse_condition`): ``has`` a
  sequence of events (the step conditions of cross-channel patterns, docs/rules.md), ``not has``
  one, or show a pattern (``pattern=ID``).

**A journey's value of a column** (for segments) is the column's first value in the journey (in
time order) that is neither missing nor empty text. For a journey attribute that is constant in the
journey (a plan joined from a customer table, a product) that is simply its value; for a column
that changes within a journey it is the first value, and :class:`Selected` counts the journeys
where it changes (``varying``) so the command can say so. Values compare as in step conditions:
as text, numbers as numbers on numeric columns, channel and outcome values normalised
(``Portal`` -> ``web``, ``failed`` -> ``failure``).

Events are never cut: a journey is kept with all its events or dropped with all of them. The work
is the engine's (:meth:`journeylog.engine.polars.PolarsEngine.select_journeys`); batches that never
split a journey can be selected one by one and their :class:`Selected` counts added.

>>> import polars as pl, datetime as dt
>>> t = lambda d: dt.datetime(2026, 1, d, tzinfo=dt.timezone.utc)
>>> ev = pl.DataFrame({"journey_id": ["a", "a", "b", "b", "c"], "timestamp": [t(1), t(2), t(3), t(4), t(5)],
...     "channel": ["web", "phone", "web", "web", "app"], "activity": ["Pay", "Call", "Pay", "Pay", "Pay"],
...     "outcome": ["failure", None, "failure", "success", None], "plan": [None, "pro", "basic", "basic", "pro"]})
>>> kept, info = select_journeys(ev, JourneySelection(segments=[("plan", "pro")], journeys_where=["has channel=phone"]))
>>> kept["journey_id"].to_list(), info.journeys, info.kept
(['a', 'a'], 3, 1)
>>> select_journeys(ev, JourneySelection(journeys_where=["not has outcome=failure then channel=phone within 2d"]))[0][
...     "journey_id"].unique(maintain_order=True).to_list()
['b', 'c']
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from journeylog import schema as S
from journeylog.config.rules import Pattern, Step
from journeylog.config.yamldoc import parse_duration
from journeylog.engine import backend_for
from journeylog.errors import InvalidInput, UsageError, param

__all__ = [
    "CONDITION_EXAMPLES",
    "JourneyCondition",
    "JourneySelection",
    "Selected",
    "apply_selection",
    "check_not_empty",
    "parse_condition",
    "parse_segment",
    "select_journeys",
]

#: how a journey condition reads (the hint of every parse error, and the help)
CONDITION_EXAMPLES = ("has activity='Upload documents' outcome=failure", "not has channel=store",
                      "has channel=web|app outcome=failure then channel=phone within 48h",
                      "pattern=web-failure-then-phone")


@dataclass(frozen=True)
class JourneyCondition:
    """One journey condition: the journey has (or, ``negated``, has not) a match of ``steps``.

    ``text`` is the condition as written; ``pattern`` the pattern id when it was written
    ``pattern=ID`` (its steps are filled in by :meth:`JourneySelection.resolve`)."""

    text: str
    steps: tuple[Step, ...] = ()
    negated: bool = False
    pattern: str | None = None

    def columns(self) -> list[str]:
        """The columns the condition reads."""
        return list(dict.fromkeys(c for s in self.steps for c in s.columns()))


@dataclass(frozen=True)
class JourneySelection:
    """Which journeys to keep (see the module docs). Strings are accepted for ``segments``
    (``"plan=business"``) and ``journeys_where`` (:func:`parse_condition`).

    ``on_selected`` hears what a selection kept (:class:`Selected`), e.g. to say it on stderr;
    it never changes a result."""

    segments: Sequence[tuple[str, str]] = ()
    date_from: dt.datetime | None = None
    date_to: dt.datetime | None = None
    journeys_where: Sequence[JourneyCondition] = ()
    on_selected: Callable[[Selected], None] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_text(cls, segments: Iterable[str] = (), journeys_where: Iterable[str] = (),
                  date_from: dt.datetime | None = None, date_to: dt.datetime | None = None,
                  on_selected: Callable[[Selected], None] | None = None) -> JourneySelection:
        """A selection from ``COLUMN=VALUE`` segments and condition texts (:func:`parse_condition`)."""
        return cls([parse_segment(s) for s in segments], date_from, date_to,
                   [parse_condition(c) for c in journeys_where], on_selected)

    def __post_init__(self) -> None:
        items: Sequence[Any] = self.segments
        segs = tuple(parse_segment(s) if isinstance(s, str) else (str(s[0]), str(s[1])) for s in items)
        given: Sequence[Any] = self.journeys_where
        conds = tuple(parse_condition(c) if isinstance(c, str) else c for c in given)
        object.__setattr__(self, "segments", segs)
        object.__setattr__(self, "journeys_where", conds)
        if self.date_from is not None and self.date_to is not None and _utc(self.date_to) <= _utc(self.date_from):
            raise UsageError(f"{param('date_to')} must be after {param('date_from')}")

    @property
    def active(self) -> bool:
        """Whether it keeps anything less than every journey."""
        return bool(self.segments or self.journeys_where or self.date_from or self.date_to)

    def segment_values(self) -> dict[str, list[str]]:
        """column -> the values of its segments (alternatives), in the order given."""
        out: dict[str, list[str]] = {}
        for column, value in self.segments:
            out.setdefault(column, [])
            if value not in out[column]:
                out[column].append(value)
        return out

    def parts(self) -> list[str]:
        """What it keeps, one phrase per criterion: ``plan=business``, ``from 2026-05-01``,
        ``has channel=phone`` (the wording of the statement is :mod:`journeylog.explain.wording`'s)."""
        out = ["=".join((c, "|".join(v))) for c, v in self.segment_values().items()]
        if self.date_from is not None:
            out.append(f"from {_date_text(self.date_from)}")
        if self.date_to is not None:
            out.append(f"to {_date_text(self.date_to)}")
        out += [c.text for c in self.journeys_where]
        return out

    def resolve(self, patterns: Iterable[Pattern]) -> JourneySelection:
        """This selection with the steps of its ``pattern=ID`` conditions taken from ``patterns``;
        an unknown id is a usage error with a did-you-mean."""
        known = {p.id: p for p in patterns}
        conds = []
        for c in self.journeys_where:
            if c.pattern is not None and not c.steps:
                if c.pattern not in known:
                    close = difflib.get_close_matches(c.pattern, sorted(known), n=1)
                    raise UsageError(f"{param('journeys_where')} {c.text!r}: no pattern with the id {c.pattern!r}",
                                     hint=(f"did you mean {close[0]!r}? " if close else "")
                                     + f"patterns: {', '.join(sorted(known))}")
                c = replace(c, steps=known[c.pattern].steps)
            conds.append(c)
        return replace(self, journeys_where=tuple(conds))


@dataclass(frozen=True)
class Selected:
    """What a selection kept: ``kept`` of ``journeys`` journeys (``events`` events kept), and, per
    segment column, the number of journeys in which its value changes (``varying``)."""

    selection: JourneySelection
    journeys: int
    kept: int
    events: int
    varying: tuple[tuple[str, int], ...] = ()

    def __add__(self, other: Selected) -> Selected:
        """The counts of two disjoint sets of journeys (batches of one log) together."""
        vary = dict(self.varying)
        for col, n in other.varying:
            vary[col] = vary.get(col, 0) + n
        return Selected(self.selection, self.journeys + other.journeys, self.kept + other.kept,
                        self.events + other.events, tuple(sorted(vary.items())))


# ------------------------------------------------------------------------------------------
# Parsing
# ------------------------------------------------------------------------------------------


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _date_text(value: dt.datetime) -> str:
    v = _utc(value)
    return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(timespec="minutes").replace("+00:00", "")


def parse_segment(text: str) -> tuple[str, str]:
    """``"plan=business"`` -> ``("plan", "business")``; the value may hold ``=`` and spaces.

    >>> parse_segment("product=Fibre 500")
    ('product', 'Fibre 500')
    """
    column, eq, value = text.partition("=")
    if not eq or not column.strip():
        raise UsageError(f"{param('segment')} needs COLUMN=VALUE, got {text!r}", hint="e.g. plan=business")
    if not value:
        raise UsageError(f"{param('segment')} {text!r} gives no value", hint=f"e.g. {column.strip()}=business")
    return column.strip(), value


_TOKEN = re.compile(r"""\s*(?:(?P<quoted>'[^']*'|"[^"]*")|(?P<op>[=~|])|(?P<word>[^\s=~|'"]+)|(?P<bad>['"]))""")
_KEYWORDS = ("has", "not", "then", "within", "pattern")


@dataclass(frozen=True)
class _Tok:
    kind: str  # quoted, op, word, end
    text: str
    pos: int  # 0-based offset in the condition


def _tokens(text: str) -> list[_Tok]:
    out = []
    pos = 0
    while True:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            break
        kind = m.lastgroup or "end"
        start = m.start(kind)
        if kind == "bad":
            raise _syntax(text, start, "this quote is never closed")
        value = m.group(kind)
        out.append(_Tok(kind, value[1:-1] if kind == "quoted" else value, start))
        pos = m.end()
    out.append(_Tok("end", "", len(text.rstrip())))
    return out


def _syntax(text: str, pos: int, what: str) -> UsageError:
    """A one-line usage error: what is wrong, where (a caret ``^`` in the condition), how it reads."""
    marked = text[:pos] + "^" + text[pos:]
    return UsageError(f"{param('journeys_where')}: {what} at position {pos + 1}: {marked}",
                      hint="conditions read like " + "; ".join(repr(e) for e in CONDITION_EXAMPLES[:3])
                      + "; quote values with spaces")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self, ahead: int = 0) -> _Tok:
        return self.toks[min(self.i + ahead, len(self.toks) - 1)]

    def take(self) -> _Tok:
        tok = self.peek()
        self.i += 1
        return tok

    def error(self, what: str, tok: _Tok | None = None) -> UsageError:
        return _syntax(self.text, (tok or self.peek()).pos, what)

    def is_word(self, word: str, ahead: int = 0) -> bool:
        tok, nxt = self.peek(ahead), self.peek(ahead + 1)
        return tok.kind == "word" and tok.text.lower() == word and not (nxt.kind == "op" and nxt.text in "=~")

    def condition(self) -> JourneyCondition:
        negated = self.is_word("not")
        if negated:
            self.take()
        tok = self.peek()
        if tok.kind == "word" and tok.text.lower() == "pattern" and self.peek(1).text == "=":
            self.i += 2
            ident = self.take()
            if ident.kind not in ("word", "quoted") or not ident.text:
                raise self.error("expected a pattern id after 'pattern='", ident)
            self.end()
            return JourneyCondition(self.text.strip(), (), negated, ident.text)
        if not self.is_word("has"):
            raise self.error("expected 'has', 'not has' or 'pattern=ID'" if not negated
                             else "expected 'has' or 'pattern=ID' after 'not'")
        self.take()
        steps = [self.step(first=True)]
        while self.is_word("then"):
            self.take()
            steps.append(self.step(first=False))
        self.end()
        return JourneyCondition(self.text.strip(), tuple(steps), negated)

    def end(self) -> None:
        tok = self.peek()
        if tok.kind != "end":
            raise self.error("expected 'then' or the end of the condition" if tok.kind == "word"
                             else f"unexpected {tok.text!r}")

    def step(self, *, first: bool) -> Step:
        conditions: dict[str, list[str]] = {}
        matches: dict[str, str] = {}
        within: dt.timedelta | None = None
        start = self.peek()
        while True:
            tok = self.peek()
            if tok.kind == "end" or self.is_word("then"):
                break
            if tok.kind == "word" and tok.text.lower() == "within" and self.peek(1).text != "~":  # as in rules files
                if first:
                    raise self.error("'within' bounds the time since the previous step: not on the first one")
                self.take()
                if self.peek().text == "=":
                    self.take()
                within = self.duration(self.take())
                continue
            if tok.kind not in ("word", "quoted"):
                raise self.error("expected a column name")
            column = self.take().text
            op = self.take()
            if op.kind != "op" or op.text not in "=~":
                raise self.error(f"expected '=' or '~' after {column!r}", op)
            if op.text == "~":
                matches[column] = self.regex(self.take())
                continue
            conditions.setdefault(column, []).extend(self.values())
        if not conditions and not matches:
            raise self.error("expected a condition such as channel=phone", start)
        return Step(conditions, within=within, matches=matches)

    def values(self) -> list[str]:
        out = [self.value()]
        while self.peek().kind == "op" and self.peek().text == "|":
            self.take()
            out.append(self.value())
        return out

    def value(self) -> str:
        tok = self.take()
        if tok.kind not in ("word", "quoted"):
            raise self.error("expected a value (quote it when it has spaces)", tok)
        return tok.text

    def regex(self, tok: _Tok) -> str:
        if tok.kind not in ("word", "quoted"):
            raise self.error("expected a regular expression after '~'", tok)
        import polars as pl

        try:
            pl.Series([""]).str.contains(tok.text)
        except Exception:  # polars raises ComputeError for a bad pattern
            raise self.error(f"{tok.text!r} is no regular expression", tok) from None
        return tok.text

    def duration(self, tok: _Tok) -> dt.timedelta:
        try:
            return parse_duration(tok.text)
        except ValueError as exc:
            raise self.error(str(exc), tok) from None


def parse_condition(text: str) -> JourneyCondition:
    """A journey condition from its text (docs/segments.md):

    * ``has STEP [then STEP [within DURATION]]...``: the journey has a sequence of events, each
      matching its step, as a cross-channel pattern does (docs/rules.md); a step is one or more
      ``column=value`` (``value|value``: any of them; quote values with spaces) and
      ``column~regex``, all on the same event;
    * ``pattern=ID``: the journey shows that cross-channel pattern;
    * ``not ...``: it does not.

    A mistake is a one-line :class:`~journeylog.errors.UsageError` with its position.

    >>> c = parse_condition("has channel=Portal|app outcome=failed then channel=phone within 48h")
    >>> [s.conditions for s in c.steps], c.steps[1].within
    ([{'channel': ('web', 'app'), 'outcome': ('failure',)}, {'channel': ('phone',)}], datetime.timedelta(days=2))
    >>> parse_condition("not pattern=web-failure-then-phone").pattern
    'web-failure-then-phone'
    >>> parse_condition("has activity=")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    journeylog.errors.UsageError: journeys_where: expected a value ... at position 14: has activity=^ (hint: ...
    """
    if not text.strip():
        raise _syntax(text, 0, "the condition is empty")
    return _Parser(text).condition()


# ------------------------------------------------------------------------------------------
# Applying
# ------------------------------------------------------------------------------------------


def _check_columns(selection: JourneySelection, names: Sequence[str]) -> None:
    """A segment or condition column the log lacks is a usage error (a typo, most often), except a
    canonical column in a condition: the log cannot show it, so nothing matches."""
    for column in selection.segment_values():
        if column not in names:
            close = difflib.get_close_matches(column, list(names), n=1)
            raise UsageError(f"{param('segment')} {column}=...: the log has no column {column!r}",
                             hint=(f"did you mean {close[0]!r}? " if close else "") + _columns_hint(names))
    for cond in selection.journeys_where:
        if cond.pattern is not None and not cond.steps:
            raise UsageError(f"{param('journeys_where')} {cond.text!r}: the pattern is not resolved",
                             hint="resolve the selection with the rules' patterns (JourneySelection.resolve)")
        for column in cond.columns():
            if column not in names and column not in S.SCHEMA:
                close = difflib.get_close_matches(column, list(names), n=1)
                raise UsageError(f"{param('journeys_where')} {cond.text!r}: the log has no column {column!r}",
                                 hint=(f"did you mean {close[0]!r}? " if close else "") + _columns_hint(names))


def _columns_hint(names: Sequence[str]) -> str:
    shown = [n for n in names if n not in (S.SOURCE_ROW, S.INPUT_ORDER)]
    return "the log's columns: " + ", ".join(shown[:30]) + (" ..." if len(shown) > 30 else "")


def select_journeys(events: Any, selection: JourneySelection) -> tuple[Any, Selected]:
    """The events of the journeys ``selection`` keeps (in the frame's order, whole journeys) and
    what it kept. Unknown columns are usage errors; an empty result is no error here (see
    :func:`apply_selection`)."""
    engine = backend_for(events, "events")
    names = list(events.collect_schema().names()) if hasattr(events, "collect_schema") else list(events.columns)
    _check_columns(selection, names)
    frame, counts = engine.select_journeys(
        events, segments=selection.segment_values(),
        starts_from=None if selection.date_from is None else _utc(selection.date_from),
        starts_before=None if selection.date_to is None else _utc(selection.date_to),
        conditions=[(c.steps, c.negated) for c in selection.journeys_where])
    return frame, Selected(selection, counts["journeys"], counts["kept"], counts["events"],
                           tuple(sorted(counts["varying"].items())))


def apply_selection(events: Any, selection: JourneySelection | None) -> Any:
    """``events`` narrowed to the journeys of ``selection`` (unchanged when None or inactive);
    ``selection.on_selected`` hears what was kept. No journey kept is an
    :class:`~journeylog.errors.InvalidInput` (exit 3), as an analysis of nothing would be."""
    if selection is None or not selection.active:
        return events
    frame, info = select_journeys(events, selection)
    if selection.on_selected is not None:
        selection.on_selected(info)
    check_not_empty(info)
    return frame


def check_not_empty(info: Selected) -> None:
    """No journey kept: an :class:`~journeylog.errors.InvalidInput` saying what was asked."""
    if info.kept == 0:
        raise InvalidInput(f"no journey left after the selection ({', '.join(info.selection.parts())}; "
                           f"the log has {info.journeys:,} journeys)",
                           hint=f"loosen {param('segment')}, {param('date_from')}/{param('date_to')} or "
                                f"{param('journeys_where')}")

