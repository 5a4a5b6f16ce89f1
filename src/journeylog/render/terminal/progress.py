"""A progress bar on standard error for the long steps (only on a terminal): the stage name, a
count, and what would make it faster.

The library reports through ``on_progress(stage, done, total)`` (:data:`journeylog.mining.Progress`);
a :class:`ProgressBar` is such a callback, drawn while it is entered (``with bar: ...``) and silent
otherwise, or when standard error is not a terminal (CI logs, pipes, tests).

>>> describe("aligning", 124, 226), describe("precision", 3, 40), describe("token replay", 0, 9)
('aligning 124 of 226 variants', 'precision: 3 of 40 prefixes', 'token replay: 0 of 9 variants')
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType

from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from journeylog.render.terminal.console import console
from journeylog.text import fmt_int

__all__ = ["ProgressBar", "describe"]

#: How each stage reads: what is counted.
STAGES: dict[str, str] = {
    "aligning": "aligning {done} of {total} variants",
    "precision": "precision: {done} of {total} prefixes",
    "token replay": "token replay: {done} of {total} variants",
    "sentiment": "sentiment: {done} of {total} distinct texts",
}


def describe(stage: str, done: int, total: int) -> str:
    """The words for one report of ``stage``."""
    template = STAGES.get(stage, stage + ": {done} of {total}")
    return template.format(done=fmt_int(done), total=fmt_int(total))


class ProgressBar:
    """``on_progress`` drawn as a bar while entered; ``first`` shows until the first report,
    ``hints`` say per stage what makes it faster (e.g. ``{"precision": "--no-precision skips it"}``)."""

    def __init__(self, first: str, hints: Mapping[str, str] | None = None) -> None:
        self.first = first
        self.hints = dict(hints or {})
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> ProgressBar:
        con = console()
        if con.is_terminal:
            self.progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                TextColumn("[dim]{task.fields[hint]}"), console=con, transient=True)
            self.progress.start()
            self.task = self.progress.add_task(self.first, total=None, hint="")
        return self

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, description=describe(stage, done, total), completed=done,
                                 total=max(total, 1), hint=self.hints.get(stage, ""))

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.progress is not None:
            self.progress.stop()
        self.progress = None
        self.task = None
