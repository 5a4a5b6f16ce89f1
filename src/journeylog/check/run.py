"""One ``journeylog check`` run as the command does it: read the log, conform it with the
configured model, compare with the baseline, evaluate the checks, write the baseline if asked.

Returns a :class:`CheckRun` (data); printing and writing reports is :mod:`journeylog.render`'s.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.check.baseline import read_baseline, write_baseline
from journeylog.check.evaluators import CheckResult, check_max_share_names, exit_code, run_checks
from journeylog.config.checks import BASELINE_CHECKS
from journeylog.config.project import CheckConfig, enabled
from journeylog.conform import Allow, ConformOptions, load_allow
from journeylog.errors import UsageError, param
from journeylog.explain.patterns import load_rules
from journeylog.mining import Progress

__all__ = ["CheckRun", "check_log", "conform_options_for"]


@dataclass
class CheckRun:
    """One ``journeylog check`` run: results, the conformance JSON, what was used, notes."""

    results: list[CheckResult]
    conformance: Mapping[str, Any]
    config: CheckConfig
    baseline_path: str | None = None
    baseline_written: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cache: dict[str, Any] | None = None  # what the alignment cache did (journeylog.conform.Conformance.cache)

    @property
    def exit_code(self) -> int:
        """0 when no check failed, 1 otherwise (see :func:`journeylog.check.exit_code`)."""
        return exit_code(self.results)


def conform_options_for(config: CheckConfig, *, precision: bool = True) -> ConformOptions:
    """ConformOptions from the configuration: the rules and allow-list files it names, its
    settle window and its ``min_label_overlap`` (when set)."""
    extra: dict[str, Any] = {}
    if config.settle is not None:
        extra["settle"] = config.settle
    if config.cache is not None:
        extra["cache"] = config.cache
    if "min_label_overlap" in config.checks:
        extra["min_label_overlap"] = float(config.checks["min_label_overlap"].value)
    return ConformOptions(precision=precision, rules=load_rules(config.rules) if config.rules else None,
                          allow=load_allow(config.allow) if config.allow else Allow(), keep_moves=False,
                          journey_details=False, **extra)


def _something_to_check(config: CheckConfig, baseline_path: str | None, write_baseline_to: str | None) -> None:
    """Usage errors before any work: nothing to check, or baseline checks without a baseline."""
    if not config.has_checks() and not baseline_path and not write_baseline_to:
        raise UsageError("nothing to check",
                         hint=f"give thresholds ({param('min_fitness')}, {param('max_share')} NAME=0.05, ...), "
                              f"{param('baseline')} FILE, a journeylog.yaml, or {param('write_baseline_to')} FILE")
    wanted = [k for k in BASELINE_CHECKS if k in config.checks and enabled(config.checks[k])]
    if wanted and not baseline_path and not write_baseline_to and any(config.checks[k].origin is None for k in wanted):
        raise UsageError(f"{param(wanted[0])} compares with a baseline", hint=f"give {param('baseline')} FILE")


def _activities(batch: pl.DataFrame) -> pl.Series:
    """The distinct activities of one batch (of the channel's events)."""
    return batch[S.ACTIVITY].unique()


def _conformed(log: str | os.PathLike[str], config: CheckConfig, read: Any, precision: bool,
               on_conform: Callable[[], AbstractContextManager[Any]] | None,
               on_progress: Progress | None) -> tuple[Any, set[str]]:
    """The log conformed with the configured model, and the activities of both. The model is
    converted in a thread while the log is read; a broken model is the error reported first."""
    from journeylog import conform as C
    from journeylog.explain.batches import map_batches
    from journeylog.ingest import open_events
    from journeylog.models import loading_model

    assert config.model
    with loading_model(config.model) as designed_model:
        options = replace(conform_options_for(config, precision=precision), on_progress=on_progress)
        # out of core above JOURNEYLOG_MEMORY_EVENTS events
        with open_events(log, read.after(designed_model) if read is not None else None) as source:
            designed = designed_model()
            seen = (source.distinct(S.ACTIVITY) if source.channel_filter is None  # else: the channel's activities
                    else pl.concat([pl.Series(S.ACTIVITY, [], pl.String), *map_batches(source, _activities, [S.ACTIVITY])]))
            activities = set(designed.tasks) | set(seen.drop_nulls().to_list())
            check_max_share_names(config, activities)
            with on_conform() if on_conform is not None else nullcontext():
                return C.conform(source, designed, options), activities


def check_log(
    log: str | os.PathLike[str],
    config: CheckConfig,
    read: Any = None,
    *,
    write_baseline_to: str | None = None,
    baseline_from_file: bool = False,
    precision: bool = True,
    on_conform: Callable[[], AbstractContextManager[Any]] | None = None,
    on_progress: Progress | None = None,
) -> CheckRun:
    """Read the log, conform it with the configured model, compare with the baseline, check.

    ``baseline_from_file``: the baseline path came from journeylog.yaml (not the command line);
    then, when writing a baseline, a missing one is not an error (the first run writes it).
    ``on_progress`` hears the long steps of conformance (:data:`journeylog.mining.Progress`).
    Raises UsageError when there is no model or nothing to check (and no baseline to write).
    """
    from journeylog import conform as C

    started = time.monotonic()
    if not config.model:
        raise UsageError("no designed model", hint=f"give {param('model')} FILE, or model: in journeylog.yaml")
    notes: list[str] = []
    baseline_path = config.baseline
    if baseline_path and baseline_from_file and write_baseline_to and not Path(baseline_path).exists():
        notes.append(f"no baseline at {baseline_path} yet; writing one, nothing to compare with")
        baseline_path = None
    _something_to_check(config, baseline_path, write_baseline_to)
    baseline = read_baseline(baseline_path) if baseline_path else None
    result, activities = _conformed(log, config, read, precision, on_conform, on_progress)
    data = C.to_json(result)
    notes.extend(result.log_notes)
    if baseline is not None and baseline.get("method") not in (None, data["method"]):
        notes.append(f"the baseline was computed with {baseline['method']}, this run with {data['method']}")
    results = run_checks(data, config, baseline, activities=activities)
    if baseline is not None and not config.has_baseline_checks():
        notes.append("baseline checks not configured; used the defaults: max_fitness_drop 0.02, "
                     "max_share_increase 0.02, new deviations as warnings")
    written = None
    if write_baseline_to:
        write_baseline(data, write_baseline_to)
        written = write_baseline_to
        notes.append(f"baseline written to {write_baseline_to} (commit it)")
    return CheckRun(results, data, config, baseline_path, written, notes, time.monotonic() - started, result.cache)

