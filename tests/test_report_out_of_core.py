"""The report's data out of core (a store read in journey-complete batches of a few hundred
events) is the same, byte for byte, as in memory: every section (discover, conform, drift,
contacts, funnel, emotion) on the telecom sample and on a generated log. Each section is checked
against its own command elsewhere; here the oracle is the in-memory run."""

from __future__ import annotations

from pathlib import Path

from journeylog.ingest import EventSource, read_events
from journeylog.models import load_model
from journeylog.render.json import dumps
from journeylog.report import ReportOptions, report
from out_of_core import generated_store, sample_store


def _both(store: Path, model: Path, options: ReportOptions) -> tuple[str, str, list[str]]:
    designed = load_model(model)
    left: list[str] = []
    mem = dumps(report(read_events(store), designed, options, omitted=left))
    with EventSource(store=store, batch_events=300) as source:
        disk = dumps(report(source, designed, options, omitted=[]))
    return mem, disk, left


def test_sample_report_is_the_same_out_of_core(tmp_path: Path) -> None:
    store = sample_store(tmp_path)
    mem, disk, left = _both(store, tmp_path / "designed_journey.bpmn", ReportOptions(variants=5))
    assert mem == disk
    for section in ('"discover"', '"conform"', '"contacts"', '"funnel"', '"emotion"'):
        assert section in mem, (section, left)


def test_generated_report_is_the_same_out_of_core(tmp_path: Path) -> None:
    store = generated_store(tmp_path)
    mem, disk, _left = _both(store, tmp_path / "design.ptree", ReportOptions(variants=10))
    assert mem == disk
    assert '"drift"' in mem and '"funnel"' in mem
