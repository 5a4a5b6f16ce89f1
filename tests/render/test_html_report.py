"""The HTML report page (journeylog.render.html): hostile names stay text, the CSP hashes match the
inline style and script, the data block is escaped JSON, sections appear only with their data,
the output is deterministic, and the map is replaced by a note without Graphviz."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest

from journeylog.render import html as H
from journeylog.render.html import sections as S
from journeylog.render.html.svgmap import process_map_of, safe_svg

EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_STYLE = "</style><img src=x onerror=alert(2)>"
EVIL_QUOTE = "\" onmouseover=\"alert(3)\" x=\"'&amp;"


def discover_doc(names: tuple[str, str, str] = ("Order", "Pay", "Ship")) -> dict:
    a, b, c = names
    return {
        "events": 9, "journeys": 3, "customers": 3, "activities": 3, "channels": 2,
        "first": "2026-01-01T00:00:00+00:00", "last": "2026-01-20T00:00:00+00:00", "journeys_in_map": 3,
        "variants": [{"activities": [a, b, c], "journeys": 2, "share": 2 / 3, "cumulative_share": 2 / 3},
                     {"activities": [a, c], "journeys": 1, "share": 1 / 3, "cumulative_share": 1.0}],
        "dfg": [{"from": a, "to": b, "count": 2, "median_seconds": 60.0, "p90_seconds": 90.0},
                {"from": b, "to": c, "count": 2, "median_seconds": 3600.0, "p90_seconds": 4000.0},
                {"from": a, "to": c, "count": 1, "median_seconds": None, "p90_seconds": None}],
        "start": [{"activity": a, "count": 3}], "end": [{"activity": c, "count": 3}],
        "activity_stats": [{"activity": a, "count": 3, "journeys": 3, "channel": "web"},
                           {"activity": b, "count": 2, "journeys": 2, "channel": EVIL_STYLE},
                           {"activity": c, "count": 3, "journeys": 3, "channel": "phone"}],
        "channel_switches": [{"from": "web", "to": EVIL_STYLE, "count": 2, "median_seconds": 60.0},
                             {"from": EVIL_STYLE, "to": "phone", "count": 2, "median_seconds": 3600.0},
                             {"from": "web", "to": "phone", "count": 1, "median_seconds": 7200.0}],
        "notes": [],
    }


def conform_doc(name: str = "Pay") -> dict:
    dev = {"id": f"skipped:{name}", "kind": "skipped", "statement": f"Skipped '{name}' in 1 journey (33.3%).",
           "activity": name, "stage": None, "channel": None, "journeys": 1, "share": 1 / 3,
           "median_extra_seconds": -30.0, "satisfaction_delta": -1.25, "examples": ["j3"], "context": None,
           "accepted": False}
    pattern = {"id": "p", "name": EVIL_QUOTE, "statement": f"Called after failing at '{name}': 1 journey.",
               "journeys": 1, "share": 1 / 3, "median_seconds_to_contact": 60.0, "activities": [],
               "examples": [], "median_extra_seconds": 3600.0, "satisfaction_delta": None, "builtin": False,
               "accepted": False}
    return {"method": "alignments", "fitness": 0.875, "fitting_share": 2 / 3, "average_fitness": 0.9,
            "precision": 0.5, "fitting_share_accepted": 2 / 3, "journeys": 3, "deviations": [dev],
            "patterns": [pattern], "unknown_activities": [], "unseen_tasks": [], "label_overlap": None,
            "model_fits_log": True, "journeys_in_progress": 0, "settle_seconds": 0.0, "notes": [f"note {EVIL_SCRIPT}"]}


def drift_doc(windows: int = 3) -> dict:
    item = "skipped:Pay"
    return {
        "window": "1w", "windowing": "calendar", "alpha": 0.01, "correction": "holm", "min_effect": 0.02,
        "min_journeys": 1, "method": "m", "journeys": 3, "journeys_in_progress": 0, "fitness": 0.875,
        "fitting_share": 2 / 3, "fitting_share_accepted": 2 / 3, "tests": 2,
        "items": [{"id": item, "kind": "skipped", "activity": "Pay", "label": EVIL_SCRIPT, "accepted": False}],
        "windows": [{"index": i, "start": f"2026-01-{5 + 7 * i:02d}T00:00:00+00:00", "end": "x", "journeys": 1,
                     "journeys_in_progress": 0, "tested": True, "fitness": 1.0, "fitting_share": 1.0 - 0.5 * (i > 0),
                     "fitting_share_accepted": 1.0, "shares": {item: 0.5 * (i > 0)}} for i in range(windows)],
        "changes": [{"window": "2026-01-12", "window_end": "x", "window_index": 1, "since": "2026-01-12",
                     "within_window": False, "item": item, "kind": "skipped", "activity": "Pay", "direction": "rose",
                     "before": 0.0, "after": 0.5, "journeys_before": 1, "journeys_after": 2, "p_value": 0.001,
                     "q_value": None, "test": "fisher", "statement": f"From 2026-01-12, {EVIL_SCRIPT} rose."}][: windows - 1],
        "notes": [],
    }


HOSTILE = (EVIL_SCRIPT, EVIL_STYLE, EVIL_QUOTE)


def page(contracts: dict, **kw) -> str:
    return H.render_report(contracts, command=kw.pop("command", "journeylog report x"), version="9.9",
                           generated=kw.pop("generated", "2026-01-01 00:00:00 UTC"), **kw)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script> and <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag
            self.raw[tag].append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in:
            self.raw[self._in][-1] += data
        else:
            self.text.append(data)


def parsed(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    t.close()
    return t


@pytest.fixture(scope="module")
def hostile_page() -> str:
    names = (EVIL_SCRIPT, EVIL_STYLE, EVIL_QUOTE)
    return page({"discover": discover_doc(names), "conform": conform_doc(EVIL_SCRIPT), "drift": drift_doc()})


def test_hostile_names_are_text(hostile_page):
    tags = parsed(hostile_page)
    names = [t for t, _ in tags.tags]
    assert names.count("script") == 2 and names.count("style") == 1
    assert "img" not in names
    assert not [(t, a) for t, a in tags.tags for a in a if a.lower().startswith("on")]
    text = "".join(tags.text)
    for name in HOSTILE:
        assert name in text  # shown as text
    for name in (EVIL_SCRIPT, EVIL_STYLE):
        assert name not in hostile_page  # never literally in the markup


def test_csp_hashes_match_the_inline_style_and_script(hostile_page):
    tags = parsed(hostile_page)
    csp = next(a["content"] for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"

    def sha(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    code = [s for (t, a), s in zip([x for x in tags.tags if x[0] == "script"], tags.raw["script"], strict=True)
            if a.get("type") is None]
    assert directives["script-src"] == sha(code[0])
    assert directives["style-src"] == sha(tags.raw["style"][0])
    assert "unsafe-inline" not in csp and "http" not in csp


def test_data_block_is_escaped_json(hostile_page):
    block = re.search(r'<script type="application/json" id="journeylog-data">(.*?)</script>', hostile_page, re.S).group(1)
    assert not set("<>&") & set(block)
    data = json.loads(block)
    assert data["conform"]["notes"] == [f"note {EVIL_SCRIPT}"]
    assert data["discover"]["activity_stats"][1]["channel"] == EVIL_STYLE


def test_json_for_script_escapes_separators():
    text = H.json_for_script({"k": "a\u2028b\u2029</script>"})
    assert "\u2028" not in text and "\u2029" not in text and json.loads(text) == {"k": "a\u2028b\u2029</script>"}


def test_deterministic_with_source_date_epoch(monkeypatch):
    contracts = {"discover": discover_doc(), "conform": conform_doc(), "drift": drift_doc()}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    a = H.render_report(contracts, command="c", version="1")
    b = H.render_report(json.loads(json.dumps(contracts)), command="c", version="1")
    assert a == b and "2026-01-01 00:00:00 UTC" in a
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    now = H.render_report(contracts, command="c", version="1")
    stamp = H.generation_time()
    assert re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "T", now) == re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "T", a)
    assert now.count(stamp[:10]) >= 1


def test_sections_only_with_their_data():
    only_conform = page({"conform": conform_doc()})
    ids = [a.get("id") for t, a in parsed(only_conform).tags if t == "section"]
    assert ids == ["figures", "deviations", "how-to-read"]
    one_window = page({"drift": drift_doc(windows=1)})
    assert [a.get("id") for t, a in parsed(one_window).tags if t == "section"] == ["how-to-read"]
    clean = conform_doc()
    clean["deviations"], clean["patterns"] = [], []
    assert 'id="deviations"' not in page({"conform": clean})


def test_key_figures_from_the_contracts():
    d = discover_doc()
    figures = {f.label: f.value for f in S.key_figures({"discover": d, "conform": conform_doc()})}
    assert figures["journeys"] == "3" and figures["fitness"] == "87.5%" and figures["journeys that fit"] == "66.7%"
    # top 2 paths: the shares of the two listed variants added up independently
    assert figures["top 2 paths"] == f"{100 * sum(v['share'] for v in d['variants'][:2]):.1f}%"


def test_switch_matrix_cells_are_the_contract():
    d = discover_doc()
    ctx = S.switches_view(d)
    got = {(r["channel"], ch): cell["count"] for r in ctx["rows"] for ch, cell in zip(ctx["channels"], r["cells"], strict=True)
           if cell}
    assert got == {(s["from"], s["to"]): str(s["count"]) for s in d["channel_switches"]}
    assert ctx["channels"][0] == EVIL_STYLE  # most switches in and out (4)


def test_map_note_without_graphviz(monkeypatch):
    import journeylog.render.graph as G

    monkeypatch.setattr(G, "dot_available", lambda: False)
    html = page({"discover": discover_doc(), "conform": conform_doc()})
    assert "Graphviz is not installed: the map is missing (apt-get install graphviz)." in html
    assert 'id="variants"' in html and 'id="deviations"' in html and "<svg id=\"process-map\"" not in html


@pytest.mark.needs_dot
def test_map_is_inline_svg_with_every_activity():
    from journeylog.render.graph import dot_available

    if not dot_available():
        pytest.skip("Graphviz dot is not installed")
    html = page({"discover": discover_doc((EVIL_SCRIPT, EVIL_STYLE, "Ship"))})
    svg = re.search(r"<svg[^>]*id=\"process-map\".*?</svg>", html, re.S).group(0)
    text = "".join(parsed(svg).text)
    assert EVIL_SCRIPT in text and EVIL_STYLE in text and "Ship" in text
    assert "<!DOCTYPE" not in svg and "<?xml" not in svg and "<!--" not in svg


def test_process_map_of_round_trips_the_contract():
    d = discover_doc()
    pmap = process_map_of(d)
    part = d.get("map") or d
    keys = ("activity", "count", "journeys", "channel")
    assert pmap.activities.select(keys).to_dicts() == [{k: r.get(k) for k in keys} for r in part["activity_stats"]]
    assert pmap.edges.select("from", "to", "count").to_dicts() == [
        {k: e[k] for k in ("from", "to", "count")} for e in part["dfg"]]
    assert pmap.start.to_dicts() == part["start"]
    empty = process_map_of({})
    assert empty.activities.height == 0 and empty.edges.height == 0


def test_safe_svg_removes_everything_active():
    svg = (b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><!-- c -->'
           b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10pt" '
           b'height="10pt" viewBox="0 0 10 10" onload="alert(1)"><script>alert(2)</script>'
           b'<a xlink:href="javascript:alert(3)"><text style="x" onclick="alert(4)">keep</text></a>'
           b'<foreignObject><div>x</div></foreignObject><image href="http://example.com/x.png"/>'
           b'<use href="#n1"/></svg>')
    out = safe_svg(svg)
    assert "alert" not in out and "script" not in out and "foreignObject" not in out and "http://example" not in out
    root = parsed(out).tags[0]
    assert "keep" in out and root[0] == "svg" and root[1]["id"] == "process-map" and "width" not in root[1]


def test_map_that_cannot_be_drawn_is_a_note(monkeypatch):
    """dot failing or too slow (a ResourceLimit) costs the map, not the page; the caller hears of it."""
    import journeylog.render.graph as G
    from journeylog.errors import ResourceLimit

    def slow(*_a, **_k):
        raise ResourceLimit("Graphviz 'dot' did not finish rendering .svg within 1 s", hint="filter the log")

    monkeypatch.setattr(G, "dot_available", lambda: True)
    monkeypatch.setattr(G, "render_bytes", slow)
    problems: list[str] = []
    html = H.render_report({"discover": discover_doc()}, command="c", version="1", generated="", problems=problems)
    assert problems == ["the map could not be drawn: Graphviz 'dot' did not finish rendering .svg within 1 s (filter the log)"]
    assert "The map could not be drawn: Graphviz &#39;dot&#39; did not finish" in html and 'id="variants"' in html


def test_a_level_too_large_to_draw_is_named_not_drawn(monkeypatch):
    """A level other than the default with more paths than Graphviz lays out in reasonable time
    (every path of 30 steps that all follow each other: 870 paths) is not handed to dot; the page
    and the caller say which level was left out and how to write it. The default is drawn."""
    import journeylog.render.graph as G
    from journeylog.render.html.svgmap import MAX_DRAWN_PATHS, map_levels

    names = [f"Step {i:02d}" for i in range(30)]
    d = discover_doc()
    d["activities"] = len(names)
    d["activity_stats"] = [{"activity": n, "count": 10, "journeys": 10, "channel": "web"} for n in names]
    d["dfg"] = [{"from": a, "to": b, "count": 1, "median_seconds": 1.0, "p90_seconds": 1.0}
                for a in names for b in names if a != b]
    d["start"], d["end"] = [{"activity": names[0], "count": 10}], [{"activity": names[-1], "count": 10}]
    small = discover_doc()
    d["map"] = {"activities_shown": 3, "activities_total": 30, "paths_shown": 5, "paths_total": 872,
                **{k: small[k] for k in ("activity_stats", "dfg", "start", "end")}}
    levels = map_levels(d)
    assert [(lv.label, lv.paths, lv.drawn) for lv in levels] == [("default", 5, True), ("every path", 872, False)]
    assert levels[-1].paths > MAX_DRAWN_PATHS
    drawn: list[int] = []

    def fake(pm, fmt):  # type: ignore[no-untyped-def]
        drawn.append(pm.edges.height)
        return b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"></svg>'

    monkeypatch.setattr(G, "dot_available", lambda: True)
    monkeypatch.setattr(G, "render_bytes", fake)
    problems: list[str] = []
    html = H.render_report({"discover": d}, command="c", version="1", generated="", problems=problems)
    assert drawn == [3]  # the default's three paths between steps; the 870 are never laid out
    assert problems == ["the map's 'every path' level (872 paths over 30 steps) is not drawn: Graphviz takes minutes "
                        "to lay out more than 500 paths (journeylog discover LOG --activities 1 --paths 1 --graph "
                        "map.dot writes it)"]
    assert "The map&#39;s &#39;every path&#39; level (872 paths over 30 steps) is not drawn" in html
    assert 'id="process-map"' in html
