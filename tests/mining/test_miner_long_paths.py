"""Issue 18: long paths cannot make the default miner run away. A path longer than
AUTO_IM_MAX_PATH events sends ``auto`` to IMd (and the model line says why); IM on many events in
all runs in a worker under the budget instead of here."""

from __future__ import annotations

import random

import polars as pl
import pytest

from journeylog.mining import discovery as D


def _table(paths: list[list[str]]) -> pl.DataFrame:
    return pl.DataFrame({"variant_id": list(range(len(paths))), "activities": paths, "journeys": [1] * len(paths)},
                        schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt32})


def _walk(rng: random.Random, n: int, names: list[str]) -> list[str]:
    return [rng.choice(names) for _ in range(n)]


def test_a_very_long_path_sends_auto_to_imd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(D, "_within", lambda *a: pytest.fail("IMd on few activities needs no worker"))
    rng = random.Random(1)
    names = [f"T{i}" for i in range(6)]
    longest = D.AUTO_IM_MAX_PATH + 1
    table = _table([_walk(rng, longest, names)] + [_walk(rng, 8, names) for _ in range(20)])
    tree, info = D.discover_model(table)
    assert tree is not None
    assert info["algorithm"].startswith("inductive miner, directly-follows based (IMd)")
    assert f"a path of {longest:,} events: IM is slow beyond {D.AUTO_IM_MAX_PATH:,}" in info["algorithm"]
    # an explicit --miner im still waits for IM (not run here: it is the slow case)
    assert D._auto_choice(21, 6, D.AUTO_IM_MAX_PATH) == ("im", "")


def test_im_on_many_events_in_all_runs_under_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def spent(func, args, budget):  # noqa: ANN001, ANN202  (stands in for the worker: the budget ran out)
        calls.append(budget)
        return None if func is D._im_worker else func(*args)

    monkeypatch.setattr(D, "_within", spent)
    rng = random.Random(2)
    names = [f"T{i}" for i in range(5)]
    per_path = D.IM_INLINE_EVENTS // 5 + 1  # five paths: over the inline limit, each under AUTO_IM_MAX_PATH
    table = _table([_walk(rng, per_path, names) for _ in range(5)])
    assert table["activities"].list.len().sum() > D.IM_INLINE_EVENTS
    tree, info = D.discover_model(table, budget=7.0)
    assert calls == [7.0] and tree is not None
    assert "the inductive miner (IM) did not finish within 7 s" in info["algorithm"]
    assert "(IMd)" in info["algorithm"]
