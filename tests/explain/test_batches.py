"""The passes of conformance over journey-complete batches (journeylog.explain.batches): each
journey's variant found by a hash of its sequence equals the join on the sequences, and a hash
that points at the wrong variant (a collision) is caught and answered by that join; log facts
gathered over batches equal those of the whole log."""

from __future__ import annotations

import polars as pl

from factories import make_log
from journeylog import journeys as J
from journeylog.explain import batches as B
from journeylog.ingest import EventSource


def test_variants_by_hash_equal_the_join_and_survive_a_collision() -> None:
    ev = make_log(n=200, seed=3)
    vt = J.variants(ev)
    assert vt.height > 3
    keys = vt.select(pl.col("activities").hash().alias("_h"), "variant_id")
    expected = J.journey_variants(ev, vt)
    assert B._journey_variants(ev, vt, keys).equals(expected)
    wrong = keys.with_columns(pl.col("variant_id").reverse())  # every hash points at another variant
    assert B._journey_variants(ev, vt, wrong).equals(expected)


def test_log_facts_over_batches_equal_the_whole_log() -> None:
    ev = J.ordered(make_log(n=300, seed=4))
    whole = B.log_facts(EventSource(ev))
    # an EventSource in memory yields one batch: cut the log by hand, every journey whole
    parts = ev.with_columns((pl.col("journey_id").rank("dense") // 25).alias("_part")).partition_by(
        "_part", maintain_order=True, include_key=False)

    class Parts(EventSource):
        def batches(self, columns=None):  # type: ignore[no-untyped-def,override]
            yield from (p.select(list(dict.fromkeys(["journey_id", "timestamp", "input_order", *(columns or p.columns)])))
                        for p in parts)

    split = B.log_facts(Parts(ev))
    assert len(parts) > 5
    assert split.variant_table.equals(whole.variant_table)
    assert (split.activity_events, split.events, split.last, split.dates_only) == (
        whole.activity_events, whole.events, whole.last, whole.dates_only)
    assert dict(ev.group_by("activity").len().iter_rows()) == whole.activity_events
