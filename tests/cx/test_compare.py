"""compare: figures per segment and the significant differences against an independent computation
in plain Python (shares counted row by row, chi-square with Yates' correction and Fisher's exact
test by hand, Holm by hand) on a hand-built log; two sides (--a/--b) and periods; the CLI and its
JSON contract."""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from journeylog.contracts import validate
from journeylog.cx.compare import CompareOptions, compare, side_selection, to_json
from journeylog.errors import UsageError

T0 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def _log(n: int = 420) -> pl.DataFrame:
    """Journeys with a plan (A fails more), a month of start, phone calls before the order (so no
    cross-channel pattern), durations and scores that differ by plan."""
    rows = []
    for i in range(n):
        plan = "A" if i % 3 == 0 else "B"
        t = T0 + dt.timedelta(days=(i * 89) % 85, minutes=i)
        fail = (i % 4 == 0) if plan == "A" else (i % 8 == 1)
        acts = []
        if i % 7 == 0 or (plan == "A" and i % 5 == 0):
            acts.append(("Call", "phone", None))
        acts.append(("Order", "web", "success"))
        if fail:
            acts.append(("Upload", "web", "failure"))
        acts.append(("Done", "web", "success"))
        hours = 2 + (i % 13) * (3 if plan == "A" else 1)
        for k, (a, ch, out) in enumerate(acts):
            last = k == len(acts) - 1
            rows.append({"journey_id": f"J{i:04d}", "timestamp": t + dt.timedelta(hours=hours if last else k * 0.01),
                         "channel": ch, "activity": a, "outcome": out,
                         "satisfaction": float(1 + (i % 5) + (plan == "B")) if last else None,
                         "plan": plan if k == 0 else None})
    frame = pl.DataFrame(rows, schema={"journey_id": pl.String, "timestamp": pl.Datetime("us", "UTC"), "channel": pl.String,
                                       "activity": pl.String, "outcome": pl.String, "satisfaction": pl.Float64,
                                       "plan": pl.String})
    return frame.with_row_index("input_order").with_columns(pl.col("input_order").cast(pl.UInt64))


# ---- the independent computation ----------------------------------------------------------------


def _journeys(ev: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in ev.sort("timestamp", "input_order").iter_rows(named=True):
        out[row["journey_id"]].append(row)
    return out


def _chi2_yates(a: int, n1: int, b: int, n2: int) -> float:
    n, c1 = n1 + n2, a + b
    c2 = n - c1
    chi2 = n * max(abs(a * (n2 - b) - b * (n1 - a)) - n / 2, 0) ** 2 / (n1 * n2 * c1 * c2)
    return math.erfc(math.sqrt(chi2 / 2))  # the chi-square (1 df) survival function


def _fisher(a: int, n1: int, b: int, n2: int) -> float:
    c1, n = a + b, n1 + n2

    def prob(x: int) -> float:
        return math.comb(n1, x) * math.comb(n2, c1 - x) / math.comb(n, c1)

    observed = prob(a)
    return min(1.0, sum(prob(x) for x in range(max(0, c1 - n2), min(n1, c1) + 1) if prob(x) <= observed * (1 + 1e-7)))


def _p(a: int, n1: int, b: int, n2: int) -> float:
    n, c1 = n1 + n2, a + b
    if c1 in (0, n):
        return 1.0
    expected = min(n1 * c1 / n, n1 * (n - c1) / n, n2 * c1 / n, n2 * (n - c1) / n)
    return _chi2_yates(a, n1, b, n2) if expected >= 5 else _fisher(a, n1, b, n2)


def _holm(ps: list[float]) -> list[float]:
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    out, running = [0.0] * len(ps), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(ps) - rank) * ps[i]))
        out[i] = running
    return out


def _indicators(journeys: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, bool]]:
    """item id -> journey -> has it: failure, channels, the five most frequent variants."""
    variants = Counter(tuple(r["activity"] for r in rows) for rows in journeys.values())
    ranked = sorted(variants.items(), key=lambda kv: -kv[1])
    assert len({c for _v, c in ranked[:6]}) == min(6, len(ranked))  # no ties: the ranking is unambiguous
    items: dict[str, dict[str, bool]] = {"failure": {j: any(r["outcome"] == "failure" for r in rows)
                                                      for j, rows in journeys.items()}}
    for ch in ("phone", "web"):
        items[f"channel:{ch}"] = {j: any(r["channel"] == ch for r in rows) for j, rows in journeys.items()}
    for k, (seq, _c) in enumerate(ranked[:5], start=1):
        items[f"variant:{k}"] = {j: tuple(r["activity"] for r in rows) == seq for j, rows in journeys.items()}
    return items


def _expected(ev: pl.DataFrame, group_of: dict[str, str], pairs: list[tuple[str, str | None]],
              alpha: float = 0.01, min_effect: float = 0.02) -> tuple[dict[tuple[str, str], tuple[float, float]], int]:
    journeys = _journeys(ev)
    items = _indicators(journeys)
    tests = []
    for name, other in pairs:
        inside = [j for j in journeys if group_of[j] == name]
        outside = [j for j in journeys if (group_of[j] == other if other else group_of[j] != name)]
        for item, has in items.items():
            a, b = sum(has[j] for j in inside), sum(has[j] for j in outside)
            tests.append((name, item, a, len(inside), b, len(outside)))
    ps = [_p(a, n1, b, n2) for _n, _i, a, n1, b, n2 in tests]
    qs = _holm(ps)
    found = {(t[0], t[1]): (p, q) for t, p, q in zip(tests, ps, qs, strict=True)
             if q < alpha and abs(t[2] / t[3] - t[4] / t[5]) >= min_effect}
    return found, len(tests)


