"""``journeylog emotion``: how customers score each touchpoint of the designed journey."""

from typing import Annotated, Any

import typer

from journeylog.cli.app import app
from journeylog.cli.options import (
    JsonOpt,
    LogArg,
    ModelOpt,
    emit_json,
    refuse_clobbering,
    with_journey_selection,
    with_read_options,
)

EPILOG = """**Examples** (in this order, in the project folder, after `journeylog ingest samples/telecom/sources.yaml -o journeys.parquet`)

    journeylog emotion journeys.parquet --model samples/telecom/designed_journey.bpmn --metric csat --desired samples/telecom/desired.yaml

    journeylog emotion journeys.parquet -m samples/telecom/designed_journey.bpmn --metric nps --detractors

    journeylog emotion journeys.parquet -m samples/telecom/designed_journey.bpmn --metric csat --split-by 'called after failing on the portal'

    journeylog emotion journeys.parquet -m samples/telecom/designed_journey.bpmn --sentiment --by channel --json emotion.json"""  # noqa: E501  (help text: one line per example)


@app.command(epilog=EPILOG)
@with_read_options
@with_journey_selection
def emotion(
    log: LogArg,
    model: ModelOpt,
    metric: Annotated[str | None, typer.Option(
        "--metric", help="The score to draw: csat, nps, ces, satisfaction or any metric the source map names "
        "(default: csat when the log has it, else satisfaction).")] = None,
    scale: Annotated[str | None, typer.Option(
        "--scale", help="The metric's scale (1-10) when it has no default one.", metavar="LOW-HIGH")] = None,
    desired: Annotated[str | None, typer.Option(
        "--desired", help="The desired curve (YAML: `points: {step: score}`).", metavar="FILE")] = None,
    plot: Annotated[str | None, typer.Option(
        "--plot", help="Draw the curve against the desired one (.png or .svg).", metavar="FILE")] = None,
    by: Annotated[str | None, typer.Option("--by", help="One point per step and channel: channel.")] = None,
    min_responses: Annotated[int, typer.Option(
        "--min-responses", help="Touchpoints with fewer responses are thin (drawn hollow).")] = 30,
    split_by: Annotated[str | None, typer.Option(
        "--split-by", help="A deviation id or pattern name: the curve with and without it, tested per touchpoint.",
        metavar="ID")] = None,
    detractors: Annotated[bool, typer.Option(
        "--detractors", help="The paths, deviations and patterns most over-represented among detractors.")] = False,
    sentiment: Annotated[bool, typer.Option(
        "--sentiment", help="Draw text sentiment (VADER, -1..1) of the text column instead of a survey score.")] = False,
    language: Annotated[str, typer.Option("--language", help="The language of the texts (en).")] = "en",
    show: Annotated[int, typer.Option("--show", help="Rows per table in the terminal report.")] = 10,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """How customers feel along the designed journey: a score per touchpoint, against the desired curve."""
    from journeylog.config.desired import load_desired
    from journeylog.config.metrics import parse_scale
    from journeylog.cx import emotion as E
    from journeylog.errors import UsageError, param
    from journeylog.ingest import open_events
    from journeylog.models import loading_model
    from journeylog.render.terminal import ProgressBar
    from journeylog.render.terminal.emotion import print_emotion

    refuse_clobbering({"log": log, "--model": model, "--desired": desired}, {"--json": json_out, "--plot": plot})
    chosen_scale = None
    if scale is not None:
        chosen_scale = parse_scale(scale)
        if chosen_scale is None:
            raise UsageError(f"{param('scale')} must be LOW-HIGH with LOW < HIGH (such as 1-10), not {scale!r}")
    with loading_model(model) as designed:  # converted while the log is read; its errors first
        options = E.EmotionOptions(
            metric=metric, scale=chosen_scale, desired=load_desired(desired) if desired else None, by=by,
            min_responses=min_responses, split_by=split_by, detractors=detractors, sentiment=sentiment,
            language=language, on_progress=(bar := ProgressBar("reading the log")))
        with open_events(log, read.after(designed)) as source, bar:  # out of core above JOURNEYLOG_MEMORY_EVENTS events
            data = E.to_json(E.emotion(source, designed(), options))
    if plot is not None:
        from journeylog.render.emotion_chart import write_emotion_chart

        write_emotion_chart(data, plot)
    print_emotion(data, show=show)
    emit_json(data, json_out)
