"""Every recorded ``--json`` output matches its JSON Schema, the schemas in docs/json-schema/ are
the ones the TypedDicts generate, and the validator rejects what it should."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from factories import ROOT, T0, make_log, write_model
from journeylog.contracts import COMMANDS, json_schema, schema_file, validate

GOLDEN = ROOT / "tests" / "golden"
SCHEMAS = ROOT / "docs" / "json-schema"

# recording file name -> the command whose --json wrote it (see tests/golden/golden.py)
RECORDED = {"ingest.json": "ingest", "discover.json": "discover", "conform.json": "conform", "broken.json": "conform",
            "check.json": "check", "check1.json": "check", "check2.json": "check", "drift.json": "drift",
            "contacts.json": "contacts", "explain.json": "explain", "emotion.json": "emotion",
            "compare.json": "compare", "compare2.json": "compare", "funnel.json": "funnel"}
NOT_JSON_OUTPUTS = {"baseline.json", "map.json"}  # --write-baseline and --graph map.json: other contracts


def _recordings() -> list[Path]:
    return sorted(GOLDEN.glob("*/*.json"))


def test_every_recording_is_known():
    unknown = [str(p.relative_to(ROOT)) for p in _recordings() if p.name not in RECORDED | dict.fromkeys(NOT_JSON_OUTPUTS)]
    assert not unknown, f"say which command wrote these (RECORDED) or that they are no --json output: {unknown}"
    assert {RECORDED[p.name] for p in _recordings() if p.name in RECORDED} == set(COMMANDS)


@pytest.mark.parametrize("path", [p for p in _recordings() if p.name in RECORDED], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_recording_matches_its_schema(path):
    errors = validate(json.loads(path.read_text()), json_schema(RECORDED[path.name]))
    assert not errors, "\n".join(errors[:20])


@pytest.mark.parametrize("name", COMMANDS)
def test_published_schema_is_generated(name):
    path = SCHEMAS / f"{name}.schema.json"
    assert path.exists() and path.read_text() == schema_file(name), (
        f"{path.relative_to(ROOT)} drifted from journeylog.contracts: run `python -m journeylog.contracts docs/json-schema`")


def test_no_stray_schema_files():
    assert sorted(p.name for p in SCHEMAS.glob("*.json")) == sorted(f"{n}.schema.json" for n in COMMANDS)


def test_schemas_are_closed_and_complete():
    for name in COMMANDS:
        s = json_schema(name)
        assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        for obj in [s, *s.get("$defs", {}).values()]:
            assert obj["additionalProperties"] is False and set(obj["required"]) <= set(obj["properties"])
            assert obj.get("description"), "every object says what it is"


def test_validator_rejects_mismatches():
    doc = json.loads((GOLDEN / "sample" / "conform.json").read_text())
    s = json_schema("conform")
    assert validate(doc, s) == []
    doc["fitness"] = "high"
    doc["deviations"][0]["kind"] = "lost"
    doc["deviations"][1]["examples"] = [1]
    doc["patterns"][0]["accepted"] = 0
    del doc["notes"]
    doc["extra"] = True
    assert validate(doc, s) == [
        "$: missing key notes",
        "$.fitness: 'high' is not number or null",
        "$.deviations[0].kind: 'lost' is not one of ['skipped', 'dropped_out', 'unexpected', 'repeated', 'wrong_order']",
        "$.deviations[1].examples[0]: 1 is not string",
        "$.patterns[0].accepted: 0 is not boolean",
        "$: unexpected key extra",
    ]
    assert validate(True, {"type": "integer"}) and validate(2.0, {"type": "integer"}) == []
    assert validate(1, {"anyOf": [{"type": "string"}, {"type": "null"}]}) == ["$: 1 matches none of the alternatives"]


def test_unknown_command():
    with pytest.raises(ValueError, match="one of ingest, discover"):
        json_schema("report")


@pytest.mark.slow
def test_drift_changes_match_the_schema(tmp_path):
    """The recordings have no drift change: plant one and check the change objects too."""
    from journeylog import conform as C
    from journeylog import drift as D
    from journeylog.models import load_model
    from journeylog.render.json import plain

    model = load_model(write_model(tmp_path))
    events = make_log(n=4000, drift_at=T0 + dt.timedelta(weeks=10), fail_after=0.25)
    c = C.conform(events, model, C.ConformOptions(precision=False))
    data = plain(D.to_json(D.drift_from_conformance(c, D.DriftOptions(window="1w"))))
    assert data["changes"]
    errors = validate(data, json_schema("drift"))
    assert not errors, "\n".join(errors[:20])
