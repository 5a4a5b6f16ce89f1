"""The key figure of the report's first section, shared by the section views
(:mod:`~journeylog.render.html.sections` and :mod:`~journeylog.render.html.cx_sections`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Figure"]


@dataclass(frozen=True)
class Figure:
    """One key figure: a short label, its value as text and a one-line explanation."""

    label: str
    value: str
    explanation: str
    small: bool = False  # a long value (dates) in a smaller type
