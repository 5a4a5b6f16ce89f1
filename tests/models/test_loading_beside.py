"""journeylog.models.loading_model: the model converted in a thread while the log is read, with
the errors and notes in the order of loading the model first."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from tests.factories import run_cli, write_file, write_model

from journeylog.errors import InvalidInput, UsageError
from journeylog.ingest import ReadOptions, open_events
from journeylog.journeys.selection import JourneySelection
from journeylog.models import load_model, loading_model, loading_optional_model

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

LOG = "journey_id,activity,timestamp\nj1,Place order,2026-01-01 10:00:00\nj1,Place order,2026-01-01 10:00:00\n"


def test_the_same_model_as_load_model(tmp_path: Path) -> None:
    path = write_model(tmp_path)
    with loading_model(path) as designed:
        got = designed()
    want = load_model(path)
    assert got.tasks == want.tasks and got.kind == want.kind == "ptree"
    assert sorted(t.name for t in got.net.transitions) == sorted(t.name for t in want.net.transitions)


def test_converted_in_another_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from journeylog.models import loading as L

    threads = []
    real = L._converted

    def spy(*args):
        threads.append(threading.current_thread().name)
        return real(*args)

    monkeypatch.setattr(L, "_converted", spy)
    with loading_model(write_model(tmp_path)) as designed:
        designed()
    assert threads == ["journeylog-model"]


def test_path_errors_come_at_once(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown model format"), loading_model(write_file(tmp_path, "m.docx", "x")):
        pytest.fail("the block must not run")
    with pytest.raises(UsageError), loading_model(tmp_path / "missing.ptree"):
        pytest.fail("the block must not run")


def test_a_broken_model_is_raised_before_the_blocks_own_error(tmp_path: Path) -> None:
    bad = write_file(tmp_path, "bad.ptree", "->('a', ")
    with pytest.raises(InvalidInput, match="bad.ptree"), loading_model(bad):
        raise InvalidInput("the log is broken too")
    # a good model lets the block's error through
    with pytest.raises(InvalidInput, match="the log is broken"), loading_model(write_model(tmp_path)):
        raise InvalidInput("the log is broken")
    with pytest.raises(InvalidInput, match="bad.ptree"), loading_model(bad) as designed:
        designed()


def test_optional_model(tmp_path: Path) -> None:
    with loading_optional_model(None) as designed:
        assert designed() is None
    with loading_optional_model(write_model(tmp_path)) as designed:
        assert designed() is not None


def test_notes_about_the_read_wait_for_the_model(tmp_path: Path) -> None:
    heard: list[str] = []
    log = write_file(tmp_path, "log.csv", LOG)
    selection = JourneySelection.from_text(journeys_where=["has activity='Place order'"],
                                           on_selected=lambda _info: heard.append("selected"))
    read = ReadOptions(drop_duplicates=False, selection=selection, on_read=lambda _r: heard.append("read"))
    with open_events(log, read.after(lambda: heard.append("model"))):
        pass
    assert heard == ["model", "read", "model", "selected"]
    # a failing model stops the notes
    heard.clear()

    def broken() -> None:
        raise InvalidInput("model")

    with pytest.raises(InvalidInput, match="model"), open_events(log, read.after(broken)):
        pass
    assert heard == []


@pytest.mark.parametrize("command", ["conform", "drift", "emotion", "funnel", "contacts", "explain", "compare"])
def test_cli_a_broken_model_is_the_only_line(tmp_path: Path, command: str) -> None:
    """The log has an exact duplicate (a note on stderr); the model is broken: one error line, the
    model's, nothing said about the log."""
    log = write_file(tmp_path, "log.csv", LOG)
    bad = write_file(tmp_path, "bad.ptree", "->('a', ")
    extra = {"compare": ["--by", "channel"], "explain": ["--deviation", "skipped:a"]}.get(command, [])
    r = run_cli(command, str(log), "--model", str(bad), *extra, cwd=tmp_path)
    assert r.returncode == 3, r.stderr
    assert r.stderr.splitlines()[0].startswith("journeylog: error: ") and "bad.ptree" in r.stderr.splitlines()[0], r.stderr
    assert "note:" not in r.stderr, r.stderr


def test_cli_both_broken_the_model_first(tmp_path: Path) -> None:
    log = write_file(tmp_path, "log.csv", "journey_id,activity,timestamp\nj1,a,not a date\n")
    bad = write_file(tmp_path, "bad.ptree", "->('a', ")
    r = run_cli("conform", str(log), "--model", str(bad), cwd=tmp_path)
    assert r.returncode == 3 and "bad.ptree" in r.stderr and "not a date" not in r.stderr, r.stderr
