"""journeylog.cli.main turns every outcome into the code of the exit-code table: each error type
raised by the library, a bug (70), running out of memory (4). The library call is replaced by one
that raises, so the mapping itself is what is checked."""

from __future__ import annotations

import pytest

import journeylog.ingest
from factories import SAMPLE
from journeylog.errors import ExitCode, InvalidInput, JourneylogError, ResourceLimit, UnsafeInput, UsageError


class Py4JJavaError(Exception):
    """Stands for py4j's: its text is the call, then the Java exception and its trace."""


@pytest.mark.parametrize(("raised", "code"), [
    (UsageError("no such option value", hint="give 1 or 2"), ExitCode.USAGE),
    (InvalidInput("bad row", path="log.csv", row=4, column="ts"), ExitCode.INVALID_INPUT),
    (ResourceLimit("too big", path="log.csv"), ExitCode.RESOURCE_LIMIT),
    (UnsafeInput("DOCTYPE refused", path="m.bpmn"), ExitCode.UNSAFE_INPUT),
    (MemoryError(), ExitCode.RESOURCE_LIMIT),
    (RuntimeError("boom\nsecond line"), ExitCode.INTERNAL_ERROR),
    # Spark's JVM out of heap (a 100M store in local mode): a resource limit, not a bug
    (Py4JJavaError("An error occurred while calling o267.getResult.\n: java.lang.OutOfMemoryError: Java heap space"),
     ExitCode.RESOURCE_LIMIT),
    (Py4JJavaError("An error occurred while calling o12.collect.\n: java.lang.IllegalStateException: x"),
     ExitCode.INTERNAL_ERROR),
])
def test_main_maps_errors_to_the_table(raised, code, run_main, monkeypatch, tmp_path):
    def fail(*args, **kwargs):
        raise raised

    monkeypatch.setattr(journeylog.ingest, "open_events", fail)
    monkeypatch.delenv("JOURNEYLOG_DEBUG", raising=False)
    got, out, err = run_main("discover", str(SAMPLE / "sources.yaml"), cwd=tmp_path)
    assert got == code
    assert err.startswith("journeylog: error: ") and err.count("\n") == 1 and "Traceback" not in err
    if isinstance(raised, JourneylogError):
        assert raised.one_line() in err
    if isinstance(raised, RuntimeError):
        assert "internal error: RuntimeError: boom" in err and "this is a bug" in err
    if isinstance(raised, Py4JJavaError) and code == ExitCode.RESOURCE_LIMIT:
        assert "the Spark JVM ran out of memory" in err and "--driver-memory" in err


def test_debug_shows_the_traceback_of_a_bug(run_main, monkeypatch, tmp_path):
    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(journeylog.ingest, "open_events", fail)
    with pytest.raises(RuntimeError, match="boom"):
        run_main("--debug", "discover", str(SAMPLE / "sources.yaml"), cwd=tmp_path)
