"""Options shared by several commands: reading a log, the model and rules files, journeylog.yaml,
JSON output, and progress on stderr."""

# No ``from __future__ import annotations`` here: Typer reads the annotations at runtime.

import functools
import inspect
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from journeylog.config.checks import THRESHOLDS_PANEL

if TYPE_CHECKING:  # the command modules import the library lazily, to start fast
    from journeylog.config.project import CheckConfig
    from journeylog.conform import ConformOptions

# ------------------------------------------------------------------------------------------
# Options shared by every command that reads a log
# ------------------------------------------------------------------------------------------

_PANEL = "Reading the log"


def _opt(*names: str, help: str, **kw: Any) -> Any:
    return typer.Option(*names, help=help, rich_help_panel=_PANEL, **kw)


_READ_PARAMS: list[tuple[str, Any, Any]] = [
    ("case", str | None, _opt(
        "--case", help="Journey/case id column (default: journey_id, case:concept:name, case_id, ...).")),
    ("customer", str | None, _opt("--customer", help="Customer id column (default: customer_id, customer, ...).")),
    ("activity", str | None, _opt(
        "--activity", help="Activity column (default: activity, concept:name, event, action).")),
    ("timestamp", str | None, _opt(
        "--timestamp", help="Timestamp column (default: timestamp, time:timestamp, ts, time).")),
    ("channel", str | None, _opt(
        "--channel", help="Channel column, or a fixed channel for every event (web, phone, ...).")),
    ("outcome", str | None, _opt(
        "--outcome", help="Outcome column (success/failure spellings; default: outcome, status, result).")),
    ("satisfaction", str | None, _opt(
        "--satisfaction", help="Satisfaction score column (default: satisfaction, csat, rating).")),
    ("timestamp_format", str | None, _opt(
        "--timestamp-format", help="strftime format ('%d/%m/%Y %H:%M'), iso, epoch_s or epoch_ms.")),
    ("timezone", str | None, _opt("--timezone", help="IANA time zone of naive local times (default UTC).")),
    ("delimiter", str | None, _opt("--delimiter", help="CSV delimiter (default ','; use '\\t' for TAB).")),
    ("encoding", str, _opt("--encoding", help="CSV encoding, e.g. latin-1.")),
    ("input_format", str | None, _opt("--format", help="csv, parquet, jsonl or xes (default: from the suffix).")),
    ("gap", str, _opt(
        "--gap",
        help="Cut a customer's timeline into journeys at gaps longer than this (when there is no journey column).")),
    ("skip_invalid_rows", bool, _opt(
        "--skip-invalid-rows", help="Skip rows that cannot be read (counted; see --rejects) instead of failing.")),
    ("allow_outside_paths", bool, _opt(
        "--allow-outside-paths", help="Let a source map name files outside its own folder (trusted maps only).")),
    ("engine", str, _opt(
        "--engine", help="Event-level engine: polars (this machine) or spark (Apache Spark: ingest writes a "
        "store folder, the analysis commands read a store or a catalogue table; needs "
        "journeylog[spark] and Java 17, see docs/spark.md).")),
    ("spark_master", str | None, _opt(
        "--spark-master", help="Master of the local Spark session with --engine spark (default local[2]; "
        "ignored under spark-submit or Databricks).")),
]
_READ_DEFAULTS = {"engine": "polars", "encoding": "utf-8", "gap": "30d", "skip_invalid_rows": False, "allow_outside_paths": False,
                  "keep_duplicates": False,
                  "drop_duplicates": False}
_KEEP_DUPS = ("keep_duplicates", bool, _opt(
    "--keep-duplicates", help="Keep exact duplicate events (default: count and drop them)."))
_DROP_DUPS = ("drop_duplicates", bool, _opt(
    "--drop-duplicates", help="Drop exact duplicate events (default: keep them, as pm4py does, and count them)."))


_REJECTS = ("rejects", str | None, _opt(
    "--rejects", help="With --skip-invalid-rows: write skipped rows (file, row, column, reason) to this CSV."))


