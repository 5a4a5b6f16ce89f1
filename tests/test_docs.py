"""The JSON examples in docs/json.md have exactly the keys the commands write."""

from __future__ import annotations

import json
import re

from factories import ROOT, SAMPLE, run_cli


def _blocks() -> list[dict]:
    text = (ROOT / "docs" / "json.md").read_text()
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", text, re.S)]


def _shape(value):
    """Keys of dicts (recursively, through the first item of lists)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return None


def _same_keys(doc, real, where="$"):
    if isinstance(doc, dict):
        assert isinstance(real, dict) and list(doc) == list(real), f"{where}: {list(doc)} != {list(real)}"
        for k in doc:
            _same_keys(doc[k], real[k], f"{where}.{k}")
    elif isinstance(doc, list) and doc and real:
        _same_keys(doc[0], real[0], where + "[0]")


def _run(args, tmp_path):
    out = tmp_path / "out.json"
    r = run_cli(*args, "--json", str(out))
    assert r.returncode == 0, r.stderr
    return json.loads(out.read_text())


def test_discover_example_matches(tmp_path, shared_data):
    logs = shared_data / "pm4py-core"
    documented = _blocks()[0]
    real = _run(["discover", str(logs / "logs" / "running-example.xes")], tmp_path)
    real["channel_switches"] = documented["channel_switches"]  # the running example has one channel
    _same_keys(_shape(documented), _shape(real))


def test_conform_example_matches(tmp_path, shared_data):
    logs = shared_data / "pm4py-core"
    documented = _blocks()[1]
    real = _run(["conform", str(logs / "logs" / "running_example_broken.csv"), "--delimiter", ";",
                 "--model", str(logs / "models" / "running-example.pnml")], tmp_path)
    assert real["deviations"] and real["unknown_activities"] and real["notes"]
    sample = _run(["conform", str(SAMPLE / "sources.yaml"), "--model", str(SAMPLE / "designed_journey.bpmn"), "--no-precision"],
                  tmp_path)
    real["patterns"] = sample["patterns"]
    _same_keys(_shape(documented), _shape(real))


def test_examples_match_the_json_schemas():
    from journeylog.contracts import json_schema, validate

    for block, name in zip(_blocks(), ["discover", "conform"], strict=True):
        errors = validate(block, json_schema(name))
        assert not errors, f"docs/json.md {name} example: {errors}"
