"""discover's map as shown: the knobs, what was hidden, the projection, connectivity, the
switch kinds, and the graph drawn from it (perf labels, hover titles)."""

from __future__ import annotations

import math
import re
import shutil
from collections import Counter
from itertools import pairwise

import polars as pl
import pytest

from factories import SAMPLE
from journeylog import discover as D
from journeylog import schema as S
from journeylog.explain.wording import map_shown
from journeylog.ingest import read_events
from journeylog.journeys.simplify import END, START, arcs_of
from journeylog.render.graph import render_bytes, to_dot
from journeylog.text import human_duration

REAL = ["08_receipt.xes.gz", "14_Billing_1t_per_variant.xes.gz", "06_bpic2013_closed.xes.gz", "02_teleclaims.xes.gz"]


@pytest.fixture(scope="module")
def sample_events():
    from journeylog.ingest import ingest

    return ingest(SAMPLE / "sources.yaml").events


def journeys_of(events: pl.DataFrame) -> list[list[str]]:
    ordered = events.sort(S.JOURNEY_ID, S.TIMESTAMP, S.INPUT_ORDER)
    return [list(g[S.ACTIVITY]) for _k, g in ordered.group_by(S.JOURNEY_ID, maintain_order=True)]


def plain_arcs(traces: list[list[str]]) -> Counter:
    """The map's arcs counted straight from the journeys (start and end as strings)."""
    arcs: Counter = Counter()
    for t in traces:
        if not t:
            continue
        path = ["<start>", *t, "<end>"]
        arcs.update(pairwise(path))
    return arcs


def as_plain(arcs: dict) -> dict:
    return {("<start>" if a is START else a, "<end>" if b is END else b): c for (a, b), c in arcs.items()}


def connected(view) -> bool:
    arcs = list(arcs_of(view.process_map))
    acts = set(view.process_map.activities["activity"].to_list())
    fwd, bwd = {START}, {END}
    for _ in range(len(acts) + 2):
        fwd |= {b for a, b in arcs if a in fwd}
        bwd |= {a for a, b in arcs if b in bwd}
    return acts <= fwd and acts <= bwd


def test_showing_counts_against_the_journeys(sample_events):
    d = D.discover(sample_events, D.DiscoverOptions(model=False, activities=0.8, paths=0.2))
    traces = journeys_of(sample_events)
    counts = Counter(a for t in traces for a in t)
    ranked = sorted(counts, key=lambda a: (-counts[a], a))
    total = sum(counts.values())
    kept = next(ranked[:i] for i in range(1, len(ranked) + 1) if sum(counts[a] for a in ranked[:i]) >= 0.8 * total)
    v = d.map_view
    assert v is not None
    assert v.activities_total == len(counts) and v.paths_total == len(plain_arcs(traces))
    assert sorted(v.process_map.activities["activity"].to_list()) == sorted(kept)
    # the shown arcs are arcs of the log projected on the kept activities, with their counts
    projected = plain_arcs([[a for a in t if a in set(kept)] for t in traces])
    shown = as_plain(arcs_of(v.process_map))
    assert all(projected[arc] == c for arc, c in shown.items())
    strong = max(1, math.ceil(0.2 * len(projected)))
    assert v.paths_shown == len(shown) == strong + v.repaired
    assert connected(v)
    out = D.to_json(d)["map"]
    assert (out["activities_shown"], out["activities_total"], out["paths_shown"], out["paths_total"]) == (
        len(kept), len(counts), len(shown), len(plain_arcs(traces)))
    assert map_shown(out["activities_shown"], out["activities_total"], out["paths_shown"], out["paths_total"], 0.8, 0.2) == (
        f"map: showing {len(kept)} of {len(counts)} activities and {len(shown)} of {len(plain_arcs(traces))} paths "
        "(--activities 0.8 --paths 0.2); --activities 1 --paths 1 for all")


def test_all_knobs_at_one_show_the_full_map(sample_events):
    d = D.discover(sample_events, D.DiscoverOptions(model=False, activities=1, paths=1))
    assert d.map_view is not None and d.map_view.complete
    assert as_plain(arcs_of(d.map_view.process_map)) == dict(plain_arcs(journeys_of(sample_events)))


def test_min_edge_share_still_filters_and_keeps_connected(sample_events):
    d = D.discover(sample_events, D.DiscoverOptions(model=False, min_edge_share=0.05, paths=1, activities=1))
    journeys = d.journeys_in_map
    assert d.map_view is not None and connected(d.map_view)
    assert all(c >= 0.05 * journeys for c in d.map_view.process_map.edges["count"].to_list())


