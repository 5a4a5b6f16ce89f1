"""``journeylog report``: from a log and from saved --json files (the same sections), the exact
command in the footer, deterministic with SOURCE_DATE_EPOCH, and the usage and input errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from factories import SAMPLE, run_cli, write_file
from journeylog.errors import INVALID_INPUT, USAGE

EPOCH = {"SOURCE_DATE_EPOCH": "1767225600"}
MODEL = str(SAMPLE / "designed_journey.bpmn")
RULES = str(SAMPLE / "contacts.yaml")
DESIRED = str(SAMPLE / "desired.yaml")
SAVED = ("drift.json", "discover.json", "conform.json", "contacts.json", "funnel.json", "emotion.json")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("report-cli")
    done = run_cli("ingest", str(SAMPLE / "sources.yaml"), "-o", "journeys.parquet", cwd=base)
    assert done.returncode == 0, done.stderr
    for args in (("discover", "journeys.parquet", "--json", "discover.json"),
                 ("conform", "journeys.parquet", "-m", MODEL, "--json", "conform.json"),
                 ("drift", "journeys.parquet", "-m", MODEL, "--json", "drift.json"),
                 ("contacts", "journeys.parquet", "-m", MODEL, "--rules", RULES, "--json", "contacts.json"),
                 ("funnel", "journeys.parquet", "-m", MODEL, "--json", "funnel.json"),
                 ("emotion", "journeys.parquet", "-m", MODEL, "--desired", DESIRED, "--json", "emotion.json")):
        done = run_cli(*args, cwd=base)
        assert done.returncode == 0, done.stderr
    return base


def section(html: str, name: str) -> str:
    m = re.search(rf'<section id="{name}".*?</section>', html, re.S)
    assert m, name
    return m.group(0)


def test_from_log_and_from_saved_json_show_the_same(run_main, folder):
    code, _, err = run_main("report", "journeys.parquet", "-m", MODEL, "--contacts", RULES, "--desired", DESIRED,
                            "-o", "a.html", cwd=folder, env=EPOCH)
    assert code == 0, err
    assert "wrote a.html: discover, conform, drift, contacts, funnel, emotion" in err
    code, _, err = run_main("report", "--from", *SAVED, "-o", "b.html", cwd=folder)
    assert code == 0, err
    assert "wrote b.html: discover, conform, drift, contacts, funnel, emotion" in err
    a, b = (folder / "a.html").read_text(), (folder / "b.html").read_text()
    for name in ("figures", "map", "switches", "deviations", "drift", "contacts", "funnel", "emotion"):
        assert section(a, name) == section(b, name)
    # the saved discover --json lists every variant; the report keeps the 20 most frequent
    assert section(a, "variants").count("<tr") == 21
    assert ("journeylog report --output a.html --model " + MODEL + " --contacts " + RULES + " --desired " + DESIRED
            + " journeys.parquet") in a
    assert "journeylog report --output b.html --from " + " ".join(SAVED) in b
    assert (folder / "a.html").stat().st_size < 5_000_000


def test_same_bytes_with_source_date_epoch(run_main, folder):
    for out in ("x.html", "y.html"):
        code, _, err = run_main("report", "--from", "conform.json", "-o", out, cwd=folder, env=EPOCH)
        assert code == 0, err
    x = (folder / "x.html").read_text()
    assert x.replace("x.html", "y.html") == (folder / "y.html").read_text()
    assert "on 2026-01-01 00:00:00 UTC" in x


def test_invalid_json_is_exit_3_at_file_line_col(run_main, folder):
    write_file(folder, "broken.json", '{\n  "fitness": 0.5,\n}\n')
    code, _, err = run_main("report", "--from", "conform.json", "broken.json", "-o", "z.html", cwd=folder)
    assert code == INVALID_INPUT and "broken.json:3:1: not valid JSON" in err
    assert not (folder / "z.html").exists()


@pytest.mark.parametrize(("args", "needle"), [
    (("journeys.parquet", "-o", "r.html"), "--model"),
    (("--from", "conform.json", "-m", MODEL, "-o", "r.html"), "--model"),
    (("--from", "conform.json", "--desired", DESIRED, "-o", "r.html"), "--desired"),
    (("--from", "conform.json", "--funnel-steps", "A,B", "-o", "r.html"), "--funnel-steps"),
    (("journeys.parquet", "conform.json", "-m", MODEL, "-o", "r.html"), "give one log"),
    (("--from", "conform.json", "-o", "conform.json"), "conform.json"),
    (("journeys.parquet", "-m", MODEL, "-o", "r.html", "--window", "3x"), "window"),
])
def test_usage_errors(run_main, folder, args, needle):
    code, _, err = run_main("report", *args, cwd=folder)
    assert code == USAGE and needle in err, err
    assert not (folder / "r.html").exists()


def test_without_graphviz_the_page_says_so(folder, tmp_path):
    """``dot`` off the PATH: the map is a visible note, the rest is there, and stderr says it."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    import sys

    env_path = str(bindir) + ":" + str(Path(sys.executable).parent)
    if shutil.which("dot", path=env_path):
        pytest.skip("dot is in the interpreter's folder")
    done = run_cli("report", "--from", "discover.json", "conform.json", "-o", str(tmp_path / "n.html"), cwd=folder,
                   env={"PATH": env_path})
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "n.html").read_text()
    assert "Graphviz is not installed: the map is missing (apt-get install graphviz)." in html
    assert 'id="deviations"' in html and "note: Graphviz is not installed: the map is missing" in done.stderr


