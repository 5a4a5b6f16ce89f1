"""check out of core (a store above ``JOURNEYLOG_MEMORY_EVENTS``, read in journey-complete
batches) writes the same JSON, JUnit report and baseline as in memory, and exits alike: on the
sample (with a baseline, an allow-list, rules and a segment) and on a generated log."""

from __future__ import annotations

import json
import re
from pathlib import Path

from out_of_core import both_ways


def _same(mem: dict[str, bytes], disk: dict[str, bytes]) -> None:
    for name in mem:
        a, b = mem[name], disk[name]
        if name.endswith(".xml"):  # the run's clock is not behaviour
            a, b = (re.sub(rb'( (?:timestamp|time|hostname))="[^"]*"', rb'\1="-"', x) for x in (a, b))
        assert a == b, name


def test_sample_check_is_the_same_out_of_core(sample: Path, run_main, monkeypatch) -> None:
    folder = sample.parent
    base = ["check", sample.name, "-m", "designed_journey.bpmn", "--no-config", "--no-precision"]
    mem, disk, _err = both_ways(run_main, monkeypatch, folder,
                                [*base, "--write-baseline", "baseline.json", "--min-fitness", "0.9", "--json", "c1.json"],
                                ["c1.json", "baseline.json"])
    _same(mem, disk)
    mem, disk, _err = both_ways(run_main, monkeypatch, folder, [
        *base, "--baseline", "baseline.json", "--allow", "allow.yaml", "--rules", "rules.yaml", "--segment",
        "plan=consumer", "--min-fitting-share", "0.3", "--max-share", "repeated:Schedule appointment=0.01",
        "--junit", "junit.xml", "--json", "c2.json"], ["c2.json", "junit.xml"])
    _same(mem, disk)
    data = json.loads(mem["c2.json"])
    assert data["checks"] and data["summary"]["failed"] > 0


def test_generated_check_is_the_same_out_of_core(generated: Path, run_main, monkeypatch) -> None:
    mem, disk, _err = both_ways(run_main, monkeypatch, generated.parent, [
        "check", generated.name, "-m", "design.ptree", "--no-config", "--allow", "allow.yaml",
        "--min-fitness", "0.99", "--max-share", "dropped_out:Router delivered=0.01", "--json", "c.json"], ["c.json"])
    _same(mem, disk)
    assert json.loads(mem["c.json"])["figures"]["fitness"] is not None
