"""contacts on the bundled sample: the CLI end to end (exit 0, JSON valid against the schema, the
contact table) and the class counts against the plain-Python oracle."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from contact_oracle import oracle

from factories import ROOT, SAMPLE, run_cli
from journeylog.config.contacts import load_contact_rules
from journeylog.contracts import json_schema, validate

MODEL = SAMPLE / "designed_journey.bpmn"
RULES = SAMPLE / "contacts.yaml"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("contacts-sample")
    r = run_cli("ingest", str(SAMPLE / "sources.yaml"), "-o", str(folder / "journeys.parquet"), cwd=folder)
    assert r.returncode == 0, r.stderr
    return folder


@pytest.fixture(scope="module")
def run(store: Path) -> tuple[dict, pl.DataFrame, str]:
    r = run_cli("contacts", "journeys.parquet", "--model", str(MODEL), "--rules", str(RULES), "--json", "c.json",
                "--contacts-out", "c.csv", cwd=store)
    assert r.returncode == 0, r.stderr
    return json.loads((store / "c.json").read_text()), pl.read_csv(store / "c.csv", infer_schema=False), r.stderr


def test_cli_json_is_valid_against_the_schema(run):
    data, _table, stderr = run
    assert validate(data, json_schema("contacts")) == []
    assert "journeylog contacts" in stderr and "top drivers of avoidable contacts" in stderr
    assert data["settings"]["rules_file"].endswith("contacts.yaml")


def test_sample_classes_equal_the_oracle(store, run):
    data, table, _ = run
    from journeylog.ingest import read_events
    from journeylog.models import load_model

    events = read_events(store / "journeys.parquet")
    rows = events.select("journey_id", "timestamp", "channel", "activity", "outcome", "contact_reason",
                         "input_order").to_dicts()
    want = oracle(rows, load_contact_rules(RULES), load_model(MODEL).tasks)
    assert data["contacts"] == table.height == len(want)
    assert {c["class"]: c["contacts"] for c in data["classes"]} == {
        k: sum(o["class"] == k for o in want) for k in ("mandatory", "avoidable", "selfcare", "assistance")}
    got = sorted(zip(table["journey_id"], table["timestamp"], table["activity"], table["class"], table["decided_by"],
                     strict=True))
    ts = [o["timestamp"].strftime("%Y-%m-%dT%H:%M:%S.%f+0000") for o in want]
    assert got == sorted((o["journey_id"], t, o["activity"], o["class"], o["decided_by"])
                         for o, t in zip(want, ts, strict=True))
    # every class occurs on the sample, and the identity-check help contacts are avoidable
    assert all(c["contacts"] > 0 for c in data["classes"])
    assert {r for r, k in zip(table["contact_reason"], table["class"], strict=True)
            if r == "Identity check help" and k != "avoidable"} == set()
    assert data["repeat"]["repeats"] == sum(o["repeat"] for o in want)


def test_sample_costs(run):
    data, table, _ = run
    price = {"phone": 6.0, "chat": 3.5, "store": 12.0}
    assert data["costs"]["total"] == sum(price[c] for c in table["channel"])
    avoidable = table.filter(pl.col("class") == "avoidable")
    calls = avoidable.filter(pl.col("channel") == "phone").height
    statement = [s for s in data["costs"]["statements"] if s.startswith(f"{calls:,} avoidable calls")]
    assert statement and "EUR" in statement[0] and "a month" in statement[0]


def test_outputs_are_checked_up_front(store):
    r = run_cli("contacts", "journeys.parquet", "--json", "journeys.parquet", cwd=store)
    assert r.returncode == 2 and "would overwrite" in r.stderr
    r = run_cli("contacts", "journeys.parquet", "--contacts-out", "x.txt", cwd=store)
    assert r.returncode == 2 and not (store / "x.txt").exists()


def test_bad_rules_file_exits_3_with_the_line(store):
    (store / "bad.yaml").write_text("rules:\n  - {name: x, class: avoidible, when: {reason: A}}\n")
    r = run_cli("contacts", "journeys.parquet", "--rules", "bad.yaml", cwd=store)
    assert r.returncode == 3 and "bad.yaml:2:22" in r.stderr, r.stderr


def test_sample_rules_file_is_the_documented_example():
    docs = (ROOT / "docs" / "contacts.md").read_text()
    assert RULES.read_text().split("version: 1", 1)[1].strip() in docs
