"""The HTML report in a real browser (headless Chromium over the DevTools protocol, see
tests/headless.py): the sample's page loads with no console error and no network request, shows
the map, the key statements and works offline; a log with hostile activity names runs no script
and injects no element. One browser for the whole module; skipped with one reason when Chromium
cannot run here."""

from __future__ import annotations

import io
import os

import polars as pl
import pytest

from factories import SAMPLE, make_log, run_cli, write_model
from headless import chromium_or_skip_reason
from journeylog.render.graph import dot_available

EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_STYLE = "</style><img src=x onerror=alert(2)>"

pytestmark = pytest.mark.needs_dot


@pytest.fixture(scope="module")
def browser():
    if not dot_available():
        pytest.skip("Graphviz dot is not installed (make system-deps)")
    chromium, reason = chromium_or_skip_reason()
    if chromium is None:
        pytest.skip(reason)
    yield chromium
    chromium.quit()


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    env = {"SOURCE_DATE_EPOCH": "1767225600"}
    done = run_cli("ingest", str(SAMPLE / "sources.yaml"), "-o", str(folder / "journeys.parquet"), cwd=folder)
    assert done.returncode == 0, done.stderr
    model, rules, desired = (str(SAMPLE / n) for n in ("designed_journey.bpmn", "contacts.yaml", "desired.yaml"))
    done = run_cli("report", "journeys.parquet", "-m", model, "--contacts", rules, "--desired", desired,
                   "-o", "report.html", cwd=folder, env=env)
    assert done.returncode == 0, done.stderr
    for args in (("conform", "-m", model, "--json", "conform.json"),
                 ("contacts", "-m", model, "--rules", rules, "--json", "contacts.json"),
                 ("funnel", "-m", model, "--json", "funnel.json"),
                 ("emotion", "-m", model, "--desired", desired, "--json", "emotion.json")):
        done = run_cli(args[0], "journeys.parquet", *args[1:], cwd=folder)
        assert done.returncode == 0, done.stderr
    return folder / "report.html"


@pytest.fixture(scope="module")
def sample_page(browser, sample_report):
    page = browser.load(sample_report, 1280, 800)
    yield page
    page.close()


def test_sample_loads_offline_without_errors(sample_page, sample_report):
    assert sample_page.errors() == []
    assert [u for u in sample_page.requests if u != sample_page.url and not u.startswith("data:")] == []
    assert os.path.getsize(sample_report) < 5_000_000


def test_sample_shows_the_map(sample_page):
    from PIL import Image

    box = sample_page.evaluate(
        "(() => { const r = document.getElementById('map-view').getBoundingClientRect();"
        " return [r.left, r.top, r.width, r.height]; })()")
    sample_page.evaluate(f"window.scrollTo(0, {int(box[1])} - 10)")
    top = sample_page.evaluate("document.getElementById('map-view').getBoundingClientRect().top")
    shot = Image.open(io.BytesIO(sample_page.screenshot())).convert("L")
    x0, y0 = int(box[0]) + 2, int(top) + 2
    region = shot.crop((x0, y0, x0 + int(box[2]) - 4, min(shot.height, y0 + int(box[3]) - 4)))
    dark = sum(1 for v in region.getdata() if v < 200)
    assert dark > 0.002 * region.width * region.height, "the map region is blank"
    whole = shot.getextrema()
    assert whole[0] < 100 < whole[1]  # not a blank page
    assert sample_page.evaluate("document.querySelectorAll('#process-map g.node').length") >= 10


def test_sample_key_statements_are_shown(sample_page, sample_report):
    import json

    conform = json.loads((sample_report.parent / "conform.json").read_text())
    text = sample_page.evaluate("document.body.innerText")
    for d in [x for x in conform["deviations"] if not x["accepted"]][:5]:
        assert d["statement"] in text
    for p in conform["patterns"]:
        if p["journeys"]:
            assert p["statement"] in text
    for heading in ("Key figures", "Process map", "Top paths", "Channel switches", "Drift over time", "Contact classes",
                    "Funnel", "Emotion curve", "How to read this"):
        assert heading in text
    folder = sample_report.parent
    contacts, funnel, emotion = (json.loads((folder / f"{n}.json").read_text()) for n in ("contacts", "funnel", "emotion"))
    for d in contacts["avoidable"]["drivers"][:3]:
        assert d["statement"] in text
    for d in funnel["drop_offs"]:
        if d["journeys"]:
            assert d["statement"] in text
    for s in emotion["statements"]:
        assert s in text
    assert sample_page.evaluate("document.querySelectorAll('#emotion circle').length") == len(emotion["points"])
    assert f"{100 * conform['fitness']:.1f}%" in text
    assert "Graphviz is not installed" not in text


