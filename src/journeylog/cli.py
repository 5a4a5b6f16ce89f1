"""The journeylog command line: parse options, call one library function, print.

Exit codes: 0 ok, 1 a check failed, 2 usage, 3 invalid input, 4 resource limit, 5 unsafe input
refused, 70 internal error. Errors are one line on stderr; ``--debug`` shows tracebacks.
"""


import functools
import inspect
import os
import sys
from datetime import timedelta
from typing import Annotated, Any, Optional

import typer

from journeylog import __version__
from journeylog.errors import INTERNAL_ERROR, USAGE, JourneylogError

app = typer.Typer(
    name="journeylog",
    help=(
        "Understand real customer journeys across channels.\n\n"
        "ingest multichannel exports into one journey table, discover the actual paths, compare them "
        "with the designed journey, and guard it against drift in CI."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    pretty_exceptions_enable=False,
)

_STATE: dict[str, Any] = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"journeylog {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    threads: Annotated[Optional[int], typer.Option("--threads", min=1, help="Threads for Polars and worker processes for alignments (default: all cores).")] = None,
) -> None:
    """journeylog: actual customer journeys against the designed one."""
    _STATE["debug"] = debug
    if threads is not None:
        # read by Polars at import (not imported yet: commands import it lazily) and by mining
        os.environ["POLARS_MAX_THREADS"] = str(threads)
        os.environ["JOURNEYLOG_PROCESSES"] = str(threads)


# ------------------------------------------------------------------------------------------
# Options shared by every command that reads a log
# ------------------------------------------------------------------------------------------

_PANEL = "Reading the log"


def _opt(*names: str, help: str, **kw: Any) -> Any:
    return typer.Option(*names, help=help, rich_help_panel=_PANEL, **kw)


_READ_PARAMS: list[tuple[str, Any, Any]] = [
    ("case", Optional[str], _opt("--case", help="Journey/case id column (default: journey_id, case:concept:name, case_id, ...).")),
    ("customer", Optional[str], _opt("--customer", help="Customer id column (default: customer_id, customer, ...).")),
    ("activity", Optional[str], _opt("--activity", help="Activity column (default: activity, concept:name, event, action).")),
    ("timestamp", Optional[str], _opt("--timestamp", help="Timestamp column (default: timestamp, time:timestamp, ts, time).")),
    ("channel", Optional[str], _opt("--channel", help="Channel column, or a fixed channel for every event (web, phone, ...).")),
    ("outcome", Optional[str], _opt("--outcome", help="Outcome column (success/failure spellings; default: outcome, status, result).")),
    ("satisfaction", Optional[str], _opt("--satisfaction", help="Satisfaction score column (default: satisfaction, csat, rating).")),
    ("timestamp_format", Optional[str], _opt("--timestamp-format", help="strftime format ('%d/%m/%Y %H:%M'), iso, epoch_s or epoch_ms.")),
    ("timezone", Optional[str], _opt("--timezone", help="IANA time zone of naive local times (default UTC).")),
    ("delimiter", Optional[str], _opt("--delimiter", help="CSV delimiter (default ','; use '\\t' for TAB).")),
    ("encoding", str, _opt("--encoding", help="CSV encoding, e.g. latin-1.")),
    ("input_format", Optional[str], _opt("--format", help="csv, parquet, jsonl or xes (default: from the suffix).")),
    ("gap", str, _opt("--gap", help="Cut a customer's timeline into journeys at gaps longer than this (when there is no journey column).")),
    ("skip_invalid_rows", bool, _opt("--skip-invalid-rows", help="Skip rows that cannot be read (counted; see --rejects) instead of failing.")),
]
_READ_DEFAULTS = {"encoding": "utf-8", "gap": "30d", "skip_invalid_rows": False, "keep_duplicates": False, "drop_duplicates": False}
_KEEP_DUPS = ("keep_duplicates", bool, _opt("--keep-duplicates", help="Keep exact duplicate events (default: count and drop them)."))
_DROP_DUPS = ("drop_duplicates", bool, _opt("--drop-duplicates", help="Drop exact duplicate events (default: keep them, as pm4py does, and count them)."))


