"""The process-map graph exports: DOT/SVG/PNG/GraphML/Mermaid/JSON, escaping, determinism, errors."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
import stat
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import polars as pl
import pytest

from factories import event_frame
from journeylog.errors import INVALID_INPUT, USAGE, InvalidInput, ResourceLimit, UsageError
from journeylog.journeys import process_map
from journeylog.render import graph as rg
from journeylog.render.graph import (
    GRAPH_FORMATS,
    channel_colour,
    dot_available,
    dot_quote,
    human_duration,
    to_dot,
    to_graphml,
    to_json,
    to_mermaid,
    write_graph,
)
from journeylog.render.graph.colours import COUNT_SHADES, PALETTE, UNKNOWN_COLOUR

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)

EVIL_NAMES = [
    'evil" shape=box',
    "C:\\temp\\",
    '<x> URL="javascript:alert(1)"',
    '<<TABLE><TR><TD><IMG SRC="/etc/passwd"/></TD></TR></TABLE>>',
    "two\nlines",
    "tab\there",
    "\\N \\G \\L and &amp; &lt;b&gt; a & b",
    "Zahlung bestätigt ✓ 支付 📞 مرحبا",
    "x" * 20_000,
]


@pytest.fixture(autouse=True)
def _needs_dot(request):
    """Tests marked needs_dot skip without Graphviz, but fail under CI=true."""
    if request.node.get_closest_marker("needs_dot") and shutil.which("dot") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Graphviz 'dot' is required under CI=true")
        pytest.skip("Graphviz 'dot' is not installed")


def events(journeys: list[list[tuple[str, str]]], *, step_seconds: float = 3600) -> pl.DataFrame:
    """One journey per list of (activity, channel); events step_seconds * (i + 1) apart."""
    rows = []
    order = 0
    for j, steps in enumerate(journeys, start=1):
        t = T0 + dt.timedelta(days=j)
        for i, (activity, channel) in enumerate(steps):
            rows.append((f"j{j}", t, order, activity, channel))
            order += 1
            t += dt.timedelta(seconds=step_seconds * (i + 1))
    return event_frame(rows, ("journey_id", "timestamp", "input_order", "activity", "channel"))


def simple_map():
    return process_map(events([
        [("Browse", "web"), ("Order", "web"), ("Deliver", "field")],
        [("Browse", "web"), ("Call", "phone"), ("Order", "web"), ("Deliver", "field")],
        [("Open app", "app"), ("Order", "web")],
        [("Browse", "web"), ("Order", "web"), ("Deliver", "field")],
    ]))


def evil_map():
    # a chain through every evil name, plus a second journey so counts differ
    channels = ["web", "phone", "chat", "email", "app", "sms", "store", "kiosk", "unknown"]
    chain = list(zip(EVIL_NAMES, channels, strict=True))
    return process_map(events([chain, chain[:3]]))


def empty_map():
    return process_map(events([]))


def display(name: str) -> str:
    """What the picture should show for a name (whitespace ignored by the comparisons)."""
    name = name.replace("\t", " ")
    return name if len(name) <= rg.MAX_LABEL_CHARS else name[: rg.MAX_LABEL_CHARS - 1] + "\u2026"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def run_dot(dot_text: str, fmt: str = "svg") -> subprocess.CompletedProcess:
    return subprocess.run(["dot", f"-T{fmt}"], input=dot_text.encode(), capture_output=True, timeout=60)


def svg_tree(svg: bytes) -> ET.Element:
    return ET.fromstring(svg)


def nodes_of(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]


def edges_of(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]


def legend_size(pmap) -> int:
    """Channels of the legend: every channel of any activity's mix, none when all are unknown."""
    chans = {m["channel"] or "unknown" for mix in pmap.activities["channel_mix"].to_list() for m in mix}
    return len(chans) if chans - {"unknown"} else 0


def svg_nodes_by_dot_order(root: ET.Element) -> dict[str, ET.Element]:
    """SVG node groups by their DOT id: dot numbers them node1, node2, ... in declaration order
    (start, n1, n2, ..., end, then the legend)."""
    return {g.get("id"): g for g in nodes_of(root)}


def n_edges(pmap) -> int:
    return pmap.start.height + pmap.edges.height + pmap.end.height


