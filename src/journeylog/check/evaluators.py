"""The check evaluators: every configured threshold against one conformance result (and a
baseline), one :class:`CheckResult` each with a status and a plain-language message.

>>> from journeylog.config.project import CheckConfig, Threshold
>>> conf = {"method": "alignments", "fitness": 0.9, "fitting_share": 0.5, "fitting_share_accepted": 0.6,
...         "precision": None, "journeys": 100, "deviations": [], "patterns": []}
>>> cfg = CheckConfig(checks={"min_fitness": Threshold(0.95), "min_fitting_share": Threshold(0.5, "warn")})
>>> results = run_checks(conf, cfg)
>>> [(r.name, r.status) for r in results], int(exit_code(results))
([('min_fitness', 'FAIL'), ('min_fitting_share', 'PASS')], 1)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from journeylog.check.baseline import DIGITS
from journeylog.config.checks import BASELINE_CHECKS, DEFAULT_BASELINE_CHECKS, DEFAULT_ON_CHECKS, ERROR
from journeylog.config.project import CheckConfig, Threshold, enabled
from journeylog.errors import CHECK_FAILED, OK, InvalidInput, JourneylogError, UsageError
from journeylog.explain.deviations import impossible_step, nearest_ids
from journeylog.explain.wording import DeviationKind
from journeylog.stats import fmt_p, two_by_two
from journeylog.text import fmt_share

__all__ = ["PASS", "WARN", "FAIL", "SKIP", "STATUSES", "CheckResult", "check_max_share_names", "run_checks", "exit_code",
           "summary", "to_json"]

PASS, WARN, FAIL, SKIP = "PASS", "WARN", "FAIL", "SKIP"
STATUSES = (PASS, WARN, FAIL, SKIP)
_DEVIATION_KINDS = tuple(k.value for k in DeviationKind)


@dataclass(frozen=True)
class CheckResult:
    """One check. ``name`` is unique (``max_share[skipped:Identity check]``), ``kind`` is the
    check (``max_share``), ``item`` the deviation id or pattern name it is about (or None)."""

    name: str
    kind: str
    severity: str
    status: str
    value: float | None
    threshold: float | bool | None
    message: str
    item: str | None = None
    baseline: float | None = None
    p_value: float | None = None  # baseline share checks: chance of a change this large

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "item": self.item, "severity": self.severity,
            "status": self.status, "value": self.value, "threshold": self.threshold,
            "baseline": self.baseline, "p_value": self.p_value, "message": self.message,
        }


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.4f}"


def _pts(x: float) -> str:
    v = round(100 * x, 1) + 0.0  # no "-0.0"
    return f"{v:+.1f} points"


def _status(ok: bool, severity: str) -> str:
    if ok:
        return PASS
    return FAIL if severity == ERROR else WARN


def _delta(a: float, b: float) -> float:
    """a - b at the baseline's precision (a baseline keeps :data:`DIGITS` digits, so smaller
    differences are rounding, not change)."""
    d = round(float(a) - float(b), DIGITS)
    return 0.0 if d == 0 else d


def _le(a: float, b: float) -> bool:
    """a <= b, tolerant of float noise in the last digits (shares are ratios of counts)."""
    return a <= b + 1e-12


@dataclass
class _Item:
    key: str          # deviation id or pattern name
    kind: str         # "deviation" or "pattern"
    share: float
    journeys: int
    statement: str
    accepted: bool


def _items(conformance: Mapping[str, Any]) -> tuple[dict[str, _Item], dict[str, str]]:
    """The deviations and patterns of a result by key, and pattern ids -> names."""
    items: dict[str, _Item] = {}
    pattern_ids: dict[str, str] = {}
    for d in conformance.get("deviations", []):
        items[d["id"]] = _Item(d["id"], "deviation", float(d["share"]), int(d["journeys"]), d["statement"],
                               bool(d.get("accepted")))
    for p in conformance.get("patterns", []):
        items[p["name"]] = _Item(p["name"], "pattern", float(p["share"]), int(p["journeys"]), p["statement"],
                                 bool(p.get("accepted")))
        if p.get("id"):
            pattern_ids[p["id"]] = p["name"]
    return items, pattern_ids


def _unknown_name(name: str, t: Threshold, candidates: Iterable[str]) -> JourneylogError:
    close = difflib.get_close_matches(name, sorted(candidates), n=3, cutoff=0.6)
    hint = ("did you mean " + " or ".join(repr(c) for c in close) + "?") if close else (
        "a deviation id is kind:activity (kinds: " + ", ".join(_DEVIATION_KINDS) + "), see conform --json")
    message = f"max_share: {name!r} is neither a deviation id (kind:activity) nor a pattern name in this log"
    if t.origin is None:
        return UsageError(message, hint=hint)
    return InvalidInput(message, path=t.origin, hint=hint)


def _known_activity(name: str, activities: frozenset[str] | None) -> bool:
    """Whether every step a deviation id names (a drop-out's stage: each of its steps) is one of
    the model's or the log's activities (None: not known, so yes); the rule of
    :func:`journeylog.explain.deviations.impossible_step`, which emotion and explain apply too."""
    return activities is None or impossible_step(name, activities) is None


def _unknown_activity(name: str, t: Threshold, kind: str, activities: Sequence[str]) -> JourneylogError:
    """A ``max_share`` deviation id whose activity is in neither the model nor the log: it could
    never occur, so the check would pass for ever."""
    activity = impossible_step(name, activities) or name.split(":", 1)[1]
    close = nearest_ids(name, activities, n=3)
    hint = ("did you mean " + " or ".join(repr(c) for c in close) + "?") if close else (
        "activities: " + ", ".join(activities[:20]) + (", ..." if len(activities) > 20 else ""))
    message = f"max_share: {name!r} names the activity {activity!r}, which is in neither the model nor the log"
    if t.origin is None:
        return UsageError(message, hint=hint)
    return InvalidInput(message, path=t.origin, hint=hint)


def check_max_share_names(config: CheckConfig, activities: Iterable[str]) -> None:
    """Raise for a ``max_share`` deviation id (``kind:activity``) naming an activity that is in
    neither the model nor the log (``activities``); cheap, so it runs before conformance."""
    known = frozenset(activities)
    for name in sorted(config.max_share):
        kind, _, activity = name.partition(":")
        if kind in _DEVIATION_KINDS and not _known_activity(name, known):
            raise _unknown_activity(name, config.max_share[name], kind, sorted(known))


def run_checks(
    conformance: Mapping[str, Any],
    config: CheckConfig,
    baseline: Mapping[str, Any] | None = None,
    *,
    activities: Iterable[str] | None = None,
) -> list[CheckResult]:
    """Evaluate every configured check against one conformance result (JSON of ``conform``).

    ``activities``: the labels of the model and the log; a ``max_share`` deviation id naming an
    activity outside them is an error with a did-you-mean (None: not checked).

    With a baseline but no baseline check configured, :data:`DEFAULT_BASELINE_CHECKS` apply.
    Baseline checks without a baseline are ``SKIP``. The order is fixed: the checks in
    :data:`ALL_CHECKS` order, items by name.

    ``min_label_overlap`` runs unless configured to 0 (:data:`DEFAULT_ON_CHECKS`) when the
    conformance has a ``label_overlap``; when it fails, every other check is ``SKIP``: their
    figures would describe a model of another log.
    """
    ev = _Evaluation(conformance, config, baseline, activities)
    wanted = [k for k in BASELINE_CHECKS if k in ev.checks and enabled(ev.checks[k])]
    if ev.label_overlap():
        ev.skip_rest(wanted)
        return ev.out
    ev.minimums()
    ev.max_shares()
    if baseline is None:
        for k in wanted:
            ev.add(k, ev.checks[k], None, None,
                   "No baseline to compare with (give --baseline FILE or baseline: in journeylog.yaml).")
        return ev.out
    if "max_fitness_drop" in wanted:
        ev.fitness_drop(baseline)
    if "max_fitting_share_drop" in wanted:
        ev.fitting_share_drop(baseline)
    if "max_share_increase" in wanted:
        ev.share_increase()
    if "max_share_ratio" in wanted:
        ev.share_ratio()
    if "fail_on_new_deviations" in wanted:
        ev.new_deviations()
    return ev.out


class _Evaluation:
    """The state of one :func:`run_checks` call: the items, the thresholds in force, the results."""

    def __init__(self, conformance: Mapping[str, Any], config: CheckConfig, baseline: Mapping[str, Any] | None,
                 activities: Iterable[str] | None = None) -> None:
        self.conformance = conformance
        self.activities = None if activities is None else frozenset(activities)
        self.config = config
        self.baseline = baseline
        self.items, self.pattern_ids = _items(conformance)
        self.active = {k: it for k, it in self.items.items() if not it.accepted}
        self.checks = dict(config.checks)
        if baseline is not None and not config.has_baseline_checks():
            self.checks.update({k: Threshold(v, sev, None) for k, (v, sev) in DEFAULT_BASELINE_CHECKS.items()})
        for k, v in DEFAULT_ON_CHECKS.items():
            self.checks.setdefault(k, Threshold(v, ERROR, None))
        self.out: list[CheckResult] = []
        self.n_now = int(conformance.get("journeys") or 0)
        self.n_then = int(baseline.get("journeys") or 0) if baseline is not None else 0
        fitting = conformance.get("fitting_share_accepted")
        self.fitting = conformance.get("fitting_share") if fitting is None else fitting
        b_items: dict[str, float] = {}
        if baseline is not None:
            b_items = {**{k: float(v) for k, v in baseline.get("deviations", {}).items()},
                       **{k: float(v) for k, v in baseline.get("patterns", {}).items()}}
        self.b_items = {k: v for k, v in b_items.items() if k not in self.items or not self.items[k].accepted}
        self.universe = sorted(set(self.active) | set(self.b_items))

    def add(self, kind: str, t: Threshold, ok: bool | None, value: float | None, message: str, *,
            item: str | None = None, base: float | None = None, name: str | None = None, p: float | None = None) -> None:
        status = SKIP if ok is None else _status(ok, t.severity)
        self.out.append(CheckResult(name or (f"{kind}[{item}]" if item is not None else kind), kind, t.severity, status,
                                    value, t.value, message, item, base, p))

    def chance(self, then: float, now: float) -> float | None:
        """Two-sided p-value of the change from the baseline share to this one (None: no test)."""
        n_now, n_then = self.n_now, self.n_then
        if self.config.significance <= 0 or n_now <= 0 or n_then <= 0:
            return None
        p, _test = two_by_two(*(np.array([v]) for v in (round(then * n_then), n_then, round(now * n_now), n_now)))
        return float(p[0])

    def within_chance(self, p: float) -> str:
        return f"; but within chance at {self.n_then:,} and {self.n_now:,} journeys, p = {p:.2g}"

    def label_overlap(self) -> bool:
        """``min_label_overlap``; True when it failed (an error, not a warning): then nothing else
        is worth checking."""
        t = self.checks["min_label_overlap"]
        overlap = self.conformance.get("label_overlap")
        if not overlap or not float(t.value) > 0:
            return False
        v = float(overlap["events_share"])
        ok = v >= float(t.value) - 1e-12
        lead = f"{fmt_share(v)} of the log's events carry a task label of the model"
        if ok:
            self.add("min_label_overlap", t, True, v, f"{lead}, at or above the minimum of {fmt_share(t.value)}.")
            return False
        self.add("min_label_overlap", t, False, v,
                 f"Only {lead}, below the minimum of {fmt_share(t.value)}: the model does not belong to this log "
                 "(or its activity names differ from the log's); the other checks are not run.")
        return self.out[-1].status == FAIL

    def skip_rest(self, wanted: Sequence[str]) -> None:
        """Every other configured check as ``SKIP`` (the model does not fit the log)."""
        why = "Not checked: the model does not belong to this log (see min_label_overlap)."
        for name in ("min_fitness", "min_fitting_share", "min_precision"):
            if name in self.checks:
                self.add(name, self.checks[name], None, None, why)
        for name in sorted(self.config.max_share):
            self.add("max_share", self.config.max_share[name], None, None, why, item=name, name=f"max_share[{name}]")
        for k in wanted:
            self.add(k, self.checks[k], None, None, why)

    def minimums(self) -> None:
        """``min_fitness``, ``min_fitting_share``, ``min_precision``."""
        conformance = self.conformance
        minimums = (
            ("min_fitness", conformance.get("fitness"), _num, "Fitness is {v}", "Fitness was not computed."),
            ("min_fitting_share", self.fitting, fmt_share,
             "{v} of journeys fit the designed journey (accepted deviations ignored)",
             "The share of fitting journeys was not computed."),
            ("min_precision", conformance.get("precision"), _num, "Precision is {v}",
             "Precision was not computed (run without --no-precision)."),
        )
        for name, v, fmt, lead, missing in minimums:
            if name not in self.checks:
                continue
            t = self.checks[name]
            if v is None:
                self.add(name, t, None, None, missing)
                continue
            ok = v >= t.value - 1e-12
            self.add(name, t, ok, v, lead.format(v=fmt(v)) + ", " + (
                f"at or above the minimum of {fmt(t.value)}." if ok else f"below the minimum of {fmt(t.value)}."))

    def max_shares(self) -> None:
        """``max_share``, one check per name (a deviation id or a pattern name or id)."""
        items, pattern_ids, baseline = self.items, self.pattern_ids, self.baseline
        for name in sorted(self.config.max_share):
            t = self.config.max_share[name]
            key = name if name in items else pattern_ids.get(name)
            if key is None:
                lowered = {k.lower(): k for k, it in items.items() if it.kind == "pattern"}
                key = lowered.get(name.lower())
            if key is None:
                kind_prefix = name.split(":", 1)[0] if ":" in name else None
                known_pattern = baseline is not None and name in baseline.get("patterns", {})
                if kind_prefix in _DEVIATION_KINDS and not _known_activity(name, self.activities):
                    raise _unknown_activity(name, t, kind_prefix, sorted(self.activities or ()))
                if kind_prefix in _DEVIATION_KINDS or known_pattern:
                    self.add("max_share", t, True, 0.0, f"{name!r} does not occur (maximum {fmt_share(t.value)}).",
                             item=name)
                    continue
                raise _unknown_name(name, t, list(items) + list(pattern_ids))
            it = items[key]
            if it.accepted:
                self.add("max_share", t, None, it.share, f"{key!r} is accepted (allow-list); not checked.", item=key,
                         name=f"max_share[{name}]")
                continue
            ok = _le(it.share, float(t.value))
            head = f"Within the maximum of {fmt_share(t.value)}: " if ok else f"Above the maximum of {fmt_share(t.value)}: "
            self.add("max_share", t, ok, it.share, head + it.statement, item=key, name=f"max_share[{name}]")

    def fitness_drop(self, baseline: Mapping[str, Any]) -> None:
        t = self.checks["max_fitness_drop"]
        now, then = self.conformance.get("fitness"), baseline.get("fitness")
        if now is None or then is None:
            self.add("max_fitness_drop", t, None, None, "Fitness is missing here or in the baseline.")
            return
        drop = _delta(then, now)
        ok = _le(drop, float(t.value))
        if drop > 0:
            msg = (f"Fitness fell from {_num(then)} (baseline) to {_num(now)}, a drop of {_num(drop)}; "
                   + (f"a drop of up to {_num(t.value)} is allowed." if ok else f"more than the allowed {_num(t.value)}."))
        elif drop < 0:
            msg = f"Fitness rose from {_num(then)} (baseline) to {_num(now)}."
        else:
            msg = f"Fitness is {_num(now)}, as in the baseline."
        self.add("max_fitness_drop", t, ok, drop, msg, base=then)

    def fitting_share_drop(self, baseline: Mapping[str, Any]) -> None:
        t = self.checks["max_fitting_share_drop"]
        fitting = self.fitting
        then = baseline.get("fitting_share_accepted")
        if then is None:
            then = baseline.get("fitting_share")
        if fitting is None or then is None:
            self.add("max_fitting_share_drop", t, None, None, "The fitting share is missing here or in the baseline.")
            return
        drop = _delta(then, fitting)
        ok = _le(drop, float(t.value))
        p = self.chance(then, fitting) if not ok else None
        head = (f"{fmt_share(fitting)} of journeys fit the designed journey against {fmt_share(then)} in the baseline "
                f"({_pts(-drop)})")
        if drop > 0:
            head += ("; a drop of up to " if ok else "; more than the allowed drop of ") + f"{100 * float(t.value):.1f} points"
        if p is not None and p >= self.config.significance:
            ok = True
            head += self.within_chance(p)
        self.add("max_fitting_share_drop", t, ok, drop, head + ".", base=then, p=p)

    def _chance_text(self, ok: bool, p: float | None) -> tuple[bool, str]:
        """A failing change that could be chance passes; the wording for either."""
        if p is not None and p >= self.config.significance:
            return True, self.within_chance(p)
        if p is not None:
            return ok, "; " + fmt_p(p, general=True)
        return ok, ""

    def _now_then(self, key: str) -> tuple[float, float, str]:
        now = self.active[key].share if key in self.active else 0.0
        statement = self.active[key].statement if key in self.active else f"{key!r} no longer occurs."
        return now, self.b_items.get(key, 0.0), statement

    def share_increase(self) -> None:
        t = self.checks["max_share_increase"]
        for key in self.universe:
            now, then, statement = self._now_then(key)
            inc = _delta(now, then)
            ok = _le(inc, float(t.value))
            p = self.chance(then, now) if not ok else None
            if inc > 0:
                head = f"Rose from {fmt_share(then)} (baseline) to {fmt_share(now)} of journeys ({_pts(inc)}"
            elif inc < 0:
                head = f"Fell from {fmt_share(then)} (baseline) to {fmt_share(now)} of journeys ({_pts(inc)}"
            else:
                head = f"Unchanged at {fmt_share(now)} of journeys ({_pts(0.0)}"
            head += f"; {'allowed' if ok else 'more than the allowed'} {_pts(float(t.value))}"
            ok, tail = self._chance_text(ok, p)
            self.add("max_share_increase", t, ok, inc, head + tail + "): " + statement, item=key, base=then, p=p)

    def share_ratio(self) -> None:
        t = self.checks["max_share_ratio"]
        for key in self.universe:
            now, then, statement = self._now_then(key)
            if then <= 0:
                continue  # new ones are the new-deviation check's business
            ratio = now / then
            ok = _le(now, float(t.value) * then)
            p = self.chance(then, now) if not ok else None
            head = (f"{ratio:.2f} times the baseline share ({fmt_share(then)} -> {fmt_share(now)}; "
                    f"{'allowed' if ok else 'more than the allowed'} {float(t.value):g} times")
            ok, tail = self._chance_text(ok, p)
            self.add("max_share_ratio", t, ok, ratio, head + tail + "): " + statement, item=key, base=then, p=p)

    def new_deviations(self) -> None:
        t = self.checks["fail_on_new_deviations"]
        active, min_share = self.active, self.config.new_deviation_min_share
        new = [k for k in sorted(active) if active[k].journeys > 0 and self.b_items.get(k, 0.0) <= 0
               and active[k].share >= min_share - 1e-12]
        if not new:
            extra = f" affecting at least {fmt_share(min_share)} of journeys" if min_share > 0 else ""
            self.add("new_deviations", t, True, 0.0, f"No deviation or pattern{extra} that the baseline did not have.")
        for key in new:
            self.add("new_deviations", t, False, active[key].share, "New since the baseline: " + active[key].statement,
                     item=key, base=0.0, name=f"new_deviation[{key}]")


def exit_code(results: Sequence[CheckResult]) -> int:
    """0 when no check is FAIL (warnings allowed), 1 otherwise."""
    return CHECK_FAILED if any(r.status == FAIL for r in results) else OK


def summary(results: Sequence[CheckResult]) -> dict[str, int]:
    """How many checks ran, passed, warned, failed and were skipped."""
    counts = {s.lower(): 0 for s in STATUSES}
    for r in results:
        counts[r.status.lower()] += 1
    return {"checks": len(results), "passed": counts["pass"], "warnings": counts["warn"],
            "failed": counts["fail"], "skipped": counts["skip"]}


def to_json(results: Sequence[CheckResult], conformance: Mapping[str, Any], *,
            baseline: str | None = None, config: str | None = None) -> dict[str, Any]:
    """The documented JSON of ``journeylog check --json``."""
    code = exit_code(results)
    return {
        "status": "fail" if code else "pass",
        "exit_code": code,
        "summary": summary(results),
        "figures": {k: conformance.get(k)
                    for k in ("journeys", "fitness", "fitting_share", "fitting_share_accepted", "precision",
                              "journeys_in_progress", "model_fits_log")},
        "config": config,
        "baseline": baseline,
        "checks": [r.to_json() for r in results],
    }

