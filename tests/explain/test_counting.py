"""The deviation counts of a batch on integer keys (journeylog.explain.counting.batch_counts)
against the plain computation on journey ids: the per-journey occurrences joined to their events
by (journey id, index), grouped by deviation id. On a generated log with failures, skips and
repeats; with journeys in progress (a drop-out counts only for settled ones); and with events
that are in time order, journeys interleaved, instead of journey order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from journeylog import conform as C
from journeylog import journeys as J
from journeylog import schema as S
from journeylog.explain import deviations as DV
from journeylog.explain.counting import batch_counts, occurrence_index
from journeylog.models import load_model


def oracle(jv: pl.DataFrame, occurrences: pl.DataFrame, events: pl.DataFrame, examples: int) -> dict[str, pl.DataFrame]:
    """Per journey its variant's occurrences, each joined to its event on (journey id, index in
    the journey), grouped on the ids as strings."""
    per = jv.join(DV.with_ids(occurrences), on="variant_id", how="inner")
    if "settled" in per.columns:
        per = per.filter((pl.col("kind") != "dropped_out") | pl.col("settled"))
    positioned = events.select(S.JOURNEY_ID, S.CHANNEL, S.OUTCOME,
                               pl.int_range(pl.len()).over(S.JOURNEY_ID).cast(pl.Int64).alias("event_index"))
    per = per.join(positioned, on=[S.JOURNEY_ID, "event_index"], how="left")
    out = {"ids": per.group_by("id", "kind", "activity").agg(
        pl.col(S.JOURNEY_ID).n_unique().cast(pl.UInt64).alias("journeys"),
        pl.col(S.JOURNEY_ID).unique().sort().head(examples).alias("examples"),
        pl.col("stage").first(),
        (pl.col(S.OUTCOME) == S.FAILURE).fill_null(False).sum().cast(pl.UInt64).alias("failed"),
        pl.len().cast(pl.UInt64).alias("occurrences"))}
    for col in ("relation", "context", S.CHANNEL):
        out[col] = per.filter(pl.col(col).is_not_null()).group_by("id", col).agg(pl.len().cast(pl.UInt64).alias("n"))
    return out


def _rows(frame: pl.DataFrame) -> list[tuple[Any, ...]]:
    return sorted(frame.with_columns(pl.col(c).cast(pl.String) for c, t in frame.schema.items()
                                     if t == pl.Categorical).rows(), key=repr)


@pytest.fixture(scope="module")
def conformed(sample: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    ev = J.ordered(pl.read_parquet(sample))
    model = load_model(sample.parent / "designed_journey.bpmn")
    c = C.conform(ev, model, C.ConformOptions(precision=False))
    assert c.journey_parts is not None
    return ev, c.journey_parts[1]


@pytest.mark.parametrize("examples", [1, 5])
@pytest.mark.parametrize("order", ["journey", "time"])
def test_batch_counts_equal_the_count_on_journey_ids(conformed, order: str, examples: int) -> None:
    ev, occurrences = conformed
    assert occurrences.height > 100 and occurrences["kind"].n_unique() >= 3
    jv = J.journey_variants(ev).with_columns((pl.col(S.JOURNEY_ID).hash() % 5 != 0).alias("settled"))
    events = ev if order == "journey" else ev.sort(S.TIMESTAMP, S.JOURNEY_ID, S.INPUT_ORDER)
    assert events[S.JOURNEY_ID].is_sorted() == (order == "journey")
    got = batch_counts(jv, occurrence_index(occurrences), events, examples)
    want = oracle(jv, occurrences, events, examples)
    assert set(got) == set(want)
    assert want["ids"]["failed"].sum() > 0 and want[S.CHANNEL].height > 3
    for part in want:
        assert got[part].columns == want[part].columns
        assert got[part].schema == want[part].schema, part
        assert _rows(got[part]) == _rows(want[part]), part


def test_batch_counts_refuse_events_of_other_journeys(conformed) -> None:
    ev, occurrences = conformed
    jv = J.journey_variants(ev)
    with pytest.raises(ValueError, match="not those of the journeys"):
        batch_counts(jv.head(10), occurrence_index(occurrences), ev)