class _ReadReport:
    """What an analysis command's read skipped or kept, said on stderr (rows skipped with
    ``--skip-invalid-rows``, exact duplicates kept or dropped); the skipped rows go to ``--rejects``,
    written only when the command succeeds."""

    def __init__(self, rejects: str | None, skipping: bool) -> None:
        self.path = rejects
        self.skipping = skipping
        self.rows: Any = None

    def check(self, log: Any) -> None:
        if self.path is None:
            return
        if not self.skipping:
            from journeylog.errors import UsageError, param

            raise UsageError(f"{param('rejects')} lists the rows {param('skip_invalid_rows')} skips: give both")
        refuse_clobbering({"log": log}, {"--rejects": self.path})

    def __call__(self, result: Any) -> None:
        import sys

        from journeylog.text import fmt_int, visible

        self.rows = result.rejects
        notes = []
        if result.rejects.height:
            where = f", written to {self.path}" if self.path else "; --rejects FILE lists them"
            notes.append(f"skipped {fmt_int(result.rejects.height)} invalid row"
                         f"{'s' if result.rejects.height != 1 else ''} (--skip-invalid-rows){where}")
        if result.duplicates:
            what = ("dropped (--drop-duplicates)" if result.duplicates_dropped
                    else "kept, as pm4py keeps them (--drop-duplicates drops them)")
            notes.append(f"{fmt_int(result.duplicates)} exact duplicate event"
                         f"{'s' if result.duplicates != 1 else ''} {what}")
        for note in notes:
            sys.stderr.write(f"note: {visible(note)}\n")

    def write(self) -> None:
        if self.path is None:
            return
        from journeylog.render.tables import write_csv

        if self.rows is None:
            from journeylog.ingest.normalise import empty_rejects

            self.rows = empty_rejects()
        write_csv(self.rows, self.path)


def with_read_options(func: Callable[..., Any] | None = None, *, drop_duplicates: bool = False) -> Any:
    """Add the shared log-reading options to a command; it receives them as ``read: ReadOptions``.

    ``drop_duplicates`` is the command's default for exact duplicate events (ingest drops them;
    analysis commands keep them so figures equal pm4py's on the same file)."""
    if func is None:
        return functools.partial(with_read_options, drop_duplicates=drop_duplicates)
    dup_param = _KEEP_DUPS if drop_duplicates else _DROP_DUPS
    sig = inspect.signature(func)
    params = [p for p in sig.parameters.values() if p.name != "read"]
    own_rejects = "rejects" in sig.parameters  # ingest writes its rejects itself
    extra = [] if own_rejects else [_REJECTS]
    for name, annotation, option in [*_READ_PARAMS, dup_param, *extra]:
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                        default=_READ_DEFAULTS.get(name), annotation=Annotated[annotation, option]))

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        from journeylog.ingest import ReadOptions, parse_gap

        values = {name: kwargs.pop(name) for name, _a, _o in _READ_PARAMS}
        flag = bool(kwargs.pop(dup_param[0]))
        values["drop_duplicates"] = not flag if drop_duplicates else flag
        if values["engine"] not in ("polars", "spark"):
            raise typer.BadParameter(f"{values['engine']!r} is not polars or spark", param_hint="--engine")
        fmt = values.pop("input_format")
        gap: timedelta = parse_gap(values.pop("gap"))
        if own_rejects:
            kwargs["read"] = ReadOptions(format=fmt, gap=gap, **values)
            return func(**kwargs)
        report = _ReadReport(kwargs.pop("rejects"), bool(values["skip_invalid_rows"]))
        report.check(kwargs.get("log"))
        kwargs["read"] = ReadOptions(format=fmt, gap=gap, on_read=report, **values)
        try:
            result = func(**kwargs)
        except typer.Exit as done:  # check's exit 1 (a check failed) is a finished run too
            if done.exit_code in (0, 1):
                report.write()
            raise
        report.write()
        return result

    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return wrapper


