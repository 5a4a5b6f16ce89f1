"""Check: guard a journey in CI with thresholds, a committed baseline and stable exit codes.

:func:`run_checks` takes the conformance JSON (:func:`journeylog.conform.to_json`), a
:class:`CheckConfig` and optionally a baseline (:func:`read_baseline`) and returns one
:class:`CheckResult` per check, each with a status (``PASS``, ``WARN``, ``FAIL``, ``SKIP``), the
value, the threshold and a plain-language message. A check that does not hold is ``FAIL`` when its
severity is ``error`` and ``WARN`` when it is ``warn``; ``journeylog check`` exits 1 when any check
is ``FAIL`` (:func:`exit_code`).

========================== ========================================================================
check                      holds when
========================== ========================================================================
``min_fitness``            alignment fitness >= value
``min_fitting_share``      share of journeys that fit, not counting accepted deviations, >= value
``min_precision``          alignment precision >= value (SKIP when precision was not computed)
``max_share``              share of journeys showing this deviation id (``kind:activity``) or
                           pattern (name or id) <= value; one check per name
``max_fitness_drop``       baseline fitness - fitness <= value
``max_fitting_share_drop`` baseline fitting share - fitting share <= value (accepted ignored)
``max_share_increase``     share - baseline share <= value, for every deviation and pattern
``max_share_ratio``        share <= value x baseline share, for those the baseline has (> 0)
``fail_on_new_deviations`` no deviation or pattern the baseline did not have (share >=
                           ``new_deviation_min_share``)
========================== ========================================================================

Deviations and patterns on the allow-list (``accepted``) are left out of every share and
new-deviation check, and ``min_fitting_share`` uses ``fitting_share_accepted``.

The baseline share checks (``max_share_increase``, ``max_share_ratio``,
``max_fitting_share_drop``) also ask whether the change could be chance at the two journey
counts: over its threshold, a check fails only when a two-proportion test (chi-square with
continuity correction, Fisher's exact on small counts) gives p below ``significance`` (default
0.01; 0 = plain thresholds). Nightly logs are small: on 300 journeys a night, plain +2-point
thresholds failed 22 of 100 simulated nights without any change, with the test none.

The baseline (:func:`baseline_from`, :func:`baseline_text`) is a small JSON document meant to be
committed: sorted keys, shares rounded to :data:`DIGITS` digits, accepted items left out, nothing
that changes from run to run (no dates, no paths)::

    {"deviations": {"skipped:Identity check": 0.042144, ...}, "fitness": 0.87673,
     "fitting_share": 0.481872, "fitting_share_accepted": 0.481872, "journeys": 3227,
     "method": "alignments", "patterns": {"called after failing on the portal": 0.048032, ...},
     "precision": 1.0, "version": 1}

Thresholds can live in a ``journeylog.yaml`` (:func:`load_config`, :func:`find_config`); the
command line overrides it (:func:`with_overrides`).

>>> conf = {"method": "alignments", "fitness": 0.9, "fitting_share": 0.5, "fitting_share_accepted": 0.6,
...         "precision": None, "journeys": 100, "deviations": [], "patterns": []}
>>> cfg = CheckConfig(checks={"min_fitness": Threshold(0.95), "min_fitting_share": Threshold(0.5, "warn")})
>>> [(r.name, r.status) for r in run_checks(conf, cfg)]
[('min_fitness', 'FAIL'), ('min_fitting_share', 'PASS')]
"""

from __future__ import annotations

import difflib
import json
import math
import os

import numpy as np
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from journeylog.config.yamldoc import YamlDoc as _Doc
from journeylog.render.terminal import fmt_share
from journeylog.errors import InvalidInput, JourneylogError, UsageError

PASS, WARN, FAIL, SKIP = "PASS", "WARN", "FAIL", "SKIP"
STATUSES = (PASS, WARN, FAIL, SKIP)
ERROR, WARNING = "error", "warn"
SEVERITIES = (ERROR, WARNING)

CONFIG_NAMES = ("journeylog.yaml", "journeylog.yml")
BASELINE_VERSION = 1
DIGITS = 6  # shares and figures in a baseline are rounded to this many digits
MAX_BASELINE_BYTES = 16 * 1024 * 1024

#: Checks with one number (or true/false) each, in report order. ``max_share`` is per name.
SCALAR_CHECKS: tuple[str, ...] = (
    "min_fitness", "min_fitting_share", "min_precision",
    "max_fitness_drop", "max_fitting_share_drop", "max_share_increase", "max_share_ratio",
    "fail_on_new_deviations",
)
BASELINE_CHECKS: tuple[str, ...] = (
    "max_fitness_drop", "max_fitting_share_drop", "max_share_increase", "max_share_ratio", "fail_on_new_deviations",
)
ALL_CHECKS: tuple[str, ...] = SCALAR_CHECKS[:3] + ("max_share",) + SCALAR_CHECKS[3:]
#: Used when a baseline is given but no baseline check is configured.
DEFAULT_BASELINE_CHECKS: dict[str, tuple[float | bool, str]] = {
    "max_fitness_drop": (0.02, ERROR),
    "max_share_increase": (0.02, ERROR),
    "fail_on_new_deviations": (True, WARNING),
}
DRIFT_KEYS = ("window", "alpha", "min_effect", "min_journeys")
#: A baseline share check (increase, ratio, fitting-share drop) fails only when the change is also
#: unlikely to be chance at the two journey counts (two-proportion test, p below this); 0 = off.
DEFAULT_SIGNIFICANCE = 0.01
_TOP_KEYS = ("version", "model", "rules", "allow", "baseline", "checks", "drift")
_CHECK_KEYS = ALL_CHECKS + ("new_deviation_min_share", "significance")
_DEVIATION_KINDS = ("skipped", "dropped_out", "unexpected", "repeated", "wrong_order")


