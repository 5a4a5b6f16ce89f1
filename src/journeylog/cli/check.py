"""``journeylog check``: thresholds and a baseline for CI, with a stable exit code."""


from typing import Annotated, Any, Optional

import typer

from journeylog.cli.app import app, cli_flags
from journeylog.cli.options import (
    BASELINE_PANEL, AllowOpt, ConfigOpt, JsonOpt, LogArg, NoConfigOpt, OptModelOpt, RulesOpt, load_check_config,
    share_opt, with_read_options,
)

@app.command(
    epilog=(
        "**Examples**\n\n"
        "    journeylog check journeys.parquet -m design.bpmn --min-fitness 0.85 --max-share 'skipped:Identity check=0.05' --junit checks.xml\n\n"
        "    journeylog check journeys.parquet -m design.bpmn --write-baseline journeylog-baseline.json\n\n"
        "    journeylog check yesterday.parquet --baseline journeylog-baseline.json --max-fitness-drop 0.02 --fail-on-new-deviations\n\n"
        "    journeylog check yesterday.parquet   # thresholds, model and baseline from journeylog.yaml\n\n"
        "**Exit codes**: 0 every error-level check passed (warnings allowed), 1 a check failed, "
        "2 usage, 3 invalid input (log, model, journeylog.yaml, baseline), 4 resource limit, 5 unsafe input, 70 bug."
    )
)
@with_read_options
def check(
    log: LogArg,
    model: OptModelOpt = None,
    rules: RulesOpt = None,
    allow: AllowOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    min_fitness: Annotated[Optional[float], share_opt("--min-fitness", "Fail when alignment fitness is below this (0..1).")] = None,
    min_fitting_share: Annotated[Optional[float], share_opt("--min-fitting-share", "Fail when fewer journeys fit (accepted deviations ignored), e.g. 0.45.")] = None,
    min_precision: Annotated[Optional[float], share_opt("--min-precision", "Fail when alignment precision is below this.")] = None,
    max_share: Annotated[Optional[list[str]], share_opt("--max-share", "NAME=SHARE: fail when a deviation id (kind:activity) or pattern name affects more journeys (repeatable; 0.05 or 5%).")] = None,
    baseline: Annotated[Optional[str], share_opt("--baseline", "Compare with this baseline (written by --write-baseline).", BASELINE_PANEL)] = None,
    max_fitness_drop: Annotated[Optional[float], share_opt("--max-fitness-drop", "Fail when fitness fell by more than this since the baseline.", BASELINE_PANEL)] = None,
    max_fitting_share_drop: Annotated[Optional[float], share_opt("--max-fitting-share-drop", "Fail when the fitting share fell by more than this since the baseline.", BASELINE_PANEL)] = None,
    max_share_increase: Annotated[Optional[float], share_opt("--max-share-increase", "Fail when any deviation or pattern share rose by more than this (absolute, 0.02 = 2 points).", BASELINE_PANEL)] = None,
    max_share_ratio: Annotated[Optional[float], share_opt("--max-share-ratio", "Fail when any deviation or pattern share grew more than this factor (2 = doubled).", BASELINE_PANEL)] = None,
    fail_on_new_deviations: Annotated[Optional[bool], typer.Option("--fail-on-new-deviations/--no-fail-on-new-deviations", help="Fail when a deviation or pattern appears that the baseline did not have.", rich_help_panel=BASELINE_PANEL, show_default=False)] = None,
    new_deviation_min_share: Annotated[Optional[float], share_opt("--new-deviation-min-share", "Ignore new deviations affecting fewer journeys than this share.", BASELINE_PANEL)] = None,
    significance: Annotated[Optional[float], share_opt("--significance", "Baseline share checks fail only when the change is unlikely to be chance (two-proportion test p below this; default 0.01, 0 = plain thresholds).", BASELINE_PANEL)] = None,
    warn: Annotated[Optional[list[str]], share_opt("--warn", "Report this check as a warning, not a failure (repeatable): min_fitness, max_share, max_share_increase, ...")] = None,
    write_baseline: Annotated[Optional[str], typer.Option("--write-baseline", help="Write this run's baseline (deterministic JSON, meant to be committed).", metavar="FILE", rich_help_panel=BASELINE_PANEL)] = None,
    junit: Annotated[Optional[str], typer.Option("--junit", help="Write JUnit XML: one test case per check.", metavar="FILE")] = None,
    no_precision: Annotated[bool, typer.Option("--no-precision", help="Skip alignment precision (faster on many variants).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every passing per-deviation baseline check too.")] = False,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """Guard a journey in CI: thresholds and a baseline; exit 1 when an error-level check fails."""
    from journeylog import check as K
    from journeylog.errors import JourneylogError
    from journeylog.render import terminal

    try:
        cfg = K.with_overrides(
            load_check_config(log, config, no_config),
            thresholds={"min_fitness": min_fitness, "min_fitting_share": min_fitting_share, "min_precision": min_precision,
                        "max_fitness_drop": max_fitness_drop, "max_fitting_share_drop": max_fitting_share_drop,
                        "max_share_increase": max_share_increase, "max_share_ratio": max_share_ratio,
                        "fail_on_new_deviations": fail_on_new_deviations},
            max_share=K.parse_max_share(max_share or []), warn=warn or [], new_deviation_min_share=new_deviation_min_share,
            significance=significance,
            model=model, rules=rules, allow=allow, baseline=baseline,
        )
        run = K.check_log(log, cfg, read, write_baseline_to=write_baseline, precision=not no_precision,
                          baseline_from_file=baseline is None,
                          on_conform=lambda: terminal.console().status("aligning journeys with the designed model", spinner="dots"))
    except JourneylogError as exc:
        if junit is not None:  # CI still gets a report saying why nothing was checked
            from journeylog.render.junit import write_junit

            write_junit(junit, [], error=exc.one_line(flags=cli_flags()))
        raise
    from journeylog.render.outputs import emit_check

    emit_check(run, log=log, junit=junit, json_out=json_out, verbose=verbose)
    if run.exit_code:
        raise typer.Exit(run.exit_code)