def with_read_options(func=None, *, drop_duplicates: bool = False):
    """Add the shared log-reading options to a command; it receives them as ``read: ReadOptions``.

    ``drop_duplicates`` is the command's default for exact duplicate events (ingest drops them;
    analysis commands keep them so figures equal pm4py's on the same file)."""
    if func is None:
        return functools.partial(with_read_options, drop_duplicates=drop_duplicates)
    dup_param = _KEEP_DUPS if drop_duplicates else _DROP_DUPS
    sig = inspect.signature(func)
    params = [p for p in sig.parameters.values() if p.name != "read"]
    for name, annotation, option in _READ_PARAMS + [dup_param]:
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                        default=_READ_DEFAULTS.get(name), annotation=Annotated[annotation, option]))

    @functools.wraps(func)
    def wrapper(**kwargs: Any):
        from journeylog.ingest import ReadOptions, parse_gap

        values = {name: kwargs.pop(name) for name, _a, _o in _READ_PARAMS}
        flag = bool(kwargs.pop(dup_param[0]))
        values["drop_duplicates"] = not flag if drop_duplicates else flag
        fmt = values.pop("input_format")
        gap: timedelta = parse_gap(values.pop("gap"))
        kwargs["read"] = ReadOptions(format=fmt, gap=gap, **values)
        return func(**kwargs)

    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return wrapper


LogArg = Annotated[str, typer.Argument(help="A log file (.csv, .parquet, .jsonl, .xes, .xes.gz) or a journeylog store.", show_default=False)]
JsonOpt = Annotated[Optional[str], typer.Option("--json", help="Write the result as JSON to FILE, or '-' for stdout.", metavar="FILE|-")]


def _emit_json(data: Any, target: str | None) -> None:
    if target is None:
        return
    from journeylog.render.json import dumps
    from journeylog.io.files import write_text_atomic

    write_text_atomic(target, dumps(data))


# ------------------------------------------------------------------------------------------
# ingest
# ------------------------------------------------------------------------------------------


@app.command(
    epilog=(
        "**Examples**\n\n"
        "    journeylog ingest samples/telecom/sources.yaml -o journeys.parquet\n\n"
        "    journeylog ingest calls.csv --delimiter ';' --timezone Europe/Berlin --channel phone -o calls.parquet\n\n"
        "    journeylog ingest clicks.jsonl --customer login --gap 7d -o journeys.parquet --json -\n\n"
        "Parquet logs above 10M events (JOURNEYLOG_MEMORY_EVENTS) are sorted out of core, in "
        "bounded memory; temporary files go to TMPDIR."
    )
)
@with_read_options(drop_duplicates=True)
def ingest(
    log: Annotated[str, typer.Argument(help="A log file, or a YAML source map naming several exports (see docs/sources.md).", show_default=False)],
    output: Annotated[str, typer.Option("-o", "--output", help="Where to write the canonical journey table (Parquet).")],
    json_out: JsonOpt = None,
    rejects: Annotated[Optional[str], typer.Option("--rejects", help="With --skip-invalid-rows: write skipped rows (file, row, column, reason) to this CSV.")] = None,
    read: Any = None,
) -> None:
    """Normalise one export, or several stitched by a source map, into canonical journeys."""
    from journeylog.ingest import ingest as run_ingest
    from journeylog.render import terminal

    result = run_ingest(log, read, on_source=_source_progress(), output=output)
    if rejects is not None:
        from journeylog.render.tables import write_csv

        write_csv(result.rejects, rejects)
    summary = result.summary()
    terminal.print_ingest_summary(summary)
    _emit_json(summary, json_out)


