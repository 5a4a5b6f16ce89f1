"""The Polars engine's per-variant journey counts (engine/_polars_journeys.variant_counts) against
a plain count, journey by journey, on hypothesis-made tables: dense or sparse variant ids,
nulls in ``settled`` and ``in_progress`` (not counted), and ids the counting arrays cannot take
(a null variant: the group-by path)."""

from __future__ import annotations

from collections import Counter

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from journeylog.engine._polars_journeys import variant_counts

flag = st.one_of(st.none(), st.booleans())
row = st.tuples(st.one_of(st.integers(0, 6), st.sampled_from([1_000, 70_000])), flag, flag)


def plain(rows: list[tuple[int | None, bool | None, bool | None]]) -> list[tuple[int | None, int, int, int]]:
    n, s, p = Counter(), Counter(), Counter()
    for v, settled, progress in rows:
        n[v] += 1
        s[v] += settled is True
        p[v] += progress is True
    return sorted(((v, n[v], s[v], p[v]) for v in n), key=lambda r: (r[0] is not None, r[0] or 0))


@settings(max_examples=60, deadline=None)
@given(st.lists(row, max_size=40), st.booleans())
def test_variant_counts_equal_a_plain_count(rows, with_null_variant) -> None:
    if with_null_variant:
        rows = [*rows, (None, True, False)]
    table = pl.DataFrame(rows, schema={"variant_id": pl.UInt32, "settled": pl.Boolean, "in_progress": pl.Boolean},
                         orient="row")
    got = variant_counts(table)
    assert got.schema == {"variant_id": pl.UInt32, "journeys": pl.Int64, "settled": pl.Int64, "in_progress": pl.Int64}
    assert got.rows() == plain(rows)
