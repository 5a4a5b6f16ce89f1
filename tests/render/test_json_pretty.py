"""journeylog.render.json: its own pretty printer writes the bytes of json.dumps(indent=2)."""

from __future__ import annotations

import datetime as dt
import enum
import io
import json

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeylog.render.json import Lazy, dumps, plain, write_json

scalars = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=12))
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                         | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=30)


def reference(obj) -> str:
    return json.dumps(plain(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


@settings(max_examples=500, deadline=None)
@given(documents)
def test_same_bytes_as_json_dumps(doc) -> None:
    assert dumps(doc) == reference(doc)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=5), documents, max_size=4), st.lists(st.lists(documents, max_size=3), max_size=3))
def test_streamed_lists_same_bytes(head, pieces) -> None:
    out = io.StringIO()
    write_json(out.write, {**head, "rows": Lazy(lambda: iter(pieces))})
    assert out.getvalue() == reference({**head, "rows": [item for piece in pieces for item in piece]})


class Kind(str, enum.Enum):  # noqa: UP042 (the mixin kind, whose str() is not its value)
    SKIPPED = "skipped"


class Level(enum.IntEnum):
    HIGH = 3


def test_the_types_plain_converts() -> None:
    doc = {"kind": Kind.SKIPPED, Kind.SKIPPED: 1, "level": Level.HIGH, "np": np.int64(7), "f": np.float64(0.1),
           "when": dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC), "day": dt.date(2026, 1, 2), "gap": dt.timedelta(hours=1),
           "frame": pl.DataFrame({"a": [1, 2], "b": ["x", None]}), "series": pl.Series([1.5, None]), "ü": "naïve \u2028"}
    assert dumps(doc) == reference(doc)


def test_not_serialisable_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        dumps({"a": {1, 2}})
    with pytest.raises(TypeError):
        dumps(object())