def test_switch_kinds_rank_the_customer_first(sample_events):
    rows = D.to_json(D.discover(sample_events, D.DiscoverOptions(model=False)))["channel_switches"]
    kinds = [r["kind"] for r in rows]
    assert kinds == sorted(kinds, key=D.SWITCH_KINDS.index)
    customer = set(S.CUSTOMER_CHANNELS)
    for r in rows:
        both = r["from"] in customer and r["to"] in customer
        internal = r["from"] in S.INTERNAL_CHANNELS or r["to"] in S.INTERNAL_CHANNELS
        assert r["kind"] == ("handoff" if internal else "customer" if both else "other")
    assert {"customer", "handoff"} <= set(kinds)


@pytest.mark.parametrize("stat", ["median", "p90"])
def test_perf_labels_equal_the_figures_of_discover(sample_events, stat):
    d = D.discover(sample_events, D.DiscoverOptions(model=False, activities=1, paths=0.3))
    text = to_dot(d.shown_map, perf=stat)
    labels = re.findall(r'(n\d+|start) -> (n\d+|end) \[label="([^"]*)"', text)
    acts = d.shown_map.activities.sort(["count", "activity"], descending=[True, False])["activity"].to_list()
    ids = {f"n{i}": a for i, a in enumerate(acts, start=1)}
    edges = {(r["from"], r["to"]): r for r in d.shown_map.edges.iter_rows(named=True)}
    checked = 0
    for src, dst, label in labels:
        if src == "start" or dst == "end":
            continue
        row = edges[(ids[src], ids[dst])]
        want = (f"p90 {human_duration(row['p90_seconds'])}" if stat == "p90"
                else f"{human_duration(row['median_seconds'])}\\n(p90 {human_duration(row['p90_seconds'])})")
        assert label == want
        checked += 1
    assert checked == d.shown_map.edges.height
    for node_id, name in ids.items():
        row = d.shown_map.activities.filter(pl.col("activity") == name).row(0, named=True)
        value = row["p90_seconds" if stat == "p90" else "median_seconds"]
        line = next(ln for ln in text.splitlines() if ln.startswith(f"  {node_id} ["))
        assert (f"{stat} {human_duration(value)}" if value is not None else "always the last step") in line
    assert f'label="{stat} time"' in text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_svg_hover_titles_show_no_internal_ids(sample_events):
    d = D.discover(sample_events, D.DiscoverOptions(model=False))
    svg = render_bytes(d.shown_map, "svg").decode()
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert titles and not [t for t in titles if re.search(r"\b(n\d+|l\d+|node\d+|edge\d+)\b", t)]
    assert "<!--" not in svg
    assert any(t.startswith("Place order\n") and "events" in t and "web" in t for t in titles)


def test_real_logs_default_maps_are_connected_and_small(shared_data):
    for name in REAL:
        events = read_events(shared_data / "pm4py-core" / "logs" / name)
        d = D.discover(events, D.DiscoverOptions(model=False))
        v = d.map_view
        assert v is not None and connected(v), name
        # readable by default: at most 30 boxes and about two arcs per box
        assert v.activities_shown <= 30, name
        assert v.paths_shown <= max(20, 3 * (v.activities_shown + 2)), name


@pytest.mark.parametrize("perf", [False, True])
def test_the_json_map_draws_the_same_picture(sample_events, perf):
    """A report built from saved --json output draws what discover drew."""
    import json

    d = D.discover(sample_events, D.DiscoverOptions(model=False))
    saved = json.loads(json.dumps(D.to_json(d)))
    assert to_dot(D.shown_map_of_json(saved), perf=perf) == to_dot(d.shown_map, perf=perf)
    old = {k: v for k, v in saved.items() if k != "map"}  # an output written before the map existed
    assert to_dot(D.shown_map_of_json(old)) == to_dot(D.shown_map_of_json({**saved, "map": None}))


def test_cli_says_what_was_hidden(run_main, tmp_path):
    import json

    code, _out, err = run_main("discover", str(SAMPLE / "sources.yaml"), "--no-model", "--activities", "0.8", "--paths",
                               "0.1", "--json", "d.json", "--graph", "m.dot", cwd=tmp_path)
    assert code == 0
    m = json.loads((tmp_path / "d.json").read_text())["map"]
    line = (f"map: showing {m['activities_shown']} of {m['activities_total']} activities and {m['paths_shown']} of "
            f"{m['paths_total']} paths (--activities 0.8 --paths 0.1); --activities 1 --paths 1 for all")
    assert line in " ".join(err.split())
    dot = (tmp_path / "m.dot").read_text()
    assert len(re.findall(r"^  (?:n\d+|start) -> ", dot, flags=re.M)) == m["paths_shown"]
    assert len(re.findall(r"^  n\d+ \[label=", dot, flags=re.M)) == m["activities_shown"] < m["activities_total"]


@pytest.mark.parametrize(("flag", "value"), [("--activities", "0"), ("--paths", "1.5"), ("--perf-stat", "mean")])
def test_cli_bad_knob_names_the_flag(run_main, tmp_path, flag, value):
    code, _out, err = run_main("discover", str(SAMPLE / "sources.yaml"), "--no-model", flag, value, cwd=tmp_path)
    assert code == 2 and flag in err
