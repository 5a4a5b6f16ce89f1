"""``journeylog check``: thresholds and a baseline for CI, with a stable exit code.

The threshold and baseline options come from the check registry (:mod:`journeylog.config.checks`)
through :func:`journeylog.cli.check_options.with_check_options`."""

# No ``from __future__ import annotations`` here: Typer reads the annotations at runtime.

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from journeylog.cli.app import app, cli_flags
from journeylog.cli.check_options import check_overrides, with_check_options
from journeylog.cli.options import (
    AllowOpt,
    CacheOpt,
    ConfigOpt,
    JsonOpt,
    LogArg,
    NoConfigOpt,
    OptModelOpt,
    RulesOpt,
    SettleOpt,
    load_check_config,
    progress_bar,
    refuse_clobbering,
    share_opt,
    with_journey_selection,
    with_read_options,
)
from journeylog.config.checks import BASELINE_PANEL

EPILOG = """**Examples** (in this order, in the project folder, after `journeylog ingest samples/telecom/sources.yaml -o journeys.parquet`)

    journeylog check journeys.parquet -m samples/telecom/designed_journey.bpmn --min-fitness 0.85 --max-share 'skipped:Identity check=0.05' --junit checks.xml

    journeylog check journeys.parquet -m samples/telecom/designed_journey.bpmn --write-baseline journeylog-baseline.json

    journeylog check journeys.parquet -m samples/telecom/designed_journey.bpmn --baseline journeylog-baseline.json --max-fitness-drop 0.02 --fail-on-new-deviations

**Exit codes**: 0 every error-level check passed (warnings allowed), 1 a check failed, 2 usage, 3 invalid input (log, model, journeylog.yaml, baseline), 4 resource limit, 5 unsafe input, 70 bug."""  # noqa: E501  (help text: one line per example)

BaselineOpt = Annotated[str | None, share_opt(
    "--baseline", "Compare with this baseline (written by --write-baseline).", BASELINE_PANEL)]
WarnOpt = Annotated[list[str] | None, share_opt(
    "--warn",
    "Report this check as a warning, not a failure (repeatable): min_fitness, max_share, max_share_increase, ...")]
WriteBaselineOpt = Annotated[str | None, typer.Option(
    "--write-baseline", help="Write this run's baseline (deterministic JSON, meant to be committed).",
    metavar="FILE", rich_help_panel=BASELINE_PANEL)]
JunitOpt = Annotated[str | None, typer.Option(
    "--junit", help="Write JUnit XML: one test case per check.", metavar="FILE")]
NoPrecisionOpt = Annotated[bool, typer.Option(
    "--no-precision", help="Skip alignment precision (faster on many variants).")]
VerboseOpt = Annotated[bool, typer.Option(
    "--verbose", "-v", help="List every passing per-deviation baseline check too.")]


@app.command(epilog=EPILOG)
@with_read_options
@with_journey_selection
@with_check_options
def check(
    log: LogArg,
    model: OptModelOpt = None,
    rules: RulesOpt = None,
    allow: AllowOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    thresholds: Mapping[str, Any] | None = None,  # one option per registry entry: with_check_options
    baseline: BaselineOpt = None,
    warn: WarnOpt = None,
    write_baseline: WriteBaselineOpt = None,
    junit: JunitOpt = None,
    no_precision: NoPrecisionOpt = False,
    verbose: VerboseOpt = False,
    settle: SettleOpt = None,
    cache: CacheOpt = None,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """Guard a journey in CI: thresholds and a baseline; exit 1 when an error-level check fails."""
    from journeylog import check as K
    from journeylog.errors import JourneylogError

    refuse_clobbering({"log": log, "--model": model, "--rules": rules, "--allow": allow, "--config": config,
                       "--baseline": baseline}, {"--json": json_out, "--junit": junit, "--write-baseline": write_baseline,
                                         "--cache": cache})
    bar = progress_bar(not no_precision)
    try:
        cfg = K.with_overrides(load_check_config(log, config, no_config), **check_overrides(thresholds or {}),
                               warn=warn or [], model=model, rules=rules, allow=allow, baseline=baseline, settle=settle,
                               cache=cache)
        run = K.check_log(log, cfg, read, write_baseline_to=write_baseline, precision=not no_precision,
                          baseline_from_file=baseline is None,
                          on_conform=lambda: bar, on_progress=bar)
    except JourneylogError as exc:
        if junit is not None:  # CI still gets a report saying why nothing was checked
            from journeylog.io.files import immediately
            from journeylog.render.junit import write_junit

            with immediately():  # the run's other outputs are dropped; this report is wanted now
                write_junit(junit, [], error=exc.one_line(flags=cli_flags()))
        raise
    from journeylog.render.outputs import emit_check

    emit_check(run, log=log, junit=junit, json_out=json_out, verbose=verbose)
    from journeylog.render.terminal import print_cache

    print_cache(run.cache)
    if run.exit_code:
        raise typer.Exit(run.exit_code)
