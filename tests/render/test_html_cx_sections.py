"""The report's contact-classes, funnel and emotion sections: each from its own analysis run on a
small hand-built log with hostile names (the names render as text; the figures are the ones an
independent count gives), the emotion curve's geometry, the left-out notes, and determinism."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from test_html_report import EVIL_QUOTE, EVIL_SCRIPT, EVIL_STYLE, parsed

from factories import event_frame, funnel_oracle
from journeylog.render import html as H
from journeylog.render.html import cx_sections as X

T0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
COLUMNS = ("journey_id", "customer_id", "timestamp", "channel", "activity", "outcome", "contact_reason")


def hostile_log():
    """Six journeys through three hostile steps; some stop early, some call (on hostile reasons)."""
    a, b, c = EVIL_SCRIPT, EVIL_STYLE, EVIL_QUOTE
    plan = {"j1": [a, b, c], "j2": [a, b, c], "j3": [a, b], "j4": [a], "j5": [b, c], "j6": [a, "call", b, c]}
    rows = []
    for j, steps in plan.items():
        for i, step in enumerate(steps):
            phone = step == "call"
            rows.append((j, f"c{j}", T0 + dt.timedelta(days=int(j[1:]), hours=i), "phone" if phone else "web",
                         step, "failure" if (j == "j3" and step == b) else "success", EVIL_QUOTE if phone else None))
    rows.append(("j3", "cj3", T0 + dt.timedelta(days=3, hours=5), "phone", "call", "success", EVIL_SCRIPT))
    return event_frame(rows, COLUMNS)


def page(contracts, **kw):
    return H.render_report(contracts, command="journeylog report x", version="9.9", generated="", **kw)


def assert_text_only(html: str, names=(EVIL_SCRIPT, EVIL_STYLE, EVIL_QUOTE)) -> None:
    tags = parsed(html)
    assert "img" not in [t for t, _ in tags.tags]
    assert not [(t, k) for t, a in tags.tags for k in a if k.lower().startswith("on")]
    text = "".join(tags.text)
    for name in names:
        assert name in text
    for name in (EVIL_SCRIPT, EVIL_STYLE):
        assert name not in html


@pytest.fixture(scope="module")
def funnel_doc():
    from journeylog.cx.funnel import FunnelOptions, funnel

    return funnel(hostile_log(), None, [EVIL_SCRIPT, EVIL_STYLE, EVIL_QUOTE], FunnelOptions(settle=dt.timedelta(0))).to_json()


def test_funnel_section_shows_its_own_analysis(funnel_doc):
    html = page({"funnel": funnel_doc})
    assert_text_only(html)
    section = re.search(r'<section id="funnel".*?</section>', html, re.S).group(0)
    shown = re.findall(r'<td class="step-name">(.*?)</td>.*?<span class="num">([\d,]+)</span>', section, re.S)
    rows = hostile_log().to_dicts()
    oracle = funnel_oracle(rows, [EVIL_SCRIPT, EVIL_STYLE, EVIL_QUOTE], dt.timedelta(0))
    import html as htmllib

    assert [(htmllib.unescape(s), int(n)) for s, n in shown] == [
        (s, len(oracle["reach"][k])) for k, s in enumerate([EVIL_SCRIPT, EVIL_STYLE, EVIL_QUOTE])]
    # every drop-off statement of the contract is on the page, as text
    text = "".join(parsed(html).text)
    assert all(d["statement"] in text for d in funnel_doc["drop_offs"] if d["journeys"])


def test_contacts_section_shows_its_own_analysis():
    from journeylog.cx.contacts import contacts

    doc = contacts(hostile_log()).to_json()
    assert doc["contacts"] == 2  # the two calls
    html = page({"contacts": doc})
    assert_text_only(html, names=(EVIL_SCRIPT, EVIL_QUOTE))  # the reasons
    section = re.search(r'<section id="contacts".*?</section>', html, re.S).group(0)
    assert "2 assisted contacts" in section
    for k in doc["classes"]:
        assert f'{k["class"]}</span> <span class="num">{X.fmt_share(k["share"])}</span> ({k["contacts"]})' in section
    # the stacked bar's widths are the classes' counts over all contacts
    widths = [float(w) for w in re.findall(r'<rect class="cls\d" x="[\d.]+" width="([\d.]+)"', section)]
    assert sorted(widths) == sorted(100 * k["contacts"] / 2 for k in doc["classes"] if k["contacts"])


def emotion_doc(thin: tuple[bool, ...] = (False, True, False)) -> dict:
    steps = (EVIL_SCRIPT, EVIL_STYLE, EVIL_QUOTE)
    means = (4.1, 2.5, 3.3)
    points = [{"step": s, "channel": None, "responses": 40 if not t else 3, "mean": m, "median": m,
               "ci_low": m - 0.3, "ci_high": m + 0.3, "top2_share": None, "nps": None, "nps_ci_low": None,
               "nps_ci_high": None, "promoters_share": None, "detractors_share": None, "thin": t,
               "desired": 4.0, "gap": m - 4.0, "shortfall": 4.0 - m} for s, m, t in zip(steps, means, thin, strict=True)]
    return {"metric": "csat", "metric_label": "CSAT (1-5)", "scale_low": 1.0, "scale_high": 5.0,
            "lower_is_better": False, "by": None, "min_responses": 30, "journeys": 50,
            "placement": {"responses": 83, "synchronised": 83, "after_log_move": 0, "unplaced": 0},
            "points": points, "thin_points": [p["step"] for p in points if p["thin"]], "desired": "d.yaml",
            "gaps": sorted(points, key=lambda p: -p["shortfall"]), "statements": [f"'{EVIL_STYLE}' scores worst"],
            "split": None, "detractors": None, "sentiment": None, "notes": []}


def test_emotion_curve_geometry():
    doc = emotion_doc()
    html = page({"emotion": doc})
    assert_text_only(html)
    section = re.search(r'<section id="emotion".*?</section>', html, re.S).group(0)
    circles = re.findall(r'<circle class="(thin|dot)" cx="([\d.]+)" cy="([\d.]+)"', section)
    assert [c[0] == "thin" for c in circles] == [p["thin"] for p in doc["points"]]  # thin points hollow
    ys = [float(c[2]) for c in circles]
    # higher score, higher on the page (smaller y); equal spacing on the scale 1-5
    assert sorted(range(3), key=lambda i: ys[i]) == sorted(range(3), key=lambda i: -doc["points"][i]["mean"])
    per_point = (ys[1] - ys[0]) / (doc["points"][1]["mean"] - doc["points"][0]["mean"])
    assert (ys[2] - ys[0]) == pytest.approx(per_point * (doc["points"][2]["mean"] - doc["points"][0]["mean"]), abs=0.2)
    desired = re.search(r'<polyline class="desired" fill="none" points="([^"]+)"', section).group(1)
    assert len({p.split(",")[1] for p in desired.split()}) == 1  # one desired score: a flat line
    assert '<polygon class="band"' in section
    assert "Hollow points have fewer than 30 responses" in section
    figure = X.emotion_figures(doc)[0]
    assert figure.value == "1.5" and EVIL_STYLE in figure.explanation


def test_left_out_analyses_are_said_on_the_page():
    html = page({"funnel": {"funnel": [], "drop_offs": []}}, omitted=[f"emotion left out: no {EVIL_SCRIPT} score"])
    assert 'id="funnel"' not in html
    assert_text_only(html, names=(EVIL_SCRIPT,))
    assert "emotion left out: no" in html


def test_new_sections_are_deterministic(monkeypatch, funnel_doc):
    from journeylog.cx.contacts import contacts

    contracts = {"contacts": contacts(hostile_log()).to_json(), "funnel": funnel_doc, "emotion": emotion_doc()}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    a = H.render_report(contracts, command="c", version="1")
    b = H.render_report(dict(reversed(list(contracts.items()))), command="c", version="1")
    assert a == b
    assert [m for m in re.findall(r'<section id="([a-z-]+)"', a)] == ["figures", "contacts", "funnel", "emotion",
                                                                      "how-to-read"]
