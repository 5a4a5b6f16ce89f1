"""Everything one ``journeylog check`` or ``journeylog drift`` run produces: the terminal report,
GitHub annotations, JUnit XML, the chart and the JSON file. The CLI calls :func:`emit_check` with the
library's :class:`~journeylog.check.CheckRun` and :func:`emit_drift` with the drift JSON."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Mapping
from typing import Any

from journeylog.check import CheckRun, to_json
from journeylog.io.files import write_text_atomic
from journeylog.render.github import check_annotations, drift_annotations
from journeylog.render.json import dumps
from journeylog.render.junit import write_junit
from journeylog.render.terminal import console, print_check_report, print_drift_report, text

__all__ = ["emit_check", "emit_drift"]


def emit_check(run: CheckRun, *, log: str | None = None, junit: str | None = None, json_out: str | None = None,
               verbose: bool = False, environ: Mapping[str, str] | None = None) -> None:
    """Print and write everything a run produces: the report (stderr), GitHub annotations when
    ``GITHUB_ACTIONS=true`` (stdout, or stderr when JSON goes to stdout), JUnit and JSON files."""
    env = os.environ if environ is None else environ
    con = console()
    print_check_report(run.results, verbose=verbose, out=con)
    for note in run.notes:
        con.print(text("note: " + note, style="dim"), soft_wrap=True)
    if env.get("GITHUB_ACTIONS") == "true":
        stream = sys.stderr if json_out == "-" else sys.stdout
        for line in check_annotations(run.results):
            stream.write(line + "\n")
        stream.flush()
    if junit is not None:
        props = {"log": log, "model": run.config.model, "config": run.config.path, "baseline": run.baseline_path,
                 "journeys": run.conformance.get("journeys"), "fitness": run.conformance.get("fitness"),
                 "fitting_share": run.conformance.get("fitting_share"),
                 "fitting_share_accepted": run.conformance.get("fitting_share_accepted")}
        write_junit(junit, run.results, properties={k: v for k, v in props.items() if v is not None},
                    seconds=run.seconds, timestamp=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat())
    if json_out is not None:
        write_text_atomic(json_out, dumps(to_json(run.results, run.conformance, baseline=run.baseline_path,
                                                  config=run.config.path)))


def emit_drift(data: Mapping[str, Any], *, chart: str | None = None, show: int = 20, json_out: str | None = None,
               fail_on_drift: bool = False, environ: Mapping[str, str] | None = None) -> None:
    """Print and write everything a drift run produces: the chart file, the report (stderr), GitHub
    annotations when ``GITHUB_ACTIONS=true`` (errors with ``fail_on_drift``, else warnings; stdout,
    or stderr when JSON goes to stdout) and the JSON file."""
    env = os.environ if environ is None else environ
    if chart is not None:
        from journeylog.render.chart import write_chart  # matplotlib: only when a chart is asked for

        write_chart(data, chart)
    print_drift_report(dict(data), show=show)
    if env.get("GITHUB_ACTIONS") == "true":
        stream = sys.stderr if json_out == "-" else sys.stdout
        stream.writelines(line + "\n" for line in drift_annotations(dict(data), level="error" if fail_on_drift else "warning"))
        stream.flush()
    if json_out is not None:
        write_text_atomic(json_out, dumps(data))
