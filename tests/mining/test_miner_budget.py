"""The default miner cannot run away: IM on small logs, IMd on many activities or variants, and a
time budget for IM in between, after which IMd is used and the model line says so."""

from __future__ import annotations

import os
import random

import polars as pl
import pytest

from journeylog.mining import discovery as D


def _variants(activities: int, variants: int, seed: int = 3) -> pl.DataFrame:
    """Distinct random walks over ``activities`` activities (one variant each, count 1-3)."""
    rng = random.Random(seed)
    names = [f"Task {i:03d}" for i in range(activities)]
    seen: dict[tuple[str, ...], int] = {}
    while len(seen) < variants:
        cur, walk = rng.randrange(3), []
        for _ in range(rng.randint(5, 40)):
            walk.append(names[cur])
            cur = min(activities - 1, max(0, cur + rng.choice([-2, -1, 1, 1, 2, 4, 7, 13])))
        seen.setdefault(tuple(walk), rng.randint(1, 3))
    rows = sorted(seen.items())
    return pl.DataFrame({"variant_id": list(range(len(rows))), "activities": [list(a) for a, _ in rows],
                         "journeys": [c for _, c in rows]},
                        schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt32})


def test_auto_uses_imd_on_many_activities_and_says_why() -> None:
    table = _variants(D.AUTO_IM_MAX_ACTIVITIES + 10, 150)
    n_acts = table["activities"].explode().n_unique()
    assert n_acts > D.AUTO_IM_MAX_ACTIVITIES
    _tree, info = D.discover_model(table)
    assert info["algorithm"].startswith("inductive miner, directly-follows based (IMd)")
    assert f"{n_acts} activities: IM is slow beyond {D.AUTO_IM_MAX_ACTIVITIES}" in info["algorithm"]


def test_auto_keeps_im_on_small_logs_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(D, "_within", lambda *a: pytest.fail("a small log needs no worker"))
    table = _variants(8, 30)
    tree, info = D.discover_model(table)
    assert info == {"algorithm": "inductive miner (IM) on 30 variants"}
    assert str(tree) == str(D.discover_tree(table))


def test_budget_exceeded_falls_back_to_imd_and_says_so() -> None:
    table = _variants(D.IM_INLINE_ACTIVITIES + 5, 40)
    _tree, info = D.discover_model(table, budget=0.001)
    assert "did not finish within 0.001 s" in info["algorithm"]
    assert "(IMd)" in info["algorithm"]


def test_im_in_a_worker_gives_the_same_tree() -> None:
    table = _variants(D.IM_INLINE_ACTIVITIES + 5, 40)
    tree, info = D.discover_model(table, budget=600)
    assert info["algorithm"] == "inductive miner (IM) on 40 variants"
    assert str(tree) == str(D.discover_tree(table))


def test_explicit_im_has_no_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(D, "_within", lambda *a: pytest.fail("--miner im waits for IM"))
    table = _variants(D.IM_INLINE_ACTIVITIES + 5, 40)
    assert D.discover_model(table, miner="im", budget=0.001)[1]["algorithm"] == "inductive miner (IM) on 40 variants"


def test_imd_on_thousands_of_activities_has_the_budget_too() -> None:
    table = _variants(D.IMD_INLINE_ACTIVITIES + 200, 300, seed=9)
    assert table["activities"].explode().n_unique() > D.IMD_INLINE_ACTIVITIES
    tree, info = D.discover_model(table, budget=0.001)
    assert tree is None and info["note"].startswith("no model was mined: IMd did not finish within 0.001 s")
    tree, info = D.discover_model(table, miner="imd", budget=0.001)
    assert tree is not None and "(IMd)" in info["algorithm"]


def test_the_budget_counts_the_workers_cpu_time_not_the_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that waits past the budget without using the CPU (as on a busy machine) finishes;
    one that computes past it is stopped. Where the system does not report CPU time, wall time."""
    import time

    if D.worker_cpu_seconds(os.getpid()) is None:
        pytest.skip("this system does not report a process's CPU time; the budget is wall time here")
    monkeypatch.setattr(D, "canonical_tree", lambda tree: "finished")
    assert D._within(time.sleep, (2.5,), 1.0) == "finished"
    started = time.monotonic()
    assert D._within(sum, (range(10**11),), 1.0) is None
    assert time.monotonic() - started < 1.0 * D.WALL_FACTOR + 5
