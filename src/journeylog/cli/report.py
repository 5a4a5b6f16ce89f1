"""``journeylog report``: one self-contained HTML page of every analysis, to send to people who
never open a terminal."""


import shlex
from typing import Annotated, Any, NamedTuple

import typer

from journeylog.cli.app import app
from journeylog.cli.options import (
    AllowOpt,
    OptModelOpt,
    RulesOpt,
    SettleOpt,
    conformance_options,
    progress_bar,
    refuse_clobbering,
    with_read_options,
)

EPILOG = """**Examples** (in this order, in the project folder, after `journeylog ingest samples/telecom/sources.yaml -o journeys.parquet`)

    journeylog report journeys.parquet --model samples/telecom/designed_journey.bpmn --contacts samples/telecom/contacts.yaml --desired samples/telecom/desired.yaml -o report.html

    journeylog discover journeys.parquet --json discover.json

    journeylog conform journeys.parquet -m samples/telecom/designed_journey.bpmn --json conform.json

    journeylog funnel journeys.parquet -m samples/telecom/designed_journey.bpmn --json funnel.json

    journeylog report --from discover.json conform.json funnel.json -o saved.html

    journeylog report journeys.parquet -m samples/telecom/designed_journey.bpmn --window 1mo --variants 30 --metric nps -o monthly.html"""  # noqa: E501  (help text: one line per example)


@app.command(epilog=EPILOG)
@with_read_options
def report(
    ctx: typer.Context,
    inputs: Annotated[list[str], typer.Argument(
        help="The log (.csv, .parquet, .jsonl, .xes, a journeylog store); with --from, the saved --json files "
        "of discover, conform, drift, contacts, funnel, emotion, compare and explain (any of them, any order).", metavar="FILE",
        show_default=False)],
    output: Annotated[str, typer.Option(
        "--output", "-o", help="The HTML file to write.", metavar="FILE", show_default=False)],
    model: OptModelOpt = None,
    rules: RulesOpt = None,
    allow: AllowOpt = None,
    from_json: Annotated[bool, typer.Option(
        "--from", help="Build the page from saved --json outputs instead of analysing a log (nothing is recomputed).")] = False,
    window: Annotated[str, typer.Option(
        "--window", help="Drift windows (1d, 1w, 2w, 1mo, 1q; or N journeys); drift is shown when the log spans two or more.")]
    = "1w",
    no_drift: Annotated[bool, typer.Option("--no-drift", help="Leave drift over time out.")] = False,
    variants: Annotated[int, typer.Option("--variants", help="Paths listed (most frequent first).")] = 20,
    contacts: Annotated[str | None, typer.Option(
        "--contacts", help="Contact rules (YAML, see docs/contacts.md) for the contact classes; without it, the default "
        "rules (the section shows when the log has contacts).", metavar="FILE", show_default=False)] = None,
    desired: Annotated[str | None, typer.Option(
        "--desired", help="The desired emotion curve (YAML, see docs/emotion.md), drawn against the scores.",
        metavar="FILE", show_default=False)] = None,
    metric: Annotated[str | None, typer.Option(
        "--metric", help="The score of the emotion curve (csat, nps, ces, satisfaction, ...); default csat when the log "
        "has it, else satisfaction.", show_default=False)] = None,
    funnel_steps: Annotated[str | None, typer.Option(
        "--funnel-steps", help="The funnel's steps, comma-separated (\"A,B,C\"); default the designed journey's main path.",
        metavar="STEPS", show_default=False)] = None,
    settle: SettleOpt = None,
    read: Any = None,
) -> None:
    """One HTML page to send: key figures, process map, top paths, deviations, channel switches, drift,
    contact classes, the funnel and the emotion curve."""
    from journeylog import __version__
    from journeylog.io.files import write_text_atomic
    from journeylog.render.html import render_report

    command = _command_line(ctx)
    omitted: list[str] = []
    if from_json:
        _refuse_log_options({"--model": model, "--rules": rules, "--allow": allow, "--settle": settle,
                             "--contacts": contacts, "--desired": desired, "--metric": metric,
                             "--funnel-steps": funnel_steps})
        refuse_clobbering({f"JSON {i + 1}": p for i, p in enumerate(inputs)}, {"--output": output})
        from journeylog.report import contracts_from_files

        contracts = contracts_from_files(inputs)
    else:
        contracts = _analyse(inputs, output, model, rules, allow, window, no_drift, variants, settle, read,
                             _CxChoices(contacts, desired, metric, funnel_steps), omitted)
    problems: list[str] = []
    write_text_atomic(output, render_report(contracts, command=command, version=__version__, problems=problems,
                                            omitted=omitted))
    _say(contracts, omitted + problems, output)


