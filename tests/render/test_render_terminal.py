"""The terminal renderers print data literally (never rich markup) and respect NO_COLOR."""

from __future__ import annotations

import io

from rich.console import Console

from journeylog.check import CheckResult
from journeylog.render.terminal import console, print_check_report, print_drift_report, table, text


def _capture(color: bool = False) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, width=200, force_terminal=color, color_system="standard" if color else None,
                   highlight=False, soft_wrap=False), buf


def test_text_is_literal_and_control_characters_are_visible():
    assert text("[link=x]click").plain == "[link=x]click"
    assert text("x[/]").plain == "x[/]"
    assert text("a\x1b[31mb\n").plain == "a\ufffd[31mb\ufffd"
    assert text(None).plain == ""


def test_table_cells_and_check_messages_are_not_markup():
    con, buf = _capture()
    con.print(table("t", [("a", "left")], [["[link=x]y"], ["z[/]"], ["[bold]b[/bold]"]]))
    out = buf.getvalue()
    assert "[link=x]y" in out and "z[/]" in out and "[bold]b[/bold]" in out
    con, buf = _capture()
    print_check_report([CheckResult("max_share[x[/]]", "max_share", "error", "FAIL", 0.2, 0.1, "[link=x]Up")], out=con)
    assert "FAIL  max_share[x[/]]  20.0% (<= 10.0%)  [link=x]Up" in buf.getvalue()


def test_drift_statements_are_not_markup():
    data = {"windowing": "journeys", "window": "500", "alpha": 0.01, "min_effect": 0.02, "min_journeys": 30,
            "tests": 3, "notes": [],
            "windows": [{"index": 0, "start": "2026-01-01", "journeys": 500, "fitness": 0.9, "fitting_share": 0.5,
                         "tested": True},
                        {"index": 1, "start": "2026-02-01", "journeys": 500, "fitness": 0.8, "fitting_share": 0.4,
                         "tested": True}],
            "changes": [{"window_index": 1, "statement": "From x, '[red]a[/]' rose."}]}
    con, buf = _capture()
    print_drift_report(data, out=con)
    assert "From x, '[red]a[/]' rose." in buf.getvalue()


def test_no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert console().no_color
    monkeypatch.delenv("NO_COLOR")
    con, buf = _capture(color=True)
    print_check_report([CheckResult("min_fitness", "min_fitness", "error", "FAIL", 0.8, 0.9, "Low.")], out=con)
    assert "\x1b[" in buf.getvalue()
