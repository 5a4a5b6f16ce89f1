"""Generated reference docs (docs/cli.md, the exit-code tables, ...) match the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_generated_docs_are_current():
    r = subprocess.run([sys.executable, str(ROOT / "docs" / "generate.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_exit_code_table_lists_every_code():
    from journeylog.errors import ExitCode, exit_code_table

    table = exit_code_table()
    for code in ExitCode:
        assert f"| {int(code)} | {code.description} |" in table
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert table in readme