# ------------------------------------------------------------------------------------------
# Selecting journeys: --segment, --from/--to, --journeys-where (docs/segments.md)
# ------------------------------------------------------------------------------------------

SELECT_PANEL = "Selecting journeys"


def _sel(*names: str, help: str, **kw: Any) -> Any:
    return typer.Option(*names, help=help, rich_help_panel=SELECT_PANEL, show_default=False, **kw)


_SELECT_PARAMS: list[tuple[str, Any, Any]] = [
    ("segment", list[str] | None, _sel(
        "--segment", metavar="COLUMN=VALUE",
        help="Keep whole journeys whose COLUMN (a journey or customer attribute: its first non-empty value in the "
             "journey) equals VALUE (repeatable: values of one column are alternatives, columns must all match).")),
    ("date_from", str | None, _sel(
        "--from", metavar="DATE", help="Keep journeys starting on or after this date (ISO: 2026-05-01).")),
    ("date_to", str | None, _sel("--to", metavar="DATE", help="Keep journeys starting before this date (ISO).")),
    ("journeys_where", list[str] | None, _sel(
        "--journeys-where", metavar="CONDITION",
        help="Keep journeys satisfying a condition (repeatable, all must hold): \"has activity='Upload documents' "
             "outcome=failure\", \"not has channel=store\", \"pattern=web-failure-then-phone\" (docs/segments.md).")),
]


def _when(value: str | None, flag: str) -> Any:
    """The ``--from``/``--to`` date, or a usage error naming the option."""
    from datetime import datetime

    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date such as 2026-05-01 or 2026-05-01T08:00",
                                 param_hint=flag) from None


def say_selected(info: Any) -> None:
    """Say on stderr what a journey selection kept (and which segment columns vary within journeys)."""
    from journeylog.explain.wording import selection_statement, varying_column_note
    from journeylog.render.terminal import console, text

    con = console()
    for column, n in info.varying:
        con.print(text(varying_column_note(column, n), style="dim"), soft_wrap=True)
    con.print(text(selection_statement(info.selection.parts(), info.kept, info.journeys)), soft_wrap=True)


def journey_selection(segment: list[str] | None = None, date_from: str | None = None, date_to: str | None = None,
                      journeys_where: list[str] | None = None, rules: str | None = None) -> Any:
    """The :class:`journeylog.journeys.JourneySelection` of the command-line options (None when
    none is given); ``pattern=ID`` conditions name a built-in pattern or one of ``rules``."""
    from journeylog.journeys import JourneySelection

    if not (segment or date_from or date_to or journeys_where):
        return None
    selection = JourneySelection.from_text(segment or [], journeys_where or [], _when(date_from, "--from"),
                                           _when(date_to, "--to"), on_selected=say_selected)
    if any(c.pattern is not None for c in selection.journeys_where):
        from journeylog.explain.patterns import Rules, load_rules

        selection = selection.resolve((load_rules(rules) if rules else Rules()).patterns)
    return selection


def with_journey_selection(func: Callable[..., Any]) -> Any:
    """Add ``--segment``, ``--from``/``--to`` and ``--journeys-where`` to a command that reads its
    log with :func:`with_read_options`; put it under that decorator::

        @app.command(epilog=EPILOG)
        @with_read_options
        @with_journey_selection
        def contacts(log: LogArg, ..., read: Any = None) -> None: ...

    The selection travels in ``read.selection`` (``read_events``/``open_events`` apply it: whole
    journeys, before any event filter, said on stderr); a command with a ``selection`` parameter
    also receives it. ``pattern=ID`` conditions may name the patterns of the command's ``--rules``."""
    sig = inspect.signature(func)
    if "read" not in sig.parameters:
        raise TypeError(f"{func.__name__}: put @with_journey_selection under @with_read_options")
    params = [p for p in sig.parameters.values() if p.name != "selection"]
    for name, annotation, option in _SELECT_PARAMS:
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                        annotation=Annotated[annotation, option]))

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name, _a, _o in _SELECT_PARAMS}
        selection = journey_selection(**values, rules=kwargs.get("rules"))
        if selection is not None:
            kwargs["read"] = replace(kwargs["read"], selection=selection)
        if "selection" in sig.parameters:
            kwargs["selection"] = selection
        return func(**kwargs)

    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return wrapper