# ----------------------------------------------------------------------------------------------
# Configuration
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """One threshold: its value (a number, or True/False for ``fail_on_new_deviations``), its
    severity (``error`` or ``warn``) and where it was set (a file, or None for the command line)."""

    value: float | bool
    severity: str = ERROR
    origin: str | None = None


@dataclass(frozen=True)
class CheckConfig:
    """What to check. Paths are as given (``load_config`` resolves them against the YAML's folder)."""

    checks: Mapping[str, Threshold] = field(default_factory=dict)
    max_share: Mapping[str, Threshold] = field(default_factory=dict)
    new_deviation_min_share: float = 0.0
    significance: float = DEFAULT_SIGNIFICANCE
    model: str | None = None
    rules: str | None = None
    allow: str | None = None
    baseline: str | None = None
    drift: Mapping[str, Any] = field(default_factory=dict)
    path: str | None = None  # the journeylog.yaml it came from

    def has_checks(self) -> bool:
        return any(_enabled(t) for t in self.checks.values()) or bool(self.max_share)

    def has_baseline_checks(self) -> bool:
        """Any baseline check named (even ``fail_on_new_deviations: false``): then no defaults."""
        return any(k in self.checks for k in BASELINE_CHECKS)


def _enabled(t: Threshold) -> bool:
    return t.value is not False


