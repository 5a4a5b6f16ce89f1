"""``journeylog contacts``: why customers contact, and whether they should have."""


from typing import Annotated, Any

import typer

from journeylog.cli.app import app
from journeylog.cli.options import (
    JsonOpt,
    LogArg,
    emit_json,
    refuse_clobbering,
    with_journey_selection,
    with_read_options,
)

EPILOG = """**Examples** (in this order, in the project folder, after `journeylog ingest samples/telecom/sources.yaml -o journeys.parquet`)

    journeylog contacts journeys.parquet

    journeylog contacts journeys.parquet --model samples/telecom/designed_journey.bpmn --rules samples/telecom/contacts.yaml

    journeylog contacts journeys.parquet --rules samples/telecom/contacts.yaml --json contacts.json --contacts-out contacts.csv

Classes, their precedence and the rules file: docs/contacts.md."""  # noqa: E501  (help text: one line per example)


def _window(value: str | None, name: str) -> Any:
    if value is None:
        return None
    from journeylog.config.yamldoc import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None


@app.command(epilog=EPILOG)
@with_read_options
@with_journey_selection
def contacts(
    log: LogArg,
    model: Annotated[str | None, typer.Option(
        "--model", "-m", help="The designed journey (.bpmn, .pnml, .ptree): a contact on one of its steps is "
        "mandatory (see `design:` in the rules).", show_default=False)] = None,
    rules: Annotated[str | None, typer.Option(
        "--rules", help="Contact rules (YAML, see docs/contacts.md): contact channels, precedence, windows, rules, "
        "costs.", show_default=False)] = None,
    failure_window: Annotated[str | None, typer.Option(
        "--failure-window", help="Avoidable: a contact this soon after a failure in the journey (default 48h, "
        "or failure_window: in the rules).", metavar="DURATION", show_default=False)] = None,
    repeat_window: Annotated[str | None, typer.Option(
        "--repeat-window", help="Avoidable: a repeat on the same reason this soon (default 7d, or repeat_window: "
        "in the rules).", metavar="DURATION", show_default=False)] = None,
    contacts_out: Annotated[str | None, typer.Option(
        "--contacts-out", help="One row per contact: journey, customer, time, channel, activity, reason, class, "
        "decided_by, source, source row (.csv or .parquet).")] = None,
    show: Annotated[int, typer.Option("--show", help="Rows per table in the terminal report.")] = 10,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """Assisted contacts (calls, chats, store visits, inbound e-mail), each classed mandatory, avoidable,
    selfcare or assistance, with the drivers of avoidable contacts, repeats and costs."""
    from contextlib import nullcontext

    from journeylog.config.contacts import ContactRules, load_contact_rules
    from journeylog.cx import contacts as C
    from journeylog.ingest import open_events
    from journeylog.render import terminal
    from journeylog.render.tables import table_parts

    refuse_clobbering({"log": log, "--model": model, "--rules": rules},
                      {"--json": json_out, "--contacts-out": contacts_out})
    if contacts_out is not None and not contacts_out.lower().endswith((".csv", ".parquet")):
        raise typer.BadParameter("give a .csv or .parquet file", param_hint="--contacts-out")
    options = C.ContactOptions(rules=load_contact_rules(rules) if rules else ContactRules(),
                               failure_window=_window(failure_window, "--failure-window"),
                               repeat_window=_window(repeat_window, "--repeat-window"))
    from journeylog.models import loading_optional_model

    # the model is converted while the log is read (its errors first); out of core above
    # JOURNEYLOG_MEMORY_EVENTS events; the contact rows are written batch by batch
    with loading_optional_model(model) as designed, open_events(log, read.after(designed)) as source, \
            (table_parts(contacts_out) if contacts_out else nullcontext()) as rows:
        result = C.contacts(source, designed(), options=options, on_contacts=rows)
    data = result.to_json()
    terminal.print_contacts(data, show=show)
    emit_json(data, json_out)
