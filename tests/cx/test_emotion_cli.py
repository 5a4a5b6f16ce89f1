"""``journeylog emotion`` from the command line: outputs, exit codes and located errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factories import write_file
from journeylog.errors import ExitCode

ROOT = Path(__file__).resolve().parents[2]
MODEL = str(ROOT / "samples/telecom/designed_journey.bpmn")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from journeylog.ingest import ReadOptions
    from journeylog.ingest.sources import ingest_source_map
    from journeylog.io.store import write_events

    out = tmp_path_factory.mktemp("cli") / "journeys.parquet"
    write_events(ingest_source_map(ROOT / "samples/telecom/sources.yaml", ReadOptions()).events, out)
    return out


def test_json_plot_and_report(run_main, store: Path, tmp_path: Path) -> None:
    code, out, err = run_main("emotion", str(store), "-m", MODEL, "--metric", "nps", "--json", "-",
                              "--plot", "e.svg", cwd=tmp_path)
    assert code == 0, err
    data = json.loads(out)
    assert data["metric_label"] == "NPS (0-10)" and "journeylog emotion: NPS (0-10)" in err
    assert (tmp_path / "e.svg").read_text().startswith("<?xml")


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--metric", "csatt"], ExitCode.USAGE, "did you mean 'csat'"),
    (["--metric", "csat", "--sentiment"], ExitCode.USAGE, "not both"),
    (["--sentiment", "--language", "fr"], ExitCode.USAGE, "GPL-2.0"),
    (["--split-by", "no such thing"], ExitCode.USAGE, "neither a deviation nor a pattern"),
    (["--plot", "e.pdf"], ExitCode.USAGE, "give a .png or .svg file"),
])
def test_usage_errors(run_main, store: Path, tmp_path: Path, args: list[str], code: int, message: str) -> None:
    rc, _out, err = run_main("emotion", str(store), "-m", MODEL, *args, cwd=tmp_path)
    assert rc == code and message in err


def test_desired_error_is_located(run_main, store: Path, tmp_path: Path) -> None:
    write_file(tmp_path, "d.yaml", "version: 1\nmetric: csat\npoints:\n  Identity chek: 4\n")
    rc, _out, err = run_main("emotion", str(store), "-m", MODEL, "--metric", "csat", "--desired", "d.yaml", cwd=tmp_path)
    assert rc == ExitCode.INVALID_INPUT
    assert "d.yaml:4:3: 'Identity chek' is not a step of the designed journey" in err and "'Identity check'" in err
