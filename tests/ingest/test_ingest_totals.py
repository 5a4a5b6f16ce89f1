"""The ingest summary's figures of events in memory (``frame_totals``, one pass over the frame)
equal the figures engine's (``JourneyFigures`` over ordered batches, as for a store), on random
event tables: sorted or not, customers equal to journeys or not, missing values anywhere; and
ingest's summary is the same whether the store is written or not."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import SAMPLE
from journeylog import schema as S
from journeylog.ingest import ingest
from journeylog.ingest.result import _engine_totals, frame_totals

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_names = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "dd", "é"]))


@st.composite
def event_tables(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(0, 30))
    journeys = draw(st.lists(st.sampled_from(["j1", "j2", "j3", "j10", None] if draw(st.booleans()) else ["j1", "j2"]),
                             min_size=n, max_size=n))
    same = draw(st.booleans())
    customers = journeys if same else draw(st.lists(_names, min_size=n, max_size=n))
    frame = pl.DataFrame({
        S.JOURNEY_ID: journeys, S.CUSTOMER_ID: customers,
        S.TIMESTAMP: [None if m is None else T0 + dt.timedelta(hours=m)
                      for m in draw(st.lists(st.one_of(st.none(), st.integers(0, 50)), min_size=n, max_size=n))],
        S.CHANNEL: draw(st.lists(st.one_of(st.none(), st.sampled_from(["web", "phone", "app"])), min_size=n, max_size=n)),
        S.ACTIVITY: draw(st.lists(_names, min_size=n, max_size=n)),
        S.INPUT_ORDER: list(range(n)),
    }, schema_overrides={S.JOURNEY_ID: pl.String, S.CUSTOMER_ID: pl.String, S.TIMESTAMP: S.TIME_DTYPE,
                         S.CHANNEL: pl.String, S.ACTIVITY: pl.String, S.INPUT_ORDER: pl.UInt64})
    if draw(st.booleans()):
        frame = frame.sort(S.JOURNEY_ID, S.TIMESTAMP, S.INPUT_ORDER)
    return frame


@settings(max_examples=300, deadline=None)
@given(event_tables())
def test_frame_totals_equal_the_engines(events):
    mine, mine_channels = frame_totals(events)
    theirs, their_channels = _engine_totals(events, None)
    assert mine == {k: theirs[k] for k in mine} and set(theirs) - set(mine) == {"channels"}
    assert mine_channels.rows() == their_channels.rows() and mine_channels.schema == their_channels.schema


@pytest.mark.parametrize("overlap", [0, 10**9])  # figures counted after the write, or while it runs
def test_the_summary_is_the_same_with_and_without_a_store(tmp_path, monkeypatch, overlap):
    import journeylog.ingest.read as read

    monkeypatch.setattr(read, "OVERLAP_EVENTS", overlap)
    written = ingest(SAMPLE / "sources.yaml", output=tmp_path / "s.parquet")
    assert (written._totals is not None) == (overlap > 0)
    kept = ingest(SAMPLE / "sources.yaml")
    assert written.summary() == kept.summary()
    assert written.summary()["journeys"] == kept.events[S.JOURNEY_ID].n_unique()