def test_map_zooms_and_resets(sample_page):
    before = sample_page.evaluate("document.getElementById('process-map').getAttribute('viewBox')")
    sample_page.evaluate("document.getElementById('zoom-in').click()")
    zoomed = sample_page.evaluate("document.getElementById('process-map').getAttribute('viewBox')")
    sample_page.evaluate("document.getElementById('zoom-reset').click()")
    after = sample_page.evaluate("document.getElementById('process-map').getAttribute('viewBox')")
    assert float(zoomed.split()[2]) < float(before.split()[2])
    assert [float(v) for v in after.split()] == pytest.approx([float(v) for v in before.split()], abs=1e-3)


def test_map_detail_switches_between_the_drawn_maps(sample_page):
    """The Detail buttons show one pre-drawn map at a time; zoom acts on the one shown."""
    count = sample_page.evaluate("document.querySelectorAll('button.map-level').length")
    assert count >= 2
    visible = "Array.from(document.querySelectorAll('.map-layer')).filter(l => !l.hidden).map(l => l.id)"
    first = sample_page.evaluate(visible)
    assert len(first) == 1
    assert sample_page.evaluate(f"document.getElementById('{first[0]}').querySelector('#process-map') !== null")
    sample_page.evaluate(f"document.querySelectorAll('button.map-level')[{count - 1}].click()")
    shown = sample_page.evaluate(visible)
    assert shown == [f"map-level-{count - 1}"]
    edges = sample_page.evaluate(f"document.querySelectorAll('#map-level-{count - 1} g.edge').length")
    assert edges > sample_page.evaluate("document.querySelectorAll('#process-map g.edge').length")
    svg = f"document.querySelector('#map-level-{count - 1} svg')"
    before = sample_page.evaluate(f"{svg}.getAttribute('viewBox')")
    sample_page.evaluate("document.getElementById('zoom-in').click()")
    assert float(sample_page.evaluate(f"{svg}.getAttribute('viewBox')").split()[2]) < float(before.split()[2])
    default = sample_page.evaluate("document.querySelector('#process-map').parentElement.id.split('-').pop()")
    sample_page.evaluate(f"document.querySelector('button.map-level[data-level=\"{default}\"]').click()")
    assert sample_page.evaluate(visible) == first and sample_page.errors() == []


def test_hostile_names_run_nothing(browser, tmp_path):
    from journeylog.models import load_model
    from journeylog.render.html import render_report
    from journeylog.report import report

    log = make_log(n=120, weeks=3, seed=5).with_columns(
        pl.col("activity").replace({"Call: identity check help": EVIL_SCRIPT, "Router delivered": EVIL_STYLE}),
        pl.col("channel").replace({"phone": EVIL_STYLE}),
        (pl.int_range(pl.len()) % 5 + 1).cast(pl.Float64).alias("satisfaction"))
    contracts = report(log, load_model(write_model(tmp_path)))
    assert {"contacts", "funnel", "emotion"} <= contracts.keys()  # hostile steps and channels flow through them too
    path = tmp_path / "hostile.html"
    path.write_text(render_report(contracts, command=f"journeylog report '{EVIL_SCRIPT}'", version="t"), encoding="utf-8")
    page = browser.load(path, 1280, 800)
    try:
        assert page.dialogs == [] and page.errors() == []
        assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
        assert page.evaluate("document.scripts.length") == 2
        text = page.evaluate("document.body.innerText")
        assert EVIL_SCRIPT in text and EVIL_STYLE in text
        assert page.evaluate("document.querySelectorAll('#emotion circle, #funnel tr, #contacts rect').length") > 0
        assert page.evaluate("document.getElementById('process-map').textContent").count(EVIL_SCRIPT) >= 1
    finally:
        page.close()
