"""Outputs never clobber inputs or each other, and nothing is written when a run is refused (issue 17, item 4)."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest

from factories import SAMPLE

MODEL = str(SAMPLE / "designed_journey.bpmn")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from journeylog.ingest import ingest

    folder = tmp_path_factory.mktemp("store")
    ingest(SAMPLE / "sources.yaml", output=folder / "journeys.parquet")
    return folder / "journeys.parquet"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("args", [
    ["conform", "{log}", "-m", MODEL, "--no-precision", "--json", "{log}"],
    ["conform", "{log}", "-m", MODEL, "--no-precision", "--json", "ok.json", "--journeys-out", "{log}"],
    ["discover", "{log}", "--no-model", "--graph", "{log}"],
    ["check", "{log}", "-m", MODEL, "--no-precision", "--no-config", "--min-fitness", "0.5", "--junit", "{log}"],
    ["drift", "{log}", "-m", MODEL, "--no-config", "--json", "ok.json", "--chart", "{log}"],
])
def test_an_output_that_is_an_input_is_refused_before_anything_is_written(args, store, tmp_path, run_main):
    log = tmp_path / "journeys.parquet"
    shutil.copy(store, log)
    before = _digest(log)
    code, out, err = run_main(*[a.replace("{log}", str(log)) for a in args], cwd=tmp_path)
    assert code == 2 and "would overwrite the" in err and err.count("\n") == 1, err
    assert _digest(log) == before and not (tmp_path / "ok.json").exists()


def test_two_outputs_of_one_run_may_not_share_a_file(store, tmp_path, run_main):
    code, _out, err = run_main("conform", str(store), "-m", MODEL, "--no-precision", "--json", "same.json",
                               "--journeys-out", "./same.json", cwd=tmp_path)
    assert code == 2 and "both write this file" in err
    assert not (tmp_path / "same.json").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_or_a_directory_as_output_is_refused(store, tmp_path, run_main):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "folder.json").mkdir()
    for target in ("pipe", "folder.json"):
        code, _out, err = run_main("discover", str(store), "--no-model", "--json", target, cwd=tmp_path)
        assert code == 2 and ("not a regular file" in err or "is a directory" in err), err
