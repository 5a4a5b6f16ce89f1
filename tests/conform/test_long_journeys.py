"""No runaway on one very long journey: it is left out of the alignments and of precision (both
said), and the figures of the other journeys are pm4py's on the log without it."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl

from factories import PTREE, event_frame, write_model
from journeylog import conform as C
from journeylog import mining
from journeylog import schema as S
from journeylog.models import load_model

ACTS = ("Place order", "Identity check", "Schedule appointment", "Router delivered", "Installation completed")


def _log(long_events: int) -> pl.DataFrame:
    rng = random.Random(5)
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows = [("long", t0 + dt.timedelta(seconds=i), rng.choice(ACTS)) for i in range(long_events)]
    for j in range(40):
        acts = list(ACTS) if j % 4 else [a for a in ACTS if a != "Identity check"]
        rows += [(f"j{j:02d}", t0 + dt.timedelta(days=1 + j, hours=k), a) for k, a in enumerate(acts)]
    events = event_frame(rows, (S.JOURNEY_ID, S.TIMESTAMP, S.ACTIVITY))
    missing = [pl.lit(None, dtype).alias(name) for name, dtype in S.SCHEMA.items() if name not in events.columns]
    return events.with_columns(missing).select(S.CANONICAL_COLUMNS).sort(S.SORT_KEYS)


def test_a_journey_longer_than_the_limit_is_left_out_and_said(tmp_path, pm4py) -> None:  # type: ignore[no-untyped-def]
    events = _log(mining.MAX_ALIGN_LENGTH + 1)
    model = load_model(write_model(tmp_path))
    result = C.conform(events, model, C.ConformOptions(settle=dt.timedelta(0)))
    data = C.to_json(result)
    assert data["precision"] is None
    assert any(n.startswith("1 journey (2.4%) was not aligned") for n in data["notes"])
    assert any(n.startswith("precision was not computed") for n in data["notes"])
    rest = events.filter(pl.col(S.JOURNEY_ID) != "long")
    df = rest.select(pl.col(S.JOURNEY_ID).alias("case:concept:name"), pl.col(S.ACTIVITY).alias("concept:name"),
                     pl.col(S.TIMESTAMP).alias("time:timestamp")).to_pandas()
    net, im, fm = pm4py.convert_to_petri_net(pm4py.parse_process_tree(PTREE))
    fit = pm4py.fitness_alignments(df, net, im, fm, multi_processing=False)
    assert data["fitness"] == fit["log_fitness"]
    assert data["fitting_share"] == fit["percentage_of_fitting_traces"] / 100


def test_a_journey_at_the_limit_is_aligned(tmp_path) -> None:  # type: ignore[no-untyped-def]
    events = _log(200)
    data = C.to_json(C.conform(events, load_model(write_model(tmp_path)), C.ConformOptions(precision=False)))
    assert not any("not aligned" in n for n in data["notes"])
