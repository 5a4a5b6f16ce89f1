"""Experience metrics: the figures against hand computations and scipy, scales at ingest."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import polars as pl
import pytest

from factories import write_file
from journeylog.config.metrics import Scale, parse_scale
from journeylog.cx import metrics as M
from journeylog.errors import InvalidInput


def _t975(df: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.975, df))


def test_point_stats_csat_against_hand_computation() -> None:
    values = [5, 4, 4, 3, 1, 2, 5, 5, 4, 3]
    metric = M.resolve_metric("csat", ["metric_csat"])
    row = M.point_stats(pl.DataFrame({"s": ["a"] * 10, "v": [float(v) for v in values]}), "v", ["s"], metric).row(0, named=True)
    mean, sd = statistics.mean(values), statistics.stdev(values)
    half = _t975(9) * sd / math.sqrt(10)
    assert row["responses"] == 10 and row["mean"] == pytest.approx(mean) and row["median"] == statistics.median(values)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((mean - half, mean + half))
    assert row["top2_share"] == pytest.approx(sum(v >= 4 for v in values) / 10)
    assert row["detractors"] == sum(v <= 2 for v in values)


def test_nps_and_its_interval() -> None:
    values = [10, 9, 9, 8, 7, 6, 3, 0, 10, 9, 5, 8]
    metric = M.resolve_metric("nps", ["metric_nps"])
    row = M.point_stats(pl.DataFrame({"s": ["a"] * 12, "v": [float(v) for v in values]}), "v", ["s"], metric).row(0, named=True)
    p = sum(v >= 9 for v in values) / 12
    d = sum(v <= 6 for v in values) / 12
    assert row["nps"] == pytest.approx(100 * (p - d))
    se = math.sqrt((p * (1 - p) + d * (1 - d) + 2 * p * d) / 12)  # var(P - D) of a multinomial, written differently
    assert row["nps_ci_high"] - row["nps"] == pytest.approx(100 * 1.959963984540054 * se)
    assert (row["promoters_share"], row["detractors_share"]) == pytest.approx((p, d))


def test_ces_is_lower_is_better_and_labelled() -> None:
    m = M.resolve_metric("ces", ["metric_ces"])
    assert m.lower_is_better and m.label == "CES (1-7, lower is better)"
    row = M.point_stats(pl.DataFrame({"s": ["a"] * 4, "v": [1.0, 2.0, 6.0, 7.0]}), "v", ["s"], m).row(0, named=True)
    assert row["top2_share"] == 0.5 and row["detractors"] == 2


def test_welch_against_scipy() -> None:
    from scipy import stats

    a = [4.0, 5.0, 3.0, 4.0, 5.0, 2.0, 4.0]
    b = [2.0, 3.0, 1.0, 2.0, 4.0, 3.0, 2.0, 1.0, 3.0]
    t, p = M.welch_test(statistics.mean(a), statistics.stdev(a), len(a), statistics.mean(b), statistics.stdev(b), len(b))
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert t == pytest.approx(float(ref.statistic)) and p == pytest.approx(float(ref.pvalue))
    assert M.welch_test(1.0, 0.0, 1, 2.0, 1.0, 5) == (None, None)


def test_scales() -> None:
    assert parse_scale("0-10") == Scale(0, 10) and parse_scale("5-1") is None and parse_scale("x") is None
    with pytest.raises(Exception, match="no default scale"):
        M.resolve_metric("effort", ["metric_effort"])
    assert M.resolve_metric("effort", ["metric_effort"], Scale(1, 10)).label == "effort (1-10)"


def _map(tmp_path: Path, metrics: str, rows: str) -> Path:
    write_file(tmp_path, "t.csv", "case,activity,ts,score\n" + rows)
    return write_file(tmp_path, "m.yaml", "sources:\n  - path: t.csv\n    columns: {journey: case, activity: activity, "
                      f"timestamp: ts}}\n    metrics: {metrics}\n")


def test_out_of_scale_is_invalid_input_with_row_column_value(tmp_path: Path) -> None:
    from journeylog.ingest import ReadOptions
    from journeylog.ingest.sources import ingest_source_map

    path = _map(tmp_path, "{nps: {column: score, scale: 0-10}}", "a,x,2024-01-01,9\na,y,2024-01-02,11\n")
    with pytest.raises(InvalidInput) as exc:
        ingest_source_map(path, ReadOptions())
    # the value is a file the map points at: located, not quoted (ingest/redact.py); --rejects keeps it
    assert "t.csv:3:score" in str(exc.value) and "outside its scale 0-10: <not shown>" in str(exc.value)
    result = ingest_source_map(path, ReadOptions(skip_invalid_rows=True))
    assert result.events["metric_nps"].to_list() == [9.0]
    assert result.rejects["reason"].to_list() == ["nps is outside its scale 0-10"]


def test_metric_without_scale_and_unknown_key_are_located(tmp_path: Path) -> None:
    from journeylog.config.sources import load_source_map

    with pytest.raises(InvalidInput, match=r"m.yaml:4:15: .*metric 'effort' needs `scale:`"):
        load_source_map(_map(tmp_path, "{effort: score}", "a,x,2024-01-01,9\n"))
    with pytest.raises(InvalidInput, match="did you mean 'scale'"):
        load_source_map(_map(tmp_path, "{csat: {column: score, scal: 1-5}}", "a,x,2024-01-01,9\n"))
