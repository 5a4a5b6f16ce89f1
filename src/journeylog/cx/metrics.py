"""Experience metrics: which score a figure is about, and the figures of a group of scores.

Every figure names its metric (:class:`Metric`); metrics are never mixed. The scales and the
source-map side live in :mod:`journeylog.config.metrics`.

* **CSAT** (default 1-5): the mean, and the *top-2-box* share (answers in the two highest
  points of the scale: 4 or 5 on 1-5);
* **NPS** (0-10): % promoters (9-10) minus % detractors (0-6), in points (-100..100), with a 95%
  Wald interval on that difference (variance ``(p + d - (p - d)^2) / n``);
* **CES** (default 1-7): the mean effort; *lower is better*;
* ``satisfaction`` (the canonical column, no declared scale), any named score with a declared
  scale, and ``sentiment`` (text sentiment, -1..1): the mean.

For every group: responses, mean, median, standard deviation and a 95% t-interval for the mean
(``mean +- t(0.975, n-1) * sd / sqrt(n)``, clipped to the scale; none under 2 responses). *Detractors* (for
``--detractors``): NPS 0-6, the two lowest points of other scales (CES: the two highest),
satisfaction at 2 or less, sentiment at -0.05 or less (VADER's negative threshold).

>>> m = resolve_metric("csat", ["metric_csat"])
>>> m.label, m.column, m.lower_is_better
('CSAT (1-5)', 'metric_csat', False)
>>> frame = pl.DataFrame({"step": ["a"] * 4, "v": [5.0, 4.0, 2.0, 5.0]})
>>> row = point_stats(frame, "v", ["step"], m).row(0, named=True)
>>> row["responses"], row["mean"], row["median"], row["top2_share"]
(4, 4.0, 4.5, 0.75)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from journeylog import schema as S
from journeylog.config.metrics import LOWER_IS_BETTER, Scale, default_scale, metric_column, valid_metric_name
from journeylog.errors import UsageError, param

__all__ = [
    "SENTIMENT",
    "SENTIMENT_COLUMN",
    "SENTIMENT_SCALE",
    "Metric",
    "available_metrics",
    "detractor_expr",
    "merge_counts",
    "point_stats",
    "resolve_metric",
    "score_counts",
    "t_interval",
    "welch_test",
]

SENTIMENT = "sentiment"
#: the column the sentiment scores are kept in while a curve is computed
SENTIMENT_COLUMN = "metric_sentiment"
SENTIMENT_SCALE = Scale(-1, 1)
#: VADER's usual cut for a negative text (compound score)
_NEGATIVE_SENTIMENT = -0.05
_NAMES = {"csat": "CSAT", "nps": "NPS", "ces": "CES"}


@dataclass(frozen=True)
class Metric:
    """One metric: its ``name``, the event column, its scale (None for ``satisfaction``) and
    the ``label`` every figure carries (``CSAT (1-5)``)."""

    name: str
    column: str
    scale: Scale | None
    lower_is_better: bool = False

    @property
    def label(self) -> str:
        if self.name == S.SATISFACTION:
            return "satisfaction"
        if self.name == SENTIMENT:
            return "text sentiment (-1..1)"
        shown = _NAMES.get(self.name, self.name.replace("_", " "))
        better = ", lower is better" if self.lower_is_better else ""
        return f"{shown} ({self.scale}{better})" if self.scale else shown

    @property
    def is_nps(self) -> bool:
        return self.name == "nps"


def available_metrics(columns: Sequence[str]) -> list[str]:
    """The metrics a log carries: its ``metric_<name>`` columns, then ``satisfaction``."""
    names = sorted(c[len("metric_"):] for c in columns if c.startswith("metric_") and c != SENTIMENT_COLUMN)
    return names + ([S.SATISFACTION] if S.SATISFACTION in columns else [])


def resolve_metric(name: str, columns: Sequence[str], scale: Scale | None = None) -> Metric:
    """The metric ``name`` of a log with ``columns``; ``scale`` overrides the default one (and
    is needed for a name without a default). ``satisfaction`` is the canonical column."""
    if name == SENTIMENT:
        return Metric(SENTIMENT, SENTIMENT_COLUMN, SENTIMENT_SCALE)
    if name == S.SATISFACTION:
        return Metric(S.SATISFACTION, S.SATISFACTION, scale)
    if not valid_metric_name(name) or metric_column(name) not in columns:
        have = available_metrics(columns)
        import difflib

        close = difflib.get_close_matches(name, have, n=1)
        hint = (f"did you mean {close[0]!r}? " if close else "") + (
            "the log has: " + ", ".join(have) if have else "declare metrics in the source map's `metrics:`")
        raise UsageError(f"{param('metric')} {name!r}: the log has no column {metric_column(name)!r}", hint=hint)
    chosen = scale or default_scale(name)
    if chosen is None:
        raise UsageError(f"{param('metric')} {name!r} has no default scale", hint=f"give {param('scale')} (such as 1-10)")
    return Metric(name, metric_column(name), chosen, name in LOWER_IS_BETTER)


def detractor_expr(metric: Metric, value: pl.Expr) -> pl.Expr:
    """Whether a score is a detractor's (see the module docstring)."""
    if metric.is_nps:
        return value <= 6
    if metric.name == SENTIMENT:
        return value <= _NEGATIVE_SENTIMENT
    if metric.scale is None:
        return value <= 2
    if metric.lower_is_better:
        return value >= metric.scale.high - 1
    return value <= metric.scale.low + 1


