"""``journeylog compare``: the same key figures for two or more segments side by side, and the
significant differences in plain language."""

# No ``from __future__ import annotations`` here: Typer reads the annotations at runtime.

from dataclasses import replace
from typing import Annotated, Any

import typer

from journeylog.cli.app import app
from journeylog.cli.options import (
    AllowOpt,
    JsonOpt,
    LogArg,
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

    journeylog compare journeys.parquet --by plan

    journeylog compare journeys.parquet --by product

    journeylog compare journeys.parquet --a 'month=2026-03' --b 'month=2026-05' --json compare.json

    journeylog compare journeys.parquet --by month --segment 'product=Fibre 500' --alpha 0.05

    journeylog compare journeys.parquet --by queue -m samples/telecom/designed_journey.bpmn --journeys-where 'has channel=phone'"""  # noqa: E501  (help text: one line per example)

_SIDE_HELP = ("{side} segment: COLUMN=VALUE (repeatable; values of one column are alternatives, columns must all "
              "match), or a period of journey start: month=2026-03, quarter=2026-Q2, week=2026-W14.")


@app.command(epilog=EPILOG)
@with_read_options
@with_journey_selection
def compare(
    log: LogArg,
    by: Annotated[str | None, typer.Option(
        "--by", help="One segment per value of this column (a journey or customer attribute), or per month, week "
        "or quarter of journey start.", metavar="COLUMN|month|week|quarter")] = None,
    a: Annotated[list[str] | None, typer.Option("--a", help=_SIDE_HELP.format(side="The first"),
                                                metavar="COLUMN=VALUE")] = None,
    b: Annotated[list[str] | None, typer.Option("--b", help=_SIDE_HELP.format(side="The second"),
                                                metavar="COLUMN=VALUE")] = None,
    model: Annotated[str | None, typer.Option(
        "--model", "-m", help="The designed journey: adds fitness, the fitting share and deviation shares.",
        show_default=False)] = None,
    rules: RulesOpt = None,
    allow: AllowOpt = None,
    alpha: Annotated[float, typer.Option(
        "--alpha", help="Significance level after multiple-testing correction.")] = 0.01,
    min_effect: Annotated[float, typer.Option(
        "--min-effect", help="Smallest absolute difference in a share to report.")] = 0.02,
    min_journeys: Annotated[int, typer.Option(
        "--min-journeys", help="Segments with fewer journeys are shown but not tested.")] = 30,
    correction: Annotated[str, typer.Option(
        "--correction", help="holm (family-wise error) or bh (Benjamini-Hochberg false-discovery rate).")] = "holm",
    top_variants: Annotated[int, typer.Option(
        "--top-variants", help="Compare the shares of the log's N most frequent variants.")] = 5,
    max_segments: Annotated[int, typer.Option(
        "--max-segments", help="With --by a column: the largest N-1 values, the rest together.")] = 12,
    show: Annotated[int, typer.Option("--show", help="Differences listed in the terminal report.")] = 20,
    settle: SettleOpt = None,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """Compare segments: key figures side by side and the significant differences in plain language."""
    from journeylog.cx import compare as CMP
    from journeylog.ingest import open_events
    from journeylog.models import loading_optional_model
    from journeylog.render.terminal import print_comparison

    refuse_clobbering({"log": log, "--model": model, "--rules": rules, "--allow": allow}, {"--json": json_out})
    options = CMP.CompareOptions(by=by, a=tuple(a or ()), b=tuple(b or ()), alpha=alpha, min_effect=min_effect,
                                 min_journeys=min_journeys, correction=correction, top_variants=top_variants,
                                 max_segments=max_segments)
    options.check()
    copts = conformance_options(rules, allow, precision=False, settle=settle)
    # the model is converted while the log is read (its errors first); out of core above JOURNEYLOG_MEMORY_EVENTS events
    with loading_optional_model(model) as designed_model, open_events(log, read.after(designed_model)) as source:
        designed = designed_model()
        conformance = None
        if designed is not None:
            from journeylog.conform import conform

            with progress_bar(precision=False) as bar:
                conformance = conform(source, designed, replace(copts, on_progress=bar))
        result = CMP.compare(source, options, rules=copts.rules, conformance=conformance)
    data = CMP.to_json(result)
    print_comparison(data, show=show)
    emit_json(data, json_out)

