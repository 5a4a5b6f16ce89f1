"""journeylog.explain.reduced: occurrences read once per alignment of the model's activities,
against occurrences_table's reading of every variant (the oracle), row for row and in order."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from tests.mining.test_restore import LABELS, cases, variant_table

from journeylog import journeys as J
from journeylog import mining
from journeylog.explain.deviations import occurrences_table
from journeylog.ingest import read_events
from journeylog.mining.alignments import MOVE_DTYPE
from journeylog.mining.restore import reduce_variants, restore
from journeylog.models import load_model

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

DATA = Path(__file__).resolve().parents[1] / "data"


def same(aligned: pl.DataFrame, labels: set[str], next_steps=None) -> None:
    want = occurrences_table(aligned, next_steps)
    got = occurrences_table(aligned, next_steps, labels)
    assert got.schema == want.schema
    assert got.cast({c: pl.String for c in ("kind", "activity", "context", "relation", "id")}).to_dicts() == \
        want.cast({c: pl.String for c in ("kind", "activity", "context", "relation", "id")}).to_dicts()


@settings(max_examples=300, deadline=None)
@given(cases())
def test_generated_alignments(case) -> None:
    variants, uniques, results = case
    table = variant_table(variants)
    numbers, _ = reduce_variants(table, LABELS)
    same(restore(table, numbers, uniques, results, LABELS, MOVE_DTYPE), LABELS)


@pytest.mark.parametrize(("log", "model"), [
    ("models/running-example.xes", "models/running-example.bpmn"),
    ("xes/running-example.xes", "models/running-example.pnml"),
    ("models/08_receipt.xes.gz", "models/receipt.bpmn"),
    ("models/roadtraffic100traces.xes.gz", "models/roadtraffic.pnml"),
])
def test_reference_logs(log: str, model: str) -> None:
    designed = load_model(DATA / model)
    variant_table = J.variants(read_events(DATA / log))
    same(mining.align(designed, variant_table), set(designed.tasks), mining.NextSteps(designed).stage)


def test_the_sample(sample: Path) -> None:
    designed = load_model(sample.parent / "designed_journey.bpmn")
    variant_table = J.variants(read_events(sample))
    aligned = mining.align(designed, variant_table)
    assert aligned["moves"].list.len().sum() > variant_table.height  # something to compare
    same(aligned, set(designed.tasks), mining.NextSteps(designed).stage)


def test_unaligned_and_empty_variants() -> None:
    """A variant without moves (not aligned: null) or with none at all has no occurrences."""
    aligned = pl.DataFrame({"variant_id": [1, 2, 3], "moves": [None, [], [{"kind": "log", "log": "x", "model": None,
                                                                              "transition": None}]]},
                           schema={"variant_id": pl.UInt32, "moves": pl.List(MOVE_DTYPE)})
    same(aligned, {"a"})
    got = occurrences_table(aligned, None, {"a"})
    assert got["variant_id"].to_list() == [3] and got["kind"].cast(pl.String).to_list() == ["unexpected"]


def test_slices_change_nothing(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Variants read a few at a time (the memo of distinct alignments shared): the same rows."""
    import journeylog.explain.reduced as RD

    designed = load_model(sample.parent / "designed_journey.bpmn")
    aligned = mining.align(designed, J.variants(read_events(sample)))
    stage = mining.NextSteps(designed).stage
    whole = occurrences_table(aligned, stage, set(designed.tasks))
    monkeypatch.setattr(RD, "SLICE", 7)
    assert occurrences_table(aligned, stage, set(designed.tasks)).to_dicts() == whole.to_dicts()
