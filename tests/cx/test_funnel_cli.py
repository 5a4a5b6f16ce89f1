"""``journeylog funnel`` end to end on the bundled sample: the figures against the plain-Python
oracle, the JSON against its schema, the chart (a parseable SVG with one bar per step, a PNG that
is not blank), exit codes and nothing written on failure."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl
import pytest

from factories import ROOT, SAMPLE, funnel_check_steps
from journeylog.contracts import json_schema, validate

MODEL = str(SAMPLE / "designed_journey.bpmn")
DESIGNED = ["Place order", "Identity check", "Schedule appointment", "Router delivered", "Installation completed",
            "First bill issued"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from journeylog.cli import main

    out = tmp_path_factory.mktemp("funnel") / "journeys.parquet"
    with pytest.raises(SystemExit) as exc:
        main(["ingest", str(SAMPLE / "sources.yaml"), "-o", str(out)])
    assert exc.value.code in (0, None)
    return out


def test_sample_against_the_oracle(run_main, store, tmp_path):
    code, _out, err = run_main("funnel", str(store), "--model", MODEL, "--by", "channel", "--by", "product",
                               "--json", "f.json", cwd=tmp_path)
    assert code == 0, err
    f = json.loads((tmp_path / "f.json").read_text())
    assert validate(f, json_schema("funnel")) == []
    assert f["steps"] == DESIGNED and f["steps_from"] == "model"
    rows = pl.read_parquet(store).to_dicts()
    funnel_check_steps(f["funnel"], rows, DESIGNED, dt.timedelta(days=7))
    (product,) = f["segments"]
    assert sum(s["journeys"] for s in product["segments"]) == f["journeys"]
    assert "main path" in err and "stopped after 'Place order'" in err


def test_chart_svg_and_png(run_main, store, tmp_path):
    code, _out, err = run_main("funnel", str(store), "-m", MODEL, "--plot", "f.svg", "--json", "f.json", cwd=tmp_path)
    assert code == 0, err
    svg = (tmp_path / "f.svg").read_text()
    root = ET.fromstring(svg)
    bars = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("id", "").startswith("patch_")]
    assert len(bars) >= len(DESIGNED) + 1  # the background, then one bar per step
    f = json.loads((tmp_path / "f.json").read_text())
    for s in f["funnel"]:  # matplotlib draws text as paths and names it in a comment
        assert f"<!-- {s['index']}. {s['step']} -->" in svg
        assert f"<!-- {s['journeys']:,}" in svg
    code, _out, err = run_main("funnel", str(store), "-m", MODEL, "--plot", "again.svg", cwd=tmp_path)
    assert (tmp_path / "again.svg").read_bytes() == (tmp_path / "f.svg").read_bytes()
    code, _out, err = run_main("funnel", str(store), "-m", MODEL, "--plot", "f.png", cwd=tmp_path)
    assert code == 0, err
    import matplotlib.image

    pixels = matplotlib.image.imread(tmp_path / "f.png")
    assert pixels.shape[0] > 100 and pixels.std() > 0.05  # not blank


def test_steps_given(run_main, store, tmp_path):
    code, _out, err = run_main("funnel", str(store), "--steps", "Place order, Identity check,Call: identity check help",
                               "--settle", "0", "--json", "-", cwd=tmp_path)
    assert code == 0, err
    f = json.loads(_out)
    assert f["steps"] == ["Place order", "Identity check", "Call: identity check help"] and f["steps_from"] == "steps"
    funnel_check_steps(f["funnel"], pl.read_parquet(store).to_dicts(), f["steps"], dt.timedelta(0))


@pytest.mark.parametrize(("args", "message"), [
    (["--steps", "Place order,Identiy check"],
     "--steps: 'Identiy check' is not an activity of the log (hint: did you mean 'Identity check'?)"),
    (["-m", MODEL, "--steps", "Place order,Biling"], "is neither an activity of the log nor a task of the model"),
    (["--steps", "Place order,,Identity check"], "no empty one"),
    (["--steps", "Place order", "--by", "prodct"], "did you mean 'product'?"),
    (["--steps", "Place order", "--plot", "f.pdf"], "--plot f.pdf: give a .png or .svg file"),
    ([], "give the designed model (--model) or the steps of the funnel (--steps)"),
    (["--steps", "Place order", "--settle", "soon"], "--settle"),
])
def test_usage_errors_write_nothing(run_main, store, tmp_path, args, message):
    code, out, err = run_main("funnel", str(store), *args, "--json", "f.json", cwd=tmp_path)
    assert code == 2, err
    assert message in err
    assert not (tmp_path / "f.json").exists() and not (tmp_path / "f.pdf").exists()


def test_an_output_over_the_log_is_refused(run_main, store, tmp_path):
    copy = tmp_path / "log.parquet"
    copy.write_bytes(store.read_bytes())
    code, _out, err = run_main("funnel", str(copy), "-m", MODEL, "--plot", str(copy), cwd=tmp_path)
    assert code == 2 and "would overwrite" in err
    assert copy.read_bytes() == store.read_bytes()


def test_help_names_the_rule():
    from typer.testing import CliRunner

    from journeylog.cli import app

    result = CliRunner().invoke(app, ["funnel", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0 and "main path" in result.output
    assert (ROOT / "docs" / "funnel.md").is_file()
