"""The streamed JSON writer (``discover --json`` writes millions of variants in slices) gives
the bytes of :func:`journeylog.render.json.dumps` of the whole document: on hand-made documents
with every kind of value, and on the sample's discover output written by the command."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from factories import SAMPLE
from journeylog.render.json import Lazy, dumps, write_json


def _streamed(data: dict, lazy_key: str | None, piece: int) -> str:
    out = io.StringIO()
    doc = dict(data)
    if lazy_key is not None:
        rows = data[lazy_key]
        doc[lazy_key] = Lazy(lambda: (rows[i:i + piece] for i in range(0, len(rows), piece)))
    write_json(out.write, doc)
    return out.getvalue()


DOCS = [
    {},
    {"a": 1},
    {"rows": []},
    {"x": {"y": [1, 2, {"z": None}], "w": {}}, "rows": [{"activities": ["Zahlung prüfen", "日本"], "share": 0.1}],
     "t": dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "nan": float("nan"), "end": [[], [1]]},
    {"rows": [{"a": [1, [2, [3]]], "b": "quote \" and \\ and \n newline"} for _ in range(7)], "after": "x"},
]


@pytest.mark.parametrize("doc", DOCS)
@pytest.mark.parametrize("piece", [1, 3, 100])
def test_streamed_equals_whole(doc: dict, piece: int) -> None:
    key = "rows" if "rows" in doc else None
    assert _streamed(doc, key, piece) == dumps(doc)
    json.loads(_streamed(doc, key, piece))


def test_discover_json_is_the_whole_document(tmp_path: Path, run_main) -> None:
    from journeylog import discover as D
    from journeylog.ingest import ingest

    ingest(SAMPLE / "sources.yaml", output=tmp_path / "journeys.parquet")
    code, _out, err = run_main("discover", "journeys.parquet", "--no-model", "--show", "2", "--json", "d.json", cwd=tmp_path)
    assert code == 0, err
    expected = D.to_json(D.discover(ingest(tmp_path / "journeys.parquet").events, D.DiscoverOptions(model=False)))
    assert len(expected["variants"]) > 20
    assert (tmp_path / "d.json").read_text(encoding="utf-8") == dumps(expected)
    code, out, err = run_main("discover", "journeys.parquet", "--no-model", "--json", "-", cwd=tmp_path)
    assert code == 0, err
    assert out == dumps(expected)
