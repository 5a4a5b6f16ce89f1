"""The journeylog application: the Typer app, the root options and the exit-code contract.

Each command lives in its own module (``journeylog.cli.<command>``): parse the options, make one
library call, render. :func:`main` turns every outcome into one of the codes of
:class:`journeylog.errors.ExitCode`: errors are one line on stderr, ``--debug`` shows tracebacks.
"""


import functools
import os
import sys
import warnings
from typing import Annotated, Any

import typer

from journeylog.errors import ExitCode, JourneylogError
from journeylog.settings import ENVIRONMENT, Settings, apply_polars_threads, use
from journeylog.text import visible

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
        from journeylog import __version__

        typer.echo(f"journeylog {__version__}")
        raise typer.Exit(0)


@app.callback(epilog="**Exit codes**\n\n" + "\n".join(f"* {int(c)}: {c.description}" for c in ExitCode))
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    threads: Annotated[int | None, typer.Option(
        "--threads", min=1, help="Threads for Polars and worker processes for alignments (default: all cores).")] = None,
    max_input_bytes: Annotated[int | None, typer.Option(
        "--max-input-bytes", min=1,
        help="Refuse (exit 4) an input file larger than this many bytes once decompressed "
             "(default 8 GiB, or JOURNEYLOG_MAX_INPUT_BYTES).")] = None,
    max_events: Annotated[int | None, typer.Option(
        "--max-events", min=1,
        help="Refuse (exit 4) a log of more events than this; a Parquet file is checked from its footer "
             "before loading (default: no cap).")] = None,
    max_name_chars: Annotated[int | None, typer.Option(
        "--max-name-chars", min=1,
        help="Refuse (exit 4) a log whose activity name or journey/customer id is longer than this many "
             "characters (default 500, or JOURNEYLOG_MAX_NAME_CHARS).")] = None,
    max_cell_bytes: Annotated[int | None, typer.Option(
        "--max-cell-bytes", min=1,
        help="Refuse (exit 4) a tabular input with a cell (any column) longer than this many bytes "
             "(default 1 MiB, or JOURNEYLOG_MAX_CELL_BYTES).")] = None,
    max_model_tasks: Annotated[int | None, typer.Option(
        "--max-model-tasks", min=1,
        help="Refuse (exit 4) a designed model of more tasks than this (or more than 4 times as many "
             "transitions, silent steps included): the alignment budget (default 500, or "
             "JOURNEYLOG_MAX_MODEL_TASKS).")] = None,
    raw_csv: Annotated[bool, typer.Option(
        "--raw-csv", help="Write CSV cells that start with = + - @ TAB or CR as they are (default: prefixed with ', "
                          "so a spreadsheet does not run them as formulas).")] = False,
    aligner: Annotated[str | None, typer.Option(
        "--aligner", metavar="journeylog|pm4py",
        help="The exact alignment search: journeylog's (default) or pm4py's A*. Same costs and figures; among "
             "equally cheap alignments they may pick other moves (default: JOURNEYLOG_ALIGNER, else journeylog).")] = None,
) -> None:
    """journeylog: actual customer journeys against the designed one."""
    _STATE["debug"] = debug
    settings = Settings.from_environ(threads=threads, max_input_bytes=max_input_bytes, max_events=max_events,
                                     max_name_chars=max_name_chars, max_cell_bytes=max_cell_bytes,
                                     max_model_tasks=max_model_tasks,
                                     raw_csv=raw_csv or None, aligner=aligner)
    use(settings)
    apply_polars_threads(settings)  # Polars reads it at import; commands import Polars lazily


# ------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------


#: library parameter names the command line spells apart from its own parameter names
LIBRARY_FLAGS: dict[str, str] = {
    "format": "--format",  # ReadOptions.format is the CLI's input_format
    "channels": "--channel",  # DiscoverOptions.channels comes from --channel
    "write_baseline_to": "--write-baseline",  # check_log(write_baseline_to=) is check --write-baseline
    "impact_metric": "--metric",  # ConformOptions.impact_metric comes from conform --metric
}


@functools.cache
def cli_flags() -> dict[str, str]:
    """Library parameter name -> how the command line spells it, for
    :meth:`journeylog.errors.JourneylogError.one_line`: each option of every command -> its first
    long flag (``json_out`` -> ``--json``, ``date_from`` -> ``--from``), the library names in
    :data:`LIBRARY_FLAGS`, and environment-only settings -> their variable
    (``memory_events`` -> ``JOURNEYLOG_MEMORY_EVENTS``). Built once, from the command tree."""
    flags = {setting: var for var, setting in ENVIRONMENT.items()}
    root = typer.main.get_command(app)
    commands = [root, *getattr(root, "commands", {}).values()]
    for cmd in commands:
        for p in cmd.params:
            longs = [o for o in p.opts if o.startswith("--")]  # arguments have none
            if p.name and longs:
                flags.setdefault(p.name, longs[0])
    flags.update(LIBRARY_FLAGS)
    flags.update({p.name: f"--{p.name.replace('_', '-')}" for p in root.params  # the option before the variable
                  if p.name in ("max_input_bytes", "max_events", "max_name_chars", "max_cell_bytes",
                                "max_model_tasks")})
    return flags


