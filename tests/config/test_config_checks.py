"""The check registry: docs/ci.md's table, the check command's options and journeylog.yaml's keys
all come from journeylog.config.checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from journeylog.config import checks as R
from journeylog.config.project import load_config
from journeylog.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]


def test_docs_table_matches_the_registry():
    text = (ROOT / "docs" / "ci.md").read_text()
    m = re.search(r"<!-- checks table:[^\n]*-->\n(.*?)<!-- end of checks table -->", text, re.S)
    assert m, "docs/ci.md lost the checks table markers"
    assert m.group(1) == R.docs_table(), "docs/ci.md's check table drifted: paste `python -m journeylog.config.checks`"


def test_check_module_docstring_carries_the_table():
    import journeylog.check as K

    assert all(f"`{c.name}`" in (K.__doc__ or "") for c in R.CHECKS)


def test_option_specs_match_the_check_command():
    from journeylog.cli import app

    command = typer.main.get_command(app).commands["check"]  # type: ignore[attr-defined]
    params = {p.name: p for p in command.params}
    for spec in R.option_specs():
        p = params[spec.param]
        flags = "/".join(p.opts + p.secondary_opts)
        assert flags == spec.decl
        assert p.help == spec.help
        assert getattr(p, "rich_help_panel", None) == spec.panel


def test_derived_lists():
    assert R.ALL_CHECKS[3] == "max_share" and "max_share" not in R.SCALAR_CHECKS
    assert list(R.DEFAULT_BASELINE_CHECKS) == ["max_fitness_drop", "max_share_increase", "fail_on_new_deviations"]
    assert set(R.YAML_CHECK_KEYS) == set(R.ALL_CHECKS) | {"new_deviation_min_share", "significance"}
    assert all(c.kind in R.KINDS for c in R.CHECKS + R.SETTINGS)


def test_yaml_keys_are_validated_with_did_you_mean(tmp_path):
    path = tmp_path / "journeylog.yaml"
    path.write_text("checks:\n  min_fitnes: 0.8\n")
    with pytest.raises(InvalidInput) as exc:
        load_config(path)
    assert "min_fitness" in exc.value.one_line()


def test_drift_window_is_validated_without_drift(tmp_path):
    path = tmp_path / "journeylog.yaml"
    path.write_text("drift:\n  window: 3 fortnights\n")
    with pytest.raises(InvalidInput) as exc:
        load_config(path)
    assert "drift.window" in exc.value.one_line()
    path.write_text("drift:\n  window: 2 weeks\n")
    assert load_config(path).drift == {"window": "2 weeks"}
