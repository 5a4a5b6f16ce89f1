"""The variant table's order from activity codes equals the order of the joined names
(``numbered_coded_variants`` against ``numbered_variants``, the rule every engine follows)."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from journeylog.engine._polars_figures import numbered_coded_variants, numbered_variants

# names that are prefixes of each other, share prefixes, sort differently as bytes and as
# letters (capitals, accents, a space), plus the fallback's control character
NAMES = ["A", "AB", "A B", "Ab", "B", "a", "á", "é", "Zz", "Call: x", "Call", "ß", "\x1fodd"]


def _both(names: list[str], seqs: list[list[int]], journeys: list[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    acts = pl.Series(names, dtype=pl.String)
    counts = pl.DataFrame({"_seq": seqs, "journeys": journeys}, schema={"_seq": pl.List(pl.UInt32), "journeys": pl.UInt64})
    by_text = numbered_variants(pl.DataFrame({"activities": [[names[c] for c in s] for s in seqs], "journeys": journeys},
                                             schema={"activities": pl.List(pl.String), "journeys": pl.UInt64}).lazy())
    return numbered_coded_variants(counts, acts), by_text


@settings(max_examples=200, deadline=None)
@given(st.permutations(NAMES[:-1]).flatmap(lambda names: st.tuples(
    st.just(list(names)),
    st.lists(st.lists(st.integers(0, len(names) - 1), max_size=6), min_size=1, max_size=30, unique_by=tuple))),
    st.data())
def test_coded_order_equals_the_joined_names_order(case, data):
    names, seqs = case
    journeys = data.draw(st.lists(st.integers(1, 3), min_size=len(seqs), max_size=len(seqs)))
    coded, by_text = _both(names, seqs, journeys)
    assert coded.equals(by_text)


def test_a_control_character_in_a_name_takes_the_text_path():
    names = NAMES
    seqs = [[len(names) - 1], [0], [0, 1], [1], [len(names) - 1, 0]]
    coded, by_text = _both(names, seqs, [1, 1, 1, 1, 1])
    assert coded.equals(by_text)
    assert coded["activities"].to_list()[0] == ["\x1fodd"]  # the text path: the separator sorts first
