"""``journeylog ingest``: exports in, one canonical journey table out."""


from typing import Annotated, Any

import typer

from journeylog.cli.app import app
from journeylog.cli.options import JsonOpt, emit_json, refuse_clobbering, source_progress, with_read_options

EPILOG = """**Examples** (in this order, in the project folder)

    journeylog ingest samples/telecom/sources.yaml -o journeys.parquet

    journeylog ingest samples/telecom/call_centre.csv --delimiter ';' --encoding cp1252 --timezone Europe/London --channel phone --customer caller_number --activity wrap_up_code --timestamp call_start -o calls.parquet

    journeylog ingest samples/telecom/app_events.jsonl --customer login --channel app --gap 7d -o app.parquet --json -

Parquet logs above 10M events (JOURNEYLOG_MEMORY_EVENTS) are sorted out of core, in bounded memory; temporary files go to TMPDIR."""  # noqa: E501  (help text: one line per example)


@app.command(epilog=EPILOG)
@with_read_options(drop_duplicates=True)
def ingest(
    log: Annotated[str, typer.Argument(
        help="A log file, or a YAML source map naming several exports (see docs/sources.md).", show_default=False)],
    output: Annotated[str, typer.Option("-o", "--output", help=(
        "Where to write the canonical journey table: .parquet (a journeylog store), or .csv, .xes, .jsonl "
        "for other tools."))],
    json_out: JsonOpt = None,
    rejects: Annotated[str | None, typer.Option(
        "--rejects", help="With --skip-invalid-rows: write skipped rows (file, row, column, reason) to this CSV.")] = None,
    read: Any = None,
) -> None:
    """Normalise one export, or several stitched by a source map, into canonical journeys."""
    from journeylog.ingest import ingest as run_ingest
    from journeylog.render import terminal

    refuse_clobbering({"log": log}, {"--output": output, "--json": json_out, "--rejects": rejects})
    result = run_ingest(log, read, on_source=source_progress(), output=output)
    if rejects is not None:
        from journeylog.render.tables import write_csv

        write_csv(result.rejects, rejects)
    summary = result.summary()
    terminal.print_ingest_summary(summary)
    emit_json(summary, json_out)