LogArg = Annotated[str, typer.Argument(
    help="A log file (.csv, .parquet, .jsonl, .xes, .xes.gz) or a journeylog store (with --engine spark also a "
    "table of the Spark catalogue).", show_default=False)]
JsonOpt = Annotated[str | None, typer.Option(
    "--json", help="Write the result as JSON to FILE, or '-' for stdout.", metavar="FILE|-")]


def emit_json(data: Any, target: str | None) -> None:
    """Write ``data`` as JSON to ``target`` (a file, or ``-`` for stdout); nothing when None."""
    if target is None:
        return
    from journeylog.io.files import write_text_atomic
    from journeylog.render.json import dumps

    write_text_atomic(target, dumps(data))


def status_progress(status: Any) -> Callable[[str, int, int], None]:
    """Progress of a long read shown on a spinner's line: ``reading NAME: 42%``."""

    def on_progress(name: str, done: int, total: int) -> None:
        status.update(f"reading {name}: {100 * done // max(total, 1)}%")

    return on_progress


def source_progress() -> Callable[[str, int, int], None]:
    """A progress bar over sources on stderr (transient; silent when stderr is not a terminal)."""
    from journeylog.render.terminal import console

    state: dict[str, Any] = {}

    def on_source(name: str, done: int, total: int) -> None:
        con = console()
        if not con.is_terminal:
            return
        if "p" not in state:
            from rich.progress import Progress  # on a terminal only

            state["p"] = Progress(console=con, transient=True)
            state["p"].start()
            state["t"] = state["p"].add_task("reading", total=total)
        state["p"].update(state["t"], completed=done, description=f"reading {name}" if name else "stitching")
        if done >= total:
            state["p"].stop()

    return on_source


# ------------------------------------------------------------------------------------------
# The designed model, rules, allow-list and journeylog.yaml
# ------------------------------------------------------------------------------------------

ModelOpt = Annotated[str, typer.Option(
    "--model", "-m", help="The designed journey: BPMN 2.0 (.bpmn), PNML (.pnml) or a process tree (.ptree/.txt).",
    show_default=False)]
RulesOpt = Annotated[str | None, typer.Option(
    "--rules", help="Cross-channel patterns and channel words (YAML, see docs/rules.md).")]
AllowOpt = Annotated[str | None, typer.Option(
    "--allow", help="Accepted deviations and patterns (YAML): reported apart, left out of checks.")]
OptModelOpt = Annotated[str | None, typer.Option(
    "--model", "-m", help="The designed journey (.bpmn, .pnml, .ptree); default: model: in journeylog.yaml.",
    show_default=False)]
ConfigOpt = Annotated[str | None, typer.Option(
    "--config", help="Configuration file (default: journeylog.yaml next to the log, else in the current folder).",
    metavar="FILE")]
NoConfigOpt = Annotated[bool, typer.Option("--no-config", help="Do not look for a journeylog.yaml.")]
SettleOpt = Annotated[str | None, typer.Option(
    "--settle", help="Journeys whose last event is this close to the log's end are in progress, not drop-outs "
    "(default 7d; 0 = off).", metavar="DURATION", show_default=False)]


CacheOpt = Annotated[str | None, typer.Option(
    "--cache", help="Keep alignments in this file between runs: only variants not in it are aligned "
    "(made when missing, renewed when the model changes).", metavar="FILE")]