def t_interval(mean: np.ndarray, sd: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The t-interval for a mean, element-wise; NaN where ``n < 2``.

    >>> lo, hi = t_interval(np.array([4.0]), np.array([1.0]), np.array([10]))
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (3.2846, 4.7154)
    """
    from scipy import stats

    n = np.asarray(n, dtype=float)
    ok = n >= 2
    df = np.where(ok, n - 1, 1.0)
    half = stats.t.ppf(0.5 + level / 2, df) * np.asarray(sd, dtype=float) / np.sqrt(np.where(ok, n, 1.0))
    half = np.where(ok, half, np.nan)
    return np.asarray(mean, dtype=float) - half, np.asarray(mean, dtype=float) + half


def welch_test(m1: float, s1: float, n1: int, m2: float, s2: float, n2: int) -> tuple[float | None, float | None]:
    """Welch's unequal-variances t-test: ``(t, two-sided p)``; ``(None, None)`` when a side has
    fewer than 2 scores or both have no variance.

    >>> t, p = welch_test(4.0, 1.0, 30, 3.5, 1.2, 25)  # = scipy.stats.ttest_ind_from_stats(..., equal_var=False)
    >>> round(t, 4), round(p, 4)
    (1.6581, 0.104)
    """
    from scipy import stats

    if n1 < 2 or n2 < 2:
        return None, None
    v1, v2 = s1 * s1 / n1, s2 * s2 / n2
    if v1 + v2 <= 0:
        return None, None
    t = (m1 - m2) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
    return float(t), float(2 * stats.t.sf(abs(t), df))


def score_counts(frame: pl.DataFrame, value: str, by: Sequence[str]) -> pl.DataFrame:
    """How many times each score occurs per group of ``by``: the columns of ``by``, ``value``
    and ``n`` (Int64), sorted by group then score. Counts of several parts of a log add up
    (:func:`merge_counts`), so a log read in batches keeps one row per group and distinct score."""
    return (frame.filter(pl.col(value).is_not_null()).group_by([*by, value]).agg(pl.len().cast(pl.Int64).alias("n"))
            .sort([*by, value], nulls_last=True))


def merge_counts(parts: Sequence[pl.DataFrame], value: str, by: Sequence[str]) -> pl.DataFrame:
    """The :func:`score_counts` of the parts together (the counts of equal rows summed)."""
    frame = pl.concat(parts) if len(parts) != 1 else parts[0]
    return frame.group_by([*by, value]).agg(pl.col("n").sum()).sort([*by, value], nulls_last=True)


def point_stats(frame: pl.DataFrame, value: str, by: list[str], metric: Metric, *, counted: bool = False) -> pl.DataFrame:
    """Per group of ``by``: ``responses``, ``mean``, ``median``, ``sd``, ``ci_low``,
    ``ci_high`` (95% t-interval), ``detractors``; with a scale, ``top2_share``; for NPS also
    ``promoters``, ``detractors_share``, ``nps`` (points) and ``nps_ci_low``/``nps_ci_high``.
    ``frame`` holds one score per row, or (``counted``) the :func:`score_counts` of the scores:
    the figures come from those counts either way (the same numbers however the scores were
    gathered). The median is the mean of the two middle scores (as Polars' median), the standard
    deviation the sample one, from the exact mean."""
    counts = frame if counted else score_counts(frame, value, by)
    v, n = pl.col(value), pl.col("n")
    total = n.sum()
    mean = (v * n).sum() / total
    cum = n.cum_sum()
    low, high = v.filter(cum > (total - 1) // 2).first(), v.filter(cum > total // 2).first()
    sd = pl.when(total >= 2).then((((v - mean) ** 2 * n).sum() / (total - 1)).sqrt())
    aggs = [total.alias("responses"), mean.alias("mean"), (low + (high - low) * 0.5).alias("median"), sd.alias("sd"),
            n.filter(detractor_expr(metric, v)).sum().alias("detractors")]
    if metric.scale is not None and not metric.is_nps and metric.name != SENTIMENT:
        top = v <= metric.scale.low + 1 if metric.lower_is_better else v >= metric.scale.high - 1
        aggs.append((n.filter(top).sum() / total).alias("top2_share"))
    if metric.is_nps:
        aggs += [(n.filter(v >= 9).sum() / total).alias("promoters_share"),
                 (n.filter(v <= 6).sum() / total).alias("detractors_share")]
    out = counts.filter(v.is_not_null() & (n > 0)).sort([*by, value], nulls_last=True).group_by(by).agg(aggs).sort(by)
    out = out.with_columns(pl.col("responses").cast(pl.UInt32))
    lo, hi = t_interval(out["mean"].to_numpy(), out["sd"].fill_null(0.0).to_numpy(), out["responses"].to_numpy())
    if metric.scale is not None:  # a mean cannot leave its scale: neither can its interval
        lo, hi = np.clip(lo, metric.scale.low, metric.scale.high), np.clip(hi, metric.scale.low, metric.scale.high)
    out = out.with_columns(pl.Series("ci_low", lo).fill_nan(None), pl.Series("ci_high", hi).fill_nan(None))
    if metric.is_nps:
        p, d, k = (out[c].to_numpy() for c in ("promoters_share", "detractors_share", "responses"))
        nps = (p - d) * 100
        half = 1.959963984540054 * np.sqrt(np.maximum(p + d - (p - d) ** 2, 0) / np.maximum(k, 1)) * 100
        out = out.with_columns(pl.Series("nps", nps), pl.Series("nps_ci_low", nps - half),
                               pl.Series("nps_ci_high", nps + half))
    return out