def _status_progress(status: Any):
    """Progress of a long read shown on a spinner's line: ``reading NAME: 42%``."""

    def on_progress(name: str, done: int, total: int) -> None:
        status.update(f"reading {name}: {100 * done // max(total, 1)}%")

    return on_progress


def _source_progress():
    """A progress bar over sources on stderr (transient; silent when stderr is not a terminal)."""
    from rich.progress import Progress

    from journeylog.render.terminal import console

    state: dict[str, Any] = {}

    def on_source(name: str, done: int, total: int) -> None:
        con = console()
        if not con.is_terminal:
            return
        if "p" not in state:
            state["p"] = Progress(console=con, transient=True)
            state["p"].start()
            state["t"] = state["p"].add_task("reading", total=total)
        state["p"].update(state["t"], completed=done, description=f"reading {name}" if name else "stitching")
        if done >= total:
            state["p"].stop()

    return on_source


# ------------------------------------------------------------------------------------------
# discover
# ------------------------------------------------------------------------------------------

GraphOpt = Annotated[Optional[list[str]], typer.Option("--graph", help="Write the process map: .dot, .svg, .png, .graphml, .mmd or .json (repeatable).", metavar="FILE")]


def _when(value: Optional[str], name: str):
    if value is None:
        return None
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date such as 2026-05-01 or 2026-05-01T08:00", param_hint=name) from None