# --------------------------------------------------------------------------- DOT text


def test_dot_layout_terminals_and_ids():
    pm = simple_map()
    text = to_dot(pm)
    assert text.startswith("digraph journeylog {\n") and text.endswith("}\n")
    assert "rankdir=LR" in text
    assert re.search(r"^  start \[.*shape=circle", text, re.M)
    assert re.search(r"^  end \[.*shape=doublecircle", text, re.M)
    # n1.. follow count desc, then name: Order (4), Browse (3), Deliver (3), Call (1), Open app (1)
    order = re.findall(r'^  (n\d+) \[label="([^\\"]+)\\n', text, re.M)
    assert order == [("n1", "Order"), ("n2", "Browse"), ("n3", "Deliver"), ("n4", "Call"), ("n5", "Open app")]
    assert 'start -> n2 [label="3"' in text and 'n3 -> end [label="3"' in text
    assert 'n2 -> n1 [label="2"' in text
    assert "label=<" not in text and "URL" not in text and "href" not in text


def test_dot_node_shows_name_count_and_channel_colour():
    text = to_dot(simple_map())
    line = next(ln for ln in text.splitlines() if ln.startswith("  n1 ["))
    assert 'label="Order\\n4\\nweb"' in line
    # web has the most events of the map: the first palette colour, as the border
    assert f'color="{PALETTE[0]}"' in line
    # the most frequent activity has the darkest count shade
    assert f'fillcolor="{COUNT_SHADES[-1]}"' in line


def test_penwidth_log_scaled_between_1_and_6():
    pm = simple_map()
    text = to_dot(pm)
    pairs = [(int(c), float(w)) for c, w in re.findall(r'\[label="(\d+)", penwidth=([\d.]+)', text)]
    assert len(pairs) == n_edges(pm)
    top = max(c for c, _ in pairs)
    for count, width in pairs:
        assert 1.0 <= width <= 6.0
        assert width == pytest.approx(1 + 5 * math.log(count) / math.log(top), abs=0.01)
    assert {w for c, w in pairs if c == top} == {6.0} and {w for c, w in pairs if c == 1} == {1.0}


def test_perf_labels_show_median_and_p90():
    pm = simple_map()
    text = to_dot(pm, perf=True)
    # Browse -> Order: one journey 1 h, one 1 h (first step) -> median 1.0 h
    assert 'n2 -> n1 [label="1.0 h\\n(p90 1.0 h)"' in text
    # start/end edges keep their counts
    assert 'start -> n2 [label="3"' in text
    assert to_dot(pm, perf=True) != to_dot(pm)


def test_title_is_escaped():
    text = to_dot(simple_map(), title='Q1 "all" <b>\\')
    assert 'label="Q1 \\"all\\" <b>\\\\", labelloc=t' in text


def test_legend_lists_present_channels_by_events():
    text = to_dot(simple_map())
    legend = text[text.index("subgraph cluster_legend"):]
    # events: web 7 (Browse 3 + Order 4), field 3, app 1, phone 1 (ties by name)
    assert re.findall(r'l\d+ \[label="([^"]+)"', legend) == ["web", "field", "app", "phone"]
    assert "cluster_legend" not in to_dot(empty_map())


def test_legend_colours_are_the_borders():
    text = to_dot(simple_map())
    legend = dict(re.findall(r'l\d+ \[label="([^"]+)", fillcolor="#FFFFFF", fontcolor="#000000", color="(#[0-9A-F]+)"', text))
    assert legend == {"web": PALETTE[0], "field": PALETTE[1], "app": PALETTE[2], "phone": PALETTE[3]}
    deliver = next(ln for ln in text.splitlines() if ln.startswith("  n") and 'label="Deliver' in ln)
    assert f'color="{PALETTE[1]}"' in deliver


def test_channel_colours_unknown_grey_and_stable():
    assert channel_colour("unknown") == channel_colour(None) == channel_colour("") == UNKNOWN_COLOUR
    assert UNKNOWN_COLOUR not in PALETTE
    assert channel_colour("kiosk") in PALETTE and channel_colour("kiosk") == channel_colour("kiosk")


