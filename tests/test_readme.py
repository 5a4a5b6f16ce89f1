"""Every `journeylog ...` line in the README's ```sh blocks runs, in order, in a scratch folder."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        lines += [ln.strip() for ln in block.splitlines() if ln.strip().startswith("journeylog ")]
    return lines


def test_readme_quick_start_is_exactly_two_commands():
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    assert [ln for ln in quick.splitlines() if ln.strip()] == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_readme_examples_run(tmp_path):
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    commands = _commands()
    assert len(commands) >= 5
    for command in commands:
        args = shlex.split(command)[1:]
        r = subprocess.run([sys.executable, "-m", "journeylog.cli", *args], cwd=tmp_path, capture_output=True, text=True,
                           env={**os.environ, "NO_COLOR": "1"})
        assert r.returncode in (0, 1), f"{command}\n{r.stderr}"  # 1 = a check that failed, by design


def _library_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Use it as a library", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "one python example in 'Use it as a library'"
    return blocks[0]


def test_library_example_uses_only_the_public_api():
    import ast

    import journeylog

    tree = ast.parse(_library_example())
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert [ast.unparse(n) for n in imports] == ["import journeylog"]
    used = {n.attr for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "journeylog"}
    assert used and used <= set(journeylog.__all__), used - set(journeylog.__all__)


def test_library_example_runs(tmp_path):
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    script = tmp_path / "example.py"
    script.write_text(_library_example())
    r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "3227 journeys" in r.stdout and "fitness 0.868" in r.stdout  # = pm4py.fitness_alignments on the sample
    assert r.stdout.rstrip().endswith("USAGE no-such-log.csv: no such file")