# ---- the tests ----------------------------------------------------------------------------------


def test_by_a_column_equals_the_independent_computation() -> None:
    ev = _log()
    journeys = _journeys(ev)
    plan = {j: next(r["plan"] for r in rows if r["plan"]) for j, rows in journeys.items()}
    result = to_json(compare(ev, CompareOptions(by="plan")))
    assert [s["name"] for s in result["segments"]] == ["B", "A"]  # most journeys first
    for seg in result["segments"]:
        mine = [j for j in journeys if plan[j] == seg["name"]]
        durations = sorted((journeys[j][-1]["timestamp"] - journeys[j][0]["timestamp"]).total_seconds() for j in mine)
        scores = [r["satisfaction"] for j in mine for r in journeys[j] if r["satisfaction"] is not None]
        assert seg["journeys"] == len(mine) and seg["events"] == sum(len(journeys[j]) for j in mine)
        assert seg["median_duration_seconds"] == pytest.approx(statistics.median(durations))
        assert seg["p90_duration_seconds"] == pytest.approx(statistics.quantiles(durations, n=10, method="inclusive")[-1])
        assert seg["satisfaction"] == pytest.approx(statistics.mean(scores))
        items = _indicators(journeys)
        for item, has in items.items():
            assert seg["shares"][item] == pytest.approx(sum(has[j] for j in mine) / len(mine)), item
    found, n_tests = _expected(ev, plan, [("B", "A")])
    assert result["tests"] == n_tests and result["comparison"] == "pair"
    got = {(d["segment"], d["item"]): (d["p_value"], d["q_value"]) for d in result["differences"]}
    assert got.keys() == found.keys() and found  # something differs, and exactly that
    for key, (p, q) in found.items():
        assert got[key] == pytest.approx((p, q), rel=1e-6)
    failure = next(d for d in result["differences"] if d["item"] == "failure")
    assert failure["statement"].startswith("A failed step is less common in plan=B than in plan=A (")
    validate("compare", result)


def test_by_month_compares_each_month_with_the_rest() -> None:
    ev = _log()
    journeys = _journeys(ev)
    month = {j: rows[0]["timestamp"].strftime("%Y-%m") for j, rows in journeys.items()}
    result = to_json(compare(ev, CompareOptions(by="month", alpha=0.2, min_effect=0.0)))
    names = [s["name"] for s in result["segments"]]
    assert names == sorted(set(month.values())) and len(names) == 3
    assert [s["journeys"] for s in result["segments"]] == [sum(1 for m in month.values() if m == n) for n in names]
    found, n_tests = _expected(ev, month, [(n, None) for n in names], alpha=0.2, min_effect=0.0)
    assert result["tests"] == n_tests and result["comparison"] == "each against the rest"
    assert {(d["segment"], d["item"]) for d in result["differences"]} == found.keys()
    assert all(d["against"] == "other journeys" for d in result["differences"])


def test_two_sides() -> None:
    ev = _log()
    result = to_json(compare(ev, CompareOptions(a=("plan=A", "month=2026-01"), b=("plan=B",), min_journeys=5)))
    journeys = _journeys(ev)
    a = [j for j, rows in journeys.items() if rows[0]["plan"] == "A" and rows[0]["timestamp"].month == 1]
    assert [(s["name"], s["journeys"]) for s in result["segments"]] == [("plan=B", 280), ("plan=A, month=2026-01", len(a))]
    assert 5 <= len(a) < 140
    assert all(d["against"] in ("plan=B", "plan=A, month=2026-01") for d in result["differences"])


def test_side_selection_and_options() -> None:
    assert side_selection(["week=2026-W02"], [], "a").parts() == ["from 2026-01-05", "to 2026-01-12"]
    assert side_selection(["quarter=2026-Q4"], [], "a").parts() == ["from 2026-10-01", "to 2027-01-01"]
    assert side_selection(["period=2026-12"], [], "b").parts() == ["from 2026-12-01", "to 2027-01-01"]
    with pytest.raises(UsageError, match="e.g. month=2026-03"):
        side_selection(["month=March"], [], "a")
    for bad in (CompareOptions(), CompareOptions(by="plan", a=("x=1",)), CompareOptions(a=("x=1",)),
                CompareOptions(by="plan", correction="bonferroni"), CompareOptions(by="plan", alpha=1.5)):
        with pytest.raises(UsageError):
            bad.check()
    with pytest.raises(UsageError, match="did you mean 'plan'"):
        compare(_log(), CompareOptions(by="plna"))


def test_cli_runs_and_writes_its_contract(tmp_path: Path, run_main) -> None:
    _log().write_parquet(tmp_path / "log.parquet")
    code, out, err = run_main("compare", "log.parquet", "--by", "plan", "--segment", "plan=A", "--segment", "plan=B",
                              "--json", "-", cwd=tmp_path)
    assert code == 0, err
    data = json.loads(out)
    validate("compare", data)
    assert "selected plan=A|B: 420 of 420 journeys" in err and "significant difference" in err
    assert data == to_json(compare(_log(), CompareOptions(by="plan")))
    code, _out, err = run_main("compare", "log.parquet", cwd=tmp_path)
    assert code == 2 and "give --by, or --a and --b" in err
