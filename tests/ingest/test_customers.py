"""The customers table of a source map: attributes joined onto every event by customer_id (checked
against a plain-Python lookup), located errors in the map and in the table, a note on customers
without a row."""

from __future__ import annotations

import pytest

from factories import write_file
from journeylog.config.sources import load_source_map
from journeylog.errors import InvalidInput
from journeylog.ingest import ingest

EVENTS = ("customer,activity,timestamp,channel\n"
          "c1,Order,2026-01-01 10:00,web\nc2,Order,2026-01-01 11:00,web\nc1,Pay,2026-01-02 10:00,web\n"
          "c3,Call,2026-01-03 09:00,phone\nc2,Pay,2026-01-04 10:00,web\n")
MAP = ("sources:\n  - path: events.csv\n    identity: {column: customer, kind: customer_id}\n"
       "customers:\n  path: customers.csv\n")


def _map(tmp_path, customers: str, extra: str = "") -> str:
    write_file(tmp_path, "events.csv", EVENTS)
    write_file(tmp_path, "customers.csv", customers)
    return str(write_file(tmp_path, "sources.yaml", MAP + extra))


def test_attributes_are_joined_onto_every_event(tmp_path):
    table = "customer_id,plan,region\nc1,business,north\nc2,consumer,south\nc9,consumer,east\n"
    result = ingest(_map(tmp_path, table))
    ev = result.events
    lookup = {"c1": ("business", "north"), "c2": ("consumer", "south")}
    for row in ev.iter_rows(named=True):
        assert (row["plan"], row["region"]) == lookup.get(row["customer_id"], (None, None))
    assert ev.height == 5 and ev.columns[-2:] == ["plan", "region"]
    assert any("plan, region joined by customer_id; 1 of 3 customers has no row" in n for n in result.notes)


def test_columns_and_key_can_be_chosen(tmp_path):
    table = "id;plan;region\nc1;business;north\nc2;consumer;south\nc3;pro;west\n"
    result = ingest(_map(tmp_path, table, "  key: id\n  delimiter: ';'\n  columns: [region]\n"))
    assert "plan" not in result.events.columns
    assert dict(result.events.select("customer_id", "region").unique().iter_rows()) == {
        "c1": "north", "c2": "south", "c3": "west"}
    assert not any("no row" in n for n in result.notes)


@pytest.mark.parametrize(("table", "extra", "where", "words"), [
    ("id,plan\nc1,a\n", "", "sources.yaml:5:3", "the key column 'customer_id' is not in"),
    ("customer_id,plan\nc1,a\n", "  columns: [plan, tier]\n", "sources.yaml:6:19", "no column 'tier' in"),
    ("customer_id,channel\nc1,a\n", "", "sources.yaml:5", "the column 'channel' of"),
    ("customer_id,plan\nc1,a\nc2,b\nc1,c\n", "", "customers.csv:4:customer_id", "customer 'c1' has 2 rows (2, 4)"),
    ("customer_id,plan\nc1,a\n,b\n", "", "customers.csv:3:customer_id", "empty key"),
    ("customer_id\nc1\n", "", "sources.yaml:5", "no column besides the key"),
])
def test_mistakes_are_located(tmp_path, table, extra, where, words):
    with pytest.raises(InvalidInput) as err:
        ingest(_map(tmp_path, table, extra))
    line = err.value.one_line()
    assert where in line and words in line, line


@pytest.mark.parametrize(("text", "row", "words"), [
    ("customers: {path: c.csv, kee: id}\nsources:\n  - path: a.csv\n", 1, "did you mean 'key'?"),
    ("customers: {key: id}\nsources:\n  - path: a.csv\n", 1, "`customers:` needs a `path:`"),
    ("customers: {path: c.csv, columns: [a, a]}\nsources:\n  - path: a.csv\n", 1, "names 'a' twice"),
    ("customers: {path: c.csv, columns: []}\nsources:\n  - path: a.csv\n", 1, "customers.columns is empty"),
])
def test_the_map_entry_is_checked_where_written(tmp_path, text, row, words):
    with pytest.raises(InvalidInput) as err:
        load_source_map(write_file(tmp_path, "sources.yaml", text))
    assert err.value.row == row and words in err.value.one_line()