def find_config(log: str | os.PathLike[str] | None, explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The configuration to use: ``explicit`` if given, else ``journeylog.yaml`` next to the log,
    else ``journeylog.yaml`` in the current folder, else None."""
    if explicit is not None:
        return Path(os.fspath(explicit))
    folders: list[Path] = []
    if log is not None:
        folders.append(Path(os.fspath(log)).resolve().parent)
    folders.append(Path.cwd())
    for folder in folders:
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    v = float(value)
    return v if math.isfinite(v) else None


def check_value(name: str, value: Any) -> float | bool:
    """Validate a threshold value for check ``name``; raise ValueError with the reason."""
    if name == "fail_on_new_deviations":
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    v = _number(value)
    if v is None:
        raise ValueError(f"must be a number, not {value!r}")
    if name == "max_share_ratio":
        if v < 1:
            raise ValueError(f"must be at least 1 (a factor such as 2 for 'at most doubled'), not {v:g}")
        return v
    if not 0 <= v <= 1:
        raise ValueError(f"must be between 0 and 1 (a share: 0.05 = 5%), not {v:g}")
    return v


def load_config(path: str | os.PathLike[str]) -> CheckConfig:
    """Read a ``journeylog.yaml``::

        model: designed_journey.bpmn          # paths relative to this file
        rules: rules.yaml
        allow: allow.yaml
        baseline: journeylog-baseline.json
        checks:
          min_fitness: 0.85                   # a number: severity error
          min_fitting_share: {value: 0.45, severity: warn}
          max_share:
            "skipped:Identity check": 0.05
            called after failing on the portal: {value: 0.08, severity: warn}
          max_fitness_drop: 0.02
          max_share_increase: 0.02
          fail_on_new_deviations: {value: true, severity: warn}
          new_deviation_min_share: 0.005
        drift: {window: 1w, alpha: 0.01, min_effect: 0.02, min_journeys: 30}

    Every mistake is an :class:`~journeylog.errors.InvalidInput` (exit 3) with its line.
    """
    doc = _Doc(path, "the configuration file")
    try:
        return _config_from(doc)
    finally:
        doc.loader.dispose()


def _config_from(doc: _Doc) -> CheckConfig:
    label = doc.label
    if doc.root is None:
        return CheckConfig(path=label)
    top = doc.mapping(doc.root, "journeylog.yaml", _TOP_KEYS)
    base = Path(label).resolve().parent

    def rel(key: str) -> str | None:
        if key not in top:
            return None
        value = doc.value(top[key][1])
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise doc.error(top[key][1], f"{key} must be a file path")
        p = Path(value)
        return str(p if p.is_absolute() else base / p)

    if "version" in top and doc.value(top["version"][1]) != 1:
        raise doc.error(top["version"][1], "only version: 1 is supported")

    checks: dict[str, Threshold] = {}
    max_share: dict[str, Threshold] = {}
    min_new = 0.0
    significance = DEFAULT_SIGNIFICANCE
    if "checks" in top and doc.value(top["checks"][1]) is not None:
        section = doc.mapping(top["checks"][1], "checks", _CHECK_KEYS)
        for key, (key_node, node) in section.items():
            if key == "max_share":
                for name, (_k, n) in doc.mapping(node, "checks.max_share").items():
                    max_share[name] = _threshold(doc, n, "max_share", f"checks.max_share[{name!r}]")
            elif key in ("new_deviation_min_share", "significance"):
                try:
                    v = float(check_value("min_fitness", doc.value(node)))
                except ValueError as exc:
                    raise doc.error(node, f"checks.{key} {exc}") from None
                if key == "significance":
                    if v >= 0.5:
                        raise doc.error(node, "checks.significance must be below 0.5 (0 turns the test off)")
                    significance = v
                else:
                    min_new = v
            else:
                checks[key] = _threshold(doc, node, key, f"checks.{key}")

    drift: dict[str, Any] = {}
    if "drift" in top and doc.value(top["drift"][1]) is not None:
        for key, (_k, node) in doc.mapping(top["drift"][1], "drift", DRIFT_KEYS).items():
            value = doc.value(node)
            if key == "window":
                if isinstance(value, bool) or not isinstance(value, (str, int)):
                    raise doc.error(node, "drift.window must be a calendar window such as 1w or a number of journeys")
                from journeylog.drift import parse_window

                try:
                    parse_window(str(value))
                except JourneylogError as exc:
                    raise doc.error(node, f"drift.window: {exc.message}", hint=exc.hint) from None
                drift[key] = str(value)
            elif key == "min_journeys":
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise doc.error(node, "drift.min_journeys must be a whole number >= 1")
                drift[key] = value
            else:
                v = _number(value)
                low_ok = v is not None and (v > 0 if key == "alpha" else v >= 0)
                if v is None or not low_ok or v >= 1:
                    raise doc.error(node, f"drift.{key} must be a number above 0 and below 1" if key == "alpha"
                                    else f"drift.{key} must be a number from 0 to below 1")
                drift[key] = v
    return CheckConfig(checks=checks, max_share=max_share, new_deviation_min_share=min_new, significance=significance,
                       model=rel("model"), rules=rel("rules"), allow=rel("allow"), baseline=rel("baseline"),
                       drift=drift, path=label)


def _threshold(doc: _Doc, node: Any, name: str, where: str) -> Threshold:
    value = doc.value(node)
    severity = ERROR
    if isinstance(value, dict):
        unknown = set(value) - {"value", "severity"}
        if unknown:
            raise doc.error(node, f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}",
                            hint="a threshold is a number, or {value: ..., severity: error|warn}")
        if "value" not in value:
            raise doc.error(node, f"{where} needs a value", hint="{value: 0.8, severity: warn}")
        severity = value.get("severity", ERROR)
        if severity not in SEVERITIES:
            raise doc.error(node, f"{where}: severity must be error or warn, not {severity!r}")
        value = value["value"]
    try:
        checked = check_value(name, value)
    except ValueError as exc:
        raise doc.error(node, f"{where} {exc}") from None
    return Threshold(checked, severity, doc.label)


def with_overrides(
    config: CheckConfig,
    *,
    thresholds: Mapping[str, float | bool | None] | None = None,
    max_share: Mapping[str, float] | None = None,
    warn: Iterable[str] = (),
    new_deviation_min_share: float | None = None,
    significance: float | None = None,
    model: str | None = None,
    rules: str | None = None,
    allow: str | None = None,
    baseline: str | None = None,
) -> CheckConfig:
    """The configuration with command-line values on top (a value of None leaves it as it was).

    A threshold given on the command line keeps the severity the file gave it; ``warn`` names
    checks (``min_fitness``, ``max_share``, ...) to report as warnings instead of failures.
    Bad values are :class:`~journeylog.errors.UsageError` (exit 2).
    """
    checks = dict(config.checks)
    for name, value in (thresholds or {}).items():
        if value is None:
            continue
        if name not in SCALAR_CHECKS:
            raise UsageError(f"unknown check {name!r}")
        try:
            checked = check_value(name, value)
        except ValueError as exc:
            raise UsageError(f"--{name.replace('_', '-')} {exc}") from None
        old = checks.get(name)
        checks[name] = Threshold(checked, old.severity if old else ERROR, None)
    shares = dict(config.max_share)
    for name, value in (max_share or {}).items():
        try:
            checked = check_value("max_share", value)
        except ValueError as exc:
            raise UsageError(f"--max-share {name}={value}: {exc}") from None
        old = shares.get(name)
        shares[name] = Threshold(checked, old.severity if old else ERROR, None)
    for name in warn:
        key = name.strip().replace("-", "_")
        if key not in ALL_CHECKS:
            close = difflib.get_close_matches(key, ALL_CHECKS, n=1)
            raise UsageError(f"--warn {name}: no such check",
                             hint=f"did you mean {close[0]}?" if close else "one of " + ", ".join(ALL_CHECKS))
        if key == "max_share":
            shares = {k: replace(t, severity=WARNING) for k, t in shares.items()}
        elif key in checks:
            checks[key] = replace(checks[key], severity=WARNING)
        elif key in DEFAULT_BASELINE_CHECKS:
            value, _sev = DEFAULT_BASELINE_CHECKS[key]
            checks[key] = Threshold(value, WARNING, None)
        else:
            raise UsageError(f"--warn {name}: that check is not configured", hint=f"give --{key.replace('_', '-')} too")
    min_new = config.new_deviation_min_share
    if new_deviation_min_share is not None:
        try:
            min_new = float(check_value("min_fitness", new_deviation_min_share))
        except ValueError as exc:
            raise UsageError(f"--new-deviation-min-share {exc}") from None
    sig = config.significance
    if significance is not None:
        if not 0 <= significance < 0.5:
            raise UsageError(f"--significance must be from 0 (off) to below 0.5, not {significance:g}")
        sig = float(significance)
    return replace(
        config, checks=checks, max_share=shares, new_deviation_min_share=min_new, significance=sig,
        model=model if model is not None else config.model,
        rules=rules if rules is not None else config.rules,
        allow=allow if allow is not None else config.allow,
        baseline=baseline if baseline is not None else config.baseline,
    )


def parse_max_share(items: Iterable[str]) -> dict[str, float]:
    """``NAME=0.05`` pairs from the command line (the name may contain ``=`` and ``:``).

    >>> parse_max_share(["skipped:Identity check=0.05", "called after failing on the portal=8%"])
    {'skipped:Identity check': 0.05, 'called after failing on the portal': 0.08}
    """
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.rpartition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--max-share {item!r}: expected NAME=SHARE, e.g. 'skipped:Identity check=0.05'")
        out[name] = _share_text(value, f"--max-share {item!r}")
    return out


def _share_text(value: str, what: str) -> float:
    text = value.strip()
    try:
        v = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise UsageError(f"{what}: {value!r} is not a share such as 0.05 or 5%") from None
    if not math.isfinite(v):
        raise UsageError(f"{what}: {value!r} is not a share such as 0.05 or 5%")
    return v


# ----------------------------------------------------------------------------------------------
# Baseline
# ----------------------------------------------------------------------------------------------


def _round(x: Any) -> float | None:
    if x is None:
        return None
    v = float(x)
    if not math.isfinite(v):
        return None
    r = round(v, DIGITS)
    return 0.0 if r == 0 else r  # no "-0.0"


def baseline_from(conformance: Mapping[str, Any]) -> dict[str, Any]:
    """The baseline of one conformance result (the JSON of ``conform``): figures and the share of
    every deviation and pattern, rounded, accepted ones left out."""
    devs = {d["id"]: _round(d["share"]) for d in conformance.get("deviations", []) if not d.get("accepted")}
    pats = {p["name"]: _round(p["share"]) for p in conformance.get("patterns", []) if not p.get("accepted")}
    return {
        "version": BASELINE_VERSION,
        "method": conformance.get("method"),
        "journeys": int(conformance.get("journeys") or 0),
        "fitness": _round(conformance.get("fitness")),
        "fitting_share": _round(conformance.get("fitting_share")),
        "fitting_share_accepted": _round(conformance.get("fitting_share_accepted")),
        "precision": _round(conformance.get("precision")),
        "deviations": dict(sorted(devs.items())),
        "patterns": dict(sorted(pats.items())),
    }


def baseline_text(baseline: Mapping[str, Any]) -> str:
    """Deterministic, diff-friendly JSON: sorted keys, one item per line, trailing newline."""
    return json.dumps(baseline, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def write_baseline(conformance: Mapping[str, Any], path: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the baseline of ``conformance`` to ``path`` (atomically) and return it."""
    from journeylog.io.files import write_text_atomic

    data = baseline_from(conformance)
    write_text_atomic(path, baseline_text(data))
    return data


def read_baseline(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and validate a baseline file; anything malformed is InvalidInput (exit 3)."""
    from journeylog.io.files import read_input_bytes

    label = os.fspath(path)
    raw = read_input_bytes(path, max_bytes=MAX_BASELINE_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the baseline is not UTF-8 JSON", path=label) from None
    try:
        data = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the baseline is not valid JSON: {exc.msg}", path=label, row=exc.lineno, column=exc.colno,
                           hint="write it with journeylog check --write-baseline") from None
    except ValueError as exc:
        raise InvalidInput(f"the baseline contains {exc}, which is not JSON", path=label) from None
    return validate_baseline(data, label)


def validate_baseline(data: Any, label: str = "baseline") -> dict[str, Any]:
    """Check the structure of a baseline dict (see :func:`baseline_from`); return it."""
    hint = "write it with journeylog check --write-baseline"
    if not isinstance(data, dict):
        raise InvalidInput("the baseline must be a JSON object", path=label, hint=hint)
    version = data.get("version")
    if version != BASELINE_VERSION:
        raise InvalidInput(f"unsupported baseline version {version!r} (this journeylog reads version {BASELINE_VERSION})",
                           path=label, hint=hint)
    journeys = data.get("journeys")
    if isinstance(journeys, bool) or not isinstance(journeys, int) or journeys < 0:
        raise InvalidInput("baseline field 'journeys' must be a whole number", path=label, hint=hint)
    for key in ("fitness", "fitting_share", "fitting_share_accepted", "precision"):
        if key not in data:
            raise InvalidInput(f"the baseline has no field {key!r}", path=label, hint=hint)
        v = data[key]
        if v is not None and (_number(v) is None or not 0 <= float(v) <= 1):
            raise InvalidInput(f"baseline field {key!r} must be a number between 0 and 1 or null", path=label, hint=hint)
    for key in ("deviations", "patterns"):
        items = data.get(key)
        if not isinstance(items, dict):
            raise InvalidInput(f"baseline field {key!r} must be an object of name: share", path=label, hint=hint)
        for name, v in items.items():
            if _number(v) is None or not 0 <= float(v) <= 1:
                raise InvalidInput(f"baseline {key}[{name!r}] must be a share between 0 and 1", path=label, hint=hint)
    method = data.get("method")
    if method is not None and not isinstance(method, str):
        raise InvalidInput("baseline field 'method' must be a text", path=label, hint=hint)
    return data


# ----------------------------------------------------------------------------------------------
# Running the checks
# ----------------------------------------------------------------------------------------------


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
        items[d["id"]] = _Item(d["id"], "deviation", float(d["share"]), int(d["journeys"]), d["statement"], bool(d.get("accepted")))
    for p in conformance.get("patterns", []):
        items[p["name"]] = _Item(p["name"], "pattern", float(p["share"]), int(p["journeys"]), p["statement"], bool(p.get("accepted")))
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


def run_checks(
    conformance: Mapping[str, Any],
    config: CheckConfig,
    baseline: Mapping[str, Any] | None = None,
) -> list[CheckResult]:
    """Evaluate every configured check against one conformance result (JSON of ``conform``).

    With a baseline but no baseline check configured, :data:`DEFAULT_BASELINE_CHECKS` apply.
    Baseline checks without a baseline are ``SKIP``. The order is fixed: the checks in
    :data:`ALL_CHECKS` order, items by name.
    """
    items, pattern_ids = _items(conformance)
    active = {k: it for k, it in items.items() if not it.accepted}
    checks = dict(config.checks)
    if baseline is not None and not config.has_baseline_checks():
        checks.update({k: Threshold(v, sev, None) for k, (v, sev) in DEFAULT_BASELINE_CHECKS.items()})
    out: list[CheckResult] = []

    def add(kind: str, t: Threshold, ok: bool | None, value: float | None, message: str, *,
            item: str | None = None, base: float | None = None, name: str | None = None, p: float | None = None) -> None:
        status = SKIP if ok is None else _status(ok, t.severity)
        out.append(CheckResult(name or (f"{kind}[{item}]" if item is not None else kind), kind, t.severity, status,
                               value, t.value, message, item, base, p))

    n_now = int(conformance.get("journeys") or 0)
    n_then = int(baseline.get("journeys") or 0) if baseline is not None else 0

    def chance(then: float, now: float) -> float | None:
        """Two-sided p-value of the change from the baseline share to this one (None: no test)."""
        if config.significance <= 0 or n_now <= 0 or n_then <= 0:
            return None
        from journeylog.drift import two_by_two

        p, _test = two_by_two(*(np.array([v]) for v in (round(then * n_then), n_then, round(now * n_now), n_now)))
        return float(p[0])

    def within_chance(p: float) -> str:
        return f"; but within chance at {n_then:,} and {n_now:,} journeys, p = {p:.2g}"

    fitting = conformance.get("fitting_share_accepted")
    if fitting is None:
        fitting = conformance.get("fitting_share")

    # absolute thresholds --------------------------------------------------------------------
    minimums = (
        ("min_fitness", conformance.get("fitness"), _num, "Fitness is {v}", "Fitness was not computed."),
        ("min_fitting_share", fitting, fmt_share,
         "{v} of journeys fit the designed journey (accepted deviations ignored)",
         "The share of fitting journeys was not computed."),
        ("min_precision", conformance.get("precision"), _num, "Precision is {v}",
         "Precision was not computed (run without --no-precision)."),
    )
    for name, v, fmt, lead, missing in minimums:
        if name not in checks:
            continue
        t = checks[name]
        if v is None:
            add(name, t, None, None, missing)
            continue
        ok = v >= t.value - 1e-12
        add(name, t, ok, v, lead.format(v=fmt(v)) + ", " + (
            f"at or above the minimum of {fmt(t.value)}." if ok else f"below the minimum of {fmt(t.value)}."))

    for name in sorted(config.max_share):
        t = config.max_share[name]
        key = name if name in items else pattern_ids.get(name)
        if key is None:
            lowered = {k.lower(): k for k, it in items.items() if it.kind == "pattern"}
            key = lowered.get(name.lower())
        if key is None:
            kind_prefix = name.split(":", 1)[0] if ":" in name else None
            known_pattern = baseline is not None and name in baseline.get("patterns", {})
            if kind_prefix in _DEVIATION_KINDS or known_pattern:
                add("max_share", t, True, 0.0, f"{name!r} does not occur (maximum {fmt_share(t.value)}).", item=name)
                continue
            raise _unknown_name(name, t, list(items) + list(pattern_ids))
        it = items[key]
        if it.accepted:
            add("max_share", t, None, it.share, f"{key!r} is accepted (allow-list); not checked.", item=key, name=f"max_share[{name}]")
            continue
        ok = _le(it.share, float(t.value))
        head = f"Within the maximum of {fmt_share(t.value)}: " if ok else f"Above the maximum of {fmt_share(t.value)}: "
        add("max_share", t, ok, it.share, head + it.statement, item=key, name=f"max_share[{name}]")

    # baseline -------------------------------------------------------------------------------
    wanted = [k for k in BASELINE_CHECKS if k in checks and _enabled(checks[k])]
    if wanted and baseline is None:
        for k in wanted:
            add(k, checks[k], None, None, "No baseline to compare with (give --baseline FILE or baseline: in journeylog.yaml).")
        return out
    if baseline is None:
        return out
    b_items: dict[str, float] = {**{k: float(v) for k, v in baseline.get("deviations", {}).items()},
                                 **{k: float(v) for k, v in baseline.get("patterns", {}).items()}}
    b_items = {k: v for k, v in b_items.items() if k not in items or not items[k].accepted}

    if "max_fitness_drop" in wanted:
        t = checks["max_fitness_drop"]
        now, then = conformance.get("fitness"), baseline.get("fitness")
        if now is None or then is None:
            add("max_fitness_drop", t, None, None, "Fitness is missing here or in the baseline.")
        else:
            drop = _delta(then, now)
            ok = _le(drop, float(t.value))
            if drop > 0:
                msg = (f"Fitness fell from {_num(then)} (baseline) to {_num(now)}, a drop of {_num(drop)}; "
                       + (f"a drop of up to {_num(t.value)} is allowed." if ok else f"more than the allowed {_num(t.value)}."))
            elif drop < 0:
                msg = f"Fitness rose from {_num(then)} (baseline) to {_num(now)}."
            else:
                msg = f"Fitness is {_num(now)}, as in the baseline."
            add("max_fitness_drop", t, ok, drop, msg, base=then)
    if "max_fitting_share_drop" in wanted:
        t = checks["max_fitting_share_drop"]
        then = baseline.get("fitting_share_accepted")
        if then is None:
            then = baseline.get("fitting_share")
        if fitting is None or then is None:
            add("max_fitting_share_drop", t, None, None, "The fitting share is missing here or in the baseline.")
        else:
            drop = _delta(then, fitting)
            ok = _le(drop, float(t.value))
            p = chance(then, fitting) if not ok else None
            head = (f"{fmt_share(fitting)} of journeys fit the designed journey against {fmt_share(then)} in the baseline "
                    f"({_pts(-drop)})")
            if drop > 0:
                head += ("; a drop of up to " if ok else "; more than the allowed drop of ") + f"{100 * float(t.value):.1f} points"
            if p is not None and p >= config.significance:
                ok = True
                head += within_chance(p)
            add("max_fitting_share_drop", t, ok, drop, head + ".", base=then, p=p)
    universe = sorted(set(active) | set(b_items))
    if "max_share_increase" in wanted:
        t = checks["max_share_increase"]
        for key in universe:
            now = active[key].share if key in active else 0.0
            then = b_items.get(key, 0.0)
            inc = _delta(now, then)
            ok = _le(inc, float(t.value))
            p = chance(then, now) if not ok else None
            statement = active[key].statement if key in active else f"{key!r} no longer occurs."
            if inc > 0:
                head = f"Rose from {fmt_share(then)} (baseline) to {fmt_share(now)} of journeys ({_pts(inc)}"
            elif inc < 0:
                head = f"Fell from {fmt_share(then)} (baseline) to {fmt_share(now)} of journeys ({_pts(inc)}"
            else:
                head = f"Unchanged at {fmt_share(now)} of journeys ({_pts(0.0)}"
            head += f"; {'allowed' if ok else 'more than the allowed'} {_pts(float(t.value))}"
            if p is not None and p >= config.significance:
                ok = True
                head += within_chance(p)
            elif p is not None:
                head += f"; p = {p:.2g}" if p >= 0.001 else "; p < 0.001"
            add("max_share_increase", t, ok, inc, head + "): " + statement, item=key, base=then, p=p)
    if "max_share_ratio" in wanted:
        t = checks["max_share_ratio"]
        for key in universe:
            then = b_items.get(key, 0.0)
            if then <= 0:
                continue  # new ones are the new-deviation check's business
            now = active[key].share if key in active else 0.0
            ratio = now / then
            ok = _le(now, float(t.value) * then)
            p = chance(then, now) if not ok else None
            statement = active[key].statement if key in active else f"{key!r} no longer occurs."
            head = (f"{ratio:.2f} times the baseline share ({fmt_share(then)} -> {fmt_share(now)}; "
                    f"{'allowed' if ok else 'more than the allowed'} {float(t.value):g} times")
            if p is not None and p >= config.significance:
                ok = True
                head += within_chance(p)
            elif p is not None:
                head += f"; p = {p:.2g}" if p >= 0.001 else "; p < 0.001"
            add("max_share_ratio", t, ok, ratio, head + "): " + statement, item=key, base=then, p=p)
    if "fail_on_new_deviations" in wanted:
        t = checks["fail_on_new_deviations"]
        new = [k for k in sorted(active) if active[k].journeys > 0 and b_items.get(k, 0.0) <= 0
               and active[k].share >= config.new_deviation_min_share - 1e-12]
        if not new:
            extra = (f" affecting at least {fmt_share(config.new_deviation_min_share)} of journeys"
                     if config.new_deviation_min_share > 0 else "")
            add("new_deviations", t, True, 0.0, f"No deviation or pattern{extra} that the baseline did not have.")
        for key in new:
            add("new_deviations", t, False, active[key].share, "New since the baseline: " + active[key].statement,
                item=key, base=0.0, name=f"new_deviation[{key}]")
    return out


def exit_code(results: Sequence[CheckResult]) -> int:
    """0 when no check is FAIL (warnings allowed), 1 otherwise."""
    from journeylog.errors import CHECK_FAILED, OK

    return CHECK_FAILED if any(r.status == FAIL for r in results) else OK


def summary(results: Sequence[CheckResult]) -> dict[str, int]:
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
        "figures": {k: conformance.get(k) for k in ("journeys", "fitness", "fitting_share", "fitting_share_accepted", "precision")},
        "config": config,
        "baseline": baseline,
        "checks": [r.to_json() for r in results],
    }


# ----------------------------------------------------------------------------------------------
# Output for people and CI
# ----------------------------------------------------------------------------------------------


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(s: str) -> str:
    return _gh_data(s).replace(":", "%3A").replace(",", "%2C")


def github_annotations(results: Sequence[CheckResult], *, file: str | None = None) -> list[str]:
    """GitHub Actions workflow commands (``::error title=...::message``) for FAIL and WARN checks."""
    lines = []
    for r in results:
        if r.status not in (FAIL, WARN):
            continue
        level = "error" if r.status == FAIL else "warning"
        props = []
        if file:
            props.append(f"file={_gh_property(file)}")
        props.append(f"title={_gh_property('journeylog check ' + r.name)}")
        lines.append(f"::{level} {','.join(props)}::{_gh_data(r.message)}")
    return lines


_STYLE = {PASS: "green", WARN: "yellow", FAIL: "bold red", SKIP: "dim"}


def _value_text(r: CheckResult) -> str:
    if r.value is None:
        return "-"
    if r.kind in ("min_fitness", "min_precision", "max_fitness_drop"):
        return f"{r.value:.4f}"
    if r.kind == "max_share_ratio":
        return f"{r.value:.2f}x"
    if r.kind in ("max_share_increase", "max_fitting_share_drop"):
        return f"{100 * r.value:+.1f} pts"
    return f"{100 * r.value:.1f}%"


def _threshold_text(r: CheckResult) -> str:
    t = r.threshold
    if isinstance(t, bool) or t is None:
        return "none new" if r.kind == "new_deviations" else "-"
    if r.kind.startswith("min_"):
        op = ">="
    else:
        op = "<="
    if r.kind in ("min_fitness", "min_precision", "max_fitness_drop"):
        return f"{op} {t:.4f}"
    if r.kind == "max_share_ratio":
        return f"{op} {t:g}x"
    if r.kind in ("max_share_increase", "max_fitting_share_drop"):
        return f"{op} {100 * t:+.1f} pts"
    return f"{op} {100 * t:.1f}%"


def print_report(results: Sequence[CheckResult], *, verbose: bool = False, out: Any = None) -> None:
    """One line per check on stderr: status, check, value, threshold, message.

    Passing per-item baseline checks (one per deviation and pattern) are summed up in one line
    unless ``verbose``."""
    from rich.text import Text

    from journeylog.render.terminal import console, text

    con = out or console()
    grouped: dict[str, list[CheckResult]] = {}
    for r in results:
        if (not verbose and r.status == PASS and r.item is not None
                and r.kind in ("max_share_increase", "max_share_ratio")):
            grouped.setdefault(r.kind, []).append(r)
            continue
        con.print(_line(r), soft_wrap=True)
    for kind, rows in grouped.items():
        worst = max(rows, key=lambda r: (r.value or 0.0, r.item or ""))
        limit = _threshold_text(rows[0]).split(" ", 1)[1]
        if kind == "max_share_increase":
            largest = f"largest rise: {worst.item!r} {_value_text(worst)}" if (worst.value or 0) > 0 else "none rose"
        else:
            largest = f"largest ratio: {worst.item!r} {_value_text(worst)}"
        line = Text()
        line.append(f"{PASS:<4}", style=_STYLE[PASS])
        line.append_text(text(f"  {kind}: {len(rows)} deviations and patterns within {limit} of the baseline "
                              f"({largest}); --verbose lists them"))
        con.print(line, soft_wrap=True)
    s = summary(results)
    if not results:
        con.print(Text("journeylog check: no checks run"), soft_wrap=True)
        return
    code = exit_code(results)
    tail = Text()
    tail.append(f"journeylog check: {s['passed']} passed, {s['warnings']} warning{'s' if s['warnings'] != 1 else ''}, "
                f"{s['failed']} failed" + (f", {s['skipped']} skipped" if s['skipped'] else ""),
                style="bold red" if code else "bold green")
    con.print(tail, soft_wrap=True)


def _line(r: CheckResult) -> Any:
    from rich.text import Text

    from journeylog.render.terminal import text

    line = Text()
    line.append(f"{r.status:<4}", style=_STYLE[r.status])
    line.append("  ")
    line.append_text(text(r.name))
    line.append(f"  {_value_text(r)} ({_threshold_text(r)})  ", style="dim")
    line.append_text(text(r.message))
    return line


# ----------------------------------------------------------------------------------------------
# One run, as the command does it
# ----------------------------------------------------------------------------------------------


@dataclass
class CheckRun:
    """One ``journeylog check`` run: results, the conformance JSON, what was used, notes."""

    results: list[CheckResult]
    conformance: dict[str, Any]
    config: CheckConfig
    baseline_path: str | None = None
    baseline_written: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return exit_code(self.results)


def conform_options_for(config: CheckConfig, *, precision: bool = True) -> Any:
    """ConformOptions from the rules and allow-list files named by the configuration."""
    from journeylog.conform import Allow, ConformOptions, load_allow
    from journeylog.patterns import load_rules

    return ConformOptions(precision=precision, rules=load_rules(config.rules) if config.rules else None,
                          allow=load_allow(config.allow) if config.allow else Allow())


def check_log(
    log: str | os.PathLike[str],
    config: CheckConfig,
    read: Any = None,
    *,
    write_baseline_to: str | None = None,
    baseline_from_file: bool = False,
    precision: bool = True,
    on_conform: Any = None,
) -> CheckRun:
    """Read the log, conform it with the configured model, compare with the baseline, check.

    ``baseline_from_file``: the baseline path came from journeylog.yaml (not the command line);
    then, when writing a baseline, a missing one is not an error (the first run writes it).
    Raises UsageError when there is no model or nothing to check (and no baseline to write).
    """
    import time

    from journeylog import conform as C
    from journeylog.ingest import read_events
    from journeylog.models import load_model

    started = time.monotonic()
    if not config.model:
        raise UsageError("no designed model", hint="give --model FILE, or model: in journeylog.yaml")
    notes: list[str] = []
    baseline_path = config.baseline
    if baseline_path and baseline_from_file and write_baseline_to and not Path(baseline_path).exists():
        notes.append(f"no baseline at {baseline_path} yet; writing one, nothing to compare with")
        baseline_path = None
    if not config.has_checks() and not baseline_path and not write_baseline_to:
        raise UsageError("nothing to check",
                         hint="give thresholds (--min-fitness, --max-share NAME=0.05, ...), --baseline FILE, "
                              "a journeylog.yaml, or --write-baseline FILE")
    wanted = [k for k in BASELINE_CHECKS if k in config.checks and _enabled(config.checks[k])]
    if wanted and not baseline_path and not write_baseline_to and any(config.checks[k].origin is None for k in wanted):
        raise UsageError(f"--{wanted[0].replace('_', '-')} compares with a baseline", hint="give --baseline FILE")
    baseline = read_baseline(baseline_path) if baseline_path else None
    designed = load_model(config.model)
    options = conform_options_for(config, precision=precision)
    events = read_events(log, read)
    if on_conform is not None:
        with on_conform():
            result = C.conform(events, designed, options)
    else:
        result = C.conform(events, designed, options)
    data = C.to_json(result)
    if baseline is not None and baseline.get("method") not in (None, data["method"]):
        notes.append(f"the baseline was computed with {baseline['method']}, this run with {data['method']}")
    results = run_checks(data, config, baseline)
    if baseline is not None and not config.has_baseline_checks():
        notes.append("baseline checks not configured; used the defaults: max_fitness_drop 0.02, "
                     "max_share_increase 0.02, new deviations as warnings")
    written = None
    if write_baseline_to:
        write_baseline(data, write_baseline_to)
        written = write_baseline_to
        notes.append(f"baseline written to {write_baseline_to} (commit it)")
    return CheckRun(results, data, config, baseline_path, written, notes, time.monotonic() - started)


def emit(run: CheckRun, *, log: str | None = None, junit: str | None = None, json_out: str | None = None,
         verbose: bool = False, environ: Mapping[str, str] | None = None) -> None:
    """Print and write everything a run produces: the report (stderr), GitHub annotations when
    ``GITHUB_ACTIONS=true`` (stdout, or stderr when JSON goes to stdout), JUnit and JSON files."""
    import datetime as dt
    import sys

    from journeylog.render.terminal import console, text

    env = os.environ if environ is None else environ
    con = console()
    print_report(run.results, verbose=verbose, out=con)
    for note in run.notes:
        con.print(text("note: " + note, style="dim"), soft_wrap=True)
    if env.get("GITHUB_ACTIONS") == "true":
        stream = sys.stderr if json_out == "-" else sys.stdout
        for line in github_annotations(run.results):
            stream.write(line + "\n")
        stream.flush()
    if junit is not None:
        from journeylog.render.junit import write_junit

        props = {"log": log, "model": run.config.model, "config": run.config.path, "baseline": run.baseline_path,
                 "journeys": run.conformance.get("journeys"), "fitness": run.conformance.get("fitness"),
                 "fitting_share": run.conformance.get("fitting_share"),
                 "fitting_share_accepted": run.conformance.get("fitting_share_accepted")}
        write_junit(junit, run.results, properties={k: v for k, v in props.items() if v is not None},
                    seconds=run.seconds, timestamp=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat())
    if json_out is not None:
        from journeylog.io.files import write_text_atomic
        from journeylog.render.json import dumps

        write_text_atomic(json_out, dumps(to_json(run.results, run.conformance, baseline=run.baseline_path,
                                                  config=run.config.path)))