def test_no_channel_decoration_without_channels():
    pm = process_map(events([[("A", None), ("B", None)], [("A", None)]]).drop("channel"))
    text = to_dot(pm)
    assert "cluster_legend" not in text and "unknown" not in text
    line = next(ln for ln in text.splitlines() if ln.startswith("  n1 ["))
    assert 'label="A\\n2"' in line and "penwidth=1.2" in line
    assert "unknown" not in to_mermaid(pm)


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ('evil" shape=box', '"evil\\" shape=box"'),
        ("C:\\temp\\", '"C:\\\\temp\\\\"'),
        ("a\nb", '"a\\nb"'),
        ("a\r\nb", '"a\\nb"'),
        ("t\tx", '"t x"'),
        ("&lt;", '"&amp;lt;"'),
        ("\\N", '"\\\\N"'),
        ("bell\x07", '"bell\ufffd"'),
    ],
)
def test_dot_quote(name, quoted):
    assert dot_quote(name) == quoted


def test_long_label_truncated_for_display_only():
    long = "y" * 20_000
    pm = process_map(events([[(long, "web"), ("b", "web")]]))
    text = to_dot(pm)
    assert max(len(line) for line in text.splitlines()) < 1_000
    assert "y" * 30 + "\\n" in text and "\u2026" in text
    assert long in [n["label"] for n in json.loads(to_json(pm))["nodes"]]  # data exports keep the name


def test_dot_deterministic_across_row_orders():
    ev = events([[("a", "web"), ("b", "app")], [("b", "app"), ("a", "web")], [("c", "chat")]])
    pm1 = process_map(ev)
    pm2 = process_map(ev.reverse())
    shuffled = type(pm1)(
        activities=pm1.activities.reverse(), edges=pm1.edges.reverse(), start=pm1.start.reverse(), end=pm1.end.reverse()
    )
    assert to_dot(pm1) == to_dot(pm2) == to_dot(shuffled)
    assert to_json(pm1) == to_json(shuffled) and to_mermaid(pm1) == to_mermaid(shuffled)


def test_human_duration():
    assert [human_duration(s) for s in (0, 0.25, 9.96, 45, 59.97, 90, 3600 * 3.4, 86400 * 2.1, 86400 * 400)] == [
        "0 s", "0.2 s", "10 s", "45 s", "1.0 min", "1.5 min", "3.4 h", "2.1 d", "400 d",
    ]
    assert human_duration(None) == human_duration(float("nan")) == "n/a"


# --------------------------------------------------------------------------- rendering with dot


@pytest.mark.needs_dot
@pytest.mark.parametrize("kind", ["simple", "evil", "empty"])
@pytest.mark.parametrize("perf", [False, True])
def test_dot_renders_every_dot_text(kind, perf):
    pm = {"simple": simple_map, "evil": evil_map, "empty": empty_map}[kind]()
    proc = run_dot(to_dot(pm, perf=perf, title=EVIL_NAMES[3]))
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"Warning" not in proc.stderr and b"Error" not in proc.stderr


@pytest.mark.needs_dot
def test_written_dot_file_renders(tmp_path):
    for i, pm in enumerate((simple_map(), evil_map(), empty_map())):
        out = tmp_path / f"m{i}.dot"
        write_graph(pm, out, title="t")
        proc = subprocess.run(["dot", "-Tsvg", str(out)], capture_output=True, timeout=60)
        assert proc.returncode == 0, proc.stderr.decode()


