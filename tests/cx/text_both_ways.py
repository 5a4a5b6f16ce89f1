"""The out-of-core tests of explain and compare: a command's output files AND its terminal text
(stdout, stderr), in memory and forced out of core (``tests/out_of_core.py``: a budget far below
the log, journey-complete batches of a quarter of it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from out_of_core import BUDGET


def both_ways_with_text(run_main, monkeypatch: pytest.MonkeyPatch, folder: Path, args: list[str],
                        outputs: list[str]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """``(in memory, out of core)``: the bytes of each file of ``outputs`` (written in ``folder``)
    and the run's ``stdout`` and ``stderr`` text; both runs must exit alike, and with 0 or 1."""
    got = []
    for env in ({}, {"JOURNEYLOG_MEMORY_EVENTS": BUDGET}):
        monkeypatch.delenv("JOURNEYLOG_MEMORY_EVENTS", raising=False)
        for name in outputs:
            (folder / name).unlink(missing_ok=True)
        code, out, err = run_main(*args, cwd=folder, env=env)
        assert code in (0, 1), err
        got.append({"code": str(code).encode(), "stdout": out.encode(), "stderr": err.encode(),
                    **{name: (folder / name).read_bytes() for name in outputs}})
    monkeypatch.delenv("JOURNEYLOG_MEMORY_EVENTS", raising=False)
    return got[0], got[1]
