"""Outputs are never clobbered (issue 17, item 4): all outputs of one run are renamed into place
only when it succeeds, and SIGTERM/SIGINT leave no temporary file or spill folder behind."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

import pytest

from factories import ROOT, SAMPLE, make_log

MODEL = str(SAMPLE / "designed_journey.bpmn")


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_later_output_failing_leaves_the_earlier_outputs_of_the_run_untouched(run_main, tmp_path, monkeypatch):
    import journeylog.render.json as rjson

    (tmp_path / "j.csv").write_text("old journeys\n")
    before = _digest(tmp_path / "j.csv")

    def broken(*_a, **_k):
        raise RuntimeError("the JSON writer broke")

    monkeypatch.setattr(rjson, "dumps", broken)
    code, _out, err = run_main("conform", str(SAMPLE / "sources.yaml"), "-m", MODEL, "--no-precision",
                               "--journeys-out", "j.csv", "--json", "c.json", cwd=tmp_path)
    assert code == 70 and err.count("journeylog: error:") == 1, err
    assert _digest(tmp_path / "j.csv") == before and not (tmp_path / "c.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["j.csv"]  # no temporary file left


def test_ingest_writes_its_store_and_summary_together(run_main, tmp_path):
    code, _out, err = run_main("ingest", str(SAMPLE / "sources.yaml"), "-o", "s.parquet", "--json", "s.json",
                               cwd=tmp_path)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.parquet"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_run_removes_spill_folders_and_writes_nothing(tmp_path, signum):
    """discover on a log above JOURNEYLOG_MEMORY_EVENTS works out of core in a spill folder under
    TMPDIR; the signal is sent once that folder exists (mid-run), and it must be gone after."""
    make_log(n=40000, seed=5).write_parquet(tmp_path / "big.parquet")
    spill = tmp_path / "spill"
    spill.mkdir()
    (tmp_path / "d.json").write_text("old\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1", "TMPDIR": str(spill),
           "JOURNEYLOG_MEMORY_EVENTS": "5000"}
    proc = subprocess.Popen([sys.executable, "-m", "journeylog.cli", "discover", "big.parquet", "--json", "d.json",
                             "--graph", "g.svg"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    for _ in range(1200):  # wait (at most 120 s) until the run is inside its spill folder
        if proc.poll() is not None or any(spill.iterdir()):
            break
        time.sleep(0.1)
    if proc.poll() is not None:
        pytest.skip("the run finished before it could be interrupted")
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, (proc.returncode, err)
    assert err.count("journeylog: error:") == 1 and "Traceback" not in err, (err, out)
    assert not list(spill.iterdir())  # spill folders removed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.parquet", "d.json", "spill"]
    assert (tmp_path / "d.json").read_text() == "old\n"
