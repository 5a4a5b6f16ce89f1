"""How affected journeys differ from reference journeys, on frames of per-journey figures.

The same figures as :func:`journeylog.journeys.impact`, but on two frames already cut from one
per-journey table (``duration_seconds``, ``satisfaction``), so that the journeys of a deviation
or a pattern are picked by a mask or a variant, not by a list of millions of journey ids.

>>> import polars as pl
>>> st = pl.DataFrame({"duration_seconds": [10.0, 50.0, 20.0], "satisfaction": [5.0, 2.0, None]})
>>> impact_of(st[1:2], st.filter(pl.int_range(pl.len()) != 1))
{'median_extra_seconds': 35.0, 'satisfaction_delta': -3.0}
"""

from __future__ import annotations

import polars as pl

__all__ = ["impact_of"]


def impact_of(affected: pl.DataFrame, reference: pl.DataFrame) -> dict[str, float | None]:
    """``median_extra_seconds`` (median duration of ``affected`` minus that of ``reference``,
    null when either is empty) and ``satisfaction_delta`` (mean satisfaction of ``affected``
    minus that of ``reference``, null when either has no scores)."""
    extra = None
    if affected.height and reference.height:
        extra = float(affected["duration_seconds"].median()) - float(reference["duration_seconds"].median())  # type: ignore[arg-type]
    a_sat, r_sat = affected["satisfaction"].mean(), reference["satisfaction"].mean()
    delta = None if a_sat is None or r_sat is None else float(a_sat) - float(r_sat)  # type: ignore[arg-type]
    return {"median_extra_seconds": extra, "satisfaction_delta": delta}
