"""Helpers shared by the tests: paths, event-frame builders, the synthetic drift log, file writers
and the command run in a subprocess.

Tests import it as ``import factories`` / ``from factories import ...``: ``tests/conftest.py`` is
not in a package, so pytest (default ``prepend`` import mode) puts ``tests/`` on ``sys.path``
before any test module is imported. Fixtures (``pm4py``, ``shared_data``, ``run_main``) live in
``tests/conftest.py``.

>>> event_frame([("j1", T0, "Order")], ("journey_id", "timestamp", "activity")).columns
['input_order', 'journey_id', 'timestamp', 'activity']
"""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from journeylog import schema as S

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "telecom"
#: the shared data collection next to the checkout (pm4py-core logs and models, BPMN test suites)
SHARED_DATA = ROOT.parent / "shared" / "data"
#: the one reason every test that needs SHARED_DATA is skipped with when it is missing
SHARED_DATA_MISSING = "../shared/data not available"

T0 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)  # a Monday
#: the designed journey of the synthetic drift log
PTREE = "->('Place order', 'Identity check', 'Schedule appointment', 'Router delivered', 'Installation completed')"
#: the two-step pattern whose share :func:`make_log` controls with ``p_fail`` / ``fail_after``
PORTAL = "called after failing on the portal"


# ------------------------------------------------------------------------------------------
# files
# ------------------------------------------------------------------------------------------


def write_file(folder: Path, name: str, content: str | bytes) -> Path:
    """Write ``content`` (text as UTF-8, or bytes unchanged) to ``folder / name``; return the path."""
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def write_model(folder: Path) -> Path:
    """The designed journey of :func:`make_log` as ``folder/design.ptree``."""
    return write_file(folder, "design.ptree", PTREE + "\n")


# ------------------------------------------------------------------------------------------
# event frames
# ------------------------------------------------------------------------------------------


def event_frame(rows: Iterable[Sequence[object]], columns: Sequence[str]) -> pl.DataFrame:
    """Events in journeylog's canonical types (:data:`journeylog.schema.SCHEMA`) from row tuples.

    Without an ``input_order`` column, the row order becomes the input order (first column).
    """
    frame = pl.DataFrame(list(rows), schema={c: S.SCHEMA[c] for c in columns}, orient="row")
    if S.INPUT_ORDER not in columns:
        frame = frame.with_row_index(S.INPUT_ORDER).with_columns(pl.col(S.INPUT_ORDER).cast(pl.UInt64))
    return frame


def random_events(seed: int, journeys: int, *, days: int, steps: int, max_gap_us: int, customers: int,
                  activities: str, channels: Sequence[str]) -> pl.DataFrame:
    """A seeded random log: journeys start on one of ``days`` days from 2024-01-01 and have 1 to
    ``steps`` events, each 1 to ``max_gap_us`` microseconds after the previous one."""
    rng = random.Random(seed)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows = []
    for j in range(journeys):
        t = start + dt.timedelta(days=rng.randrange(days))
        for _ in range(rng.randint(1, steps)):
            t += dt.timedelta(microseconds=rng.randrange(1, max_gap_us))
            rows.append((f"j{j:04d}", f"c{j % customers}", t, rng.choice(activities), rng.choice(channels)))
    return event_frame(rows, ("journey_id", "customer_id", "timestamp", "activity", "channel"))


def make_log(n: int = 3000, weeks: int = 20, seed: int = 1, *, p_fail: float = 0.06, p_skip: float = 0.04,
             p_rep: float = 0.08, drift_at: dt.datetime | None = None, fail_after: float | None = None,
             skip_after: float | None = None, new_step_after: float | None = None) -> pl.DataFrame:
    """A stationary synthetic log following :data:`PTREE`; from ``drift_at`` on, the given rates change.

    Per journey: 'Place order' on the web; 'Identity check' skipped with ``p_skip``, else with
    ``p_fail`` it fails on the web, the customer calls ('Call: identity check help', the pattern
    :data:`PORTAL`) and the back office checks again; optionally a new step 'Chat: appointment';
    'Schedule appointment' (repeated by phone with ``p_rep``); the rest.
    Journey starts are uniform over ``weeks`` weeks from :data:`T0` (Monday 2026-01-05).
    """
    rnd = random.Random(seed)
    rows: list[tuple] = []
    span = weeks * 7 * 86400
    for j in range(n):
        start = T0 + dt.timedelta(seconds=rnd.uniform(0, span))
        late = drift_at is not None and start >= drift_at
        pf = fail_after if late and fail_after is not None else p_fail
        ps = skip_after if late and skip_after is not None else p_skip
        jid = f"J{j:05d}"
        t = start

        def add(activity: str, channel: str, outcome: str | None = None, gap: tuple[float, float] = (1, 30),
                jid: str = jid) -> None:
            nonlocal t
            rows.append((jid, t, channel, activity, outcome))
            t = t + dt.timedelta(hours=rnd.uniform(*gap))

        add("Place order", "web", "success")
        if rnd.random() >= ps:
            if rnd.random() < pf:
                add("Identity check", "web", "failure", (1, 10))
                add("Call: identity check help", "phone")
            add("Identity check", "backoffice", "success")
        if late and new_step_after is not None and rnd.random() < new_step_after:
            add("Chat: appointment", "chat")
        add("Schedule appointment", "web", "success")
        if rnd.random() < p_rep:
            add("Schedule appointment", "phone", "success")
        add("Router delivered", "field", "success")
        add("Installation completed", "field", "success")
    frame = pl.DataFrame(rows, schema={"journey_id": pl.String, "timestamp": pl.Datetime("us", "UTC"), "channel": pl.String,
                                       "activity": pl.String, "outcome": pl.String}, orient="row")
    return (frame.with_columns(pl.col("journey_id").alias("customer_id"))
            .sort("journey_id", "timestamp")
            .with_row_index("input_order")
            .with_columns(pl.col("input_order").cast(pl.UInt64)))


