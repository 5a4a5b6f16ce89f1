"""The map's colours and channel mix: a palette of 12 distinct colours (also for the common colour
blindnesses), assigned by frequency and stable; the mix shares in the labels."""

from __future__ import annotations

import itertools
import re
from collections import Counter

from factories import random_events
from journeylog.journeys import process_map
from journeylog.render.graph import to_dot
from journeylog.render.graph.colours import PALETTE, UNKNOWN_COLOUR, channel_palette


def lab(hex_colour: str) -> tuple[float, float, float]:
    """sRGB -> CIE L*a*b* (D65), written out here."""
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def deutan(hex_colour: str) -> str:
    """A deuteranopia simulation (Viénot, Brettel & Mollon 1999, on linear RGB)."""
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    r = 0.29275 * lin[0] + 0.70725 * lin[1]
    g = 0.29275 * lin[0] + 0.70725 * lin[1]
    b = -0.02234 * lin[0] + 0.02234 * lin[1] + lin[2]
    out = [min(max(v, 0.0), 1.0) for v in (r, g, b)]
    srgb = [12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055 for v in out]
    return "#" + "".join(f"{round(v * 255):02X}" for v in srgb)


def distance(a: str, b: str) -> float:
    return sum((p - q) ** 2 for p, q in zip(lab(a), lab(b), strict=True)) ** 0.5


def test_palette_has_twelve_distinct_colours():
    assert len(PALETTE) >= 12 and len(set(PALETTE)) == len(PALETTE)
    assert UNKNOWN_COLOUR not in PALETTE
    # every pair far apart in CIE Lab (a just-noticeable difference is about 2.3)
    assert min(distance(a, b) for a, b in itertools.combinations(PALETTE, 2)) > 12
    # and still apart for a deuteranope (the commonest colour blindness)
    assert min(distance(deutan(a), deutan(b)) for a, b in itertools.combinations(PALETTE, 2)) > 8


def test_palette_by_frequency_ties_by_name_and_stable():
    pairs = [("web", 5), ("sms", 5), ("app", 9), ("unknown", 50), ("web", 1)]
    got = channel_palette(pairs)
    assert got == {"app": PALETTE[0], "web": PALETTE[1], "sms": PALETTE[2], "unknown": UNKNOWN_COLOUR}
    assert channel_palette(list(reversed(pairs))) == got
    many = channel_palette([(f"c{i:02d}", 100 - i) for i in range(14)])
    assert [many[f"c{i:02d}"] for i in range(12)] == list(PALETTE)
    assert many["c12"] == PALETTE[0]  # a 13th channel starts the list again


def test_mix_label_shares_against_plain_counts():
    ev = random_events(4, 80, days=3, steps=5, max_gap_us=10**9, customers=80, activities="ABC",
                       channels=["web", "app", "phone", "chat", "store"])
    text = to_dot(process_map(ev))
    counts = Counter(zip(ev["activity"].to_list(), ev["channel"].to_list(), strict=True))
    for act in "ABC":
        line = next(ln for ln in text.splitlines() if re.match(rf'  n\d+ \[label="{act}\\n', ln))
        mix = sorted(((c, n) for (a, c), n in counts.items() if a == act), key=lambda p: (-p[1], p[0]))
        total = sum(n for _c, n in mix)
        parts = [f"{c} {100 * n / total:.0f}%" for c, n in mix[:3]] + ([f"+{len(mix) - 3} more"] if len(mix) > 3 else [])
        assert f'\\n{" · ".join(parts)}"' in line


def _svg_or_skip(pm) -> str:
    import shutil

    import pytest

    from journeylog.render.graph import render_bytes

    if shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' is not installed")
    return render_bytes(pm, "svg").decode()


def test_svg_mix_bars_match_the_shares():
    ev = random_events(6, 60, days=3, steps=5, max_gap_us=10**9, customers=60, activities="AB",
                       channels=["web", "app", "phone"])
    pm = process_map(ev)
    svg = _svg_or_skip(pm)
    palette = channel_palette(Counter(ev["channel"].to_list()).items())
    counts = Counter(zip(ev["activity"].to_list(), ev["channel"].to_list(), strict=True))
    for act in "AB":
        group = re.search(rf'<g id="node\d+" class="node">\n<title>{act}\n.*?</g>', svg, re.S).group(0)
        rects = re.findall(r'<rect x="[\d.-]+" y="[\d.-]+" width="([\d.]+)" height="4" fill="(#[0-9A-F]+)"/>', group)
        mix = sorted(((c, n) for (a, c), n in counts.items() if a == act), key=lambda p: (-p[1], p[0]))
        total_width = sum(float(w) for w, _c in rects)
        assert [c for _w, c in rects] == [palette[c] for c, _n in mix]
        for (w, _c), (_ch, n) in zip(rects, mix, strict=True):
            assert abs(float(w) / total_width - n / sum(k for _c2, k in mix)) < 0.01


def test_no_bars_without_channels():
    ev = random_events(6, 20, days=3, steps=4, max_gap_us=10**9, customers=20, activities="AB", channels=["web"])
    assert "<rect" not in _svg_or_skip(process_map(ev.drop("channel")))
