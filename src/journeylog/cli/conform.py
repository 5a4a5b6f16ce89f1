"""``journeylog conform``: actual journeys against the designed one."""


from dataclasses import replace
from typing import Annotated, Any

import typer

from journeylog.cli.app import app
from journeylog.cli.options import (
    AllowOpt,
    CacheOpt,
    JsonOpt,
    LogArg,
    ModelOpt,
    RulesOpt,
    SettleOpt,
    conformance_options,
    emit_json,
    progress_bar,
    refuse_clobbering,
    with_journey_selection,
    with_read_options,
)

EPILOG = """**Examples** (in this order, in the project folder, after `journeylog ingest samples/telecom/sources.yaml -o journeys.parquet`)

    journeylog conform journeys.parquet --model samples/telecom/designed_journey.bpmn

    journeylog conform tests/data/models/running-example.xes --model tests/data/models/running-example.pnml --json report.json --journeys-out fitness.csv

    journeylog conform journeys.parquet -m samples/telecom/designed_journey.bpmn --method tbr --no-precision

    journeylog conform journeys.parquet -m samples/telecom/designed_journey.bpmn --no-precision --cache alignments.cache

    journeylog conform journeys.parquet -m samples/telecom/designed_journey.bpmn --no-precision --metric csat"""  # noqa: E501  (help text: one line per example)


@app.command(epilog=EPILOG)
@with_read_options
@with_journey_selection
def conform(
    log: LogArg,
    model: ModelOpt,
    rules: RulesOpt = None,
    allow: AllowOpt = None,
    method: Annotated[str, typer.Option(
        "--method", help="alignments (exact, default) or tbr (token-based replay).")] = "alignments",
    no_precision: Annotated[bool, typer.Option("--no-precision", help="Skip alignment precision.")] = False,
    precision_budget: Annotated[float | None, typer.Option(
        "--precision-budget", min=0, metavar="SECONDS", help="Seconds precision may take before it is skipped with a "
        "note (default 60, or JOURNEYLOG_PRECISION_BUDGET; 0 = no limit).")] = None,
    journeys_out: Annotated[str | None, typer.Option(
        "--journeys-out", help="One row per journey: customer, first and last event, duration, satisfaction, "
        "channels, fitness, fits, deviation ids (.csv or .parquet).")] = None,
    show: Annotated[int, typer.Option("--show", help="Rows per table in the terminal report.")] = 10,
    settle: SettleOpt = None,
    cache: CacheOpt = None,
    metric: Annotated[str | None, typer.Option(
        "--metric", help="The score the impact sentences compare: satisfaction (default) or a metric of the source "
        "map (csat, nps, ces, ...), named with its scale.", metavar="NAME")] = None,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """Actual journeys against the designed one: fitness, precision, and deviations in plain language."""
    from journeylog import conform as C
    from journeylog.ingest import open_events
    from journeylog.models import loading_model
    from journeylog.render import terminal

    refuse_clobbering({"log": log, "--model": model, "--rules": rules, "--allow": allow},
                      {"--json": json_out, "--journeys-out": journeys_out, "--cache": cache})
    if precision_budget is not None:
        from journeylog import settings

        settings.use(settings.current().with_(precision_budget=precision_budget))
    # the model is converted in a thread while the options and the log are read (out of core above
    # JOURNEYLOG_MEMORY_EVENTS events); a broken model is still the error reported first
    with loading_model(model) as designed_model:
        bar = progress_bar(not no_precision)
        options = replace(conformance_options(rules, allow, method, not no_precision, settle, on_progress=bar, cache=cache),
                          keep_moves=False, journey_details=journeys_out is not None)  # only what the command shows
        with open_events(log, read.after(designed_model)) as source:
            designed = designed_model()
            if metric is not None:
                from journeylog.cx.metrics import resolve_metric

                chosen = resolve_metric(metric, source.columns)
                options = replace(options, impact_metric=(chosen.column, chosen.label))
            with bar:
                result = C.conform(source, designed, options)
    data = C.to_json(result)
    if journeys_out is not None:
        from journeylog.render.tables import write_table

        write_table(C.journey_table(result), journeys_out)
    terminal.print_conformance(data, show=show)
    terminal.print_cache(result.cache)
    emit_json(data, json_out)

