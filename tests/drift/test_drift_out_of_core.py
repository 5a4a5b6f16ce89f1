"""drift out of core (a store above ``JOURNEYLOG_MEMORY_EVENTS``, read in journey-complete
batches) finds the same windows and changes, byte for byte, as in memory: windows by journey
start (calendar and by journey count), journeys in progress, allow-lists, rules and a segment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from out_of_core import both_ways


@pytest.mark.parametrize("extra", [
    ["--window", "2w", "--min-journeys", "20"],
    ["--window", "150", "--allow", "allow.yaml", "--rules", "rules.yaml", "--segment", "tier=1"],
], ids=["calendar", "journeys-allow-rules-segment"])
def test_generated_drift_is_the_same_out_of_core(generated: Path, run_main, monkeypatch, extra) -> None:
    mem, disk, _err = both_ways(run_main, monkeypatch, generated.parent,
                                ["drift", generated.name, "-m", "design.ptree", "--no-config", *extra, "--json", "d.json"],
                                ["d.json"])
    assert mem == disk
    data = json.loads(mem["d.json"])
    if "2w" in extra:  # the log drifts (more failures and a new step from week 7): there is something to find
        assert data["changes"] and data["journeys_in_progress"] > 0


def test_sample_drift_is_the_same_out_of_core(sample: Path, run_main, monkeypatch) -> None:
    mem, disk, _err = both_ways(run_main, monkeypatch, sample.parent,
                                ["drift", sample.name, "-m", "designed_journey.bpmn", "--no-config", "--window", "1w",
                                 "--allow", "allow.yaml", "--json", "d.json"], ["d.json"])
    assert mem == disk
    assert len(json.loads(mem["d.json"])["windows"]) > 3