@app.command(
    epilog=(
        "**Examples**\n\n"
        "    journeylog discover journeys.parquet\n\n"
        "    journeylog discover journeys.parquet --coverage 0.8 --graph map.svg --json discovery.json\n\n"
        "    journeylog discover log.xes.gz --from 2026-05-01 --to 2026-06-01 --channel web --perf --graph web.png\n\n"
        "    journeylog discover calls.csv --where contact_reason=Billing --top-variants 5 --model-out model.bpmn"
    )
)
@with_read_options
def discover(
    log: LogArg,
    top_variants: Annotated[Optional[int], typer.Option("--top-variants", help="Map only the journeys of the N most frequent variants.")] = None,
    coverage: Annotated[Optional[float], typer.Option("--coverage", help="Map the most frequent variants covering this share of journeys (e.g. 0.8).")] = None,
    min_edge_share: Annotated[float, typer.Option("--min-edge-share", help="Hide map edges followed by fewer than this share of journeys.")] = 0.0,
    date_from: Annotated[Optional[str], typer.Option("--from", help="Keep journeys starting on or after this date (ISO).")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Keep journeys starting before this date (ISO).")] = None,
    where: Annotated[Optional[list[str]], typer.Option("--where", help="Keep events whose COLUMN equals VALUE (repeatable).", metavar="COLUMN=VALUE")] = None,
    noise: Annotated[float, typer.Option("--noise", help="Inductive miner noise threshold (0 = every path).")] = 0.0,
    miner: Annotated[str, typer.Option("--miner", help="auto, im (inductive miner on variants) or imd (from the process map; fast on many variants).")] = "auto",
    no_model: Annotated[bool, typer.Option("--no-model", help="Skip model discovery.")] = False,
    graph: GraphOpt = None,
    perf: Annotated[bool, typer.Option("--perf", help="Label graph edges with median (and p90) time instead of counts.")] = False,
    model_out: Annotated[Optional[str], typer.Option("--model-out", help="Write the discovered model as .bpmn or .pnml.")] = None,
    show: Annotated[int, typer.Option("--show", help="Rows per table in the terminal report.")] = 10,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """The actual customer paths: variants, process map with timing, channel switches and a model."""
    from journeylog import discover as D
    from journeylog.ingest import open_events
    from journeylog.render import terminal

    if no_model and model_out is not None:
        raise typer.BadParameter("--model-out needs the model; drop --no-model", param_hint="--model-out")
    with terminal.console().status("reading the log", spinner="dots") as status, \
            open_events(log, read, on_progress=_status_progress(status)) as source:
        options = D.DiscoverOptions(
            top_variants=top_variants, coverage=coverage, min_edge_share=min_edge_share,
            date_from=_when(date_from, "--from"), date_to=_when(date_to, "--to"),
            channels=(source.channel_filter,) if source.channel_filter else (), where=D.parse_where(where or []),
            noise=noise, model=not no_model, miner=miner,
        )
        status.update("discovering paths" + ("" if no_model else " and mining the model"))
        result = D.discover(source, options)
    data = D.to_json(result, variants=None if json_out else show)
    _write_graphs(result.process_map, graph, perf)
    if model_out is not None:
        from journeylog.models import write_model

        write_model(result.model, model_out)
    terminal.print_discovery(data, show=show, variants=result.variants.height)
    _emit_json(data, json_out)


def _write_graphs(process_map: Any, paths: Optional[list[str]], perf: bool) -> None:
    if not paths:
        return
    from journeylog.render.graph import write_graph

    for path in paths:
        write_graph(process_map, path, perf=perf)


# ------------------------------------------------------------------------------------------
# conform
# ------------------------------------------------------------------------------------------

ModelOpt = Annotated[str, typer.Option("--model", "-m", help="The designed journey: BPMN 2.0 (.bpmn), PNML (.pnml) or a process tree (.ptree/.txt).", show_default=False)]
RulesOpt = Annotated[Optional[str], typer.Option("--rules", help="Cross-channel patterns and channel words (YAML, see docs/rules.md).")]
AllowOpt = Annotated[Optional[str], typer.Option("--allow", help="Accepted deviations and patterns (YAML): reported apart, left out of checks.")]


def conformance_options(rules: Optional[str], allow: Optional[str], method: str = "alignments", precision: bool = True):
    """ConformOptions from the command-line files (rules, allow-list)."""
    from journeylog.conform import Allow, ConformOptions, load_allow
    from journeylog.patterns import load_rules

    return ConformOptions(method=method, precision=precision,
                          rules=load_rules(rules) if rules else None,
                          allow=load_allow(allow) if allow else Allow())


@app.command(
    epilog=(
        "**Examples**\n\n"
        "    journeylog conform journeys.parquet --model samples/telecom/designed_journey.bpmn\n\n"
        "    journeylog conform log.xes.gz --model model.pnml --json report.json --journeys-out fitness.csv\n\n"
        "    journeylog conform journeys.parquet -m design.ptree --rules rules.yaml --allow allow.yaml --method tbr"
    )
)
@with_read_options
def conform(
    log: LogArg,
    model: ModelOpt,
    rules: RulesOpt = None,
    allow: AllowOpt = None,
    method: Annotated[str, typer.Option("--method", help="alignments (exact, default) or tbr (token-based replay).")] = "alignments",
    no_precision: Annotated[bool, typer.Option("--no-precision", help="Skip alignment precision.")] = False,
    journeys_out: Annotated[Optional[str], typer.Option("--journeys-out", help="Per-journey fitness and deviations (.parquet or .csv).")] = None,
    show: Annotated[int, typer.Option("--show", help="Rows per table in the terminal report.")] = 10,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """Actual journeys against the designed one: fitness, precision, and deviations in plain language."""
    from journeylog import conform as C
    from journeylog.ingest import read_events
    from journeylog.models import load_model
    from journeylog.render import terminal

    designed = load_model(model)
    options = conformance_options(rules, allow, method, not no_precision)
    with terminal.console().status("aligning journeys with the designed model", spinner="dots"):
        result = C.conform(read_events(log, read), designed, options)
    data = C.to_json(result)
    if journeys_out is not None:
        from journeylog.render.tables import write_table

        write_table(result.journey_table, journeys_out)
    terminal.print_conformance(data, show=show)
    _emit_json(data, json_out)


# ------------------------------------------------------------------------------------------
# check
# ------------------------------------------------------------------------------------------

_THRESHOLDS = "Thresholds (override journeylog.yaml)"
_BASELINE = "Baseline"
OptModelOpt = Annotated[Optional[str], typer.Option("--model", "-m", help="The designed journey (.bpmn, .pnml, .ptree); default: model: in journeylog.yaml.", show_default=False)]
ConfigOpt = Annotated[Optional[str], typer.Option("--config", help="Configuration file (default: journeylog.yaml next to the log, else in the current folder).", metavar="FILE")]
NoConfigOpt = Annotated[bool, typer.Option("--no-config", help="Do not look for a journeylog.yaml.")]


def _share_opt(name: str, text: str, panel: str = _THRESHOLDS) -> Any:
    return typer.Option(name, help=text, rich_help_panel=panel, show_default=False)


def _load_check_config(log: str, config: Optional[str], no_config: bool):
    from journeylog import check as K
    from journeylog.render.terminal import console, text

    if no_config:
        if config is not None:
            raise typer.BadParameter("--config and --no-config exclude each other", param_hint="--config")
        return K.CheckConfig()
    path = K.find_config(log, config)
    if path is None:
        return K.CheckConfig()
    console().print(text(f"configuration: {path}", style="dim"), soft_wrap=True)
    return K.load_config(path)


@app.command(
    epilog=(
        "**Examples**\n\n"
        "    journeylog check journeys.parquet -m design.bpmn --min-fitness 0.85 --max-share 'skipped:Identity check=0.05' --junit checks.xml\n\n"
        "    journeylog check journeys.parquet -m design.bpmn --write-baseline journeylog-baseline.json\n\n"
        "    journeylog check yesterday.parquet --baseline journeylog-baseline.json --max-fitness-drop 0.02 --fail-on-new-deviations\n\n"
        "    journeylog check yesterday.parquet   # thresholds, model and baseline from journeylog.yaml\n\n"
        "**Exit codes**: 0 every error-level check passed (warnings allowed), 1 a check failed, "
        "2 usage, 3 invalid input (log, model, journeylog.yaml, baseline), 4 resource limit, 5 unsafe input, 70 bug."
    )
)
@with_read_options
def check(
    log: LogArg,
    model: OptModelOpt = None,
    rules: RulesOpt = None,
    allow: AllowOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    min_fitness: Annotated[Optional[float], _share_opt("--min-fitness", "Fail when alignment fitness is below this (0..1).")] = None,
    min_fitting_share: Annotated[Optional[float], _share_opt("--min-fitting-share", "Fail when fewer journeys fit (accepted deviations ignored), e.g. 0.45.")] = None,
    min_precision: Annotated[Optional[float], _share_opt("--min-precision", "Fail when alignment precision is below this.")] = None,
    max_share: Annotated[Optional[list[str]], _share_opt("--max-share", "NAME=SHARE: fail when a deviation id (kind:activity) or pattern name affects more journeys (repeatable; 0.05 or 5%).")] = None,
    baseline: Annotated[Optional[str], _share_opt("--baseline", "Compare with this baseline (written by --write-baseline).", _BASELINE)] = None,
    max_fitness_drop: Annotated[Optional[float], _share_opt("--max-fitness-drop", "Fail when fitness fell by more than this since the baseline.", _BASELINE)] = None,
    max_fitting_share_drop: Annotated[Optional[float], _share_opt("--max-fitting-share-drop", "Fail when the fitting share fell by more than this since the baseline.", _BASELINE)] = None,
    max_share_increase: Annotated[Optional[float], _share_opt("--max-share-increase", "Fail when any deviation or pattern share rose by more than this (absolute, 0.02 = 2 points).", _BASELINE)] = None,
    max_share_ratio: Annotated[Optional[float], _share_opt("--max-share-ratio", "Fail when any deviation or pattern share grew more than this factor (2 = doubled).", _BASELINE)] = None,
    fail_on_new_deviations: Annotated[Optional[bool], typer.Option("--fail-on-new-deviations/--no-fail-on-new-deviations", help="Fail when a deviation or pattern appears that the baseline did not have.", rich_help_panel=_BASELINE, show_default=False)] = None,
    new_deviation_min_share: Annotated[Optional[float], _share_opt("--new-deviation-min-share", "Ignore new deviations affecting fewer journeys than this share.", _BASELINE)] = None,
    significance: Annotated[Optional[float], _share_opt("--significance", "Baseline share checks fail only when the change is unlikely to be chance (two-proportion test p below this; default 0.01, 0 = plain thresholds).", _BASELINE)] = None,
    warn: Annotated[Optional[list[str]], _share_opt("--warn", "Report this check as a warning, not a failure (repeatable): min_fitness, max_share, max_share_increase, ...")] = None,
    write_baseline: Annotated[Optional[str], typer.Option("--write-baseline", help="Write this run's baseline (deterministic JSON, meant to be committed).", metavar="FILE", rich_help_panel=_BASELINE)] = None,
    junit: Annotated[Optional[str], typer.Option("--junit", help="Write JUnit XML: one test case per check.", metavar="FILE")] = None,
    no_precision: Annotated[bool, typer.Option("--no-precision", help="Skip alignment precision (faster on many variants).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every passing per-deviation baseline check too.")] = False,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """Guard a journey in CI: thresholds and a baseline; exit 1 when an error-level check fails."""
    from journeylog import check as K
    from journeylog.errors import JourneylogError
    from journeylog.render import terminal

    try:
        cfg = K.with_overrides(
            _load_check_config(log, config, no_config),
            thresholds={"min_fitness": min_fitness, "min_fitting_share": min_fitting_share, "min_precision": min_precision,
                        "max_fitness_drop": max_fitness_drop, "max_fitting_share_drop": max_fitting_share_drop,
                        "max_share_increase": max_share_increase, "max_share_ratio": max_share_ratio,
                        "fail_on_new_deviations": fail_on_new_deviations},
            max_share=K.parse_max_share(max_share or []), warn=warn or [], new_deviation_min_share=new_deviation_min_share,
            significance=significance,
            model=model, rules=rules, allow=allow, baseline=baseline,
        )
        run = K.check_log(log, cfg, read, write_baseline_to=write_baseline, precision=not no_precision,
                          baseline_from_file=baseline is None,
                          on_conform=lambda: terminal.console().status("aligning journeys with the designed model", spinner="dots"))
    except JourneylogError as exc:
        if junit is not None:  # CI still gets a report saying why nothing was checked
            from journeylog.render.junit import write_junit

            write_junit(junit, [], error=exc.one_line())
        raise
    from journeylog.render.outputs import emit_check

    emit_check(run, log=log, junit=junit, json_out=json_out, verbose=verbose)
    if run.exit_code:
        raise typer.Exit(run.exit_code)


# ------------------------------------------------------------------------------------------
# drift
# ------------------------------------------------------------------------------------------


@app.command(
    epilog=(
        "**Examples**\n\n"
        "    journeylog drift journeys.parquet -m design.bpmn --window 1w --chart drift.svg\n\n"
        "    journeylog drift journeys.parquet -m design.bpmn --window 1mo --json drift.json\n\n"
        "    journeylog drift journeys.parquet -m design.bpmn --window 500 --alpha 0.001 --fail-on-drift"
    )
)
@with_read_options
def drift(
    log: LogArg,
    model: OptModelOpt = None,
    rules: RulesOpt = None,
    allow: AllowOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    window: Annotated[Optional[str], typer.Option("--window", help="Calendar windows (1d, 1w = ISO weeks, 2w, 1mo, 1q; UTC) or a number of journeys per window. Default 1w.")] = None,
    alpha: Annotated[Optional[float], typer.Option("--alpha", help="Significance level after multiple-testing correction. Default 0.01.")] = None,
    min_effect: Annotated[Optional[float], typer.Option("--min-effect", help="Smallest absolute change in a share (or fitness) to report. Default 0.02.")] = None,
    min_journeys: Annotated[Optional[int], typer.Option("--min-journeys", help="Windows with fewer journeys are shown but not tested. Default 30.")] = None,
    correction: Annotated[str, typer.Option("--correction", help="holm (family-wise error) or bh (Benjamini-Hochberg false-discovery rate).")] = "holm",
    chart: Annotated[Optional[str], typer.Option("--chart", help="Write a chart of the shares over time (.png or .svg).", metavar="FILE")] = None,
    fail_on_drift: Annotated[bool, typer.Option("--fail-on-drift", help="Exit 1 when a significant change is found (for CI).")] = False,
    show: Annotated[int, typer.Option("--show", help="Changes listed in the terminal report.")] = 20,
    json_out: JsonOpt = None,
    read: Any = None,
) -> None:
    """Drift over time: fitness, fitting share and every deviation per window, with tested changes."""
    from journeylog import drift as D
    from journeylog import check as K
    from journeylog.ingest import read_events
    from journeylog.models import load_model
    from journeylog.render import terminal

    cfg = K.with_overrides(_load_check_config(log, config, no_config), model=model, rules=rules, allow=allow)
    if not cfg.model:
        raise typer.BadParameter("give the designed model (--model FILE, or model: in journeylog.yaml)", param_hint="--model")
    given = {"window": window, "alpha": alpha, "min_effect": min_effect, "min_journeys": min_journeys}
    options = D.DriftOptions(**{**dict(cfg.drift), **{k: v for k, v in given.items() if v is not None}}, correction=correction)
    options.check()
    designed = load_model(cfg.model)
    copts = K.conform_options_for(cfg, precision=False)
    with terminal.console().status("aligning journeys with the designed model", spinner="dots"):
        result = D.drift(read_events(log, read), designed, copts, options)
    data = D.to_json(result)
    if chart is not None:
        from journeylog.render.chart import write_chart

        write_chart(data, chart)
    terminal.print_drift_report(data, show=show)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        stream = sys.stderr if json_out == "-" else sys.stdout
        from journeylog.render.github import drift_annotations

        stream.writelines(line + "\n" for line in drift_annotations(data, level="error" if fail_on_drift else "warning"))
        stream.flush()
    _emit_json(data, json_out)
    if fail_on_drift and data["changes"]:
        raise typer.Exit(1)


# ------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------


def _print_error(message: str) -> None:
    sys.stderr.write(f"journeylog: error: {message}\n")
    sys.stderr.flush()


def _show_usage_error(exc: Exception) -> None:
    show = getattr(exc, "show", None)
    if callable(show):
        show(file=sys.stderr)
    else:
        _print_error(getattr(exc, "format_message", lambda: str(exc))())


def main(argv: list[str] | None = None) -> None:
    """Run the CLI with journeylog's exit-code contract."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("JOURNEYLOG_DEBUG") == "1"
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=args, prog_name="journeylog", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except JourneylogError as exc:
        if debug:
            raise
        _print_error(exc.one_line())
        if exc.more:
            sys.stderr.write(f"journeylog: {exc.more}\n")
        code = exc.code
    except typer.Abort:
        _print_error("aborted")
        code = 130
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.TyperException as exc:  # usage errors: exit 2
        if debug:
            raise
        _show_usage_error(exc)
        code = exc.exit_code if exc.exit_code not in (None, 0, 1) else USAGE
    except KeyboardInterrupt:
        _print_error("interrupted")
        code = 130
    except BrokenPipeError:
        code = 0
    except MemoryError:
        _print_error("out of memory (resource limit)")
        code = 4
    except Exception as exc:  # a bug: exit 70
        if debug:
            raise
        _print_error(f"internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
                     f"(this is a bug; rerun with --debug for a traceback)")
        code = INTERNAL_ERROR
    sys.exit(code)


if __name__ == "__main__":
    main()