@pytest.mark.needs_dot
def test_injection_names_render_literally_in_svg(tmp_path):
    pm = evil_map()
    out = tmp_path / "evil.svg"
    write_graph(pm, out, title=EVIL_NAMES[2])
    raw = out.read_bytes()
    root = svg_tree(raw)
    # no links, no images, no hrefs anywhere
    assert not list(root.iter(f"{SVG}a")) and not list(root.iter(f"{SVG}image"))
    assert all(XLINK_HREF not in el.attrib and "href" not in el.attrib for el in root.iter())
    assert b"<a " not in raw and b"<image" not in raw and b"javascript" not in raw.replace(b"javascript:alert(1)", b"")
    # exactly our nodes and edges
    assert len(nodes_of(root)) == pm.activities.height + 2 + legend_size(pm)
    assert len(edges_of(root)) == n_edges(pm)
    # every name shows literally, in the node declared for it (start is node1, n1 is node2, ...)
    by_id = svg_nodes_by_dot_order(root)
    names = pm.activities.sort(["count", "activity"], descending=[True, False])["activity"].to_list()
    for i, name in enumerate(names, start=1):
        texts = [t.text or "" for t in by_id[f"node{i + 1}"].iter(f"{SVG}text")]
        assert squash("".join(texts[:-2])) == squash(display(name)), name[:60]
        assert texts[-2] == str(pm.activities.filter(pl.col("activity") == name)["count"][0])
        # the hover text names the activity, never an id
        hover = by_id[f"node{i + 1}"].find(f"{SVG}title").text
        assert squash(hover).startswith(squash(display(name))[:50]) and not re.fullmatch(r"n\d+", hover)
    # activity nodes are boxes (polygon), whatever the names say
    for i in range(1, len(names) + 1):
        node = by_id[f"node{i + 1}"]
        assert node.find(f"{SVG}polygon") is not None or node.find(f"{SVG}path") is not None
    title_text = [t.text for t in root.iter(f"{SVG}text")][0]
    assert title_text == EVIL_NAMES[2]


@pytest.mark.needs_dot
def test_injection_adds_no_attributes():
    """dot's own parse of the DOT text: activity nodes carry only the attributes we set."""
    pm = evil_map()
    text = to_dot(pm)
    assert "label=<" not in text and "URL" not in text.replace('URL=\\"javascript', "")
    proc = run_dot(text, "json0")
    assert proc.returncode == 0
    objects = json.loads(proc.stdout)["objects"]
    acts = [o for o in objects if re.fullmatch(r"n\d+", o.get("name", ""))]
    assert len(acts) == pm.activities.height
    plain = json.loads(run_dot(to_dot(simple_map()), "json0").stdout)["objects"]
    expected_keys = set(next(o for o in plain if o.get("name") == "n1"))
    for o in acts:
        assert set(o) == expected_keys
        assert o["shape"] == "box" and o["style"] == "rounded,filled"
        assert not {"URL", "href", "image", "tooltip", "target"} & set(o)  # hover text: SVG <title>
    names = {o["name"] for o in objects if "nodes" not in o and "subgraphs" not in o}  # nodes, not subgraphs
    assert names == {f"n{i}" for i in range(1, pm.activities.height + 1)} | {"start", "end"} | {
        f"l{i}" for i in range(1, legend_size(pm) + 1)
    }


@pytest.mark.needs_dot
def test_newline_name_becomes_two_text_lines(tmp_path):
    pm = process_map(events([[("two\nlines", "web")]]))
    out = tmp_path / "nl.svg"
    write_graph(pm, out)
    root = svg_tree(out.read_bytes())
    texts = [t.text for t in svg_nodes_by_dot_order(root)["node2"].iter(f"{SVG}text")]
    assert texts == ["two", "lines", "1", "web"]


@pytest.mark.needs_dot
def test_empty_map_renders_start_and_end(tmp_path):
    pm = empty_map()
    out = tmp_path / "empty.svg"
    write_graph(pm, out)
    root = svg_tree(out.read_bytes())
    assert sorted(g.find(f"{SVG}title").text for g in nodes_of(root)) == ["end", "start"]
    assert edges_of(root) == []
    data = json.loads(to_json(pm))
    assert [n["kind"] for n in data["nodes"]] == ["start", "end"] and data["edges"] == []
    g = nx.read_graphml(_write(tmp_path / "e.graphml", to_graphml(pm)))
    assert sorted(g.nodes) == ["end", "start"]
    assert to_mermaid(pm).startswith("flowchart LR\n")


