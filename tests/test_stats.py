"""journeylog.stats against scipy and brute force."""

from __future__ import annotations

import numpy as np
from scipy import stats as sp

from journeylog.stats import adjust, binom_ll, fmt_p, gauss_ll, two_by_two


def test_two_by_two_chi2_and_fisher():
    p, test = two_by_two(np.array([12, 1, 0]), np.array([150, 20, 10]), np.array([40, 6, 0]), np.array([150, 20, 10]))
    chi = sp.chi2_contingency([[12, 138], [40, 110]], correction=True)[1]
    fisher = sp.fisher_exact([[1, 19], [6, 14]])[1]
    assert np.allclose(p, [chi, fisher, 1.0])
    assert list(test) == ["chi2", "fisher", "none"]


def test_holm_and_bh():
    p = [0.01, 0.04, 0.03, 0.2]
    assert np.allclose(adjust(p), [0.04, 0.09, 0.09, 0.2])
    assert np.allclose(adjust(p, "bh"), sp.false_discovery_control(p))
    assert adjust([]).size == 0


def test_log_likelihoods_brute_force():
    x, n = 3.0, 10.0
    assert np.isclose(binom_ll(np.array([x]), np.array([n]))[0], x * np.log(0.3) + (n - x) * np.log(0.7))
    v = np.array([0.2, 0.5, 0.9])
    assert np.isclose(gauss_ll(np.array([v.sum()]), np.array([(v * v).sum()]), np.array([3.0]))[0],
                      -((v - v.mean()) ** 2).sum() / 2)


def test_fmt_p():
    assert [fmt_p(x) for x in (0.0001, 0.0123)] == ["p < 0.001", "p = 0.012"]
    assert fmt_p(0.21, general=True) == "p = 0.21"
