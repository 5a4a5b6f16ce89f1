"""explain.deviations: variant_deviations on hand-built alignment move lists, one per kind."""

from __future__ import annotations

import polars as pl

from journeylog.explain.deviations import KINDS, occurrences_table, variant_deviations
from journeylog.explain.wording import DeviationKind

S = ">>"  # pm4py's "no move"


def _kinds(moves):
    return [(o["kind"], o["activity"], o["context"], o["relation"], o["event_index"]) for o in variant_deviations(moves)]


def test_kinds_are_the_enum_values():
    assert KINDS == ("skipped", "dropped_out", "unexpected", "repeated", "wrong_order")
    assert all(isinstance(k, DeviationKind) for k in (o["kind"] for o in variant_deviations([("A", S), ("B", "B")])))


def test_fitting_alignment_has_no_deviations():
    assert variant_deviations([("A", "A"), ("B", "B"), (None, None), (S, None)]) == []


def test_skip_is_a_model_move_before_the_end():
    assert _kinds([("A", "A"), (S, "B"), ("C", "C")]) == [("skipped", "B", "A", "after", 0)]


def test_skip_at_the_start_has_no_context():
    assert _kinds([(S, "A"), ("B", "B")]) == [("skipped", "A", None, "after", 0)]


def test_trailing_model_moves_are_one_drop_out():
    assert _kinds([("A", "A"), ("B", "B"), (S, "C"), (S, "D")]) == [("dropped_out", "C", "B", "after", 1)]


def test_extra_step_is_a_log_move_of_a_new_activity():
    assert _kinds([("A", "A"), ("Call", S), ("B", "B")]) == [("unexpected", "Call", "A", "after", 1)]


def test_repeat_is_a_log_move_of_a_done_activity():
    assert _kinds([("A", "A"), ("A", S), ("B", "B")]) == [("repeated", "A", "A", "after", 1)]


def test_wrong_order_is_reported_once_at_its_log_move():
    # B done before A although the design wants A then B: B is a log move and later a model move
    moves = [("B", S), ("A", "A"), (S, "B"), ("C", "C")]
    assert _kinds(moves) == [("wrong_order", "B", "A", "before", 0)]
    # done late: the model move comes first, the log move after
    moves = [("A", "A"), (S, "B"), ("C", "C"), ("B", S)]
    assert _kinds(moves) == [("wrong_order", "B", "C", "after", 2)]


def test_occurrences_table_reads_pairs_and_structs():
    aligned = pl.DataFrame({
        "variant_id": pl.Series([0, 1], dtype=pl.UInt32),
        "moves": [[{"log": "A", "model": "A"}, {"log": None, "model": "B"}],
                  [{"log": "A", "model": "A"}, {"log": "X", "model": None}, {"log": "B", "model": "B"}]],
    })
    table = occurrences_table(aligned)
    assert table.select("variant_id", "kind", "activity").rows() == [(0, "dropped_out", "B"), (1, "unexpected", "X")]
    assert occurrences_table(aligned.head(0)).height == 0
