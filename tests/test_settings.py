"""journeylog.settings: one Settings value from the documented JOURNEYLOG_* variables and the
command line, validated with errors that name the setting (and the variable when it came from one)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from journeylog import settings as st
from journeylog.errors import USAGE, UsageError
from journeylog.settings import ENVIRONMENT, Settings


def test_defaults_and_environment():
    assert Settings.from_environ({}) == Settings()
    env = {"JOURNEYLOG_PROCESSES": "3", "JOURNEYLOG_MEMORY_EVENTS": " 5000 ", "JOURNEYLOG_MAX_INPUT_BYTES": "1024",
           "JOURNEYLOG_DOT_TIMEOUT": "2.5", "JOURNEYLOG_UNRELATED": "x"}
    s = Settings.from_environ(env)
    assert (s.threads, s.processes, s.memory_events, s.max_input_bytes, s.dot_timeout) == (None, 3, 5000, 1024, 2.5)
    assert Settings.from_environ({"JOURNEYLOG_MEMORY_EVENTS": ""}).memory_events == st.MEMORY_EVENTS  # empty = unset


def test_every_variable_is_a_setting():
    assert set(ENVIRONMENT.values()) <= set(Settings.__dataclass_fields__)
    assert all(var.startswith("JOURNEYLOG_") for var in ENVIRONMENT)


def test_command_line_overrides_the_environment():
    s = Settings.from_environ({"JOURNEYLOG_PROCESSES": "3", "JOURNEYLOG_DOT_TIMEOUT": "9"}, processes=1, dot_timeout=None)
    assert s.processes == 1 and s.dot_timeout == 9.0  # None overrides are "not given"


@pytest.mark.parametrize(("var", "value", "words"), [
    ("JOURNEYLOG_MEMORY_EVENTS", "lots", "memory_events must be a whole number, got 'lots'"),
    ("JOURNEYLOG_DOT_TIMEOUT", "soon", "dot_timeout must be a number of seconds, got 'soon'"),
    ("JOURNEYLOG_PROCESSES", "1.5", "processes must be a whole number"),
])
def test_unreadable_variable_names_the_setting_and_the_variable(var, value, words):
    with pytest.raises(UsageError) as err:
        Settings.from_environ({var: value})
    assert words in err.value.message and var in err.value.hint and err.value.code == USAGE


@pytest.mark.parametrize(("var", "value", "setting"), [
    ("JOURNEYLOG_PROCESSES", "0", "processes"), ("JOURNEYLOG_MEMORY_EVENTS", "0", "memory_events"),
    ("JOURNEYLOG_MAX_INPUT_BYTES", "-1", "max_input_bytes"), ("JOURNEYLOG_DOT_TIMEOUT", "0", "dot_timeout"),
])
def test_out_of_range_variable_is_traced_back_to_it(var, value, setting):
    with pytest.raises(UsageError) as err:
        Settings.from_environ({var: value})
    assert err.value.message.startswith(setting) and err.value.hint == f"check {var}"


def test_out_of_range_option_names_only_the_parameter():
    with pytest.raises(UsageError) as err:
        Settings.from_environ({}, threads=0)
    assert err.value.message == "threads must be at least 1, got 0" and err.value.hint is None
    with pytest.raises(UsageError, match="dot_timeout must be above 0"):
        Settings(dot_timeout=float("nan"))


def test_worker_processes_precedence():
    assert Settings(threads=4, processes=2).worker_processes() == 2
    assert Settings(threads=4).worker_processes() == 4
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert Settings().worker_processes() == cores


def test_with_returns_a_validated_copy():
    s = Settings(threads=2)
    assert s.with_(memory_events=10) == Settings(threads=2, memory_events=10) and s.memory_events == st.MEMORY_EVENTS
    with pytest.raises(UsageError):
        s.with_(memory_events=0)


def test_current_reads_the_environment_once_and_use_replaces_it(monkeypatch):
    monkeypatch.setattr(st, "_CURRENT", None)
    monkeypatch.setenv("JOURNEYLOG_MEMORY_EVENTS", "123")
    first = st.current()
    assert first.memory_events == 123
    monkeypatch.setenv("JOURNEYLOG_MEMORY_EVENTS", "456")
    assert st.current() is first  # read once
    st.use(Settings(memory_events=7))
    assert st.current().memory_events == 7
    st.use(None)
    assert st.current().memory_events == 456


def test_apply_polars_threads(monkeypatch):
    monkeypatch.delenv("POLARS_MAX_THREADS", raising=False)
    st.apply_polars_threads(Settings())
    assert "POLARS_MAX_THREADS" not in os.environ
    st.apply_polars_threads(Settings(threads=3))
    assert os.environ["POLARS_MAX_THREADS"] == "3"


def test_every_environment_variable_is_documented_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [var for var in ENVIRONMENT if f"`{var}`" not in readme]
    assert not missing, f"README does not document {missing}"
