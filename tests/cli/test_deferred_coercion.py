"""journeylog.cli.app.deferred_coercion: every parameter of every command coerces a value exactly
as Typer's own coercion does (missing values and text given to text options without building it,
anything else through it); and ingest, as a whole command, imports neither pydantic nor numpy nor
pyarrow."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from typer._coercion import build_runtime_param

from journeylog.cli import app
from journeylog.cli.app import _DeferredCoercion, deferred_coercion, readable_help

VALUES = [None, "7", "0", "-1", "abc", "", " x ", "2024-01-01", "true", "polars", "ünï", ("a", "b"), ["3"]]


def _params():
    root = typer.main.get_command(app)
    for cmd in [root, *root.commands.values()]:
        for p in cmd.params:
            if hasattr(p, "type_descriptor"):
                yield cmd, p


def _outcome(coercion, value, param, ctx):
    try:
        return ("value", coercion.coerce(value, param=param, ctx=ctx))
    except Exception as exc:  # noqa: BLE001 - the same kind of refusal is the oracle
        return ("error", type(exc).__name__, str(exc))


@pytest.mark.parametrize(("cmd", "param"), list(_params()), ids=lambda x: getattr(x, "name", ""))
def test_every_parameter_coerces_as_typer_does(cmd, param):
    ctx = typer.Context(cmd)
    for value in VALUES:
        deferred = _DeferredCoercion(param.type_descriptor)
        assert _outcome(deferred, value, param, ctx) == _outcome(build_runtime_param(param.type_descriptor), value,
                                                                 param, ctx), value


def test_text_and_missing_values_build_nothing():
    ingest = typer.main.get_command(app).commands["ingest"]
    output = next(p for p in ingest.params if p.name == "output")
    deferred = _DeferredCoercion(output.type_descriptor)
    ctx = typer.Context(ingest)
    assert deferred.coerce("o.parquet", output, ctx) == "o.parquet" and deferred.coerce(None, output, ctx) is None
    assert deferred.built is None
    threads = next(p for p in typer.main.get_command(app).params if p.name == "threads")
    assert _DeferredCoercion(threads.type_descriptor).coerce("3", threads, ctx) == 3


def test_every_parameter_and_help_option_is_deferred():
    command = deferred_coercion(readable_help(typer.main.get_command(app)))
    for cmd in [command, *command.commands.values()]:
        assert all(isinstance(p._runtime_param, _DeferredCoercion) for p in cmd.params if hasattr(p, "type_descriptor"))
        assert isinstance(cmd.get_help_option(typer.Context(cmd))._runtime_param, _DeferredCoercion)


def test_ingest_imports_no_pydantic_numpy_or_pyarrow(tmp_path):
    log = tmp_path / "log.parquet"
    import polars as pl

    pl.DataFrame({"case_id": ["c1", "c1"], "activity": ["a", "b"], "timestamp": ["2024-01-01", "2024-01-02"]}).write_parquet(log)
    probe = ("import sys\nfrom journeylog.cli import main\n"
             f"try:\n    main(['ingest', {str(log)!r}, '-o', {str(tmp_path / 's.parquet')!r}, '--json', "
             f"{str(tmp_path / 's.json')!r}])\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
             "print('MODULES', *[m for m in ('polars', 'pydantic', 'numpy', 'pyarrow', 'pandas') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["MODULES", "polars"], done.stdout + done.stderr
    assert (tmp_path / "s.parquet").is_file()
