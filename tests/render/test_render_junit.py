"""JUnit XML of check results: one test case per check, statuses mapped, text escaped."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from journeylog.check import CheckResult
from journeylog.render.junit import junit_text, write_junit


def _results() -> list[CheckResult]:
    return [CheckResult("min_fitness", "min_fitness", "error", "FAIL", 0.8, 0.85, "Below <0.85> & \x01."),
            CheckResult("max_share[a]", "max_share", "warn", "WARN", 0.1, 0.05, "Above.", "a"),
            CheckResult("min_precision", "min_precision", "error", "SKIP", None, 0.9, "Not computed."),
            CheckResult("max_fitness_drop", "max_fitness_drop", "error", "PASS", 0.0, 0.02, "Same.")]


def test_statuses_and_escaping():
    root = ET.fromstring(junit_text(_results()))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped"), suite.get("errors")) == ("4", "1", "1", "0")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    failure = cases["min_fitness"].find("failure")
    assert failure is not None and failure.get("message") == "Below <0.85> & \ufffd."
    assert cases["min_precision"].find("skipped") is not None
    out = cases["max_share[a]"].find("system-out")
    assert out is not None and (out.text or "").startswith("WARN")
    assert cases["max_fitness_drop"].find("failure") is None


def test_error_run_is_one_error_case(tmp_path):
    path = tmp_path / "j.xml"
    write_junit(path, [], error="log.csv:3: bad")
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None and suite.get("errors") == "1"
