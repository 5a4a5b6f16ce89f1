"""journeylog.yaml: the project configuration of ``check`` and ``drift`` (model, rules, allow-list,
baseline, thresholds, drift options), read with located errors into frozen dataclasses.

Which checks exist, and their YAML keys, come from :mod:`journeylog.config.checks`; the
command line overrides the file (:func:`with_overrides`).

>>> cfg = with_overrides(CheckConfig(), thresholds={"min_fitness": 0.9}, warn=["min_fitness"])
>>> cfg.checks["min_fitness"]
Threshold(value=0.9, severity='warn', origin=None)
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from journeylog.config.checks import (
    ALL_CHECKS,
    BASELINE_CHECKS,
    DEFAULT_BASELINE_CHECKS,
    DEFAULT_ON_CHECKS,
    ERROR,
    SCALAR_CHECKS,
    SEVERITIES,
    WARNING,
    YAML_CHECK_KEYS,
)
from journeylog.config.settle import parse_settle, settle_parameter
from journeylog.config.yamldoc import YamlDoc
from journeylog.errors import JourneylogError, UnsafeInput, UsageError, param
from journeylog.io.files import is_url
from journeylog.window import parse_window

__all__ = [
    "CONFIG_NAMES", "DRIFT_KEYS", "DEFAULT_SIGNIFICANCE", "Threshold", "CheckConfig", "find_config", "load_config",
    "check_value", "with_overrides", "parse_max_share", "enabled", "number",
]

CONFIG_NAMES = ("journeylog.yaml", "journeylog.yml")
DRIFT_KEYS = ("window", "alpha", "min_effect", "min_journeys")
#: A baseline share check (increase, ratio, fitting-share drop) fails only when the change is also
#: unlikely to be chance at the two journey counts (two-proportion test, p below this); 0 = off.
DEFAULT_SIGNIFICANCE = 0.01
_TOP_KEYS = ("version", "model", "rules", "allow", "baseline", "cache", "settle", "checks", "drift", "max_input_bytes",
             "max_name_chars", "max_cell_bytes", "max_model_tasks")


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
    cache: str | None = None  # the alignment cache file (journeylog.mining.cache)
    drift: Mapping[str, Any] = field(default_factory=dict)
    path: str | None = None  # the journeylog.yaml it came from
    settle: timedelta | None = None  # None: the default (journeylog.config.settle.DEFAULT_SETTLE)
    max_input_bytes: int | None = None  # the input size cap, unless --max-input-bytes or the variable says
    max_name_chars: int | None = None  # the name length cap, unless --max-name-chars or the variable says
    max_cell_bytes: int | None = None  # the cell size cap, unless --max-cell-bytes or the variable says
    max_model_tasks: int | None = None  # the model size cap, unless --max-model-tasks or the variable says

    def has_checks(self) -> bool:
        """Any threshold that is on, or any ``max_share``."""
        return any(enabled(t) for t in self.checks.values()) or bool(self.max_share)

    def has_baseline_checks(self) -> bool:
        """Any baseline check named (even ``fail_on_new_deviations: false``): then no defaults."""
        return any(k in self.checks for k in BASELINE_CHECKS)


def enabled(t: Threshold) -> bool:
    """The threshold is on (``fail_on_new_deviations: false`` is off)."""
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


def number(value: Any) -> float | None:
    """A finite number as float, else None (booleans are not numbers).

    >>> number(3), number(True), number(float("nan")), number("1")
    (3.0, None, None, None)
    """
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
    v = number(value)
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
        settle: 7d                            # journeys ending this close to the log's end are in progress (0 = off)
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
    doc = YamlDoc(path, "the configuration file")
    try:
        return _config_from(doc)
    finally:
        doc.loader.dispose()


def _config_from(doc: YamlDoc) -> CheckConfig:
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
        if is_url(value):
            located = doc.error(top[key][1], f"{key}: journeylog reads local regular files only, not URLs",
                                hint="download the file first and give its local path")
            raise UnsafeInput(located.message, path=located.path, row=located.row, column=located.column,
                              hint=located.hint)
        p = Path(value)
        return str(p if p.is_absolute() else base / p)

    if "version" in top and doc.value(top["version"][1]) != 1:
        raise doc.error(top["version"][1], "only version: 1 is supported")

    checks: dict[str, Threshold] = {}
    max_share: dict[str, Threshold] = {}
    settings = {"new_deviation_min_share": 0.0, "significance": DEFAULT_SIGNIFICANCE}
    if "checks" in top and doc.value(top["checks"][1]) is not None:
        _checks_section(doc, top["checks"][1], checks, max_share, settings)
    drift: dict[str, Any] = {}
    if "drift" in top and doc.value(top["drift"][1]) is not None:
        drift = _drift_section(doc, top["drift"][1])
    settle = None
    if "settle" in top and doc.value(top["settle"][1]) is not None:
        try:
            settle = parse_settle(doc.value(top["settle"][1]))
        except ValueError as exc:
            raise doc.error(top["settle"][1], f"settle: {exc}", hint="settle: 7d (0 turns it off)") from None
    caps: dict[str, int | None] = {}
    for key, unit, example in (("max_input_bytes", "bytes", 2000000000), ("max_name_chars", "characters", 4000),
                               ("max_cell_bytes", "bytes", 4000000), ("max_model_tasks", "tasks", 2000)):
        caps[key] = cap = doc.value(top[key][1]) if key in top else None
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise doc.error(top[key][1], f"{key} must be a whole number of {unit}, at least 1", hint=f"{key}: {example}")
    return CheckConfig(checks=checks, max_share=max_share, new_deviation_min_share=settings["new_deviation_min_share"],
                       significance=settings["significance"],
                       model=rel("model"), rules=rel("rules"), allow=rel("allow"), baseline=rel("baseline"),
                       cache=rel("cache"), drift=drift, path=label, settle=settle, **caps)


def _checks_section(doc: YamlDoc, node: Any, checks: dict[str, Threshold], max_share: dict[str, Threshold],
                    settings: dict[str, float]) -> None:
    """The ``checks:`` mapping into ``checks``, ``max_share`` and ``settings`` (filled in place)."""
    section = doc.mapping(node, "checks", YAML_CHECK_KEYS)
    for key, (_key_node, node) in section.items():
        if key == "max_share":
            for name, (_k, n) in doc.mapping(node, "checks.max_share").items():
                max_share[name] = _threshold(doc, n, "max_share", f"checks.max_share[{name!r}]")
        elif key in ("new_deviation_min_share", "significance"):
            try:
                v = float(check_value("min_fitness", doc.value(node)))
            except ValueError as exc:
                raise doc.error(node, f"checks.{key} {exc}") from None
            if key == "significance" and v >= 0.5:
                raise doc.error(node, "checks.significance must be below 0.5 (0 turns the test off)")
            settings[key] = v
        else:
            checks[key] = _threshold(doc, node, key, f"checks.{key}")


def _drift_section(doc: YamlDoc, section: Any) -> dict[str, Any]:
    """The ``drift:`` mapping, validated (the window with :func:`journeylog.window.parse_window`)."""
    drift: dict[str, Any] = {}
    for key, (_k, node) in doc.mapping(section, "drift", DRIFT_KEYS).items():
        value = doc.value(node)
        if key == "window":
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise doc.error(node, "drift.window must be a calendar window such as 1w or a number of journeys")
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
            v = number(value)
            low_ok = v is not None and (v > 0 if key == "alpha" else v >= 0)
            if v is None or not low_ok or v >= 1:
                raise doc.error(node, f"drift.{key} must be a number above 0 and below 1" if key == "alpha"
                                else f"drift.{key} must be a number from 0 to below 1")
            drift[key] = v
    return drift


def _threshold(doc: YamlDoc, node: Any, name: str, where: str) -> Threshold:
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
    settle: str | timedelta | None = None,
    cache: str | None = None,
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
            raise UsageError(f"{param(name)} {exc}") from None
        old = checks.get(name)
        checks[name] = Threshold(checked, old.severity if old else ERROR, None)
    shares = dict(config.max_share)
    for name, value in (max_share or {}).items():
        try:
            checked = check_value("max_share", value)
        except ValueError as exc:
            raise UsageError(f"{param('max_share')} {name}={value}: {exc}") from None
        old = shares.get(name)
        shares[name] = Threshold(checked, old.severity if old else ERROR, None)
    checks, shares = _apply_warn(checks, shares, warn)
    min_new = config.new_deviation_min_share
    if new_deviation_min_share is not None:
        try:
            min_new = float(check_value("min_fitness", new_deviation_min_share))
        except ValueError as exc:
            raise UsageError(f"{param('new_deviation_min_share')} {exc}") from None
    settle_td = config.settle if settle is None else settle_parameter(settle)
    sig = config.significance
    if significance is not None:
        if not 0 <= significance < 0.5:
            raise UsageError(f"{param('significance')} must be from 0 (off) to below 0.5, not {significance:g}")
        sig = float(significance)
    files: dict[str, Any] = {"model": model, "rules": rules, "allow": allow, "baseline": baseline, "cache": cache}
    return replace(config, checks=checks, max_share=shares, new_deviation_min_share=min_new, significance=sig,
                   settle=settle_td, **{k: v for k, v in files.items() if v is not None})


def _apply_warn(checks: dict[str, Threshold], shares: dict[str, Threshold],
                warn: Iterable[str]) -> tuple[dict[str, Threshold], dict[str, Threshold]]:
    """Turn the checks named in ``warn`` into warnings (the defaults of unconfigured baseline checks too)."""
    for name in warn:
        key = name.strip().replace("-", "_")
        if key not in ALL_CHECKS:
            close = difflib.get_close_matches(key, ALL_CHECKS, n=1)
            raise UsageError(f"{param('warn')} {name}: no such check",
                             hint=f"did you mean {close[0]}?" if close else "one of " + ", ".join(ALL_CHECKS))
        if key == "max_share":
            shares = {k: replace(t, severity=WARNING) for k, t in shares.items()}
        elif key in checks:
            checks[key] = replace(checks[key], severity=WARNING)
        elif key in DEFAULT_BASELINE_CHECKS:
            value, _sev = DEFAULT_BASELINE_CHECKS[key]
            checks[key] = Threshold(value, WARNING, None)
        elif key in DEFAULT_ON_CHECKS:
            checks[key] = Threshold(DEFAULT_ON_CHECKS[key], WARNING, None)
        else:
            raise UsageError(f"{param('warn')} {name}: that check is not configured", hint=f"give {param(key)} too")
    return checks, shares


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
            raise UsageError(f"{param('max_share')} {item!r}: expected NAME=SHARE, e.g. 'skipped:Identity check=0.05'")
        out[name] = _share_text(value, f"{param('max_share')} {item!r}")
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