def test_each_section_is_its_own_analysis(run_main, folder):
    """Contacts, funnel and emotion from saved files alone: each page shows its own section, whose
    figures are the contract's (contacts: the class counts; funnel: the journeys per step; emotion:
    the scores per step)."""
    import json

    for kind in ("contacts", "funnel", "emotion"):
        code, _, err = run_main("report", "--from", f"{kind}.json", "-o", f"{kind}.html", cwd=folder, env=EPOCH)
        assert code == 0, err
        html = (folder / f"{kind}.html").read_text()
        assert f'<section id="{kind}"' in html and 'id="map"' not in html and 'id="deviations"' not in html
        doc = json.loads((folder / f"{kind}.json").read_text())
        own = section(html, kind)
        if kind == "contacts":
            for k in doc["classes"]:
                assert f'{k["class"]}</span> <span class="num">{100 * k["share"]:.1f}%</span> ({k["contacts"]:,})' in own
        elif kind == "funnel":
            shown = re.findall(r'<td class="step-name">(.*?)</td>.*?<span class="num">([\d,]+)</span>', own, re.S)
            assert [(s, int(n.replace(",", ""))) for s, n in shown] == [(r["step"], r["journeys"]) for r in doc["funnel"]]
        else:
            cell = r'<td class="num">'
            rows = re.findall(rf'<tr(?: class="thin-row")?><td>(.*?)</td>{cell}[\d,]+</td>{cell}(.*?)</td>', own)
            assert rows == [(p["step"], f'{p["mean"]:.1f}') for p in doc["points"]]


def test_a_missing_metric_leaves_the_section_out_with_a_note(run_main, folder):
    code, _, err = run_main("report", "journeys.parquet", "-m", MODEL, "--metric", "effort_score", "--no-drift",
                            "-o", "m.html", cwd=folder)
    assert code == 0, err
    html = (folder / "m.html").read_text()
    assert "note: emotion left out:" in err and 'id="emotion"' not in html
    assert '<aside class="omitted"' in html and "emotion left out:" in html
    assert 'id="contacts"' in html and 'id="funnel"' in html


def test_unknown_funnel_steps_leave_the_funnel_out(run_main, folder):
    code, _, err = run_main("report", "journeys.parquet", "-m", MODEL, "--funnel-steps", "Place order,Nope",
                            "--no-drift", "-o", "f.html", cwd=folder)
    assert code == 0, err
    assert "note: funnel left out:" in err and "Nope" in err
    assert 'id="funnel"' not in (folder / "f.html").read_text()


def test_map_levels_of_the_sample(folder):
    """The page's map levels: the default is the drawn map (its paths are the contract's
    ``map.paths_shown``), the last has every path of the full map, and they grow in paths."""
    import json

    from journeylog.render.html.svgmap import map_levels

    doc = json.loads((folder / "discover.json").read_text())
    levels = map_levels(doc)
    default = [lv for lv in levels if lv.default]
    assert len(default) == 1 and default[0].paths == doc["map"]["paths_shown"]
    assert levels[-1].paths == len(doc["dfg"]) + len(doc["start"]) + len(doc["end"])
    assert levels[-1].activities == doc["activities"]
    assert [lv.paths for lv in levels] == sorted({lv.paths for lv in levels})


def test_from_compare_and_explain(run_main, folder):
    """Saved compare and explain outputs give a small section each: the segments and the
    significant factors' statements, as the files have them."""
    import json

    for args in (("compare", "journeys.parquet", "--by", "plan", "--json", "compare.json"),
                 ("explain", "journeys.parquet", "-m", MODEL, "--deviation", "skipped:Identity check",
                  "--json", "explain.json")):
        done = run_cli(*args, cwd=folder)
        assert done.returncode == 0, done.stderr
    code, _, err = run_main("report", "--from", "explain.json", "compare.json", "-o", "ce.html", cwd=folder)
    assert code == 0, err
    assert "wrote ce.html: compare, explain" in err
    html = (folder / "ce.html").read_text()
    compare, explain = (json.loads((folder / f"{n}.json").read_text()) for n in ("compare", "explain"))
    rows = re.findall(r"<tr><td>(.*?)</td><td class=\"num\">([\d,]+)</td>", section(html, "compare"))
    assert [(n, int(j.replace(",", ""))) for n, j in rows] == [(s["name"], s["journeys"]) for s in compare["segments"]]
    factors = re.findall(r"<li>(.*?)</li>", section(html, "explain"))
    import html as htmllib

    assert [htmllib.unescape(f) for f in factors] == [f["statement"] for f in explain["factors"] if f["significant"]][:10]
