"""journeylog.window: drift windows as text, calendar or journey blocks, and the errors."""

from __future__ import annotations

import pytest

from journeylog.errors import USAGE, UsageError
from journeylog.window import Window, parse_window


@pytest.mark.parametrize(("text", "every"), [
    ("1w", "1w"), ("2 weeks", "2w"), ("1 week", "1w"), ("6h", "6h"), ("1D", "1d"), ("3 days", "3d"), ("1mo", "1mo"),
    ("2 months", "2mo"), ("1q", "1q"), ("1 quarter", "1q"), ("1y", "1y"), ("2 years", "2y"),
])
def test_calendar_windows(text, every):
    w = parse_window(text)
    assert w == Window(text, every=every) and w.calendar and w.size is None


@pytest.mark.parametrize(("text", "size"), [("500", 500), ("2", 2), ("300 journeys", 300), ("40j", 40), (" 1000 ", 1000)])
def test_journey_windows(text, size):
    w = parse_window(text)
    assert w.size == size and not w.calendar and w.text == text.strip()


@pytest.mark.parametrize(("text", "words"), [
    ("0w", "the length must be at least 1"), ("1", "a window needs at least 2 journeys"), ("fortnight", "is not a window"),
    ("1x", "is not a window"), ("", "is not a window"), ("-1w", "is not a window"), ("1.5w", "is not a window"),
])
def test_bad_windows(text, words):
    with pytest.raises(UsageError) as err:
        parse_window(text)
    assert words in err.value.message and err.value.code == USAGE and "1mo" in err.value.hint
