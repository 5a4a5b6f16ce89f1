"""Check: guard a journey in CI with thresholds, a committed baseline and stable exit codes."""

from journeylog.check.baseline import (
    BASELINE_VERSION,
    DIGITS,
    MAX_BASELINE_BYTES,
    baseline_from,
    baseline_text,
    read_baseline,
    validate_baseline,
    write_baseline,
)
from journeylog.check.evaluators import (
    FAIL,
    PASS,
    SKIP,
    STATUSES,
    WARN,
    CheckResult,
    check_max_share_names,
    exit_code,
    run_checks,
    summary,
    to_json,
)
from journeylog.check.run import CheckRun, check_log, conform_options_for
from journeylog.config.checks import (
    ALL_CHECKS,
    BASELINE_CHECKS,
    DEFAULT_BASELINE_CHECKS,
    ERROR,
    SCALAR_CHECKS,
    SEVERITIES,
    WARNING,
    docs_table,
)
from journeylog.config.project import (
    CONFIG_NAMES,
    DEFAULT_SIGNIFICANCE,
    DRIFT_KEYS,
    CheckConfig,
    Threshold,
    check_value,
    find_config,
    load_config,
    parse_max_share,
    with_overrides,
)

__all__ = [
    "ALL_CHECKS", "BASELINE_CHECKS", "BASELINE_VERSION", "CONFIG_NAMES", "DEFAULT_BASELINE_CHECKS",
    "DEFAULT_SIGNIFICANCE", "DIGITS", "DRIFT_KEYS", "ERROR", "FAIL", "MAX_BASELINE_BYTES", "PASS", "SCALAR_CHECKS",
    "SEVERITIES", "SKIP", "STATUSES", "WARN", "WARNING", "CheckConfig", "CheckResult", "CheckRun", "Threshold",
    "baseline_from", "baseline_text", "check_log", "check_max_share_names", "check_value", "conform_options_for",
    "exit_code", "find_config",
    "load_config", "parse_max_share", "read_baseline", "run_checks", "summary", "to_json", "validate_baseline",
    "with_overrides", "write_baseline",
]

__doc__ = """Check: guard a journey in CI with thresholds, a committed baseline and stable exit codes.

:func:`run_checks` takes the conformance JSON (:func:`journeylog.conform.to_json`), a
:class:`CheckConfig` and optionally a baseline (:func:`read_baseline`) and returns one
:class:`CheckResult` per check, each with a status (``PASS``, ``WARN``, ``FAIL``, ``SKIP``), the
value, the threshold and a plain-language message. A check that does not hold is ``FAIL`` when its
severity is ``error`` and ``WARN`` when it is ``warn``; ``journeylog check`` exits 1 when any check
is ``FAIL`` (:func:`exit_code`).

The checks (generated from :mod:`journeylog.config.checks`, as in docs/ci.md)::

""" + "".join("    " + line + "\n" for line in docs_table().splitlines()) + """
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

Modules: :mod:`~journeylog.check.evaluators` (the checks), :mod:`~journeylog.check.baseline`,
:mod:`~journeylog.check.run` (one run as the command does it).

>>> conf = {"method": "alignments", "fitness": 0.9, "fitting_share": 0.5, "fitting_share_accepted": 0.6,
...         "precision": None, "journeys": 100, "deviations": [], "patterns": []}
>>> cfg = CheckConfig(checks={"min_fitness": Threshold(0.95), "min_fitting_share": Threshold(0.5, "warn")})
>>> [(r.name, r.status) for r in run_checks(conf, cfg)]
[('min_fitness', 'FAIL'), ('min_fitting_share', 'PASS')]
"""
