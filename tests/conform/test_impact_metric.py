"""Impact sentences name the score they compare: ``impact_metric`` (``conform --metric csat``)
puts a named metric in place of satisfaction, and says it with its scale."""

from __future__ import annotations

import datetime as dt

import polars as pl

from factories import event_frame, write_model
from journeylog import conform as C
from journeylog import schema as S
from journeylog.models import load_model

STEPS = ("Place order", "Identity check", "Schedule appointment", "Router delivered", "Installation completed")


def _log() -> pl.DataFrame:
    """20 journeys follow the design (CSAT 5 on the last step), 10 skip 'Identity check' (CSAT 2 or 3);
    satisfaction, the canonical column, is 4 everywhere so it cannot explain anything."""
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows = []
    for j in range(30):
        skip = j >= 20
        acts = [a for a in STEPS if not (skip and a == "Identity check")]
        for k, a in enumerate(acts):
            csat = (2.0 + j % 2 if skip else 5.0) if k == len(acts) - 1 else None
            rows.append((f"j{j:02d}", t0 + dt.timedelta(days=j, hours=k), a, 4.0, csat))
    ev = event_frame([r[:4] for r in rows], (S.JOURNEY_ID, S.TIMESTAMP, S.ACTIVITY, S.SATISFACTION))
    ev = ev.with_columns(pl.Series("metric_csat", [r[4] for r in rows], dtype=pl.Float64))
    missing = [pl.lit(None, dtype).alias(name) for name, dtype in S.SCHEMA.items() if name not in ev.columns]
    return ev.with_columns(missing).select([*S.CANONICAL_COLUMNS, "metric_csat"])


def test_the_metric_is_compared_and_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = load_model(write_model(tmp_path))
    events = _log()
    plain = C.to_json(C.conform(events, model, C.ConformOptions(precision=False)))
    rated = C.to_json(C.conform(events, model, C.ConformOptions(precision=False,
                                                               impact_metric=("metric_csat", "CSAT (1-5)"))))
    skip = next(d for d in rated["deviations"] if d["id"] == "skipped:Identity check")
    # independent: mean CSAT of the skipping journeys (2, 3, 2, 3, ...) minus that of the fitting ones (5)
    expected = sum(2.0 + j % 2 for j in range(20, 30)) / 10 - 5.0
    assert skip["satisfaction_delta"] == expected
    assert f"scored {abs(expected):.1f} points lower on CSAT (1-5)" in skip["statement"]
    assert rated["impact_metric"] == "CSAT (1-5)" and "impact_metric" not in plain
    plain_skip = next(d for d in plain["deviations"] if d["id"] == "skipped:Identity check")
    assert plain_skip["satisfaction_delta"] == 0.0 and "CSAT" not in plain_skip["statement"]
    assert plain["fitness"] == rated["fitness"]