@pytest.mark.needs_dot
def test_png_is_a_png(tmp_path):
    out = tmp_path / "m.png"
    write_graph(simple_map(), out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize(
    "suffix",
    [pytest.param(s, marks=pytest.mark.needs_dot) if s in (".svg", ".png") else s for s in GRAPH_FORMATS],
)
@pytest.mark.parametrize("perf", [False, True])
def test_every_format_byte_identical_on_two_runs(tmp_path, suffix, perf):
    a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    write_graph(evil_map(), a, perf=perf, title="Journeys")
    write_graph(evil_map(), b, perf=perf, title="Journeys")
    assert a.read_bytes() == b.read_bytes()
    assert a.stat().st_size > 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_suffix_is_case_insensitive(tmp_path):
    write_graph(simple_map(), tmp_path / "m.JSON")
    assert json.loads((tmp_path / "m.JSON").read_text())["nodes"]


# --------------------------------------------------------------------------- GraphML, JSON, Mermaid


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_graphml_round_trips_with_counts(tmp_path):
    pm = simple_map()
    g = nx.read_graphml(_write(tmp_path / "m.graphml", to_graphml(pm)))
    assert isinstance(g, nx.DiGraph)
    assert g.number_of_nodes() == pm.activities.height + 2
    assert g.number_of_edges() == n_edges(pm)
    by_label = {d["label"]: (n, d) for n, d in g.nodes(data=True)}
    n_order, d_order = by_label["Order"]
    assert n_order == "n1" and d_order["count"] == 4 and d_order["journeys"] == 4 and d_order["channel"] == "web"
    assert d_order["kind"] == "activity"
    assert g.nodes["start"]["kind"] == "start" and g.nodes["end"]["kind"] == "end"
    browse = by_label["Browse"][0]
    e = g.edges[browse, "n1"]
    assert e["count"] == 2 and e["median_seconds"] == pytest.approx(3600.0) and e["p90_seconds"] == pytest.approx(3600.0)
    assert g.edges["start", browse]["count"] == 3
    assert g.edges["n3", "end"]["count"] == 3


def test_graphml_keeps_evil_names_as_data(tmp_path):
    pm = evil_map()
    g = nx.read_graphml(_write(tmp_path / "evil.graphml", to_graphml(pm)))
    labels = {d["label"] for n, d in g.nodes(data=True) if d["kind"] == "activity"}
    assert labels == set(EVIL_NAMES)


def test_json_shape_and_format():
    pm = simple_map()
    text = to_json(pm)
    assert text.endswith("}\n") and text.startswith('{\n  "edges": [')
    data = json.loads(text)
    assert list(data) == ["edges", "nodes"]
    assert [n["id"] for n in data["nodes"]] == ["start", "n1", "n2", "n3", "n4", "n5", "end"]
    n1 = data["nodes"][1]
    # Order is followed by Deliver after 2 h, 3 h and 2 h (and ends one journey): median 2 h,
    # p90 2 h + 0.8 * 1 h (linear interpolation at 0.9 * 2)
    assert n1 == {"id": "n1", "label": "Order", "kind": "activity", "count": 4, "journeys": 4, "channel": "web",
                  "channels": ["web"], "channel_mix": [{"channel": "web", "events": 4}],
                  "median_seconds": 7200.0, "p90_seconds": 10080.0}
    ids = {n["id"] for n in data["nodes"]}
    for e in data["edges"]:
        assert set(e) == {"from", "to", "count", "median_seconds", "p90_seconds", "label"}
        assert e["from"] in ids and e["to"] in ids
    flow = next(e for e in data["edges"] if (e["from"], e["to"]) == ("n2", "n1"))
    assert flow["count"] == 2 and flow["median_seconds"] == 3600.0
    assert sum(e["count"] for e in data["edges"] if e["from"] == "start") == 4
    perf_flow = next(e for e in json.loads(to_json(pm, perf=True))["edges"] if (e["from"], e["to"]) == ("n2", "n1"))
    assert perf_flow["label"] == "1.0 h\n(p90 1.0 h)"


def test_json_keeps_evil_names():
    data = json.loads(to_json(evil_map()))
    assert {n["label"] for n in data["nodes"] if n["kind"] == "activity"} == set(EVIL_NAMES)


def test_mermaid_escapes_names():
    pm = evil_map()
    text = to_mermaid(pm)
    assert text.startswith("flowchart LR\n") and text.endswith("\n")
    for line in text.splitlines():
        m = re.match(r'\s+n\d+\["(.*)"\]:::ch\d+$', line)
        if m:
            label = m.group(1)
            assert '"' not in label and "`" not in label and "\\" not in label
            assert "<" not in label.replace("<br>", "") and ">" not in label.replace("<br>", "")
            assert "\n" not in label and "%%" not in label
    assert "#34;" in text  # quotes as entity codes
    # node ids never use Mermaid's reserved word 'end'
    assert not re.search(r"(^|\s)end(\s|\[|\(|$)", text.replace("  end\n", "\n"))
    assert 'jl_end((("end")))' in text and 'jl_start(("start"))' in text
    n_links = sum(1 for line in text.splitlines() if "-->" in line or "-.->" in line)
    assert n_links == n_edges(pm)


def test_mermaid_labels_and_classes():
    text = to_mermaid(simple_map())
    assert 'n1["Order<br>4<br>web"]:::ch1' in text
    assert 'n2 -->|"2"| n1' in text
    assert f"classDef ch1 fill:{PALETTE[0]}" in text
    assert 'subgraph legend["Channels"]' in text
    assert '-->|"1.0 h<br>(p90 1.0 h)"|' in to_mermaid(simple_map(), perf=True)


# --------------------------------------------------------------------------- errors


def test_missing_dot_raises_invalid_input_and_writes_nothing(tmp_path, monkeypatch):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    assert not dot_available()
    for suffix in (".svg", ".png"):
        out = tmp_path / f"m{suffix}"
        with pytest.raises(InvalidInput) as info:
            write_graph(simple_map(), out)
        err = info.value
        assert err.code == INVALID_INPUT == 3
        assert err.message == f"cannot render {suffix}: Graphviz 'dot' is not installed"
        assert err.hint == "apt-get install graphviz, or write .dot" and err.path == str(out)
        assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]
    # .dot (and the other text formats) never need the binary
    for suffix in (".dot", ".graphml", ".mmd", ".json"):
        write_graph(simple_map(), tmp_path / f"m{suffix}")
        assert (tmp_path / f"m{suffix}").stat().st_size > 0