def conformance_options(rules: str | None, allow: str | None, method: str = "alignments",
                        precision: bool = True, settle: str | None = None,
                        on_progress: Any = None, cache: str | None = None) -> "ConformOptions":
    """ConformOptions from the command-line files (rules, allow-list) and the settle window;
    ``on_progress`` draws the bar."""
    from journeylog.config.settle import settle_parameter
    from journeylog.conform import Allow, ConformOptions, load_allow
    from journeylog.explain.patterns import load_rules

    options = ConformOptions(method=method, precision=precision, rules=load_rules(rules) if rules else None,
                             allow=load_allow(allow) if allow else Allow(), on_progress=on_progress, cache=cache)
    window = settle_parameter(settle)
    return options if window is None else replace(options, settle=window)


def progress_bar(precision: bool = True) -> Any:
    """The progress bar of the commands that align (a :class:`journeylog.render.terminal.ProgressBar`),
    with what makes each step faster."""
    from journeylog.render.terminal import ProgressBar

    hints = {"precision": "--no-precision skips this step"}
    if precision:
        hints["aligning"] = "precision follows; --no-precision skips it"
    return ProgressBar("reading the log and its variants", hints)


def share_opt(name: str, text: str, panel: str = THRESHOLDS_PANEL) -> Any:
    """An option whose default is not shown (a threshold, a file), in ``panel``."""
    return typer.Option(name, help=text, rich_help_panel=panel, show_default=False)


def load_check_config(log: str, config: str | None, no_config: bool) -> "CheckConfig":
    """The CheckConfig of journeylog.yaml (``--config``, else found next to the log), or an empty one."""
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
    cfg = K.load_config(path)
    _apply_input_cap(cfg)
    return cfg


def _apply_input_cap(cfg: "CheckConfig") -> None:
    """journeylog.yaml's ``max_input_bytes:``, ``max_name_chars:``, ``max_cell_bytes:`` and ``max_model_tasks:`` for
    this run, unless the option (``--max-input-bytes``, ...) or the variable
    (``JOURNEYLOG_MAX_INPUT_BYTES``, ...) set that cap already (they win)."""
    import os

    from journeylog import settings

    run = settings.current()
    for name, default in (("max_input_bytes", settings.MAX_INPUT_BYTES), ("max_name_chars", settings.MAX_NAME_CHARS),
                          ("max_cell_bytes", settings.MAX_CELL_BYTES), ("max_model_tasks", settings.MAX_MODEL_TASKS)):
        cap = getattr(cfg, name)
        if cap is None or f"JOURNEYLOG_{name.upper()}" in os.environ or getattr(run, name) != default:
            continue
        run = run.with_(**{name: cap})
    settings.use(run)


def refuse_clobbering(inputs: dict[str, str | None], outputs: dict[str, str | list[str] | None]) -> None:
    """Before anything is read or written: an output that is one of the run's inputs, or that two
    outputs share, or that cannot be written (:func:`journeylog.io.files.check_output_path`), is a
    usage error.

    ``inputs`` and ``outputs`` map a flag to its path (``-``, stdout, is never a file)."""
    import os
    from pathlib import Path

    from journeylog.errors import UsageError
    from journeylog.io.files import check_output_path
    from journeylog.io.store import is_store_dir

    def same(a: str, b: str) -> bool:
        try:
            return os.path.samefile(a, b)
        except OSError:
            return Path(a).resolve() == Path(b).resolve()

    given_in = [(flag, p) for flag, p in inputs.items() if p]
    seen: list[tuple[str, str]] = []
    for flag, value in outputs.items():
        for path in ([value] if isinstance(value, str) else value or []):
            if path == "-":
                continue
            for in_flag, in_path in given_in:
                if same(path, in_path):
                    raise UsageError(f"{flag} would overwrite the {in_flag} it reads", path=path,
                                     hint="write it to another file")
            for out_flag, out_path in seen:
                if same(path, out_path):
                    raise UsageError(f"{flag} and {out_flag} both write this file", path=path,
                                     hint="give each output its own file")
            if not is_store_dir(path):  # a store folder (ingest --engine spark) is replaced as a whole
                check_output_path(path)  # a folder that exists; not a directory, FIFO or device
            seen.append((flag, path))

