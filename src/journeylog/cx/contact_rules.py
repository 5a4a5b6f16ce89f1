"""Which events are assisted contacts, and the one class of each: Polars expressions and window
functions over the ordered event table (no Python loop over events or journeys; the loops here
run over rules and classes).

For every class a *candidate* column holds the text of the first of its tests that holds, or
null; the contact's class is the first class in the precedence whose candidate is set, and that
text is its ``decided_by``.

* mandatory: the activity is a step of the designed journey (``model step``, when ``design:
  mandatory``), else a rule of the file (``rule: NAME``, the first in file order);
* avoidable: the last failure event (outcome ``failure``) before it in the same journey lies
  within the failure window (``after failure of 'X' on web within 48h``), else an earlier contact
  in the same journey on the same reason lies within the repeat window (``repeat within 7d``),
  else a rule;
* selfcare: the activity is a designed step (``self-service in the design``, when ``design:
  selfcare``), else its activity or reason succeeds on a self-service channel in another journey
  (``self-service in log``), else a rule;
* assistance: a rule, else ``no other rule``.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from journeylog import schema as S
from journeylog.config.contacts import CLASSES, REASON, ContactRule, ContactRules
from journeylog.cx import wording as W
from journeylog.errors import InvalidInput
from journeylog.explain.matching import step_expr

__all__ = ["CONTACT_FRAME_COLUMNS", "classify_contacts", "contact_expr", "merge_self_service", "rule_columns",
           "self_service_counts"]

#: internal column names (prefixed so they never meet a log's own columns)
_REASON, _POS = "_reason", "_pos"
_FAIL_TS, _FAIL_ACT, _FAIL_CH = "_fail_ts", "_fail_activity", "_fail_channel"

#: The columns of the frame :func:`classify_contacts` returns.
CONTACT_FRAME_COLUMNS: tuple[str, ...] = (
    S.JOURNEY_ID, S.CUSTOMER_ID, S.TIMESTAMP, S.CHANNEL, S.ACTIVITY, S.CONTACT_REASON, "class", "decided_by",
    S.SOURCE, S.SOURCE_ROW, "reason", "driver_kind", "driver_activity", "driver_channel", "driver_rule",
    "repeat", "followed",
)


def _col_or_null(names: Sequence[str], name: str, dtype: pl.DataType | None = None) -> pl.Expr:
    return pl.col(name) if name in names else pl.lit(None, dtype or pl.String()).alias(name)


def contact_expr(rules: ContactRules, names: Sequence[str]) -> pl.Expr:
    """True for the events that are assisted contacts: on a contact channel, or on an
    inbound-only channel when the direction column says inbound (no such column: never)."""
    channel = pl.col(S.CHANNEL)
    expr = channel.is_in(list(rules.channels))
    if rules.inbound_channels and rules.direction_column in names:
        inbound = (pl.col(rules.direction_column).cast(pl.String).str.strip_chars().str.to_lowercase()
                   .is_in(list(rules.inbound_values)))
        expr = expr | (channel.is_in(list(rules.inbound_channels)) & inbound)
    return expr.fill_null(False)


def rule_columns(rules: ContactRules, names: Sequence[str]) -> None:
    """Every column a rule reads must be in the log; else an error naming the rule's line."""
    for rule in rules.rules:
        for column in rule.step.columns():
            if column != REASON and column not in names:
                raise InvalidInput(f"the rule {rule.name!r} reads the column {column!r}, which the log does not have",
                                   path=rules.path, row=rule.line, hint="columns: " + ", ".join(names))


def _rule_candidate(rules: Sequence[ContactRule], schema: pl.Schema) -> pl.Expr | None:
    """``rule: NAME`` of the first of ``rules`` the contact matches (in file order), or null."""
    if not rules:
        return None
    exprs = []
    for rule in rules:
        step = rule.step
        conditions = {(_REASON if k == REASON else k): v for k, v in step.conditions.items()}
        matches = {(_REASON if k == REASON else k): v for k, v in step.matches.items()}
        renamed = type(step)(conditions, matches=matches)
        exprs.append(pl.when(step_expr(renamed, schema)).then(pl.lit(W.decided_rule(rule.name))))
    return pl.coalesce(exprs)


def _with_failures(events: pl.LazyFrame, failure: pl.Expr) -> pl.LazyFrame:
    """Per event: the time, activity and channel of the last failure strictly before it in its
    journey (events ordered; a window function per journey)."""
    def last(col: str) -> pl.Expr:
        return pl.when(failure).then(pl.col(col)).shift(1).forward_fill().over(S.JOURNEY_ID)

    return events.with_columns(last(S.TIMESTAMP).alias(_FAIL_TS), last(S.ACTIVITY).alias(_FAIL_ACT),
                               last(S.CHANNEL).alias(_FAIL_CH))


