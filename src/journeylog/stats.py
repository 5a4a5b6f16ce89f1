"""Statistics shared by ``check`` and ``drift``: two-proportion tests, multiple-testing
correction, split log-likelihoods and p-value wording.

A bottom-layer module (numpy; scipy imported when a test runs): no journeylog imports.

>>> fmt_p(0.0004), fmt_p(0.0123), fmt_p(0.0123, general=True)
('p < 0.001', 'p = 0.012', 'p = 0.012')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["two_by_two", "adjust", "binom_ll", "gauss_ll", "fmt_p"]


def two_by_two(a: np.ndarray, n1: np.ndarray, b: np.ndarray, n2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided p-values comparing a/n1 with b/n2, element-wise, and which test gave each.

    Chi-square with Yates' continuity correction; Fisher's exact test where an expected count is
    below 5. Tables without variation (no or every journey shows it) get p = 1.

    >>> p, test = two_by_two(np.array([12]), np.array([150]), np.array([40]), np.array([150]))
    >>> round(float(p[0]), 6), str(test[0])
    (3.8e-05, 'chi2')
    """
    from scipy import stats

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    n1 = np.asarray(n1, dtype=float)
    n2 = np.asarray(n2, dtype=float)
    n = n1 + n2
    col1 = a + b
    col2 = n - col1
    p = np.ones(a.shape, dtype=float)
    test = np.full(a.shape, "none", dtype=object)
    valid = (n1 > 0) & (n2 > 0) & (col1 > 0) & (col2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected_min = np.minimum.reduce([n1 * col1 / n, n1 * col2 / n, n2 * col1 / n, n2 * col2 / n])
        diff = np.abs(a * (n2 - b) - b * (n1 - a))
        yates = np.maximum(diff - n / 2, 0.0)
        chi2 = n * yates ** 2 / (n1 * n2 * col1 * col2)
    chi_mask = valid & (expected_min >= 5)
    p[chi_mask] = stats.chi2.sf(chi2[chi_mask], 1)
    test[chi_mask] = "chi2"
    for i in np.flatnonzero(valid & (expected_min < 5)):
        table = [[int(a[i]), int(n1[i] - a[i])], [int(b[i]), int(n2[i] - b[i])]]
        p[i] = stats.fisher_exact(table, alternative="two-sided")[1]
        test[i] = "fisher"
    return np.clip(p, 0.0, 1.0), test


def adjust(p_values: Sequence[float], method: str = "holm") -> np.ndarray:
    """Adjusted p-values: Holm (family-wise error) or Benjamini-Hochberg (``bh``, q-values).

    >>> [round(float(x), 3) for x in adjust([0.01, 0.04, 0.03])]
    [0.03, 0.06, 0.06]
    >>> [round(float(x), 3) for x in adjust([0.01, 0.04, 0.03], "bh")]
    [0.03, 0.04, 0.04]
    """
    from scipy import stats

    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p
    if method == "bh":
        return np.asarray(stats.false_discovery_control(p, method="bh"))
    order = np.argsort(p, kind="stable")
    m = p.size
    adj_sorted = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj_sorted
    return out


def binom_ll(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Maximised binomial log-likelihood of x successes in n trials (0 log 0 = 0).

    >>> [round(float(v), 4) for v in binom_ll(np.array([0.0, 5.0]), np.array([10.0, 10.0]))]
    [0.0, -6.9315]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, x / np.where(n > 0, n, 1), 0.0)
        t1 = np.where(x > 0, x * np.log(np.where(p > 0, p, 1)), 0.0)
        t2 = np.where(n - x > 0, (n - x) * np.log(np.where(p < 1, 1 - p, 1)), 0.0)
    return np.asarray(t1 + t2)


def gauss_ll(s: np.ndarray, ss: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Gaussian log-likelihood (up to constants, common variance) = -SSE / 2 of a segment, from
    its sum ``s``, sum of squares ``ss`` and count ``n``.

    >>> float(gauss_ll(np.array([3.0]), np.array([5.0]), np.array([2.0]))[0])  # values 1 and 2
    -0.25
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        sse = np.where(n > 0, ss - s * s / np.where(n > 0, n, 1), 0.0)
    return np.asarray(-sse / 2)


def fmt_p(p: float, *, general: bool = False) -> str:
    """``p < 0.001`` or ``p = 0.004`` (three decimals; ``general``: two significant digits, as
    check messages write it).

    >>> fmt_p(0.0042), fmt_p(0.0042, general=True), fmt_p(0.00042, general=True)
    ('p = 0.004', 'p = 0.0042', 'p < 0.001')
    """
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.2g}" if general else f"p = {p:.3f}"
