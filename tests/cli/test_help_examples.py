"""Every example in every command's ``--help`` runs as written on the bundled sample.

The examples are the indented ``journeylog ...`` lines of each command's epilog. Each command's
examples run in order, in a temporary folder holding links to samples/ and tests/data/, after
``journeylog ingest samples/telecom/sources.yaml -o journeys.parquet`` (the ingest example the
other commands' help names). Each must exit 0, unless the line ends with ``# exits N: why``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from journeylog.cli import app

ROOT = Path(__file__).resolve().parents[2]
INGEST = "journeylog ingest samples/telecom/sources.yaml -o journeys.parquet"
_EXITS = re.compile(r"#\s*exits (\d+)\b")


def examples(command: str) -> list[tuple[str, int]]:
    """The example lines of a command's help, each with the exit code it documents (default 0)."""
    epilog = typer.main.get_command(app).commands[command].epilog or ""  # type: ignore[attr-defined]
    out = []
    for line in epilog.splitlines():
        if line.startswith("    journeylog "):
            m = _EXITS.search(line)
            out.append((line.strip(), int(m.group(1)) if m else 0))
    return out


def _commands() -> list[str]:
    return list(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def _run(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    args = shlex.split(line, comments=True)
    assert args[0] == "journeylog"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYLOG") and k != "GITHUB_ACTIONS"}
    return subprocess.run([sys.executable, "-m", "journeylog.cli", *args[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("help-examples")
    (base / "samples").symlink_to(ROOT / "samples", target_is_directory=True)
    (base / "tests").mkdir()
    (base / "tests" / "data").symlink_to(ROOT / "tests" / "data", target_is_directory=True)
    r = _run(INGEST, base)
    assert r.returncode == 0, r.stderr
    return base


def test_every_command_has_examples_and_the_ingest_one_comes_first():
    for command in _commands():
        assert examples(command), f"journeylog {command} --help shows no example"
    assert examples("ingest")[0] == (INGEST, 0)


@pytest.mark.slow
@pytest.mark.parametrize("command", _commands())
def test_help_examples_run(command: str, sample_dir: Path, tmp_path: Path):
    if shutil.which("dot") is None and any(re.search(r"\.(svg|png)\b", ex) and "--graph" in ex
                                           for ex, _ in examples(command)):
        pytest.skip("needs Graphviz's dot for --graph .svg/.png")
    work = tmp_path / command  # a fresh folder per command: examples may only use files earlier ones wrote
    shutil.copytree(sample_dir, work, symlinks=True)
    for line, code in examples(command):
        r = _run(line, work)
        assert r.returncode == code, f"{line}\nexit {r.returncode}, expected {code}\n{r.stderr[-2000:]}"




@pytest.mark.parametrize("command", ["", *_commands()])
def test_help_shows_flags_as_flags_and_whole_at_80_columns(command: str):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("JOURNEYLOG")},
           "COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
    args = [command] if command else []
    out = subprocess.run([sys.executable, "-m", "journeylog.cli", *args, "--help"], env=env,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert "<bool>" not in out and "<list" not in out, out
    root = typer.main.get_command(app)
    cmd = root.commands[command] if command else root  # type: ignore[attr-defined]
    flags = [o for p in cmd.params if not getattr(p, "hidden", False)
             for o in (*p.opts, *getattr(p, "secondary_opts", ())) if o.startswith("--")]
    assert flags
    words = set(re.findall(r"--[a-z0-9-]+(?![a-z0-9-…])", out))
    for flag in flags:
        assert flag in words, f"{flag} is cut in `journeylog {command} --help` at 80 columns"
    assert max(len(line) for line in out.splitlines()) <= 80