def _print_error(message: str) -> None:
    """The one error line; control and bidi characters from data (file names, values) made visible."""
    sys.stderr.write(f"journeylog: error: {visible(message)}\n")
    sys.stderr.flush()


def _show_usage_error(exc: Exception) -> None:
    """A usage error of the option parser in journeylog's one-line form, with the help to read."""
    message = " ".join(str(getattr(exc, "format_message", lambda: str(exc))()).split())
    ctx = getattr(exc, "ctx", None)
    command = getattr(ctx, "command_path", None) or "journeylog"
    _print_error(f"{message} (hint: see '{command} --help')")


#: what a repeatable option's value looks like in the help (others: VALUE)
LIST_METAVARS: dict[str, str] = {"max_share": "NAME=SHARE", "warn": "CHECK"}


def readable_help(command: Any) -> Any:
    """Options in ``--help`` read as flags: a boolean flag shows no value (not ``<bool>``), a
    repeatable option shows what one value looks like (``NAME=SHARE``, not ``<list[str]>``).
    Changes ``command`` (a click command tree from ``typer.main.get_command``) and returns it."""
    for cmd in [command, *getattr(command, "commands", {}).values()]:
        for p in cmd.params:
            if getattr(p, "param_type_name", "") == "argument" and getattr(p, "nargs", 1) != 1 and p.metavar:
                p.display_type_rich = lambda ctx: None  # a variadic argument shows its metavar, not <list[str]>
            if getattr(p, "metavar", None) is not None:
                continue
            if getattr(p, "is_flag", False):
                p.metavar = ""
            elif getattr(p, "multiple", False):
                p.metavar = LIST_METAVARS.get(p.name or "", "VALUE")
        cmd.get_help_option = functools.partial(_flag_help_option, cmd.get_help_option)
    return command


class _DeferredCoercion:
    """Typer's coercion of one parameter's value, built when a value needs it.

    Typer (0.2x) builds a pydantic adapter for every parameter of the command run, given or not
    (importing pydantic and building about thirty adapters: a fifth of a second of ``ingest``'s
    start-up), although a missing value is never coerced by it and a ``str`` parameter returns a
    text value as it is. Those two cases are answered here; any other value goes to Typer's own
    coercion, built on first use."""

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        info = descriptor.parameter_info
        self.plain_text = (descriptor.annotation is str and info.parser is None and descriptor.file_annotation is None
                           and not descriptor.is_path and not descriptor.is_choice)
        self.built: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        from typer._coercion import PassThroughRuntimeParam, build_runtime_param  # checked by deferred_coercion

        if value is None:  # Typer's rule for a missing value (None, or () for a repeatable one)
            return PassThroughRuntimeParam(parameter_info=self.descriptor.parameter_info,
                                           annotation=self.descriptor.annotation).coerce(value, param=param, ctx=ctx)
        if self.plain_text and type(value) is str and not (param.multiple or param.nargs != 1):
            return value
        if self.built is None:
            self.built = build_runtime_param(self.descriptor)
        return self.built.coerce(value, param=param, ctx=ctx)


def deferred_coercion(command: Any) -> Any:
    """Give every parameter of ``command`` (a click command tree from ``typer.main.get_command``)
    a :class:`_DeferredCoercion`; a Typer without per-parameter coercion is left as it is.
    Changes ``command`` and returns it. Typer's coercion is a private module: a Typer without it
    (or without these names) keeps its own coercion."""
    try:
        from typer._coercion import PassThroughRuntimeParam, build_runtime_param  # noqa: F401
    except ImportError:
        return command
    for cmd in [command, *getattr(command, "commands", {}).values()]:
        for p in cmd.params:
            _defer(p)
    return command


def _defer(param: Any) -> None:
    if getattr(param, "_runtime_param", False) is None and hasattr(param, "type_descriptor"):
        param._runtime_param = _DeferredCoercion(param.type_descriptor)


def _flag_help_option(original: Any, ctx: Any) -> Any:
    """The ``--help`` option, shown as a flag (click makes it per context)."""
    option = original(ctx)
    if option is not None:
        option.metavar = ""
        _defer(option)  # made per context, after deferred_coercion ran
    return option


