"""``journeylog drift``: fitness and every deviation per window, with tested changes."""


import dataclasses
from typing import Annotated, Any

import typer

from journeylog.cli.app import app
from journeylog.cli.options import (
    AllowOpt,
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
    with_journey_selection,
    with_read_options,
)

EPILOG = """**Examples** (in this order, in the project folder, after `journeylog ingest samples/telecom/sources.yaml -o journeys.parquet`)

    journeylog drift journeys.parquet -m samples/telecom/designed_journey.bpmn --window 1w --chart drift.svg

    journeylog drift journeys.parquet -m samples/telecom/designed_journey.bpmn --window 1mo --json drift.json

    journeylog drift journeys.parquet -m samples/telecom/designed_journey.bpmn --window 500 --alpha 0.001 --fail-on-drift   # exits 1: the sample drifts from May 2026"""  # noqa: E501  (help text: one line per example)


@app.command(epilog=EPILOG)
@with_read_options
@with_journey_selection
def drift(
    log: LogArg,
    model: OptModelOpt = None,
    rules: RulesOpt = None,
    allow: AllowOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    window: Annotated[str | None, typer.Option(
        "--window",
        help="Calendar windows (1d, 1w = ISO weeks, 2w, 1mo, 1q; UTC) or a number of journeys per window. Default 1w."
    )] = None,
    alpha: Annotated[float | None, typer.Option(
        "--alpha", help="Significance level after multiple-testing correction. Default 0.01.")] = None,
    min_effect: Annotated[float | None, typer.Option(
        "--min-effect", help="Smallest absolute change in a share (or fitness) to report. Default 0.02.")] = None,
    min_journeys: Annotated[int | None, typer.Option(
        "--min-journeys", help="Windows with fewer journeys are shown but not tested. Default 30.")] = None,
    correction: Annotated[str, typer.Option(
        "--correction", help="holm (family-wise error) or bh (Benjamini-Hochberg false-discovery rate).")] = "holm",
    chart: Annotated[str | None, typer.Option(
        "--chart", help="Write a chart of the shares over time (.png or .svg).", metavar="FILE")] = None,
    fail_on_drift: Annotated[bool, typer.Option(
        "--fail-on-drift", help="Exit 1 when a significant change is found (for CI).")] = False,
    show: Annotated[int, typer.Option("--show", help="Changes listed in the terminal report.")] = 20,
    settle: SettleOpt = None,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """Drift over time: fitness, fitting share and every deviation per window, with tested changes."""
    from journeylog import check as K
    from journeylog import drift as D
    from journeylog.ingest import open_events
    from journeylog.models import loading_model

    refuse_clobbering({"log": log, "--model": model, "--rules": rules, "--allow": allow, "--config": config},
                      {"--json": json_out, "--chart": chart})
    cfg = K.with_overrides(load_check_config(log, config, no_config), model=model, rules=rules, allow=allow, settle=settle)
    if not cfg.model:
        raise typer.BadParameter("give the designed model (--model FILE, or model: in journeylog.yaml)", param_hint="--model")
    given = {"window": window, "alpha": alpha, "min_effect": min_effect, "min_journeys": min_journeys}
    options = D.DriftOptions(**{**dict(cfg.drift), **{k: v for k, v in given.items() if v is not None}}, correction=correction)
    options.check()
    with loading_model(cfg.model) as designed:  # converted while the log is read; its errors first
        bar = progress_bar(precision=False)
        copts = dataclasses.replace(K.conform_options_for(cfg, precision=False), on_progress=bar)
        with open_events(log, read.after(designed)) as source, bar:  # out of core above JOURNEYLOG_MEMORY_EVENTS events
            result = D.drift(source, designed(), copts, options)
    data = D.to_json(result)
    from journeylog.render.outputs import emit_drift

    emit_drift(data, chart=chart, show=show, json_out=json_out, fail_on_drift=fail_on_drift)
    if fail_on_drift and data["changes"]:
        raise typer.Exit(1)

