"""journeylog.mining.restore against the per-variant Python oracle (alignments.expand_moves and
pm4py's fitness formula), on generated variants and alignments."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from journeylog.mining.alignments import LOG_MOVE_COST, MOVE_DTYPE, SKIP, expand_moves
from journeylog.mining.restore import reduce_variants, restore

LABELS = {"a", "b", "c"}
ACTIVITIES = ["a", "b", "c", "x", "y"]  # x, y: not in the model


def oracle(acts: tuple[str, ...], res: dict | None) -> tuple:
    """(cost, bwc, fitness, moves) as the code before Polars computed them, variant by variant."""
    if res is None:
        return None, None, None, None
    removed = sum(1 for a in acts if a not in LABELS)
    moves = expand_moves(acts, LABELS, res["alignment"], res.get("transitions"))
    moves = [{**m, "transition": m.get("transition")} for m in moves]
    if res["cost"] is None:
        return None, None, None, moves
    if removed == 0:
        return res["cost"], res["bwc"], float(res["fitness"]), moves
    cost, bwc = res["cost"] + removed * LOG_MOVE_COST, res["bwc"] + removed * LOG_MOVE_COST
    num, den = cost // LOG_MOVE_COST, bwc // LOG_MOVE_COST
    return cost, bwc, float(1 - num / den if den > 0 else 0), moves


@st.composite
def alignment(draw, seq: tuple[str, ...]) -> dict | None:
    """A valid alignment of ``seq``: each event a sync or log move, model and silent moves anywhere."""
    if draw(st.integers(0, 9)) == 0:
        return None
    steps, names = [], []

    def extras() -> None:
        for _ in range(draw(st.integers(0, 2))):
            if draw(st.booleans()):
                steps.append((SKIP, draw(st.sampled_from(sorted(LABELS)))))
                names.append(f"t{len(names)}")
            else:
                steps.append((SKIP, None))
                names.append(f"tau{len(names)}")
    for a in seq:
        extras()
        if draw(st.booleans()):
            steps.append((a, a))
            names.append(f"t_{a}")
        else:
            steps.append((a, SKIP))
            names.append(None)
    extras()
    cost = sum(LOG_MOVE_COST if (lg == SKIP) != (md == SKIP) and md is not None else (1 if md is None else 0)
               for lg, md in steps)
    bwc = (len(seq) + draw(st.integers(1, 4))) * LOG_MOVE_COST + draw(st.integers(0, 3))
    if draw(st.booleans()):  # token replay's fitting variants: moves without figures
        return {"alignment": steps, "cost": None, "bwc": None, "fitness": None}
    return {"alignment": steps, "transitions": names if draw(st.booleans()) else None, "cost": cost, "bwc": bwc,
            "fitness": 1 - (cost // LOG_MOVE_COST) / (bwc // LOG_MOVE_COST)}


@st.composite
def cases(draw):
    variants = draw(st.lists(st.lists(st.sampled_from(ACTIVITIES), max_size=8).map(tuple), min_size=0, max_size=12, unique=True))
    uniques = list(dict.fromkeys(tuple(a for a in v if a in LABELS) for v in variants))
    results = [draw(alignment(seq)) for seq in uniques]
    return variants, uniques, results


def variant_table(variants: list[tuple[str, ...]]) -> pl.DataFrame:
    """The generated variants as a variant table (ids from 1)."""
    return pl.DataFrame({"variant_id": range(1, len(variants) + 1), "activities": [list(v) for v in variants]},
                        schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String)})


@settings(max_examples=300, deadline=None)
@given(cases())
def test_restore_equals_the_per_variant_oracle(case) -> None:
    variants, uniques, results = case
    table = variant_table(variants)
    numbers, got_uniques = reduce_variants(table, LABELS)
    assert got_uniques == uniques
    out = restore(table, numbers, uniques, results, LABELS, MOVE_DTYPE)
    assert out.columns == ["variant_id", "cost", "bwc", "fitness", "moves"]
    assert out.schema["moves"] == pl.List(MOVE_DTYPE)
    for row, acts in zip(out.iter_rows(named=True), variants, strict=True):
        want = oracle(acts, results[uniques.index(tuple(a for a in acts if a in LABELS))])
        assert (row["cost"], row["bwc"], row["fitness"], row["moves"]) == want, (acts, row)


def test_a_removed_event_follows_the_event_before_it() -> None:
    """``x`` comes after ``a``'s sync move and before the model move that leads to ``b``."""
    table = variant_table([("x", "a", "x", "b", "y")])
    numbers, uniques = reduce_variants(table, LABELS)
    res = {"alignment": [("a", "a"), (SKIP, "c"), ("b", "b"), (SKIP, None)], "transitions": ["ta", "tc", "tb", "tau"],
           "cost": 10001, "bwc": 30000, "fitness": 0.5}
    moves = restore(table, numbers, uniques, [res], LABELS, MOVE_DTYPE)["moves"][0].to_list()
    assert [(m["kind"], m["log"] or m["model"]) for m in moves] == [
        ("log", "x"), ("sync", "a"), ("log", "x"), ("model", "c"), ("sync", "b"), ("log", "y"), ("silent", None)]


@settings(max_examples=60, deadline=None)
@given(cases())
def test_slices_change_nothing(case) -> None:
    """Restored a slice of variants at a time (here 2): the same table as in one piece."""
    import journeylog.mining.restore as R

    variants, uniques, results = case
    table = variant_table(variants)
    numbers, _ = reduce_variants(table, LABELS)
    whole = restore(table, numbers, uniques, results, LABELS, MOVE_DTYPE)
    saved = R.SLICE
    R.SLICE = 2
    try:
        sliced = restore(table, numbers, uniques, results, LABELS, MOVE_DTYPE)
    finally:
        R.SLICE = saved
    assert sliced.to_dicts() == whole.to_dicts() and sliced.schema == whole.schema
