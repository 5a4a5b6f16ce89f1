"""ingest.normalise._per_value: the channel and outcome columns mapped once per distinct spelling
(or passed through when every spelling is already its own result) equal the expressions
evaluated row by row (the oracle), on random spellings: canonical ones only, mixed case, spaces,
empty and missing values, many distinct values."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_series_equal

from journeylog.ingest.columns import ColumnMap
from journeylog.ingest.normalise import _channel_expr, _outcome_expr, _per_value

CANONICAL = ["web", "phone", "app", "email", "success", "failure"]
OTHER = ["Web", " phone ", "Call Centre", "", "OK", "failed", "x", "unknown", "Completed"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(CANONICAL), st.sampled_from(OTHER)),
                min_size=1, max_size=80),
       st.booleans(), st.booleans())
def test_per_value_equals_row_by_row(values, canonical_only, categorical):
    if canonical_only:
        values = [v if v is None or v in CANONICAL else None for v in values]
    col = pl.Series("src", values, dtype=pl.String)
    frame = pl.DataFrame({"src": col.cast(pl.Categorical) if categorical else col})
    cmap = ColumnMap(case=None, customer=None, activity="a", timestamp="t", channel="src", channel_value=None, outcome=None,
                     satisfaction=None, contact_reason=None, text=None, explicit=frozenset())
    for expr in (_channel_expr(cmap), _outcome_expr("src", {})):
        assert_series_equal(frame.select(_per_value(expr, "src", frame).alias("v"))["v"],
                            frame.select(expr.alias("v"))["v"])