class Terminated(BaseException):  # noqa: N818 - like KeyboardInterrupt, not an error of the program
    """SIGTERM (or SIGHUP) arrived: raised in the main thread so every ``finally`` block runs
    (temporary outputs, spill folders and worker pools are removed) before the process exits."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: the signals received in this run: a signal raised while Polars runs Python code can come back
#: wrapped (a Rust panic, a ComputeError), and is still the signal, not a bug
_RECEIVED: list[int] = []


def _raise_terminated(signum: int, _frame: Any) -> None:
    _RECEIVED.append(signum)
    raise Terminated(signum)


def _terminated(signum: int) -> int:
    _print_error(f"terminated by signal {signum}; no output was written")
    return 128 + signum


def _catch_termination() -> dict[int, Any]:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` (SIGINT already raises
    KeyboardInterrupt); only in the main thread (tests may call :func:`main` from others)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, _raise_terminated)
    return previous


def _restore_signals(previous: dict[int, Any]) -> None:
    import signal

    for signum, handler in previous.items():
        signal.signal(signum, handler)


def _report(exc: JourneylogError) -> int:
    """journeylog's own error: its one line (and a line counting more problems, if any)."""
    flags = cli_flags()
    _print_error(exc.one_line(flags=flags))
    more = exc.more_line(flags=flags)
    if more:
        sys.stderr.write(f"journeylog: {visible(more)}\n")
    return int(exc.code)


def _jvm_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is Spark's JVM running out of heap: a Py4J error whose Java side (its text
    holds the Java exception and trace) is an ``OutOfMemoryError``."""
    return type(exc).__name__ == "Py4JJavaError" and "java.lang.OutOfMemoryError" in str(exc)


def _unexpected(exc: BaseException) -> int:
    """An exception no journeylog code raised: a full disk is exit 4, anything else a bug (70)."""
    from journeylog.io.files import disk_full

    if disk_full(exc):  # a temporary file or spill folder outside any one output
        _print_error("no space left on the device (hint: free space, or set TMPDIR to a larger disk)")
        return ExitCode.RESOURCE_LIMIT
    if _jvm_out_of_memory(exc):
        _print_error("the Spark JVM ran out of memory (java.lang.OutOfMemoryError) (hint: run under spark-submit "
                     "with more --driver-memory and executors, or use --engine polars, which reads a large store "
                     "in batches)")
        return ExitCode.RESOURCE_LIMIT
    first = str(exc).splitlines()[0][:300] if str(exc) else ""
    _print_error(f"internal error: {type(exc).__name__}: {first} (this is a bug; rerun with --debug for a traceback)")
    return ExitCode.INTERNAL_ERROR


def _quiet_warnings(debug: bool) -> None:
    """A command says what it decided in its own words: the Python warnings of the libraries under
    it (pyspark's note on pandas versions, pm4py's deprecations) are not for the user; ``--debug``
    (or ``-W``/``PYTHONWARNINGS``) shows them. Set before any thread saves and restores the filters
    (the model is converted in one while the log is read)."""
    if not debug and not sys.warnoptions:
        warnings.simplefilter("ignore")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI with journeylog's exit-code contract."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("JOURNEYLOG_DEBUG") == "1"
    _quiet_warnings(debug)
    command = deferred_coercion(readable_help(typer.main.get_command(app)))
    from journeylog.io.files import run_outputs

    previous = _catch_termination()
    try:
        with run_outputs():  # every output is renamed into place only if the command succeeds
            rv = command.main(args=args, prog_name="journeylog", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except Terminated as exc:
        code = _terminated(exc.signum)
    except JourneylogError as exc:
        if debug:
            raise
        code = _report(exc)
    except typer.Abort:
        _print_error("aborted")
        code = 130
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.TyperException as exc:  # usage errors: exit 2
        if debug:
            raise
        _show_usage_error(exc)
        code = exc.exit_code if exc.exit_code not in (None, 0, 1) else ExitCode.USAGE
    except KeyboardInterrupt:
        _print_error("interrupted; no output was written")
        code = 130
    except BrokenPipeError:
        code = 0
    except MemoryError:
        _print_error("out of memory (resource limit)")
        code = ExitCode.RESOURCE_LIMIT
    except Exception as exc:  # a bug: exit 70 (unless a signal arrived and came back wrapped)
        if debug and not _RECEIVED:
            raise
        code = _terminated(_RECEIVED[0]) if _RECEIVED else _unexpected(exc)
    except BaseException as exc:  # a Rust panic in Polars (pyo3's PanicException) is a BaseException
        if debug or type(exc).__name__ != "PanicException":
            raise
        code = _terminated(_RECEIVED[0]) if _RECEIVED else _unexpected(exc)
    finally:
        _restore_signals(previous)
    sys.exit(int(code))


if __name__ == "__main__":
    main()
