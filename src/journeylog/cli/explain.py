"""``journeylog explain``: what the journeys with a deviation or pattern have more often (root causes)."""


from typing import Annotated, Any

import typer

from journeylog.cli.app import app
from journeylog.cli.options import (
    JsonOpt,
    LogArg,
    OptModelOpt,
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

    journeylog explain journeys.parquet -m samples/telecom/designed_journey.bpmn --deviation 'skipped:Identity check'

    journeylog explain journeys.parquet -m samples/telecom/designed_journey.bpmn --deviation 'repeated:Schedule appointment' --top 5 --correction bh --json causes.json

    journeylog explain journeys.parquet --pattern 'called after failing on the portal' --min-support 10 --factors channel,start_channel,attribute

    journeylog explain journeys.parquet -m samples/telecom/designed_journey.bpmn --deviation 'skipped:Identity chek'   # exits 2: no such deviation (did you mean ...)"""  # noqa: E501  (help text: one line per example)


@app.command(epilog=EPILOG)
@with_read_options
@with_journey_selection
def explain(
    log: LogArg,
    model: OptModelOpt = None,
    deviation: Annotated[str | None, typer.Option(
        "--deviation", help="A deviation id exactly as conform --json lists it (kind:activity, e.g. "
        "'skipped:Identity check'); needs --model.", metavar="ID")] = None,
    pattern: Annotated[str | None, typer.Option(
        "--pattern", help="A cross-channel pattern, by id or name (no model needed).", metavar="ID|NAME")] = None,
    top: Annotated[int, typer.Option("--top", help="Factors reported (0: all over-represented ones).")] = 10,
    min_support: Annotated[int, typer.Option(
        "--min-support", help="Journeys with the deviation and a factor needed to test the factor.")] = 20,
    correction: Annotated[str, typer.Option(
        "--correction", help="holm (family-wise error) or bh (Benjamini-Hochberg false-discovery rate).")] = "holm",
    alpha: Annotated[float, typer.Option(
        "--alpha", help="A factor is significant when its adjusted p-value is at most this.")] = 0.05,
    max_levels: Annotated[int, typer.Option(
        "--max-levels", help="Attribute columns with more distinct values per journey are skipped (ids, free text).")] = 50,
    kinds: Annotated[str | None, typer.Option(
        "--factors", help="Kinds of factor to consider, comma-separated: channel, start_channel, contact_reason, "
        "activity, failed_step, attribute, variant (default: all).", metavar="KIND,...")] = None,
    rules: RulesOpt = None,
    settle: SettleOpt = None,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """Root causes: the channels, paths and attributes over-represented in the journeys with a deviation or pattern."""
    from journeylog.cx import rootcause as R
    from journeylog.explain.patterns import Rules
    from journeylog.ingest import open_events
    from journeylog.render.terminal.rootcause import print_root_causes

    refuse_clobbering({"log": log, "--model": model, "--rules": rules}, {"--json": json_out})
    options = R.RootCauseOptions(top=top, min_support=min_support, correction=correction, alpha=alpha,
                                 max_levels=max_levels, kinds=R.FACTOR_KINDS if kinds is None else
                                 tuple(k.strip() for k in kinds.split(",") if k.strip()))
    options.check()
    if deviation is not None and model is None:
        raise typer.BadParameter("--deviation needs the designed model (--model FILE)", param_hint="--model")
    if (deviation is None) == (pattern is None):
        raise typer.BadParameter("give one of --deviation ID or --pattern ID|NAME", param_hint="--deviation")
    from journeylog.models import loading_optional_model

    with loading_optional_model(model) as designed:  # converted while the log is read; its errors first
        bar = progress_bar(precision=False)
        copts = conformance_options(rules, None, "alignments", precision=False, settle=settle, on_progress=bar)
        with open_events(log, read.after(designed)) as source, bar:  # out of core above JOURNEYLOG_MEMORY_EVENTS events
            result = R.explain(source, designed(), deviation=deviation, pattern=pattern, options=options,
                               conform_options=copts, rules=copts.rules if isinstance(copts.rules, Rules) else None)
    data = R.to_json(result)
    print_root_causes(data)
    emit_json(data, json_out)
