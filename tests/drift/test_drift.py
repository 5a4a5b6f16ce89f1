"""Drift: windows, per-window figures against pm4py on the window's sub-log, the statistical tests
against scipy, planted drift found in the right window (synthetic logs and the telecom sample),
no false alarm on stationary logs, statements, JSON, chart and the drift command.

The synthetic logs follow a designed journey (a process tree) with deviations at fixed rates; a
planted drift changes one rate from a known date (:func:`factories.make_log`).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from itertools import pairwise

import numpy as np
import polars as pl
import pytest

from factories import PORTAL, SAMPLE, T0, make_log, run_cli, write_model
from journeylog import conform as C
from journeylog import drift as D
from journeylog.errors import InvalidInput, UsageError


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from journeylog.models import load_model

    return load_model(write_model(tmp_path_factory.mktemp("model")))


def conformed(events: pl.DataFrame, model, allow: C.Allow | None = None) -> C.Conformance:
    return C.conform(events, model, C.ConformOptions(precision=False, allow=allow or C.Allow()))


def week(d: dt.datetime) -> dt.datetime:
    return (d - dt.timedelta(days=d.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


# ------------------------------------------------------------------------------------------
# windows and statistics
# ------------------------------------------------------------------------------------------


def test_parse_window():
    assert D.parse_window("1w") == D.Window("1w", every="1w")
    assert D.parse_window("1mo").every == "1mo"
    assert D.parse_window("2 weeks").every == "2w"
    assert D.parse_window("1d").every == "1d"
    assert D.parse_window("6h").every == "6h"
    assert D.parse_window("500").size == 500
    assert D.parse_window("200 journeys").size == 200
    for bad in ("", "w", "0w", "1x", "1", "-3d", "1.5w"):
        with pytest.raises(UsageError):
            D.parse_window(bad)


def test_two_by_two_equals_scipy():
    from scipy import stats

    cases = [(12, 150, 40, 150), (80, 1000, 95, 1000), (3, 200, 9, 210), (0, 100, 6, 100), (1, 40, 0, 35)]
    a, n1, b, n2 = (np.array(col) for col in zip(*cases, strict=True))
    p, test = D.two_by_two(a, n1, b, n2)
    for (x, m, y, k), pv, tv in zip(cases, p, test, strict=True):
        table = [[x, m - x], [y, k - y]]
        expected = stats.contingency.expected_freq(table)
        if expected.min() >= 5:
            assert tv == "chi2"
            assert pv == pytest.approx(stats.chi2_contingency(table, correction=True)[1], rel=1e-9)
        else:
            assert tv == "fisher"
            assert pv == pytest.approx(stats.fisher_exact(table)[1], rel=1e-9)
    p, test = D.two_by_two(np.array([0]), np.array([50]), np.array([0]), np.array([60]))
    assert p[0] == 1.0 and test[0] == "none"


def test_holm_and_bh():
    p = [0.001, 0.02, 0.04, 0.5]
    assert list(np.round(D.adjust(p, "holm"), 6)) == [0.004, 0.06, 0.08, 0.5]
    from scipy import stats

    assert list(D.adjust(p, "bh")) == list(stats.false_discovery_control(p))
    assert list(D.adjust([0.03, 0.01], "holm")) == [0.03, 0.02]


@pytest.fixture(scope="module")
def clean(model):
    return conformed(make_log(seed=11), model)


def test_windows_cover_the_log_and_fitness_equals_pm4py_per_window(clean, model):
    d = D.drift_from_conformance(clean, D.DriftOptions(window="1w"))
    starts = [w["start"] for w in d.windows]
    # the first window starts at the first event, not at the Monday before it
    first = clean.journey_table["start"].min()
    assert starts[0] == first and week(first) == T0 and all(s.weekday() == 0 for s in starts[1:])
    assert all(b - a == dt.timedelta(days=7) for a, b in pairwise(starts[1:]))
    assert d.windows[0]["end"] == T0 + dt.timedelta(days=7)
    assert sum(w["journeys"] for w in d.windows) == clean.journeys
    # one window's fitness and fitting share are pm4py's on that window's sub-log
    w = d.windows[5]
    jt = clean.journey_table
    ids = jt.filter((pl.col("start") >= w["start"]) & (pl.col("start") < w["end"]))["journey_id"]
    events = make_log(seed=11).filter(pl.col("journey_id").is_in(ids.implode()))
    sub = conformed(events, model)
    assert w["fitness"] == sub.figures["fitness"]
    assert w["fitting_share"] == sub.figures["fitting_share"]
    # nothing accepted: the share counting accepted deviations is the fitting share, to the last
    # digit (both in pm4py's arithmetic, a percentage then / 100), per window and for the log
    assert all(x["fitting_share_accepted"] == x["fitting_share"] for x in d.windows if x["journeys"])
    assert clean.figures["fitting_share_accepted"] == clean.figures["fitting_share"]
    assert w["shares"][PORTAL] == pytest.approx(
        next(p["share"] for p in C.to_json(sub)["patterns"] if p["name"] == PORTAL))


def test_month_and_journey_count_windows(clean):
    d = D.drift_from_conformance(clean, D.DriftOptions(window="1mo"))
    assert d.windows[0]["start"] == clean.journey_table["start"].min()  # the first event, not 1 January
    assert [w["start"].day for w in d.windows[1:]] == [1] * (len(d.windows) - 1)
    assert [w["start"].month for w in d.windows] == [1, 2, 3, 4, 5]
    d = D.drift_from_conformance(clean, D.DriftOptions(window="700"))
    assert [w["journeys"] for w in d.windows] == [700, 700, 700, 700, 200]
    assert all(a["end"] <= b["start"] for a, b in pairwise(d.windows))


def test_small_windows_are_reported_not_tested(clean):
    d = D.drift_from_conformance(clean, D.DriftOptions(window="1d", min_journeys=60))
    assert len(d.windows) == 140 and not any(w["tested"] for w in d.windows)  # about 21 journeys a day
    assert all(w["end"] - w["start"] == dt.timedelta(days=1) for w in d.windows[1:])
    assert d.windows[0]["end"] - d.windows[0]["start"] < dt.timedelta(days=1)  # from the first event
    assert d.changes == [] and d.tests == 0
    assert any("not tested" in n for n in d.notes)


# ------------------------------------------------------------------------------------------
# planted drift
# ------------------------------------------------------------------------------------------


def changes_by_item(d: D.Drift) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for c in d.changes:
        out.setdefault(c["item"], []).append(c)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_doubling_at_a_known_monday_is_found_in_that_week(model, seed):
    at = T0 + dt.timedelta(weeks=10)  # Monday 2026-03-16
    c = conformed(make_log(n=6000, seed=seed, drift_at=at, fail_after=0.15), model)
    d = D.drift_from_conformance(c, D.DriftOptions(window="1w"))
    found = changes_by_item(d)
    assert len(found[PORTAL]) == 1
    change = found[PORTAL][0]
    assert change["window"] == at and change["direction"] == "rose"
    assert change["before"] == pytest.approx(0.058, abs=0.012) and change["after"] == pytest.approx(0.144, abs=0.015)
    assert change["q_value"] <= 0.01 and change["p_value"] <= change["q_value"]
    assert change["statement"].startswith(f"From 2026-03-16, '{PORTAL}' rose from ")
    assert change["statement"].endswith("of journeys (p < 0.001).")
    # every item the change moves is reported in the same window, and nothing else is reported
    related = {PORTAL, "repeated:Identity check", "unexpected:Call: identity check help", "fitting_share", "fitness"}
    assert set(found) <= related
    assert {c["window"] for c in d.changes} == {at}


def test_mid_week_change_is_placed_in_its_week(model):
    at = T0 + dt.timedelta(weeks=10, days=2, hours=12)  # Wednesday noon
    c = conformed(make_log(n=10000, seed=4, drift_at=at, fail_after=0.25), model)
    d = D.drift_from_conformance(c, D.DriftOptions(window="1w"))
    change = changes_by_item(d)[PORTAL][0]
    assert change["window"] == week(at)
    assert abs(change["since"] - at) < dt.timedelta(hours=12) and change["within_window"]
    assert change["statement"].startswith("From about 2026-03-18 (the 1w window from 2026-03-16), "
                                          f"'{PORTAL}' rose from 5.")
    assert {c["window"] for c in d.changes} == {week(at)}


def test_new_step_and_new_skip_read_like_prodrift(model):
    at = T0 + dt.timedelta(weeks=8)  # 2026-03-02
    c = conformed(make_log(n=4000, seed=5, p_skip=0.0, drift_at=at, skip_after=0.10, new_step_after=0.08), model)
    d = D.drift_from_conformance(c, D.DriftOptions(window="1w"))
    found = changes_by_item(d)
    new = found["unexpected:Chat: appointment"][0]
    assert new["window"] == at and new["before"] == 0.0
    assert new["statement"].startswith("From 2026-03-02, a new step 'Chat: appointment' appears in ")
    assert new["statement"].endswith("% of journeys (p < 0.001).")
    skip = found["skipped:Identity check"][0]
    assert skip["window"] == at
    assert skip["statement"].startswith("From 2026-03-02, 'Identity check' is sometimes skipped (in ")
    assert skip["statement"].endswith("while before it was always executed (p < 0.001).")


def test_planted_drift_in_the_sample_is_found_in_the_right_week(model):
    """The telecom sample, with 'called after failing on the portal' planted from 2026-03-02:
    a fifth of the journeys starting that week or later get a web payment failure at their
    first event and a call three hours later."""
    from journeylog.ingest import ingest
    from journeylog.models import load_model

    events = ingest(SAMPLE / "sources.yaml").events
    at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    firsts = events.group_by("journey_id").agg(pl.col("timestamp").min().alias("t0")).sort("journey_id")
    rnd = random.Random(7)
    chosen = [j for j, t in firsts.iter_rows() if t >= at and rnd.random() < 0.2]
    first_rows = (events.filter(pl.col("journey_id").is_in(pl.Series(chosen).implode()))
                  .sort("journey_id", "timestamp", "input_order").group_by("journey_id", maintain_order=True).first())
    failed = first_rows.select(pl.exclude("outcome", "channel", "activity", "input_order", "timestamp"),
                               pl.col("timestamp") + dt.timedelta(minutes=1), pl.lit("web").alias("channel"),
                               pl.lit("Place order").alias("activity"), pl.lit("failure").alias("outcome"),
                               (pl.int_range(pl.len(), dtype=pl.UInt64) + 10_000_000).alias("input_order"))
    call = failed.with_columns(pl.col("timestamp") + dt.timedelta(hours=3), pl.lit("phone").alias("channel"),
                               pl.lit("Call: payment problem").alias("activity"), pl.lit(None, pl.String).alias("outcome"),
                               pl.col("input_order") + 5_000_000)
    planted = pl.concat([events, failed.select(events.columns), call.select(events.columns)], how="vertical")
    planted = planted.sort("journey_id", "timestamp", "input_order")
    designed = load_model(SAMPLE / "designed_journey.bpmn")
    before = D.drift_from_conformance(conformed(events, designed), D.DriftOptions(window="1w"))
    after = D.drift_from_conformance(conformed(planted, designed), D.DriftOptions(window="1w"))
    assert PORTAL not in changes_by_item(before)
    change = changes_by_item(after)[PORTAL]
    assert [c["window"] for c in change] == [at]
    assert change[0]["after"] > change[0]["before"] + 0.05


# ------------------------------------------------------------------------------------------
# no false alarm
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("window", ["1w", "2w", "1mo", "400"])
def test_stationary_logs_raise_no_alarm(model, window):
    # a handful of seeds per window; a wider simulation (200 seeds, 1w: 0 alarms; 300 seeds
    # 1mo/2w: 3 and 2 alarms, about alpha) is in the report
    for seed in (21, 22, 23):
        c = conformed(make_log(seed=seed), model)
        d = D.drift_from_conformance(c, D.DriftOptions(window=window, alpha=0.01))
        assert d.changes == [], (window, seed, [x["statement"] for x in d.changes])
        assert d.tests > 0


def test_accepted_deviations_are_not_tested(model):
    at = T0 + dt.timedelta(weeks=8)
    events = make_log(n=4000, seed=5, drift_at=at, new_step_after=0.08)
    allow = C.Allow(ids=frozenset({"unexpected:Chat: appointment"}))
    d = D.drift_from_conformance(conformed(events, model, allow), D.DriftOptions(window="1w"))
    assert "unexpected:Chat: appointment" not in changes_by_item(d)
    assert "fitting_share" not in changes_by_item(d)  # the fitting share ignores accepted deviations
    assert any("accepted" in n for n in d.notes)
    assert any(it.id == "unexpected:Chat: appointment" and it.accepted for it in d.items)


def test_bad_options(clean):
    for opts in (D.DriftOptions(alpha=0), D.DriftOptions(alpha=1.5), D.DriftOptions(min_effect=-0.1),
                 D.DriftOptions(min_journeys=0), D.DriftOptions(window="1x"), D.DriftOptions(correction="none")):
        with pytest.raises(UsageError):
            D.drift_from_conformance(clean, opts)


def test_token_replay_is_refused(model):
    with pytest.raises(UsageError):
        D.drift(make_log(n=100), model, C.ConformOptions(method="tbr"))


def test_journey_table_without_alignment_columns_is_invalid(clean):
    import copy

    broken = copy.copy(clean)
    broken.journey_table = clean.journey_table.drop("cost")
    with pytest.raises(InvalidInput):
        D.drift_from_conformance(broken)


# ------------------------------------------------------------------------------------------
# JSON, chart, command
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted(model):
    at = T0 + dt.timedelta(weeks=10)
    c = conformed(make_log(n=4000, seed=3, drift_at=at, fail_after=0.14), model)
    return D.drift_from_conformance(c, D.DriftOptions(window="1w"))


def test_json_contract_and_determinism(planted, model):
    from journeylog.render.json import dumps

    data = D.to_json(planted)
    for key in ("window", "windowing", "alpha", "correction", "min_effect", "min_journeys", "method", "journeys",
                "fitness", "fitting_share", "tests", "items", "windows", "changes", "notes"):
        assert key in data
    w = data["windows"][0]
    assert set(w) == {"index", "start", "end", "journeys", "journeys_in_progress", "tested", "fitness", "fitting_share",
                      "fitting_share_accepted", "shares"}
    assert PORTAL in w["shares"]
    c = data["changes"][0]
    for key in ("window", "window_end", "since", "item", "kind", "direction", "before", "after", "p_value",
                "q_value", "test", "statement"):
        assert key in c
    again = D.drift_from_conformance(conformed(make_log(n=4000, seed=3, drift_at=T0 + dt.timedelta(weeks=10),
                                                        fail_after=0.14), model), D.DriftOptions(window="1w"))
    assert dumps(D.to_json(again)) == dumps(data)
    parsed = json.loads(dumps(data))
    assert parsed["changes"][0]["window"] == "2026-03-16T00:00:00+00:00"


def test_chart_svg_is_deterministic_and_png_is_written(planted, tmp_path):
    from journeylog.render.chart import chart_items, write_chart
    from journeylog.render.json import dumps

    data = D.to_json(planted)
    write_chart(data, tmp_path / "a.svg")
    write_chart(json.loads(dumps(data)), tmp_path / "b.svg")  # from saved JSON too
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    svg = (tmp_path / "a.svg").read_text()
    assert "<svg" in svg and "called after failing on the portal" in svg
    write_chart(data, tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert PORTAL in [it["id"] for it in chart_items(data, top=2)]
    with pytest.raises(UsageError):
        write_chart(data, tmp_path / "c.pdf")


def test_drift_command(model, tmp_path, monkeypatch, run_main):
    at = T0 + dt.timedelta(weeks=10)
    make_log(n=4000, seed=3, drift_at=at, fail_after=0.14).write_parquet(tmp_path / "planted.parquet")
    make_log(n=2000, seed=21).write_parquet(tmp_path / "clean.parquet")
    design = write_model(tmp_path)
    r = run_cli("drift", str(tmp_path / "planted.parquet"), "-m", str(design), "--window", "1w", "--json", "-",
                "--chart", str(tmp_path / "drift.svg"), "--fail-on-drift", cwd=tmp_path, clean=True)
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert any(c["item"] == PORTAL and c["window"].startswith("2026-03-16") for c in data["changes"])
    assert "From 2026-03-16, 'called after failing on the portal' rose from" in r.stderr
    assert (tmp_path / "drift.svg").exists()
    run = lambda *a: run_main(*a, cwd=tmp_path)  # noqa: E731
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _err = run("drift", "planted.parquet", "-m", str(design), "--fail-on-drift")
    assert code == 1
    assert f"::error title=journeylog drift {PORTAL}::From 2026-03-16, '{PORTAL}' rose from " in out
    monkeypatch.delenv("GITHUB_ACTIONS")
    code, _out, err = run("drift", "clean.parquet", "-m", str(design), "--fail-on-drift")
    assert code == 0, err
    assert "no significant change" in err
    # the window and thresholds can come from journeylog.yaml; a bad window there is invalid input
    (tmp_path / "journeylog.yaml").write_text("model: design.ptree\ndrift: {window: 2w, alpha: 0.001}\n")
    code, out, err = run("drift", "clean.parquet", "--json", "-")
    assert code == 0, err
    assert json.loads(out)["window"] == "2w" and json.loads(out)["alpha"] == 0.001
    (tmp_path / "journeylog.yaml").write_text("model: design.ptree\ndrift: {window: fortnight}\n")
    code, _out, err = run("drift", "clean.parquet")
    assert code == 3 and "journeylog.yaml:2" in err
    assert run("drift", "clean.parquet", "--no-config", "--window", "1x")[0] == 2
    assert run("drift", "clean.parquet", "--no-config")[0] == 2  # no model
