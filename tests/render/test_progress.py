"""The progress bar: drawn only on a terminal, with the stage, the count and the hint."""

from __future__ import annotations

import io

from rich.console import Console

from journeylog.render.terminal import progress as P


def test_bar_on_a_terminal_shows_stage_count_and_hint(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(P, "console", lambda: Console(file=out, force_terminal=True, width=120))
    bar = P.ProgressBar("reading", {"precision": "--no-precision skips this step"})
    with bar:
        bar("aligning", 124, 226)
        assert bar.progress is not None
        bar.progress.refresh()
        bar("precision", 3, 40)
        bar.progress.refresh()
    text = out.getvalue()
    assert "aligning 124 of 226 variants" in text
    assert "precision: 3 of 40 prefixes" in text and "--no-precision skips this step" in text


def test_bar_is_silent_off_a_terminal(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(P, "console", lambda: Console(file=out, force_terminal=False))
    bar = P.ProgressBar("reading")
    bar("aligning", 1, 2)  # not entered: nothing happens
    with bar:
        bar("aligning", 1, 2)
    assert out.getvalue() == ""
