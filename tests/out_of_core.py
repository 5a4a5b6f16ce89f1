"""Shared by the out-of-core tests of conform, check and drift: the logs (the telecom sample and
a generated log, both as journeylog stores) and a runner that gives a command's outputs in memory
and out of core (``JOURNEYLOG_MEMORY_EVENTS`` below the log's size: the store is read in
journey-complete batches of a quarter of that)."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from factories import PTREE, SAMPLE, make_log
from journeylog.ingest import ingest

#: a budget far below both logs: many batches, journeys cut nowhere
BUDGET = "400"

ALLOW = """accepted:
  - {kind: repeated, activity: Schedule appointment, reason: rescheduling is fine}
  - {pattern: called after failing on the portal, reason: known}
"""
RULES = """window: 24h
patterns:
  - name: phoned twice
    steps:
      - {channel: phone}
      - {channel: phone, within: 30d}
"""


def sample_store(folder: Path) -> Path:
    """The telecom sample (with its customers table: plan, region; metric csat) as a store, with
    its designed journey, an allow-list and a rules file next to it."""
    for f in SAMPLE.iterdir():
        shutil.copy(f, folder / f.name)
    ingest(folder / "sources.yaml", output=folder / "journeys.parquet")
    (folder / "allow.yaml").write_text(ALLOW, encoding="utf-8")
    (folder / "rules.yaml").write_text(RULES, encoding="utf-8")
    return folder / "journeys.parquet"


def generated_store(folder: Path) -> Path:
    """A generated log (1,500 journeys over 12 weeks, drifting after week 6, failures on the
    web followed by calls: patterns; the last week's journeys are in progress) as a store, with
    the designed journey as ``design.ptree``, an allow-list and a rules file."""
    import datetime as dt

    ev = make_log(n=1500, weeks=12, seed=11, p_fail=0.15, drift_at=dt.datetime(2026, 2, 16, tzinfo=dt.UTC),
                  fail_after=0.4, new_step_after=0.3)
    ev = ev.with_columns(pl.when(pl.col("activity") == "Place order")
                         .then(pl.col("journey_id").str.slice(-1).cast(pl.Int64).mod(3).cast(pl.String)).alias("tier"))
    ev.write_parquet(folder / "raw.parquet")
    ingest(folder / "raw.parquet", output=folder / "log.parquet")
    (folder / "design.ptree").write_text(PTREE + "\n", encoding="utf-8")
    (folder / "allow.yaml").write_text(ALLOW, encoding="utf-8")
    (folder / "rules.yaml").write_text(RULES, encoding="utf-8")
    return folder / "log.parquet"


def both_ways(run_main, monkeypatch: pytest.MonkeyPatch, folder: Path, args: list[str],
              outputs: list[str]) -> tuple[dict[str, bytes], dict[str, bytes], str]:
    """The bytes of ``outputs`` (files the command writes in ``folder``) in memory and out of
    core, and the out-of-core run's stderr; both runs must exit alike."""
    got = []
    codes = []
    err = ""
    for env in ({}, {"JOURNEYLOG_MEMORY_EVENTS": BUDGET}):
        monkeypatch.delenv("JOURNEYLOG_MEMORY_EVENTS", raising=False)
        for name in outputs:
            (folder / name).unlink(missing_ok=True)
        code, _out, err = run_main(*args, cwd=folder, env=env)
        assert code in (0, 1), err
        codes.append(code)
        got.append({name: (folder / name).read_bytes() for name in outputs})
    monkeypatch.delenv("JOURNEYLOG_MEMORY_EVENTS", raising=False)
    assert codes[0] == codes[1]
    return got[0], got[1], err


#: contact rules for the generated log: every class reachable, costs, a rule on the reason
CONTACT_RULES = """version: 1
contacts:
  channels: [phone, chat]
self_service_channels: [web]
precedence: [avoidable, mandatory, selfcare, assistance]
design: mandatory
failure_window: 3d
repeat_window: 10d
rules:
  - name: appointments by chat
    class: selfcare
    when: {activity: 'Chat: appointment'}
currency: EUR
costs: {phone: 6.5, chat: 3.2}
"""
