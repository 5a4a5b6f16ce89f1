"""explain and compare with ``--engine spark`` write what ``--engine polars`` writes, byte for byte
(``--json``), through the real command line, on the sample and on a generated log, with several
option sets, some over many partitions (a small ``JOURNEYLOG_MEMORY_EVENTS``). The Polars answers
are checked against oracles in tests/cx/; here the oracle is the Polars run."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from test_spark_cx import MANY, same_on_both

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("extra", "env"), [
    (["--by", "plan"], None),
    (["--a", "month=2026-03", "--b", "month=2026-05", "-m", "designed_journey.bpmn", "--rules", "rules.yaml",
      "--allow", "allow.yaml"], MANY),
], ids=["plan", "sides-model-rules-many"])
def test_sample_compare(spark: Any, sample: Path, run_main: Any, monkeypatch: pytest.MonkeyPatch,
                        extra: list[str], env: dict[str, str] | None) -> None:
    got = same_on_both(run_main, monkeypatch, sample.parent, ["compare", sample.name, *extra, "--json", "c.json"],
                       ["c.json"], env)
    data = json.loads(got["c.json"])
    assert len(data["segments"]) >= 2 and all(s["journeys"] > 0 for s in data["segments"]) and data["tests"] > 0
    assert {i["kind"] for i in data["items"]} >= {"failure", "channel", "variant"}
    if "--rules" in extra:
        assert any(i["kind"] == "pattern" for i in data["items"]) and data["segments"][0]["fitness"] is not None


def test_generated_compare(spark: Any, generated: Path, run_main: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    got = same_on_both(run_main, monkeypatch, generated.parent, [
        "compare", generated.name, "--by", "week", "--settle", "0", "--min-journeys", "10", "--json", "c.json"],
        ["c.json"], MANY)
    data = json.loads(got["c.json"])
    assert len(data["segments"]) >= 12 and data["differences"]


@pytest.mark.parametrize(("extra", "env"), [
    (["-m", "designed_journey.bpmn", "--deviation", "repeated:Schedule appointment", "--correction", "bh",
      "--min-support", "5"], MANY),
    (["--pattern", "called after failing on the portal", "--min-support", "5"], None),
], ids=["deviation-many", "pattern"])
def test_sample_explain(spark: Any, sample: Path, run_main: Any, monkeypatch: pytest.MonkeyPatch,
                        extra: list[str], env: dict[str, str] | None) -> None:
    got = same_on_both(run_main, monkeypatch, sample.parent, ["explain", sample.name, *extra, "--json", "e.json"],
                       ["e.json"], env)
    data = json.loads(got["e.json"])
    assert 0 < data["journeys_with"] < data["journeys"] and data["tests"] > 3 and data["factors"]
    assert any(s["reason"].endswith("an id or free text") for s in data["skipped_columns"])


def test_generated_explain(spark: Any, generated: Path, run_main: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The attribute levels are counted over every partition: a per-event number is skipped with
    its exact count, ``tier`` is a factor."""
    got = same_on_both(run_main, monkeypatch, generated.parent, [
        "explain", generated.name, "--pattern", "web-failure-then-phone", "--min-support", "5", "--factors",
        "attribute,variant,activity", "--json", "e.json"], ["e.json"], MANY)
    data = json.loads(got["e.json"])
    assert {"column": "attr.input_order", "reason": "1,500 distinct values, over 50: an id or free text"} \
        in data["skipped_columns"]
    assert any(f["kind"] == "attribute" and f["column"] == "tier" for f in data["factors"])


def test_sample_report(spark: Any, sample: Path, run_main: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The report (discover, conform, drift, contacts, funnel, emotion in one page) is the same
    page with either engine, but for its footer (the time it was made, the command line)."""
    pages = []
    for engine in ("polars", "spark"):
        out = sample.parent / f"r-{engine}.html"
        code, _out, err = run_main("report", sample.name, "-m", "designed_journey.bpmn", "--engine", engine,
                                   "-o", out.name, cwd=sample.parent)
        assert code == 0, err
        assert "contacts, funnel, emotion" in err, err
        page = out.read_bytes()
        pages.append(re.sub(rb"Made by journeylog [^<]* with:</p>\s*<pre class=\"command\"><code>[^<]*</code>", b"-",
                            page))
        assert pages[-1] != page  # the footer was found
    assert pages[0] == pages[1]
