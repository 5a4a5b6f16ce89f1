"""``journeylog funnel``: journeys reaching each step of the designed journey, in order."""

import dataclasses
from typing import Annotated, Any

import typer

from journeylog.cli.app import app
from journeylog.cli.options import (
    JsonOpt,
    LogArg,
    SettleOpt,
    emit_json,
    refuse_clobbering,
    with_journey_selection,
    with_read_options,
)

EPILOG = """**Examples** (in this order, in the project folder, after `journeylog ingest samples/telecom/sources.yaml -o journeys.parquet`)

    journeylog funnel journeys.parquet --model samples/telecom/designed_journey.bpmn

    journeylog funnel journeys.parquet -m samples/telecom/designed_journey.bpmn --by channel --by product --plot funnel.svg --json funnel.json

    journeylog funnel journeys.parquet --steps "Place order,Identity check,Installation completed" --settle 0"""  # noqa: E501  (help text: one line per example)


def split_steps(value: str) -> list[str]:
    """``"A, B,C"`` -> ``["A", "B", "C"]`` (names trimmed; an empty name stays, to be refused).

    >>> split_steps("Place order, Identity check")
    ['Place order', 'Identity check']
    """
    return [part.strip() for part in value.split(",")]


@app.command(epilog=EPILOG)
@with_read_options
@with_journey_selection
def funnel(
    log: LogArg,
    model: Annotated[str | None, typer.Option(
        "--model", "-m", help="The designed journey (.bpmn, .pnml, .ptree): its main path gives the steps "
        "(docs/funnel.md). Needed unless --steps is given.", show_default=False)] = None,
    steps: Annotated[str | None, typer.Option(
        "--steps", help="The steps, in order, separated by commas (activity names), instead of the model's main path.",
        metavar="'A,B,C'", show_default=False)] = None,
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Break the funnel down: 'channel' (the channel each step was done on) or a journey attribute "
        "column (a journey's first non-empty value). Repeatable.", metavar="channel|COLUMN",
        show_default=False)] = None,
    plot: Annotated[str | None, typer.Option(
        "--plot", help="Write the funnel as a bar chart (.svg or .png).", metavar="FILE", show_default=False)] = None,
    settle: SettleOpt = None,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """The funnel along the designed journey: journeys reaching each step in order, conversion, drop-offs, times, failures."""
    from journeylog.config.settle import settle_parameter
    from journeylog.cx.funnel import FunnelOptions
    from journeylog.cx.funnel import funnel as make_funnel
    from journeylog.ingest import open_events
    from journeylog.models import loading_optional_model
    from journeylog.render.terminal.funnel import print_funnel

    refuse_clobbering({"log": log, "--model": model}, {"--json": json_out, "--plot": plot})
    if plot is not None:
        from journeylog.render.funnel_chart import check_plot_path

        check_plot_path(plot)
    window = settle_parameter(settle)
    options = FunnelOptions(by=tuple(by or ()))
    if window is not None:
        options = dataclasses.replace(options, settle=window)
    # the model is converted while the log is read (its errors first); out of core above JOURNEYLOG_MEMORY_EVENTS events
    with loading_optional_model(model) as designed, open_events(log, read.after(designed)) as source:
        result = make_funnel(source, designed(), split_steps(steps) if steps is not None else None, options)
    data = result.to_json()
    print_funnel(data)
    if plot is not None:
        from journeylog.render.funnel_chart import write_funnel_chart

        write_funnel_chart(data, plot)
    emit_json(data, json_out)
