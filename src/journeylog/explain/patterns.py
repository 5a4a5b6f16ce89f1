"""Cross-channel patterns: "called after failing on the portal", and your own, from a rules file.

A **pattern** is a named sequence of event conditions (:class:`Step`) with time windows between
them, and a statement template. Five are built in (:func:`builtin_patterns`), each within one
journey and a configurable window (48 h by default):

=============================  ===================================  ====================
id                             step 1                               step 2
=============================  ===================================  ====================
``web-failure-then-phone``     channel ``web``, outcome ``failure``  channel ``phone``
``app-failure-then-phone``     channel ``app``, outcome ``failure``  channel ``phone``
``web-failure-then-chat``      channel ``web``, outcome ``failure``  channel ``chat``
``app-failure-then-chat``      channel ``app``, outcome ``failure``  channel ``chat``
``online-failure-then-store``  channel ``web`` or ``app``, failure   channel ``store``
=============================  ===================================  ====================

Their names ("called after failing on the portal") are built from a channel **vocabulary**
(:data:`DEFAULT_VOCABULARY`) that a rules file can change (:func:`load_rules`, ``docs/rules.md``).

Matching semantics
------------------
Events are ordered by (journey, timestamp, input order). Within one journey, a **match** of a
pattern with steps 1..n is a sequence of events e1 < e2 < ... < en (each a strictly later row than
the one before; equal timestamps are ordered by input order) where e_k satisfies the conditions of
step k and, when step k has a window, ``time(e_k) - time(e_{k-1}) <= within``. A step without a
window allows any time inside the journey. A journey counts once, however often it matches.

For each journey the **first match** is the one whose final event comes first; its start is the
*most recent* step-1 event that begins a valid chain to that final event. The **time to contact**
is ``time(en) - time(e1)`` of that match, and the **trigger activity** is the activity of that e1
(for the built-ins: the activity that failed).

A step's conditions are ANDed; a condition is ``column -> any of these values`` (``None`` = the
value is missing), or ``column -> regular expression`` (``Step.matches``, Rust regex syntax).
Channel values are normalised like ingest does ("Portal" -> ``web``), outcome values too
("failed" -> ``failure``); other columns are compared as strings.

Matching is vectorised in Polars: for each step k, every row gets the time and the chain start of
the latest earlier row of its journey that completed step k-1 (``shift(1).forward_fill()``), so
the cost is linear in the events per step: no cross join and no Python loop over events or
journeys.

**Applicability.** A pattern is *skipped* (not reported, with a reason in
:attr:`PatternResult.skipped`) when the log cannot show it: a canonical column it needs is
missing or empty (no channel column, every channel ``unknown``, no outcome values), or no event
satisfies one of its steps. A condition on a column that is neither canonical nor in the log is an
error (:class:`~journeylog.errors.InvalidInput`), since it is almost always a typo.

JSON contract
-------------
:meth:`PatternResult.to_json` gives ``{"patterns": [...], "skipped_patterns": [...]}``; each
pattern has ``id``, ``name``, ``statement``, ``journeys``, ``share`` (of all journeys, 0..1),
``median_seconds_to_contact``, ``activities`` (up to 5 trigger activities with their journey
counts, most frequent first, ties by name), ``examples`` (up to 5 journey ids, sorted),
``median_extra_seconds`` and ``satisfaction_delta`` (as :func:`journeylog.journeys.impact`, null
when unknown) and ``builtin``. Patterns are sorted by journeys (descending), then name. Each
skipped pattern has ``id``, ``name``, ``reason``.

>>> import polars as pl, datetime as dt
>>> t = lambda h: dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(hours=h)
>>> ev = pl.DataFrame({
...     "journey_id": ["j1", "j1", "j2", "j2", "j3"],
...     "timestamp": [t(0), t(3), t(0), t(60), t(0)],
...     "channel": ["web", "phone", "web", "phone", "web"],
...     "activity": ["Pay", "Call", "Pay", "Call", "Pay"],
...     "outcome": ["failure", None, "failure", None, "success"],
... })
>>> result = match_patterns(ev)
>>> result.table.select("id", "journeys", "median_seconds_to_contact").rows()
[('web-failure-then-phone', 1, 10800.0)]
>>> result.table["statement"][0]  # doctest: +NORMALIZE_WHITESPACE
"Called after failing on the portal: 1 journey (33.3%), a median 3.0 h after 'Pay' failed;
this journey was 1.1 d shorter than journeys without it."
>>> result.skipped["id"].to_list()
['app-failure-then-phone', 'online-failure-then-store', 'app-failure-then-chat', 'web-failure-then-chat']
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.config import rules as config_rules
from journeylog.config.rules import DEFAULT_WINDOW, ONLINE, Pattern, RuleDefaults, RuleSet, Step, slug
from journeylog.config.yamldoc import parse_duration
from journeylog.errors import InvalidInput
from journeylog.explain import wording as W
from journeylog.explain.impact import impact_of
from journeylog.explain.matching import check_columns, first_matches, pattern_journeys, sorted_events, step_expr
from journeylog.explain.wording import DEFAULT_VOCABULARY
from journeylog.journeys import journey_stats

__all__ = [
    "DEFAULT_WINDOW",
    "DEFAULT_VOCABULARY",
    "RULE_DEFAULTS",
    "Pattern",
    "PatternGatherer",
    "PatternPart",
    "PatternResult",
    "Rules",
    "Step",
    "builtin_patterns",
    "default_rules",
    "load_rules",
    "match_patterns",
    "parse_duration",
    "pattern_journeys",
    "slug",
]

# ----------------------------------------------------------------------------------------------
# Built-in patterns and rules
# ----------------------------------------------------------------------------------------------

def builtin_patterns(
    vocabulary: Mapping[str, Mapping[str, str]] = DEFAULT_VOCABULARY, window: timedelta = DEFAULT_WINDOW
) -> tuple[Pattern, ...]:
    """The five built-in patterns, named from ``vocabulary``, each with ``window`` between its steps.

    >>> [p.name for p in builtin_patterns({"web": {"failing": "on the website"}})][:2]
    ['called after failing on the website', 'called after failing in the app']
    """
    specs = [
        ("web", ("web",), "phone"),
        ("app", ("app",), "phone"),
        ("web", ("web",), "chat"),
        ("app", ("app",), "chat"),
        (ONLINE, ("web", "app"), "store"),
    ]
    out = []
    for failing_key, failing_channels, contact in specs:
        name = W.builtin_name(vocabulary, failing_key, contact)
        steps = (
            Step({S.CHANNEL: list(failing_channels), S.OUTCOME: S.FAILURE}),
            Step({S.CHANNEL: contact}, within=window),
        )
        out.append(Pattern(name=name, steps=steps, builtin=True, id=f"{failing_key}-failure-then-{contact}"))
    return tuple(out)


@dataclass(frozen=True)
class Rules(RuleSet):
    """The patterns to look for, the vocabulary that named them and the built-ins' window
    (a :class:`~journeylog.config.rules.RuleSet` whose defaults are the built-ins).

    ``Rules()`` is the built-in set with the default vocabulary and window.
    """

    patterns: tuple[Pattern, ...] = field(default_factory=builtin_patterns)
    vocabulary: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: DEFAULT_VOCABULARY, hash=False)
    window: timedelta = DEFAULT_WINDOW
    path: str | None = None


def default_rules(window: timedelta = DEFAULT_WINDOW) -> Rules:
    """The built-ins only, with another window (``--pattern-window``)."""
    return Rules(patterns=builtin_patterns(DEFAULT_VOCABULARY, window), window=window)


#: What :func:`load_rules` reads a rules file against: the wording of :mod:`journeylog.explain.wording`.
RULE_DEFAULTS = RuleDefaults(vocabulary=DEFAULT_VOCABULARY, placeholders=tuple(W.PLACEHOLDERS), builtins=builtin_patterns)


def load_rules(path: str | os.PathLike[str]) -> Rules:
    """Read a rules file (YAML, see ``docs/rules.md``, read by :mod:`journeylog.config.rules`):
    built-ins (unless ``builtins: false``), renamed by its ``vocabulary``, with its ``window``, plus
    its own ``patterns``.

    Every mistake is an :class:`~journeylog.errors.InvalidInput` naming the file, line and column.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "rules.yaml"
    >>> _ = p.write_text("window: 24h\\nvocabulary:\\n  web: {failing: on the website}\\n"
    ...                  "patterns:\\n  - name: called twice\\n    steps:\\n      - {channel: phone}\\n"
    ...                  "      - {channel: phone, within: 7d}\\n")
    >>> rules = load_rules(p)
    >>> [pt.name for pt in rules.patterns][0], rules.patterns[-1].id, rules.window
    ('called after failing on the website', 'called-twice', datetime.timedelta(days=1))
    """
    read = config_rules.load_rules(path, RULE_DEFAULTS)
    return Rules(patterns=read.patterns, vocabulary=read.vocabulary, window=read.window, path=read.path)


# ----------------------------------------------------------------------------------------------
# Results (matching itself: journeylog.explain.matching)
# ----------------------------------------------------------------------------------------------

_J, _T = S.JOURNEY_ID, S.TIMESTAMP
_TOP = 5

_TABLE_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String(),
    "name": pl.String(),
    "statement": pl.String(),
    "journeys": pl.UInt64(),
    "share": pl.Float64(),
    "median_seconds_to_contact": pl.Float64(),
    "activities": pl.List(pl.Struct({"activity": pl.String(), "journeys": pl.UInt64()})),
    "examples": pl.List(pl.String()),
    "median_extra_seconds": pl.Float64(),
    "satisfaction_delta": pl.Float64(),
    "builtin": pl.Boolean(),
}
_SKIPPED_SCHEMA: dict[str, pl.DataType] = {"id": pl.String(), "name": pl.String(), "reason": pl.String()}


@dataclass(frozen=True)
class PatternResult:
    """The patterns found (``table``, one row per applicable pattern, sorted by journeys then name)
    and those skipped (``skipped``: ``id``, ``name``, ``reason``, sorted by name)."""

    table: pl.DataFrame
    skipped: pl.DataFrame

    @property
    def notes(self) -> list[str]:
        """One line per skipped pattern, e.g. ``not looking for 'called ...': the log has no channels``."""
        return [W.skipped_note(n, r) for n, r in self.skipped.select("name", "reason").iter_rows()]

    def to_json(self) -> dict[str, Any]:
        """The JSON contract (see the module docs): ``patterns`` and ``skipped_patterns``."""
        return {"patterns": self.table.to_dicts(), "skipped_patterns": self.skipped.to_dicts()}


def _column_info(lf: pl.LazyFrame, names: Sequence[str], columns: Sequence[str]) -> dict[str, bool]:
    """Whether each present column carries information (non-null; channels other than unknown)."""
    exprs = []
    for c in columns:
        if c not in names:
            continue
        has = pl.col(c).is_not_null()
        if c == S.CHANNEL:
            has = has & (pl.col(c).cast(pl.String) != S.UNKNOWN_CHANNEL)
        exprs.append(has.any().alias(c))
    if not exprs:
        return {}
    return lf.select(exprs).collect().row(0, named=True)


def _ids(values: pl.Series | Sequence[str]) -> pl.Series:
    return values.cast(pl.String) if isinstance(values, pl.Series) else pl.Series(list(values), dtype=pl.String)


_MATCH_SCHEMA: dict[str, pl.DataType] = {_J: pl.String(), "activity": pl.String(), "seconds_to_contact": pl.Float64()}


@dataclass
class PatternPart:
    """One batch's share of a :class:`PatternGatherer`: per column whether an event carries its
    information, per pattern step whether an event satisfies it, and per pattern its matches."""

    info: dict[str, bool]
    found: dict[str, bool] = field(default_factory=dict)
    matches: dict[str, pl.DataFrame] = field(default_factory=dict)


class PatternGatherer:
    """Pattern matching over journey-complete batches of one log (a pattern lies within one
    journey, so matching batch by batch is exact): :meth:`add` each batch, then :meth:`result`.

    Applicability (:attr:`PatternResult.skipped`) is gathered over the batches as whether any
    event carries a column's information or satisfies a step; the matches of every pattern whose
    columns the log has are kept (one row per matching journey) until :meth:`result` drops those
    of the patterns skipped.
    """

    def __init__(self, rules: RuleSet | Sequence[Pattern] | None, names: Sequence[str]) -> None:
        patterns = tuple(rules.patterns if isinstance(rules, RuleSet) else (rules if rules is not None else builtin_patterns()))
        seen: dict[str, str] = {}
        for p in patterns:
            if p.id in seen or p.name in seen.values():
                raise InvalidInput(f"two patterns share the id {p.id!r} or the name {p.name!r}", path=p.path, row=p.line)
            seen[p.id] = p.name
        self.patterns = patterns
        self.names = list(names)
        # read only what the patterns and the impact figures need
        wanted = [_J, _T, S.ACTIVITY, S.SATISFACTION, *(c for p in patterns for s in p.steps for c in s.columns())]
        self.wanted = [c for c in dict.fromkeys(wanted) if c in self.names]
        self.missing = {p.id: check_columns(p, self.names) for p in patterns}  # raises for unknown attribute columns
        self.canonical = sorted({c for p in patterns for s in p.steps for c in s.columns() if c in S.SCHEMA})
        self.info: dict[str, bool] = {}
        self.found: dict[str, bool] = {}
        self.matches: dict[str, list[pl.DataFrame]] = {p.id: [] for p in patterns if not self.missing[p.id]}

    def add(self, events: pl.DataFrame | pl.LazyFrame) -> None:
        """Match every pattern in one journey-complete batch of events."""
        self.absorb(self.part(events))

    def part(self, events: pl.DataFrame | pl.LazyFrame) -> PatternPart:
        """What one journey-complete batch adds (this gatherer is not changed: batches can be
        matched anywhere, on Spark's executors too, and :meth:`absorb`-ed in any order)."""
        lf = sorted_events(events).select(self.wanted).collect().lazy()
        part = PatternPart({c: bool(has) for c, has in _column_info(lf, self.names, self.canonical).items()})
        schema = lf.collect_schema()
        steps = {f"{p.id}\x1f{k}": step_expr(s, schema).any()
                 for p in self.patterns if p.id in self.matches for k, s in enumerate(p.steps)}
        if steps:
            part.found = {k: bool(hit) for k, hit in
                          lf.select([e.alias(k) for k, e in steps.items()]).collect().row(0, named=True).items()}
        # a pattern with a step that no event of the batch satisfies has no match in it: not matched
        ids = [pid for pid in self.matches
               if all(part.found.get(f"{pid}\x1f{k}", False) for k in range(len(self._pattern(pid).steps)))]
        for pid, pj in zip(ids, pl.collect_all([first_matches(lf, self._pattern(pid)) for pid in ids]), strict=True):
            if pj.height:
                part.matches[pid] = pj.select(list(_MATCH_SCHEMA)).cast(_MATCH_SCHEMA)  # type: ignore[arg-type]
        return part

    def absorb(self, part: PatternPart) -> None:
        """Add the matches and applicability of one batch (:meth:`part`)."""
        for c, has in part.info.items():
            self.info[c] = self.info.get(c, False) or has
        for key, hit in part.found.items():
            self.found[key] = self.found.get(key, False) or hit
        for pid, frame in part.matches.items():
            self.matches[pid].append(frame)

    def _pattern(self, pid: str) -> Pattern:
        return next(p for p in self.patterns if p.id == pid)

    def reasons(self) -> dict[str, str | None]:
        """pattern id -> None if applicable, else the reason it is skipped."""
        reasons: dict[str, str | None] = {}
        for p in self.patterns:
            reason = None
            for s in p.steps:
                for c in s.columns():
                    if c in self.missing[p.id] or (c in self.info and not self.info[c]):
                        reason = W.no_information_reason(c)
                        break
                if reason:
                    break
            if reason is None:
                for k, s in enumerate(p.steps):
                    if not self.found.get(f"{p.id}\x1f{k}", False):
                        reason = W.no_match_reason(k + 1, s.describe())
                        break
            reasons[p.id] = reason
        return reasons

    def journeys(self, pattern_id: str) -> pl.DataFrame:
        """The journeys where the pattern occurs: ``journey_id``, ``activity`` (of the step-1 event
        of the first match) and ``seconds_to_contact``, one row each."""
        frames = self.matches.get(pattern_id, [])
        # batches come in any order (journeys never span two): sorted by journey, as one batch gives them
        return pl.concat(frames).sort(_J) if frames else pl.DataFrame(schema=_MATCH_SCHEMA)

    def result(self, stats: pl.DataFrame, *, reference: pl.Series | Sequence[str] | None = None,
               metric: str | None = None) -> PatternResult:
        """The patterns found, with their impact on ``stats`` (one row per journey of the log:
        ``journey_id``, ``duration_seconds``, ``satisfaction``, sorted by journey id; with a
        boolean ``reference`` column, the journeys to compare with when ``reference`` is None and
        the column is there). See :func:`match_patterns`."""
        given = reference is not None or "reference" in stats.columns
        fixed_ref = (stats.filter(pl.col(_J).is_in(_ids(reference).implode())) if reference is not None
                     else stats.filter("reference") if given else None)
        return self.result_of(lambda p: self._pieces(p, stats, fixed_ref), total=stats.height, metric=metric,
                              fixed_reference=fixed_ref is not None)

    def result_of(self, pieces: Callable[[Pattern], PatternPieces], *, total: int, metric: str | None = None,
                  fixed_reference: bool = True) -> PatternResult:
        """The patterns found, each row from its :class:`PatternPieces` (however they were
        computed: :meth:`result` from the matches here, or an engine holding them); ``total``:
        the journeys of the log; ``fixed_reference``: the impact is against the journeys that fit
        (else against the others)."""
        reasons = self.reasons()
        applicable = [p for p in self.patterns if reasons[p.id] is None]
        skipped = pl.DataFrame(
            [(p.id, p.name, reasons[p.id]) for p in self.patterns if reasons[p.id] is not None],
            schema=_SKIPPED_SCHEMA, orient="row",
        ).sort(["name", "id"])
        if not applicable:
            return PatternResult(pl.DataFrame(schema=_TABLE_SCHEMA), skipped)
        rows = [_row(p, pieces(p), total, fixed_reference, metric) for p in applicable]
        table = pl.DataFrame(rows, schema=_TABLE_SCHEMA).sort(["journeys", "name", "id"], descending=[True, False, False])
        return PatternResult(table, skipped)

    def _pieces(self, p: Pattern, stats: pl.DataFrame, fixed_ref: pl.DataFrame | None) -> PatternPieces:
        """One pattern's figures from its matches and ``stats``."""
        pj = self.journeys(p.id)
        n = pj.height
        ids = pj[_J]
        median = float(pj["seconds_to_contact"].median()) if n else None  # type: ignore[arg-type]
        acts = pj.group_by("activity").agg(pl.len().cast(pl.UInt64).alias("journeys"))
        affected = stats[_J].is_in(ids.implode())
        ref = fixed_ref if fixed_ref is not None else stats.filter(~affected)
        imp = impact_of(stats.filter(affected), ref) if n else dict(_NO_IMPACT)
        return PatternPieces(n, median, acts, ids.sort().head(_TOP).to_list(), imp)


#: the impact figures of a pattern without journeys
_NO_IMPACT: dict[str, float | None] = {"median_extra_seconds": None, "satisfaction_delta": None}


@dataclass
class PatternPieces:
    """What one pattern's row is made of: its journeys, the median seconds to contact, the
    journeys per trigger activity (``activity``, ``journeys``), the first journey ids (sorted) and
    the impact figures (:func:`journeylog.explain.impact.impact_of`)."""

    journeys: int
    median_seconds: float | None
    activities: pl.DataFrame
    examples: list[str]
    impact: dict[str, float | None]


def _row(p: Pattern, pieces: PatternPieces, total: int, fixed_reference: bool, metric: str | None) -> dict[str, Any]:
    """One pattern's row of the table."""
    n, median, imp = pieces.journeys, pieces.median_seconds, pieces.impact
    acts = (pieces.activities.select("activity", pl.col("journeys").cast(pl.UInt64))
            .sort(["journeys", "activity"], descending=[True, False], nulls_last=True).head(_TOP))
    share = n / total if total else 0.0
    top = acts["activity"][0] if acts.height else None
    return {
        "id": p.id,
        "name": p.name,
        "statement": W.pattern_statement(p, journeys=n, share=share, median_seconds=median, activity=top,
                                         median_extra_seconds=imp["median_extra_seconds"],
                                         satisfaction_delta=imp["satisfaction_delta"],
                                         reference=W.REFERENCE if fixed_reference else W.REFERENCE_OTHERS,
                                         metric=metric),
        "journeys": n,
        "share": share,
        "median_seconds_to_contact": median,
        "activities": acts.to_dicts(),
        "examples": pieces.examples,
        "median_extra_seconds": imp["median_extra_seconds"],
        "satisfaction_delta": imp["satisfaction_delta"],
        "builtin": p.builtin,
    }


def match_patterns(
    events: pl.DataFrame | pl.LazyFrame,
    rules: RuleSet | Sequence[Pattern] | None = None,
    *,
    reference: pl.Series | Sequence[str] | None = None,
    metric: str | None = None,
) -> PatternResult:
    """Look for every pattern of ``rules`` (default: the built-ins) in ``events``.

    ``reference``: the journeys to compare with for the impact figures (``conform`` passes the
    journeys that fit the designed model); by default each pattern's affected journeys are
    compared with all journeys where it does not occur. ``metric``: the label of the score in the
    events' ``satisfaction`` column when it is not the canonical one (named in the statements).
    See the module docs for the semantics and the JSON contract. The events are one batch of
    :class:`PatternGatherer` (``conform`` feeds it journey-complete batches of a larger log).
    """
    lf = sorted_events(events)
    gatherer = PatternGatherer(rules, lf.collect_schema().names())
    frame = lf.select(gatherer.wanted).collect()
    gatherer.add(frame)
    return gatherer.result(journey_stats(frame), reference=reference, metric=metric)