def test_missing_dot_via_which_keeps_existing_file(tmp_path, monkeypatch):
    out = tmp_path / "m.svg"
    out.write_text("old")
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(InvalidInput, match="apt-get install graphviz"):
        write_graph(simple_map(), out)
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.svg"]


def _fake_dot(tmp_path: Path, body: str) -> str:
    """A folder holding a fake ``dot`` shell script, for PATH."""
    bindir = tmp_path / "fakebin"
    bindir.mkdir()
    exe = bindir / "dot"
    exe.write_text("#!/bin/sh\n" + body + "\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return f"{bindir}{os.pathsep}/usr/bin{os.pathsep}/bin"


def test_failing_dot_raises_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _fake_dot(tmp_path, "cat >/dev/null; echo 'Error: syntax error in line 1' >&2; exit 1"))
    out = tmp_path / "m.svg"
    with pytest.raises(InvalidInput, match="syntax error in line 1"):
        write_graph(simple_map(), out)
    assert not out.exists()


def test_slow_dot_times_out(tmp_path, monkeypatch, request):
    from journeylog import settings

    settings.use(settings.Settings(dot_timeout=0.5))
    request.addfinalizer(lambda: settings.use(None))
    monkeypatch.setenv("PATH", _fake_dot(tmp_path, "exec sleep 30"))
    out = tmp_path / "m.png"
    with pytest.raises(ResourceLimit, match="did not finish"):
        write_graph(simple_map(), out)
    assert not out.exists()


@pytest.mark.parametrize("suffix", GRAPH_FORMATS)
def test_directory_path_is_usage_error(tmp_path, suffix):
    target = tmp_path / f"out{suffix}"
    target.mkdir()
    with pytest.raises(UsageError, match="is a directory") as info:
        write_graph(simple_map(), target)
    assert info.value.code == USAGE and info.value.path == str(target)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    assert list(target.iterdir()) == []


def test_missing_folder_is_usage_error(tmp_path):
    with pytest.raises(UsageError, match="folder does not exist"):
        write_graph(simple_map(), tmp_path / "nope" / "m.json")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["m.pdf", "m", "m.svgz", "m.dot.gz"])
def test_unknown_suffix_is_usage_error_listing_formats(tmp_path, name):
    with pytest.raises(UsageError) as info:
        write_graph(simple_map(), tmp_path / name)
    assert info.value.code == USAGE
    for suffix in GRAPH_FORMATS:
        assert suffix in info.value.hint
    assert list(tmp_path.iterdir()) == []