# ------------------------------------------------------------------------------------------
# the command in a subprocess (the in-process one is the run_main fixture)
# ------------------------------------------------------------------------------------------


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, clean: bool = False,
            script: bool = False, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m journeylog.cli ARGS`` in a subprocess with ``NO_COLOR=1``.

    ``clean``: only PATH and PYTHONPATH are kept from the environment and HOME is ``cwd``, as a CI job
    would have it. ``script``: run the installed ``journeylog`` script when there is one. ``env`` is
    added last.
    """
    exe = Path(sys.executable).with_name("journeylog")
    command = [str(exe)] if script and exe.exists() else [sys.executable, "-m", "journeylog.cli"]
    if clean:
        base = {k: os.environ[k] for k in ("PATH", "PYTHONPATH") if k in os.environ}
        base.setdefault("PATH", "/usr/bin:/bin")
        base["HOME"] = str(cwd or ROOT)
    else:
        base = dict(os.environ)
    return subprocess.run([*command, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**base, "NO_COLOR": "1", **(env or {})})


# ------------------------------------------------------------------------------------------
# the funnel oracle (tests/cx): plain Python over event rows, written apart from journeylog.cx.funnel


def funnel_oracle(rows: list[dict], steps: list[str], settle: dt.timedelta, segment: str | None = None) -> dict:
    """Per step (0-based), the journeys reaching it in order as ``(journey, seconds from the step
    before, channel)``, found by a greedy earliest-match scan of each journey's events; the
    journeys in progress; and with ``segment`` each journey's first non-null value of it."""
    by_journey: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_journey[r["journey_id"]].append(r)
    log_end = max(r["timestamp"] for r in rows)
    result: dict = {"journeys": len(by_journey), "reach": defaultdict(list), "in_progress": set(), "segment": {}}
    for jid, evs in by_journey.items():
        evs.sort(key=lambda r: (r["timestamp"], r["input_order"]))
        if settle > dt.timedelta(0) and evs[-1]["timestamp"] >= log_end - settle:
            result["in_progress"].add(jid)
        if segment is not None:
            result["segment"][jid] = next((r[segment] for r in evs if r[segment] is not None), None)
        i, prev_t = -1, None
        for k, step in enumerate(steps):
            nxt = next((x for x in range(i + 1, len(evs)) if evs[x]["activity"] == step), None)
            if nxt is None:
                break
            t = evs[nxt]["timestamp"]
            channel = evs[nxt]["channel"] or "unknown"
            result["reach"][k].append((jid, None if prev_t is None else (t - prev_t) / dt.timedelta(seconds=1), channel))
            i, prev_t = nxt, t
    return result


def _quantile(values: list[float], q: float) -> float | None:
    return None if not values else float(np.quantile(np.array(values), q, method="linear"))


def funnel_check_steps(got: list[dict], rows: list[dict], steps: list[str], settle: dt.timedelta) -> None:
    """Assert the step figures ``got`` (the ``funnel`` list of the JSON) against :func:`funnel_oracle`."""
    o = funnel_oracle(rows, steps, settle)
    total = o["journeys"]
    journeys_at = [len(o["reach"][k]) for k in range(len(steps))]
    for k, s in enumerate(got):
        reached = {jid for jid, _d, _c in o["reach"][k]}
        nxt = {jid for jid, _d, _c in o["reach"][k + 1]} if k + 1 < len(steps) else set()
        assert s["step"] == steps[k] and s["index"] == k + 1
        assert s["journeys"] == journeys_at[k]
        assert s["share_of_journeys"] == pytest.approx(journeys_at[k] / total)
        before = journeys_at[k - 1] if k else total
        assert s["conversion_from_previous"] == (pytest.approx(journeys_at[k] / before) if before else None)
        assert s["conversion_from_start"] == (pytest.approx(journeys_at[k] / journeys_at[0]) if journeys_at[0] else None)
        if k + 1 < len(steps):
            stopped = reached - nxt
            assert s["stopped"] == len(stopped - o["in_progress"])
            assert s["stopped_in_progress"] == len(stopped & o["in_progress"])
            settled = len(reached - o["in_progress"])
            assert s["stopped_share"] == (pytest.approx(s["stopped"] / settled) if settled else None)
        else:
            assert s["stopped"] is None
        deltas = [d for _j, d, _c in o["reach"][k] if d is not None]
        for key, q in (("median_seconds_from_previous", 0.5), ("p90_seconds_from_previous", 0.9)):
            want = _quantile(deltas, q)
            assert s[key] == (None if want is None else pytest.approx(want, rel=1e-12, abs=1e-9)), key
        events = [r for r in rows if r["activity"] == steps[k]]
        failed = sum(r["outcome"] == "failure" for r in events)
        assert (s["events"], s["failed_events"]) == (len(events), failed)
        assert s["failure_rate"] == (pytest.approx(failed / len(events)) if events else None)
