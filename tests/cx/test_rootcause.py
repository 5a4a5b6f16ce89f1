"""Root causes (journeylog.cx.rootcause) on a hand-built log with planted over-representations,
against an independent computation: plain-Python counts per journey, a hand-written
continuity-corrected two-proportion z-test (Fisher's exact test by hand where an expected count
is below 5), Holm and Benjamini-Hochberg by hand, and the ranking rule applied to those."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import polars as pl
import pytest

from factories import PTREE, T0, write_model
from journeylog.cx import rootcause as R
from journeylog.errors import UsageError
from journeylog.models import load_model

N = 1200
KINDS = ("channel", "start_channel", "contact_reason", "activity", "failed_step", "attribute", "variant")
COLUMNS = ("journey_id", "customer_id", "timestamp", "channel", "activity", "outcome", "contact_reason", "plan", "order_ref")


def _journey(j: int) -> list[tuple]:
    """One journey: app journeys (every third) skip 'Identity check' 12% of the time, web ones 3%
    (4x as common on the app); every 7th calls for help; plan on the first event only (every
    other journey 'pro', and 'pro' journeys skip twice as often on the web); a unique order_ref."""
    start = "app" if j % 3 == 0 else "web"
    k = j // 3 if start == "app" else j - j // 3 - 1
    plan = "pro" if j % 2 == 0 else "basic"
    skip = (k % 25 < 3) if start == "app" else (k % 100 < 3 or (plan == "pro" and k % 100 in (50, 51, 52)))
    jid, t = f"J{j:05d}", T0 + dt.timedelta(hours=j)
    rows = []

    def add(activity, channel, outcome=None, reason=None, first=False):
        nonlocal t
        rows.append((jid, f"c{j}", t, channel, activity, outcome, reason, plan if first else None, f"R{j}"))
        t += dt.timedelta(hours=1)

    add("Place order", start, "success", first=True)
    if j % 7 == 0:
        add("Call: help", "phone", reason="help")
    if not skip:
        add("Identity check", "backoffice", "success")
    add("Schedule appointment", start, "success")
    add("Router delivered", "field", "failure" if j % 5 == 0 else "success")
    add("Installation completed", "field", "success")
    return rows


@pytest.fixture(scope="module")
def log() -> tuple[pl.DataFrame, list[tuple]]:
    rows = [r for j in range(N) for r in _journey(j)]
    schema = {c: pl.String for c in COLUMNS} | {"timestamp": pl.Datetime("us", "UTC")}
    frame = pl.DataFrame(rows, schema=schema, orient="row").with_row_index("input_order").with_columns(
        pl.col("input_order").cast(pl.UInt64))
    return frame, rows


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rootcause")
    assert PTREE.startswith("->('Place order', 'Identity check'")
    return load_model(write_model(folder))


# --- the oracle -----------------------------------------------------------------------------------


def _features(rows: list[tuple]) -> dict[str, set[str]]:
    """journey -> its factor ids, counted in plain Python from the rows (in time order)."""
    by_j: dict[str, list[tuple]] = {}
    for r in rows:
        by_j.setdefault(r[0], []).append(r)
    paths = Counter(tuple(r[4] for r in evs) for evs in by_j.values())
    variant = {seq: i + 1 for i, (seq, _n) in enumerate(sorted(paths.items(), key=lambda kv: (-kv[1], kv[0])))}
    out = {}
    for jid, evs in by_j.items():
        f = {f"channel:{r[3]}" for r in evs} | {f"start_channel:{evs[0][3]}"}
        f |= {f"contact_reason:{r[6]}" for r in evs if r[6] is not None}
        f |= {f"activity:{r[4]}" for r in evs} | {f"failed_step:{r[4]}" for r in evs if r[5] == "failure"}
        plan = next(r[7] for r in evs if r[7] is not None)
        f |= {f"attribute:plan={plan}", f"variant:{variant[tuple(r[4] for r in evs)]}"}
        out[jid] = f
    return out


def _fisher(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p of [[a, b], [c, d]]: the tables with the same margins at most as likely."""
    r1, c1, n = a + b, a + c, a + b + c + d

    def prob(x: int) -> float:
        return math.comb(c1, x) * math.comb(n - c1, r1 - x) / math.comb(n, r1)

    observed = prob(a)
    return min(1.0, sum(prob(x) for x in range(max(0, r1 + c1 - n), min(r1, c1) + 1) if prob(x) <= observed * (1 + 1e-7)))