def _say(contracts: dict[str, Any], problems: list[str], output: str) -> None:
    """The analyses' notes, what the page left out or could not show, and what was written."""
    from journeylog.render.terminal import console, text

    for note in [*dict.fromkeys(n for doc in contracts.values() for n in doc.get("notes") or []), *problems]:
        console().print(text(f"note: {note}"))
    console().print(text(f"wrote {output}: {', '.join(contracts) or 'no analysis'}"))


def _refuse_log_options(given: dict[str, str | None]) -> None:
    for flag, value in given.items():
        if value is not None:
            raise typer.BadParameter("is for a log; saved --json outputs are shown as they are", param_hint=flag)


class _CxChoices(NamedTuple):
    contacts: str | None
    desired: str | None
    metric: str | None
    funnel_steps: str | None


def _analyse(inputs: list[str], output: str, model: str | None, rules: str | None, allow: str | None, window: str,
             no_drift: bool, variants: int, settle: str | None, read: Any, cx: _CxChoices,
             omitted: list[str]) -> dict[str, Any]:
    from journeylog import drift as D
    from journeylog import report as R
    from journeylog.ingest import open_events
    from journeylog.models import loading_model

    if len(inputs) != 1:
        raise typer.BadParameter(f"give one log, not {len(inputs)} (or --from with saved --json files)", param_hint="LOG")
    if model is None:
        raise typer.BadParameter("give the designed journey (--model FILE)", param_hint="--model")
    log = inputs[0]
    refuse_clobbering({"log": log, "--model": model, "--rules": rules, "--allow": allow, "--contacts": cx.contacts,
                       "--desired": cx.desired}, {"--output": output})
    drift_options = D.DriftOptions(window=window)
    drift_options.check()
    from journeylog.render.terminal import console, text

    console().print(text(f"report: drift over windows of {window} (--window), the {variants} most frequent paths (--variants)"))
    with loading_model(model) as designed:  # converted while the log is read; its errors first
        bar = progress_bar(True)
        options = R.ReportOptions(variants=variants, drift=not no_drift, drift_options=drift_options,
                                  conform_options=conformance_options(rules, allow, "alignments", True, settle, on_progress=bar),
                                  **_cx_options(cx))
        with open_events(log, read.after(designed)) as source, bar:  # out of core above JOURNEYLOG_MEMORY_EVENTS events
            return R.report(source, designed(), options, omitted=omitted)


def _cx_options(cx: _CxChoices) -> dict[str, Any]:
    """The contacts, emotion and funnel settings of :class:`journeylog.report.ReportOptions` (their
    files read here, so a bad rules or desired file is an error at its line, not a left-out section)."""
    from journeylog.cli.funnel import split_steps
    from journeylog.config.contacts import load_contact_rules
    from journeylog.config.desired import load_desired
    from journeylog.cx.emotion import EmotionOptions

    return {"contact_rules": load_contact_rules(cx.contacts) if cx.contacts else None,
            "emotion_options": EmotionOptions(metric=cx.metric, desired=load_desired(cx.desired) if cx.desired else None),
            "funnel_steps": tuple(split_steps(cx.funnel_steps)) if cx.funnel_steps is not None else None}


def _command_line(ctx: typer.Context) -> str:
    """The command as given, in a canonical form (the options that differ from their default, in
    declaration order, then the arguments), for the page's footer."""
    words = ["journeylog", ctx.info_name or "report"]
    options: list[str] = []
    for p in ctx.command.params:
        value = ctx.params.get(p.name or "")
        if p.param_type_name == "argument":
            words += [str(v) for v in (value or ())]
        elif (p.param_type_name == "option" and value not in (None, False, p.default) and value not in ((), [])
              and p.name != "help"):
            flag = max(p.opts, key=len)
            options += [flag] if getattr(p, "is_flag", False) else [flag, str(value)]
    return shlex.join(words[:2] + options + words[2:])
