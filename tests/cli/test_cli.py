"""The real `journeylog` command: version, help with examples, error format, exit codes, NO_COLOR."""

from __future__ import annotations

import subprocess
import sys
from functools import partial

import pytest

from factories import ROOT, SAMPLE, run_cli

COMMANDS = ["ingest", "discover", "conform", "check", "drift"]
#: the installed `journeylog` script (python -m journeylog.cli where there is none)
run = partial(run_cli, script=True)


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("journeylog ")


def test_shim_runs_from_checkout():
    r = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and "journeylog" in r.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(command):
    r = run(command, "--help")
    assert r.returncode == 0
    assert "Examples" in r.stdout and f"journeylog {command}" in r.stdout


def test_no_args_shows_help():
    r = run()
    assert "ingest" in r.stdout + r.stderr


def test_usage_error_exit_2():
    r = run("discover", "--bogus")
    assert r.returncode == 2
    r = run("ingest", str(SAMPLE / "web_clickstream.csv"))  # -o missing
    assert r.returncode == 2


@pytest.mark.parametrize(("args", "words"), [
    (["discover", "--bogus"], "No such option: --bogus (hint: see 'journeylog discover --help')"),
    (["discover"], "Missing argument 'log'. (hint: see 'journeylog discover --help')"),
    (["check", "log.parquet", "--min-fitness", "high"], "Invalid value for '--min-fitness'"),
    (["bogus"], "No such command 'bogus'. (hint: see 'journeylog --help')"),
    (["check", "log.parquet", "--config", "j.yaml", "--no-config"], "--config and --no-config exclude each other"),
])
def test_usage_errors_are_one_line_like_every_error(args, words):
    """The option parser's errors read like journeylog's own: one line, exit 2, nothing on stdout."""
    r = run(*args)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("journeylog: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert words in r.stderr


def test_invalid_input_is_one_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("case_id,activity,timestamp\nc1,A,2024-01-01 10:00\nc2,B,yesterday\n")
    r = run("discover", str(bad))
    assert r.returncode == 3
    assert r.stderr.splitlines()[0].startswith(f"journeylog: error: {bad}:3:timestamp: ")
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_debug_shows_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("")
    r = run("--debug", "discover", str(bad))
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_unsafe_and_usage_paths():
    assert run("discover", "http://example.com/log.xes").returncode == 5
    assert run("discover", str(ROOT)).returncode == 2
    assert run("discover", str(ROOT / "nope.csv")).returncode == 2


def test_ingest_writes_atomically_and_keeps_old_output_on_failure(tmp_path):
    out = tmp_path / "journeys.parquet"
    r = run("ingest", str(SAMPLE / "sources.yaml"), "-o", str(out), "--json", str(tmp_path / "s.json"))
    assert r.returncode == 0, r.stderr
    before = out.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text("case_id,activity,timestamp\nc1,,2024-01-01\n")
    r = run("ingest", str(bad), "-o", str(out))
    assert r.returncode == 3
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "journeys.parquet", "s.json"]


def test_ingest_refuses_to_overwrite_channels(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("case_id,activity,timestamp,channel\nc1,A,2024-01-01,web\n")
    r = run("ingest", str(p), "--channel", "phone", "-o", str(tmp_path / "o.parquet"))
    assert r.returncode == 2 and "channel" in r.stderr


def test_json_to_stdout_and_tables_to_stderr(tmp_path):
    r = run("discover", str(SAMPLE / "sources.yaml"), "--no-model", "--json", "-")
    assert r.returncode == 0
    import json

    data = json.loads(r.stdout)
    assert data["journeys"] > 0
    assert "journeylog discover" in r.stderr
    assert "\x1b[" not in r.stderr  # NO_COLOR


def test_skip_invalid_rows_writes_rejects(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("case_id,activity,timestamp\nc1,A,2024-01-01\nc2,=cmd|' /C calc'!A0,not-a-date\n")
    rejects = tmp_path / "rejects.csv"
    r = run("ingest", str(p), "-o", str(tmp_path / "o.parquet"), "--skip-invalid-rows", "--rejects", str(rejects))
    assert r.returncode == 0, r.stderr
    text = rejects.read_text()
    assert "timestamp does not parse" in text and ",3," in text


def test_c1_and_bidi_characters_are_made_visible(tmp_path):
    """A file name or an activity with C1 controls (U+0085) or bidi overrides (U+202E) cannot act on
    the terminal: they print as U+FFFD, in error lines and in reports (issue 17, item 6)."""
    missing = tmp_path / "calls\u202egpj.csv"
    r = run("discover", str(missing))
    assert r.returncode == 2 and "\u202e" not in r.stderr and "calls\ufffdgpj.csv" in r.stderr
    log = tmp_path / "log.csv"
    log.write_text("case,activity,time\nc1,Pay\u0085now,2024-01-01T10:00:00\nc1,Ship\u202edone,2024-01-01T11:00:00\n",
                   encoding="utf-8")
    r = run("discover", str(log), "--no-model")
    assert r.returncode == 0, r.stderr
    assert "\u0085" not in r.stderr and "\u202e" not in r.stderr
    assert "Ship\ufffddone" in r.stderr


@pytest.mark.parametrize(("args", "words"), [
    (["--gap", "99999999999999d"], "longer than 36,525 days"),
    (["--encoding", "rot13"], "'rot13' is not a text encoding"),
    (["--encoding", "base64"], "'base64' is not a text encoding"),
])
def test_impossible_gaps_and_codecs_are_usage_errors_not_crashes(args, words, tmp_path):
    r = run("ingest", str(SAMPLE / "web_clickstream.csv"), "--customer", "login", *args, "-o", str(tmp_path / "x.parquet"))
    assert r.returncode == 2 and words in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "x.parquet").exists()
