"""JUnit XML for CI: one ``<testcase>`` per check.

The layout CI servers (GitHub Actions test reporters, GitLab's ``artifacts:reports:junit``,
Jenkins, Azure DevOps) and ``junitparser`` read::

    <testsuites name="journeylog" tests="5" failures="1" errors="0" skipped="1" time="2.310">
      <testsuite name="journeylog check" tests="5" failures="1" errors="0" skipped="1" time="2.310"
                 timestamp="..." hostname="journeylog">
        <properties><property name="log" value="journeys.parquet"/>...</properties>
        <testcase classname="journeylog.check.min_fitness" name="min_fitness" time="0">
          <failure message="Fitness is 0.8123, below the minimum of 0.8500." type="error">...</failure>
          <system-out>FAIL min_fitness value=0.8123 threshold=0.85 ...</system-out>
        </testcase>
        ...

* ``FAIL`` -> ``<failure type="error">``; ``SKIP`` -> ``<skipped message=...>``;
* ``WARN`` -> a passing test case whose ``<system-out>`` starts with ``WARN`` and which carries the
  property ``severity=warn`` (CI servers show warnings as passed tests with output);
* a run that could not check at all (invalid input, ...) -> one test case with ``<error>``.

Built with :mod:`xml.etree.ElementTree`, so every name and message is escaped; characters XML 1.0
cannot carry (control characters) are replaced by U+FFFD. Written atomically.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast
from xml.etree import ElementTree as ET

# XML 1.0 forbids these characters even as references.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(value: Any) -> str:
    s = "" if value is None else str(value)
    return _INVALID_XML.sub("\ufffd", s)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def junit_tree(
    results: Sequence[Any],
    *,
    suite: str = "journeylog check",
    properties: Mapping[str, Any] | None = None,
    seconds: float = 0.0,
    timestamp: str | None = None,
    error: str | None = None,
) -> ET.ElementTree:
    """The JUnit document for a list of :class:`journeylog.check.CheckResult`.

    ``error``: the run failed before the checks (the message becomes an ``<error>`` test case).
    """
    tests = len(results) + (1 if error else 0)
    failures = sum(1 for r in results if r.status == "FAIL")
    skipped = sum(1 for r in results if r.status == "SKIP")
    errors = 1 if error else 0
    counts = {"tests": str(tests), "failures": str(failures), "errors": str(errors), "skipped": str(skipped),
              "time": f"{seconds:.3f}"}
    root = ET.Element("testsuites", {"name": "journeylog", **counts})
    attrs = {"name": _clean(suite), **counts, "hostname": "journeylog"}
    if timestamp:
        attrs["timestamp"] = _clean(timestamp)
    ts = ET.SubElement(root, "testsuite", attrs)
    if properties:
        props = ET.SubElement(ts, "properties")
        for key, value in properties.items():
            ET.SubElement(props, "property", {"name": _clean(key), "value": _clean(_fmt(value))})
    for r in results:
        tc = ET.SubElement(ts, "testcase", {"classname": _clean(f"journeylog.check.{r.kind}"), "name": _clean(r.name),
                                            "time": "0"})
        detail = (f"{r.status} {r.name}: value={_fmt(r.value)} threshold={_fmt(r.threshold)}"
                  + (f" baseline={_fmt(r.baseline)}" if getattr(r, "baseline", None) is not None else "")
                  + f" severity={r.severity}\n{r.message}")
        if r.status == "FAIL":
            el = ET.SubElement(tc, "failure", {"message": _clean(r.message), "type": _clean(r.severity)})
            el.text = _clean(detail)
        elif r.status == "SKIP":
            ET.SubElement(tc, "skipped", {"message": _clean(r.message)})
        elif r.status == "WARN":
            props = ET.SubElement(tc, "properties")
            ET.SubElement(props, "property", {"name": "severity", "value": "warn"})
        out = ET.SubElement(tc, "system-out")
        out.text = _clean(detail)
    if error:
        tc = ET.SubElement(ts, "testcase", {"classname": "journeylog.check", "name": "run", "time": "0"})
        el = ET.SubElement(tc, "error", {"message": _clean(error), "type": "error"})
        el.text = _clean(error)
    ET.indent(root, space="  ")
    return ET.ElementTree(root)


def junit_text(results: Sequence[Any], **kw: Any) -> str:
    """The JUnit document as UTF-8 XML text with a declaration."""
    tree = junit_tree(results, **kw)
    body = ET.tostring(cast(ET.Element, tree.getroot()), encoding="unicode")  # junit_tree always has a root
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def write_junit(path: str | os.PathLike[str], results: Sequence[Any], **kw: Any) -> None:
    """Write the JUnit XML to ``path`` atomically (``-`` = standard output)."""
    from journeylog.io.files import write_text_atomic

    write_text_atomic(path, junit_text(results, **kw))
