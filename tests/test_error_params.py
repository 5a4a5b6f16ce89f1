"""Library errors name parameters; the CLI renders them as its flags (journeylog.errors.param).

Every parameter token used in src must map to a flag some command has, or to an environment
variable of journeylog.settings.ENVIRONMENT, so a renamed flag cannot leave a dangling hint.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import typer

from journeylog.check import ALL_CHECKS
from journeylog.cli import app, main
from journeylog.cli.app import LIBRARY_FLAGS, cli_flags
from journeylog.drift import DriftOptions
from journeylog.errors import PARAM_TOKEN, InvalidInput, UsageError, param, render_params
from journeylog.ingest import ReadOptions, read_events
from journeylog.settings import ENVIRONMENT

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "journeylog"
# param(...) with a literal name, and with anything else
LITERAL = re.compile(r"""\bparam\(\s*(['"])([A-Za-z_][A-Za-z0-9_]*)\1\s*\)""")
ANY_CALL = re.compile(r"\bparam\(([^()]*(?:\([^()]*\))?[^()]*)\)")
# non-literal param(...) arguments in src, each a check name (journeylog.config.checks.ALL_CHECKS)
DYNAMIC_CHECK_NAMES = {"name", "key", "wanted[0]"}
# non-literal param(...) arguments in src, each a ReadOptions field (ingest/store_options, ingest/read)
DYNAMIC_READ_NAMES = {"role", "given[0]", "name"}


def _commands() -> list:
    root = typer.main.get_command(app)
    return [root, *getattr(root, "commands", {}).values()]


def _all_flags() -> set[str]:
    """Every option spelling of every command (secondary ones such as --no-x too)."""
    return {o for cmd in _commands() for p in cmd.params for o in [*p.opts, *getattr(p, "secondary_opts", [])]
            if o.startswith("-")}


def _src_files() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if "cli" not in p.relative_to(SRC).parts]


def _tokens_in_src() -> tuple[set[str], set[str]]:
    """(literal parameter names, non-literal arguments) of every param(...) call outside cli/."""
    literal: set[str] = set()
    other: set[str] = set()
    for path in _src_files():
        text = path.read_text(encoding="utf-8")
        if path.name == "errors.py":
            continue  # the definition and its doctests
        literal |= {m.group(2) for m in LITERAL.finditer(text)}
        other |= {m.group(1).strip() for m in ANY_CALL.finditer(text) if not LITERAL.fullmatch(m.group(0))}
    return literal, other


def test_library_error_names_the_parameter():
    with pytest.raises(UsageError) as err:
        DriftOptions(alpha=2.0).check()
    assert str(err.value) == "alpha must be above 0 and below 1, not 2"
    assert err.value.message == f"{param('alpha')} must be above 0 and below 1, not 2"  # kept raw
    assert "--" not in err.value.one_line()


def test_library_hint_names_the_parameter(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("case_id;activity;timestamp\nc1;A;2024-01-01 10:00\n")
    with pytest.raises(InvalidInput) as err:
        read_events(p, ReadOptions())
    line = err.value.one_line()
    assert line.endswith("(hint: give delimiter ';')") and "--" not in line and "\u27e6" not in line


def test_rendering_through_flags():
    e = UsageError(f"{param('date_from')} is after {param('date_to')}", hint=f"see {param('top_variants')}",
                   more=f"and {param('memory_events')}")
    flags = cli_flags()
    assert e.one_line(flags=flags) == "--from is after --to (hint: see --top-variants)"
    assert e.one_line() == "date_from is after date_to (hint: see top_variants)"
    assert e.more_line(flags=flags) == "and JOURNEYLOG_MEMORY_EVENTS" and e.more_line() == "and memory_events"
    assert UsageError("x").more_line() is None
    assert render_params(param("not_mapped_here"), {}) == "--not-mapped-here"
    with pytest.raises(ValueError):
        param("two words")


def test_cli_mapping_spells_library_names():
    flags = cli_flags()
    assert flags["json_out"] == "--json" and flags["date_from"] == "--from" and flags["input_format"] == "--format"
    assert flags["format"] == "--format" and flags["channels"] == "--channel"
    assert flags["write_baseline_to"] == "--write-baseline"
    assert flags["max_input_bytes"] == "--max-input-bytes"  # the option first; JOURNEYLOG_MAX_INPUT_BYTES also works


def test_cli_renders_the_flag(tmp_path, capsys):
    p = tmp_path / "s.csv"
    p.write_text("case_id;activity;timestamp\nc1;A;2024-01-01 10:00\n")
    with pytest.raises(SystemExit) as ex:
        main(["discover", str(p)])
    assert ex.value.code == 3
    assert capsys.readouterr().err == f"journeylog: error: {p}:1: only one column found, but the header contains ';' " \
                                      "(hint: give --delimiter ';')\n"
    good = tmp_path / "g.csv"
    good.write_text("case_id,activity,timestamp\nc1,A,2024-01-01 10:00\nc1,B,2024-01-01 11:00\n")
    with pytest.raises(SystemExit) as ex:
        main(["discover", str(good), "--coverage", "2"])
    assert ex.value.code == 2
    assert capsys.readouterr().err.endswith("journeylog: error: --coverage is a share between 0 and 1, e.g. 0.8\n")


def test_every_token_in_src_maps_to_a_flag_or_variable():
    literal, other = _tokens_in_src()
    assert len(literal) > 30, literal  # the regex still finds them
    assert other <= DYNAMIC_CHECK_NAMES | DYNAMIC_READ_NAMES, \
        f"param() with a non-literal name; add its names to this test: {other}"
    flags, existing = cli_flags(), _all_flags() | set(ENVIRONMENT)
    # every ReadOptions field the command line sets (contact_reason, text, metrics: source maps and the library
    # only; selection: --segment, --from/--to, --journeys-where)
    read_fields = {f.name for f in dataclasses.fields(ReadOptions)} - {
        "max_input_bytes", "extra_outcomes", "contact_reason", "text", "metrics", "selection", "on_read"}
    names = literal | set(ALL_CHECKS) | read_fields
    dangling = {name: flags.get(name, "--" + name.replace("_", "-")) for name in names}
    dangling = {name: flag for name, flag in dangling.items() if flag not in existing}
    assert not dangling, f"parameter tokens whose CLI spelling no command has: {dangling}"


def test_no_token_left_unrendered_in_src_strings():
    """Tokens are written with param(), never typed in (a typo would escape the check above)."""
    for path in _src_files():
        if path.name != "errors.py":
            assert not PARAM_TOKEN.search(path.read_text(encoding="utf-8")), path


def test_one_spelling_per_parameter_name():
    seen: dict[str, set[str]] = {}
    for cmd in _commands():
        for p in cmd.params:
            longs = [o for o in p.opts if o.startswith("--")]
            if p.name and longs:
                seen.setdefault(p.name, set()).add(longs[0])
    assert {n: s for n, s in seen.items() if len(s) > 1} == {}
    # library names spelled apart do not shadow a command's own parameter of that name
    assert all(seen.get(name, {flag}) == {flag} for name, flag in LIBRARY_FLAGS.items())
