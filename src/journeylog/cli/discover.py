"""``journeylog discover``: the actual paths, the process map and a discovered model."""


from typing import Annotated, Any

import typer

from journeylog.cli.app import app
from journeylog.cli.options import (
    JsonOpt,
    LogArg,
    refuse_clobbering,
    status_progress,
    with_journey_selection,
    with_read_options,
)
from journeylog.errors import ResourceLimit

GraphOpt = Annotated[list[str] | None, typer.Option(
    "--graph", help="Write the process map: .dot, .svg, .png, .graphml, .mmd or .json (repeatable).", metavar="FILE")]


EPILOG = """**Examples** (in this order, in the project folder, after `journeylog ingest samples/telecom/sources.yaml -o journeys.parquet`)

    journeylog discover journeys.parquet

    journeylog discover journeys.parquet --coverage 0.8 --graph map.svg --json discovery.json

    journeylog discover journeys.parquet --activities 0.8 --paths 0.1 --graph simple.svg --no-model

    journeylog discover journeys.parquet --from 2026-05-01 --to 2026-06-01 --channel web --perf --graph web.png

    journeylog discover journeys.parquet --where 'contact_reason=Billing question' --top-variants 5 --model-out model.bpmn

    journeylog discover journeys.parquet --segment plan=business --journeys-where 'has channel=phone' --no-model

    journeylog discover tests/data/models/running-example.xes --model-out running-example.pnml"""  # noqa: E501  (help text: one line per example)


@app.command(epilog=EPILOG)
@with_read_options
@with_journey_selection
def discover(
    log: LogArg,
    top_variants: Annotated[int | None, typer.Option(
        "--top-variants", help="Map only the journeys of the N most frequent variants.")] = None,
    coverage: Annotated[float | None, typer.Option(
        "--coverage", help="Map the most frequent variants covering this share of journeys (e.g. 0.8).")] = None,
    min_edge_share: Annotated[float, typer.Option(
        "--min-edge-share", help="Hide map edges followed by fewer than this share of journeys.")] = 0.0,
    where: Annotated[list[str] | None, typer.Option(
        "--where", help="Keep events whose COLUMN equals VALUE (repeatable; an event filter: --segment keeps whole "
        "journeys).", metavar="COLUMN=VALUE")] = None,
    noise: Annotated[float, typer.Option("--noise", help="Inductive miner noise threshold (0 = every path).")] = 0.0,
    miner: Annotated[str, typer.Option(
        "--miner", help="auto (IM, or IMd on many activities or variants), im (inductive miner on variants) or imd "
        "(from the process map; fast on many activities or variants).")] = "auto",
    miner_budget: Annotated[float, typer.Option(
        "--miner-budget", help="CPU seconds auto gives IM on a large log before it uses IMd instead (0 = no limit).",
        metavar="SECONDS", min=0)] = 30.0,
    no_model: Annotated[bool, typer.Option("--no-model", help="Skip model discovery.")] = False,
    graph: GraphOpt = None,
    activities: Annotated[float | None, typer.Option(
        "--activities", help="Map the most frequent activities covering this share of events (1 = all; "
        "default: all up to 30 activities, else 0.9); the hidden ones are left out of the journeys.")] = None,
    paths: Annotated[float | None, typer.Option(
        "--paths", help="Map this share of the strongest paths (1 = all; default: all when the map is sparse, "
        "else 0.1), plus the strongest ones keeping every activity between start and end.")] = None,
    perf: Annotated[bool, typer.Option(
        "--perf", help="Colour and label the map by median time (and p90) instead of counts.")] = False,
    perf_stat: Annotated[str, typer.Option(
        "--perf-stat", help="The time --perf shows: median or p90 (p90 implies --perf).")] = "median",
    model_out: Annotated[str | None, typer.Option(
        "--model-out", help="Write the discovered model as .bpmn, .pnml or .ptree (process-tree text).")] = None,
    show: Annotated[int, typer.Option("--show", help="Rows per table in the terminal report.")] = 10,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """The actual customer paths: variants, process map with timing, channel switches and a model.

    Long by design: one parameter per option of the command (Typer reads them from the signature)."""
    from journeylog import discover as D
    from journeylog.ingest import open_events
    from journeylog.render import terminal

    if perf_stat not in ("median", "p90"):
        raise typer.BadParameter(f"{perf_stat!r} is not median or p90", param_hint="--perf-stat")
    if no_model and model_out is not None:
        raise typer.BadParameter("--model-out needs the model; drop --no-model", param_hint="--model-out")
    refuse_clobbering({"log": log}, {"--json": json_out, "--graph": graph, "--model-out": model_out})
    with terminal.console().status("reading the log", spinner="dots") as status, \
            open_events(log, read, on_progress=status_progress(status)) as source:
        options = D.DiscoverOptions(
            top_variants=top_variants, coverage=coverage, min_edge_share=min_edge_share,
            channels=(source.channel_filter,) if source.channel_filter else (), where=D.parse_where(where or []),
            noise=noise, model=not no_model, miner=miner, miner_budget=miner_budget or None,
            activities=activities, paths=paths,
        )
        status.update("discovering paths" + ("" if no_model else " and mining the model"))
        result = D.discover(source, options)
    data = D.to_json(result, variants=show)  # the JSON streams every variant (below)
    _write_graphs(result.shown_map, graph, perf_stat if perf_stat == "p90" else perf)
    if model_out is not None:
        from journeylog.models import write_model

        if result.model is None:
            raise ResourceLimit("no model to write: the default miner did not finish within --miner-budget",
                                hint="--miner imd (or im) waits for the miner; --miner-budget 0 lifts the limit")

        write_model(result.model, model_out)
    terminal.print_discovery(data, show=show, variants=result.variants.height)
    if json_out is not None:
        from journeylog.render.json import Lazy, emit_json_streamed

        table = result.variants
        step = 10_000
        every = Lazy(lambda: (D.variant_rows(table.slice(i, step)) for i in range(0, table.height, step)))
        emit_json_streamed({**data, "variants": every}, json_out)


def _write_graphs(process_map: Any, paths: list[str] | None, perf: bool | str) -> None:
    if not paths:
        return
    from journeylog.render.graph import write_graph

    for path in paths:
        write_graph(process_map, path, perf=perf)

