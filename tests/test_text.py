"""journeylog.text: the one wording of numbers, shares and durations, checked against hand-computed
values at every unit boundary and, for any duration, against the seconds it stands for."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeylog.text import fmt_duration, fmt_int, fmt_share, human_duration

UNIT_SECONDS = {"s": 1, "min": 60, "h": 3600, "d": 86400}
#: a unit is used while the shown number stays under this (s < 60, min < 60, h < 24, d unbounded)
UNIT_LIMIT = {"s": 60, "min": 60, "h": 24, "d": math.inf}


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 s"), (0.04, "0 s"), (0.05, "0.1 s"), (9.94, "9.9 s"), (9.96, "10 s"), (59, "59 s"),
    (59.6, "1.0 min"),  # 59.6 s would read "60 s": the next unit takes over
    (60, "1.0 min"), (599, "10 min"), (3569, "59 min"), (3571, "1.0 h"),
    (23 * 3600, "23 h"), (86399, "1.0 d"), (36 * 3600, "1.5 d"), (400 * 86400, "400 d"),
    (-90, "-1.5 min"), (None, "-"), (float("nan"), "-"),
])
def test_fmt_duration_at_unit_boundaries(seconds, text):
    assert fmt_duration(seconds) == text


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_fmt_duration_stands_for_its_seconds(seconds):
    text = fmt_duration(seconds)
    if text == "0 s":
        assert seconds < 0.05
        return
    m = re.fullmatch(r"(\d+(?:\.\d)?) (s|min|h|d)", text)
    assert m, text
    value, unit = float(m.group(1)), m.group(2)
    size = UNIT_SECONDS[unit]
    # one decimal below 10, whole numbers above: at most half the last digit away
    assert abs(value * size - seconds) <= (0.05 if "." in m.group(1) else 0.5) * size + 1e-9 * seconds
    assert value < UNIT_LIMIT[unit]
    assert unit == "s" or seconds >= 0.95 * size  # the largest unit that keeps the number under its limit


def test_fmt_duration_keeps_the_sign_and_custom_none():
    assert fmt_duration(-12240) == "-" + fmt_duration(12240) == "-3.4 h"
    assert fmt_duration(None, none="n/a") == human_duration(None) == "n/a"
    assert human_duration(12240) == fmt_duration(12240)


@pytest.mark.parametrize(("share", "text"), [
    (0.0967, "9.7%"), (1, "100.0%"), (0.0, "0.0%"), (0.0004, "<0.1%"), (0.0006, "0.1%"), (None, "-"), (float("nan"), "-"),
])
def test_fmt_share(share, text):
    assert fmt_share(share) == text


def test_fmt_share_digits():
    assert fmt_share(0.12344, digits=2) == "12.34%"
    assert fmt_share(0.00004, digits=2) == "<0.01%"
    assert fmt_share(0.00006, digits=2) == "0.01%"


def test_fmt_int():
    assert [fmt_int(n) for n in (0, 7, 20461, 1234567, 1234567.9, -4200, None)] == [
        "0", "7", "20,461", "1,234,567", "1,234,567", "-4,200", "-"]