def _two_proportion(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p of x1/n1 against x2/n2: the z-test with continuity correction (Yates), or
    Fisher when an expected count is below 5."""
    n, hits = n1 + n2, x1 + x2
    expected = [n1 * hits / n, n1 * (n - hits) / n, n2 * hits / n, n2 * (n - hits) / n]
    if min(expected) < 5:
        return _fisher(x1, n1 - x1, x2, n2 - x2)
    pooled = hits / n
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = max(abs(x1 / n1 - x2 / n2) - 0.5 * (1 / n1 + 1 / n2), 0.0) / se
    return math.erfc(z / math.sqrt(2))


def _holm(p: list[float]) -> list[float]:
    order = sorted(range(len(p)), key=lambda i: p[i])
    out, running = [0.0] * len(p), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        out[i] = running
    return out


def _bh(p: list[float]) -> list[float]:
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i], reverse=True)
    out, running = [0.0] * m, 1.0
    for pos, i in enumerate(order):
        running = min(running, p[i] * m / (m - pos))
        out[i] = running
    return out


def _oracle(rows, affected: set[str], *, min_support=20, correction="holm", alpha=0.05, exclude=()):
    feats = _features(rows)
    n, n1 = len(feats), len(affected)
    names = sorted({f for fs in feats.values() for f in fs} - set(exclude))
    stats = {}
    for name in names:
        with_x = {j for j, fs in feats.items() if name in fs}
        a = len(with_x & affected)
        if a < min_support or len(with_x) == n:
            continue
        stats[name] = {"journeys": len(with_x), "support": a, "rate_with": a / len(with_x),
                       "rate_without": (n1 - a) / (n - len(with_x)), "share_with": a / n1,
                       "share_without": (len(with_x) - a) / (n - n1),
                       "p_value": _two_proportion(a, len(with_x), n1 - a, n - len(with_x))}
    keys = list(stats)
    adjusted = (_holm if correction == "holm" else _bh)([stats[k]["p_value"] for k in keys])
    for k, q in zip(keys, adjusted, strict=True):
        s = stats[k]
        s["p_adjusted"], s["significant"] = q, q <= alpha
        s["lift"] = s["rate_with"] / s["rate_without"] if s["rate_without"] else None
    over = [k for k in keys if stats[k]["rate_with"] > stats[k]["rate_without"]]

    def key(k):
        s, kind = stats[k], k.split(":", 1)[0]
        column, _, value = k.split(":", 1)[1].partition("=") if kind == "attribute" else ("", "", k.split(":", 1)[1])
        return (s["p_adjusted"], s["p_value"], -(s["lift"] if s["lift"] is not None else math.inf), KINDS.index(kind),
                column, value)

    return sorted(over, key=key), stats, len(keys)


def _planted(rows) -> set[str]:
    """The journeys built without 'Identity check' (known from the builder, not from alignments)."""
    has = {r[0] for r in rows if r[4] == "Identity check"}
    return {r[0] for r in rows} - has


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("correction", "min_support"), [("holm", 20), ("bh", 20), ("holm", 3), ("bh", 3)])
def test_ranking_lifts_shares_and_p_values_match_the_oracle(log, model, correction, min_support):
    events, rows = log
    opts = R.RootCauseOptions(top=0, correction=correction, min_support=min_support)
    data = R.to_json(R.explain(events, model, deviation="skipped:Identity check", options=opts))
    affected = _planted(rows)
    assert data["journeys_with"] == len(affected) == 48 + 24 + 8
    ranking, stats, tests = _oracle(rows, affected, correction=correction, min_support=min_support,
                                    exclude={"activity:Identity check", "failed_step:Identity check"})
    assert data["tests"] == tests
    if min_support == 3:  # small supports: Fisher's exact test decides some
        assert {f["test"] for f in data["factors"]} == {"chi2", "fisher"}
    assert [f["id"] for f in data["factors"]] == ranking
    for f in data["factors"]:
        s = stats[f["id"]]
        for k in ("journeys", "support"):
            assert f[k] == s[k], (f["id"], k)
        for k in ("rate_with", "rate_without", "share_with", "share_without", "p_value", "p_adjusted"):
            assert f[k] == pytest.approx(s[k], rel=1e-9, abs=1e-300), (f["id"], k)
        assert (f["lift"] is None) == (s["lift"] is None)
        if s["lift"] is not None:
            assert f["lift"] == pytest.approx(s["lift"], rel=1e-12)
        assert f["significant"] == s["significant"]


def test_planted_app_skip_is_found_and_worded(log, model):
    events, _rows = log
    data = R.to_json(R.explain(events, model, deviation="skipped:Identity check"))
    app = next(f for f in data["factors"] if f["id"] == "start_channel:app")
    assert (app["support"], app["journeys"]) == (48, 400)
    assert app["lift"] == pytest.approx((48 / 400) / (32 / 800))
    assert app["significant"]
    assert app["statement"].startswith("Skipped 'Identity check' is 3.0 times as common in journeys that started in "
                                       "the app as in journeys that started elsewhere (12.0% vs 4.0%, p ")
    assert "attribute:order_ref" not in {f["id"].split("=")[0] for f in data["factors"]}
    assert {"column": "order_ref", "reason": "1,200 distinct values, over 50: an id or free text"} in data["skipped_columns"]
    assert "activity 'Identity check'" in data["excluded"]


def test_minimum_support(log, model):
    events, rows = log
    opts = R.RootCauseOptions(top=0, min_support=50)
    data = R.to_json(R.explain(events, model, deviation="skipped:Identity check", options=opts))
    ranking, _stats, tests = _oracle(rows, _planted(rows), min_support=50,
                                     exclude={"activity:Identity check", "failed_step:Identity check"})
    assert data["tests"] == tests and [f["id"] for f in data["factors"]] == ranking
    assert all(f["support"] >= 50 for f in data["factors"])
    low = R.to_json(R.explain(events, model, deviation="skipped:Identity check", options=R.RootCauseOptions(top=0)))
    weak = {f["id"] for f in low["factors"] if f["support"] < 50}
    assert weak and not weak & {f["id"] for f in data["factors"]} and data["tests"] < low["tests"]


def test_top_cuts_the_list_not_the_family(log, model):
    events, _rows = log
    full = R.to_json(R.explain(events, model, deviation="skipped:Identity check", options=R.RootCauseOptions(top=0)))
    top = R.to_json(R.explain(events, model, deviation="skipped:Identity check", options=R.RootCauseOptions(top=2)))
    assert top["factors"] == full["factors"][:2] and top["tests"] == full["tests"]
    assert top["over_represented"] == full["over_represented"] == len(full["factors"]) > 2


def test_unexpected_contact_and_pattern_journeys(log, model):
    events, rows = log
    data = R.to_json(R.explain(events, model, deviation="unexpected:Call: help", options=R.RootCauseOptions(top=0)))
    callers = {r[0] for r in rows if r[4] == "Call: help"}
    ranking, _stats, _tests = _oracle(rows, callers, exclude={"activity:Call: help", "failed_step:Call: help"})
    assert [f["id"] for f in data["factors"]] == ranking
    assert data["subject"]["name"] == "Extra step 'Call: help'"


def test_unknown_deviation_lists_the_nearest_ids(log, model):
    events, _rows = log
    with pytest.raises(UsageError) as err:
        R.explain(events, model, deviation="skipped:Identity chek")
    assert "did you mean 'skipped:Identity check'" in err.value.one_line()
    with pytest.raises(UsageError):
        R.explain(events, model, deviation="skipped: Identity check")  # the id must match exactly


def test_options_are_checked(log, model):
    events, _rows = log
    for bad in (R.RootCauseOptions(correction="bonferroni"), R.RootCauseOptions(min_support=0),
                R.RootCauseOptions(alpha=1.5), R.RootCauseOptions(top=-1)):
        with pytest.raises(UsageError):
            R.explain(events, model, deviation="skipped:Identity check", options=bad)
    with pytest.raises(UsageError):
        R.explain(events, None, deviation="skipped:Identity check")
    with pytest.raises(UsageError):
        R.explain(events, model)


def test_deterministic(log, model):
    events, _rows = log
    a = R.to_json(R.explain(events, model, deviation="skipped:Identity check", options=R.RootCauseOptions(top=0)))
    shuffled = events.sample(fraction=1.0, shuffle=True, seed=3)
    b = R.to_json(R.explain(shuffled, model, deviation="skipped:Identity check", options=R.RootCauseOptions(top=0)))
    assert a == b


def test_pattern_needs_no_model_and_leaves_out_its_own_conditions(log):
    from journeylog.config.rules import Pattern, Step
    from journeylog.explain.patterns import Rules

    events, rows = log
    called = Pattern(name="called after ordering in the app", id="app-then-phone",
                     steps=(Step({"channel": "app", "activity": "Place order"}), Step({"channel": "phone"})))
    rules = Rules(patterns=(called,))
    by_id = R.to_json(R.explain(events, pattern="app-then-phone", rules=rules, options=R.RootCauseOptions(top=0)))
    by_name = R.to_json(R.explain(events, pattern="called after ordering in the app", rules=rules,
                                  options=R.RootCauseOptions(top=0)))
    assert by_id == by_name
    app_callers = {r[0] for r in rows if r[4] == "Call: help" and r[0] in {q[0] for q in rows if q[3] == "app"}}
    exclude = {"channel:app", "channel:phone", "activity:Place order"}
    ranking, _stats, tests = _oracle(rows, app_callers, exclude=exclude)
    assert by_id["journeys_with"] == len(app_callers) and by_id["tests"] == tests
    assert [f["id"] for f in by_id["factors"]] == ranking and "start_channel:app" in ranking
    assert by_id["subject"]["name"] == "Called after ordering in the app"
    assert sorted(by_id["excluded"]) == ["activity 'Place order'", "channel 'app'", "channel 'phone'"]
    with pytest.raises(UsageError) as err:
        R.explain(events, pattern="app-then-fone", rules=rules)
    assert "did you mean 'app-then-phone'" in err.value.one_line()


def test_kinds_narrow_the_family(log, model):
    events, rows = log
    opts = R.RootCauseOptions(top=0, min_support=3, kinds=("attribute", "start_channel"))
    data = R.to_json(R.explain(events, model, deviation="skipped:Identity check", options=opts))
    feats = _features(rows)
    others = {f for fs in feats.values() for f in fs if f.split(":")[0] not in ("attribute", "start_channel")}
    ranking, _stats, tests = _oracle(rows, _planted(rows), min_support=3, exclude=others)
    assert data["kinds"] == ["start_channel", "attribute"]
    assert data["tests"] == tests and [f["id"] for f in data["factors"]] == ranking
    with pytest.raises(UsageError):
        R.explain(events, model, deviation="skipped:Identity check", options=R.RootCauseOptions(kinds=("atribute",)))