def _self_served(rules: ContactRules, names: Sequence[str]) -> pl.Expr:
    """A success on a self-service channel (never without an outcome column)."""
    return (pl.col(S.CHANNEL).is_in(list(rules.self_service_channels))
            & (_col_or_null(names, S.OUTCOME) == S.SUCCESS)).fill_null(False)


def self_service_counts(events: pl.DataFrame | pl.LazyFrame, rules: ContactRules) -> pl.DataFrame:
    """Activities that succeed on a self-service channel: ``_ss_key``, the number of journeys
    with it (``_ss_journeys``). Journeys never span batches, so the counts of journey-complete
    batches add up to the log's (:func:`merge_self_service`)."""
    lf = events.lazy()
    return (lf.filter(_self_served(rules, lf.collect_schema().names()))
            .group_by(pl.col(S.ACTIVITY).alias("_ss_key")).agg(pl.col(S.JOURNEY_ID).n_unique().alias("_ss_journeys"))
            .collect())


def merge_self_service(parts: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """The :func:`self_service_counts` of several journey-complete batches, added up."""
    if not parts:
        return pl.DataFrame(schema={"_ss_key": pl.String, "_ss_journeys": pl.UInt32})
    return (pl.concat(parts).group_by("_ss_key")
            .agg(pl.col("_ss_journeys").sum().cast(pl.UInt32)).sort("_ss_key"))


def _own_self_service(events: pl.LazyFrame, rules: ContactRules) -> pl.LazyFrame:
    """(journey, activity) pairs that succeed on a self-service channel in that journey."""
    return (events.filter(_self_served(rules, events.collect_schema().names()))
            .select(S.JOURNEY_ID, pl.col(S.ACTIVITY).alias("_ss_key")).unique()
            .with_columns(pl.lit(1, pl.UInt32).alias("_ss_own")))


def _in_log(contacts: pl.LazyFrame, events: pl.LazyFrame, rules: ContactRules, key: str, flag: str,
            ss: pl.DataFrame) -> pl.LazyFrame:
    """Add ``flag``: the contact's ``key`` (activity or reason) succeeds on a self-service
    channel in at least one journey other than its own (``ss``: :func:`self_service_counts` of
    the whole log; the contact's own journey is in ``events``)."""
    own = _own_self_service(events, rules)
    return (contacts.join(ss.lazy(), left_on=key, right_on="_ss_key", how="left", maintain_order="left")
            .join(own, left_on=[S.JOURNEY_ID, key], right_on=[S.JOURNEY_ID, "_ss_key"], how="left",
                  maintain_order="left")
            .with_columns(((pl.col("_ss_journeys").fill_null(0) - pl.col("_ss_own").fill_null(0)) > 0).alias(flag))
            .drop("_ss_journeys", "_ss_own"))


def _repeats(contacts: pl.LazyFrame, window_us: int) -> pl.LazyFrame:
    """``repeat``: an earlier contact in the journey on the same reason lies within the window;
    ``followed``: a later one does (window functions per journey and reason, in event order)."""
    ts = pl.col(S.TIMESTAMP)
    by = [S.JOURNEY_ID, _REASON]
    prev = ts.shift(1).over(by)  # within a group, rows keep the frame's (event) order
    nxt = ts.shift(-1).over(by)
    window = pl.duration(microseconds=window_us)
    return contacts.with_columns(
        ((ts - prev) <= window).fill_null(False).alias("repeat"),
        ((nxt - ts) <= window).fill_null(False).alias("followed"),
    )


def classify_contacts(events: pl.DataFrame, rules: ContactRules, tasks: Sequence[str] | None,
                      self_service: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per assisted contact of ``events`` (ordered by journey, time, input order) with its
    ``class``, ``decided_by``, ``reason``, the driver of an avoidable contact, and the ``repeat``
    and ``followed`` flags; columns :data:`CONTACT_FRAME_COLUMNS`, in event order.

    ``tasks``: the steps of the designed journey (None: no model). ``self_service``: the
    :func:`self_service_counts` of the whole log when ``events`` are one batch of it (None: of
    ``events``).
    """
    names = events.columns
    rule_columns(rules, names)
    base = events.lazy()
    lf = base.with_row_index(_POS)
    fail = (_col_or_null(names, S.OUTCOME) == S.FAILURE).fill_null(False)
    lf = _with_failures(lf, fail)
    is_contact = contact_expr(rules, names)
    contacts = lf.filter(is_contact).with_columns(
        pl.coalesce(_col_or_null(names, S.CONTACT_REASON), pl.col(S.ACTIVITY)).alias(_REASON))
    contacts = _repeats(contacts, _micros(rules.repeat_window.total_seconds()))
    if rules.selfcare_from_log:
        ss = self_service_counts(base, rules) if self_service is None else self_service
        contacts = _in_log(contacts, base, rules, S.ACTIVITY, "_ss_activity", ss)
        contacts = _in_log(contacts, base, rules, _REASON, "_ss_reason", ss)
    schema = contacts.collect_schema()
    candidates = _candidates(rules, tasks, schema)
    klass, decided = _decide(rules.precedence, candidates)
    out = contacts.with_columns(klass.alias("class"), decided.alias("decided_by"))
    return _drivers(out, rules, names).collect()


def _micros(seconds: float) -> int:
    return int(round(seconds * 1_000_000))


def _candidates(rules: ContactRules, tasks: Sequence[str] | None, schema: pl.Schema) -> dict[str, pl.Expr]:
    """Class -> the expression giving the text of its first test that holds, or null."""
    by_class: dict[str, list[pl.Expr]] = {c: [] for c in CLASSES}
    if tasks is not None and rules.design in W.DECIDED_DESIGN:
        step = pl.col(S.ACTIVITY).is_in(list(tasks))
        by_class[rules.design].append(pl.when(step).then(pl.lit(W.DECIDED_DESIGN[rules.design])))
    before, between, after = W.decided_failure_parts(rules.failure_window.total_seconds())
    recent = (pl.col(S.TIMESTAMP) - pl.col(_FAIL_TS)) <= pl.duration(microseconds=_micros(
        rules.failure_window.total_seconds()))
    by_class["avoidable"].append(pl.when(recent.fill_null(False)).then(pl.concat_str(
        pl.lit(before), pl.col(_FAIL_ACT).fill_null("?"), pl.lit(between), pl.col(_FAIL_CH).fill_null("?"),
        pl.lit(after))))
    by_class["avoidable"].append(pl.when(pl.col("repeat")).then(pl.lit(W.decided_repeat(
        rules.repeat_window.total_seconds()))))
    if rules.selfcare_from_log:
        by_class["selfcare"].append(pl.when(pl.col("_ss_activity") | pl.col("_ss_reason")).then(pl.lit(W.DECIDED_LOG)))
    for klass in CLASSES:  # within a class: the tests on the log and the model first, then the rules
        expr = _rule_candidate([r for r in rules.rules if r.klass == klass], schema)
        if expr is not None:
            by_class[klass].append(expr)
    by_class["assistance"].append(pl.lit(W.DECIDED_REST))
    return {c: pl.coalesce(exprs) if exprs else pl.lit(None, pl.String) for c, exprs in by_class.items()}


def _decide(precedence: Sequence[str], candidates: dict[str, pl.Expr]) -> tuple[pl.Expr, pl.Expr]:
    """The class (first in ``precedence`` whose candidate is set) and its ``decided_by``."""
    klass: pl.Expr | None = None
    for c in precedence:
        test = candidates[c].is_not_null()
        klass = pl.when(test).then(pl.lit(c)) if klass is None else klass.when(test).then(pl.lit(c))  # type: ignore[attr-defined]
    assert klass is not None
    decided = pl.coalesce([candidates[c] for c in precedence])
    return klass.otherwise(pl.lit("assistance")), decided  # type: ignore[attr-defined]


def _drivers(contacts: pl.LazyFrame, rules: ContactRules, names: Sequence[str]) -> pl.LazyFrame:
    """What made an avoidable contact avoidable: kind (rule, failure, repeat) and its details."""
    decided = pl.col("decided_by")
    avoidable = pl.col("class") == "avoidable"
    kind = (pl.when(avoidable & decided.str.starts_with("rule: ")).then(pl.lit("rule"))
            .when(avoidable & decided.str.starts_with("after failure")).then(pl.lit("failure"))
            .when(avoidable).then(pl.lit("repeat")))
    failure = kind == "failure"
    return contacts.with_columns(
        kind.alias("driver_kind"),
        pl.when(failure).then(pl.col(_FAIL_ACT)).alias("driver_activity"),
        pl.when(failure).then(pl.col(_FAIL_CH)).alias("driver_channel"),
        pl.when(kind == "rule").then(decided.str.strip_prefix("rule: ")).alias("driver_rule"),
        pl.col(_REASON).alias("reason"),
        _col_or_null(names, S.CUSTOMER_ID), _col_or_null(names, S.CONTACT_REASON), _col_or_null(names, S.SOURCE),
        _col_or_null(names, S.SOURCE_ROW, pl.Int64()),
    ).select(CONTACT_FRAME_COLUMNS)
