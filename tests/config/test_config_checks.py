"""The check registry: docs/ci.md's table, the check command's options and journeylog.yaml's keys
all come from journeylog.config.checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from journeylog.config import checks as R
from journeylog.config.project import load_config
from journeylog.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]


def test_docs_ci_carries_the_generated_table():
    # docs/generate.py fills the block; tests/test_generated_docs.py fails when it drifts
    text = (ROOT / "docs" / "ci.md").read_text()
    assert "<!-- generated: checks-table -->\n" + R.docs_table() + "<!-- end generated: checks-table -->" in text


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
        if "/" in spec.decl and spec.type == "bool":  # a yes/no option is two flags, each on its own row
            negative = params["no_" + spec.param]
            flags += "/" + "/".join(negative.opts)
            assert getattr(negative, "rich_help_panel", None) == spec.panel
        assert flags == spec.decl
        assert p.help == spec.help
        assert getattr(p, "rich_help_panel", None) == spec.panel


_EXTRA = R.CheckSpec("max_handoffs", "--max-handoffs", "max", "Fail when a journey changes channel more often.",
                     "handoffs per journey <= value", "--max-handoffs 3")


def _registry_command(monkeypatch) -> tuple[typer.Typer, dict]:
    """A command built by with_check_options over the registry with one more check."""
    from journeylog.cli.check_options import check_overrides, with_check_options

    monkeypatch.setattr(R, "CHECKS", (*R.CHECKS, _EXTRA))
    seen: dict = {}
    demo = typer.Typer(add_completion=False)

    @demo.command()
    @with_check_options
    def run(log: str, thresholds: dict | None = None, baseline: str | None = None, warn: str | None = None) -> None:
        seen.update(check_overrides(thresholds or {}))

    return demo, seen


def test_a_check_added_to_the_registry_becomes_a_flag(monkeypatch):
    from typer.testing import CliRunner

    demo, seen = _registry_command(monkeypatch)
    command = typer.main.get_command(demo)
    names = [p.name for p in command.params]
    assert "max_handoffs" in names and "thresholds" not in names
    # --baseline opens the Baseline panel; the threshold options sit where `thresholds` was
    assert names.index("max_share") + 1 == names.index("max_handoffs") == names.index("baseline") - 1
    assert names.index("baseline") + 1 == names.index("max_fitness_drop")
    assert names[-1] == "warn"
    result = CliRunner().invoke(demo, ["x.parquet", "--max-handoffs", "3", "--max-share", "a:b=5%"])
    assert result.exit_code == 0, result.output
    assert seen["thresholds"]["max_handoffs"] == 3.0 and seen["max_share"] == {"a:b": 0.05}
    assert "`max_handoffs`" in R.docs_table()
    assert "--max-handoffs" in [o.decl for o in R.option_specs()]


def test_derived_lists():
    assert R.ALL_CHECKS[0] == "min_label_overlap" and R.DEFAULT_ON_CHECKS == {"min_label_overlap": 0.5}
    assert R.ALL_CHECKS[4] == "max_share" and "max_share" not in R.SCALAR_CHECKS
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


def test_yes_no_option_gives_true_false_or_none(monkeypatch):
    """``--fail-on-new-deviations`` / ``--no-fail-on-new-deviations`` are two flags for one value:
    True, False (which overrides journeylog.yaml), None when neither; both at once is a usage error."""
    from journeylog.cli.check_options import with_check_options

    seen: dict = {}
    demo = typer.Typer(add_completion=False)

    @demo.command()
    @with_check_options
    def run(thresholds: dict) -> None:
        seen.update(thresholds)

    from typer.testing import CliRunner

    runner = CliRunner()
    for args, expected in (([], None), (["--fail-on-new-deviations"], True), (["--no-fail-on-new-deviations"], False)):
        seen.clear()
        result = runner.invoke(demo, args)
        assert result.exit_code == 0, result.output
        assert seen["fail_on_new_deviations"] is expected
    result = runner.invoke(demo, ["--fail-on-new-deviations", "--no-fail-on-new-deviations"])
    assert result.exit_code == 2 and "exclude each other" in result.output
