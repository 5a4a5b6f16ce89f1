"""The desired emotion curve: the score the company wants at each touchpoint (``--desired``).

::

    version: 1
    metric: csat            # the metric the values are on (optional: then the curve's metric)
    points:
      Place order: 4.2
      Identity check: 3.8

Read through :class:`~journeylog.config.yamldoc.YamlDoc`; :meth:`DesiredCurve.check` checks the
step names against the designed journey (with did-you-mean) and the values against the scale,
each error at its line and column.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "desired.yaml").write_text("version: 1\\npoints:\\n  Place ordr: 4\\n")
>>> curve = load_desired(d / "desired.yaml")
>>> curve.check(["Place order", "Identity check"], None, "csat")
Traceback (most recent call last):
...
journeylog.errors.InvalidInput: ...desired.yaml:3:3: 'Place ordr' is not a step ... (hint: did you mean 'Place order'?)
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from journeylog.config.metrics import Scale
from journeylog.config.yamldoc import YamlDoc
from journeylog.errors import InvalidInput

__all__ = ["DESIRED_VERSION", "DesiredCurve", "load_desired"]

DESIRED_VERSION = 1
_TOP_KEYS = ("version", "metric", "points")


@dataclass(frozen=True)
class DesiredCurve:
    """``points``: step -> desired score; ``where``: step -> (line, column) of its key."""

    label: str
    points: dict[str, float]
    metric: str | None = None
    where: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    metric_where: tuple[int | None, int | None] = (None, None)

    def check(self, steps: Sequence[str], scale: Scale | None, metric: str) -> None:
        """Every step is one of ``steps``, every value lies on ``scale`` and ``metric:`` (when
        given) is the curve's ``metric``; else a located error."""
        if self.metric is not None and self.metric != metric:
            row, col = self.metric_where
            raise InvalidInput(f"the desired curve is on {self.metric!r}, the curve on {metric!r}", path=self.label,
                               row=row, column=col, hint=f"give a desired curve for {metric} or the matching --metric")
        for step, value in self.points.items():
            row, col = self.where.get(step, (None, None))
            if step not in steps:
                close = difflib.get_close_matches(step, list(steps), n=1)
                hint = f"did you mean {close[0]!r}?" if close else "the steps: " + ", ".join(steps)
                raise InvalidInput(f"{step!r} is not a step of the designed journey", path=self.label, row=row,
                                   column=col, hint=hint)
            if scale is not None and not scale.contains(value):
                raise InvalidInput(f"the desired {value:g} for {step!r} is outside the scale {scale}", path=self.label,
                                   row=row, column=col)


def load_desired(path: str | os.PathLike[str]) -> DesiredCurve:
    """Read a desired curve; every mistake is located (file, line, column)."""
    doc = YamlDoc(path, "the desired curve")
    try:
        return _desired(doc)
    finally:
        doc.loader.dispose()


def _desired(doc: YamlDoc) -> DesiredCurve:
    import yaml

    if not isinstance(doc.root, yaml.MappingNode):
        raise doc.error(doc.root, "a desired curve is a YAML mapping with `points:`")
    top = doc.mapping(doc.root, "the desired curve", _TOP_KEYS)
    if "version" in top and doc.value(top["version"][1]) != DESIRED_VERSION:
        raise doc.error(top["version"][1], "unsupported desired curve version", hint=f"version: {DESIRED_VERSION}")
    metric = None
    metric_where: tuple[int | None, int | None] = (None, None)
    if "metric" in top:
        metric = doc.text(top["metric"][1], "metric")
        metric_where = _where(top["metric"][1])
    if "points" not in top:
        raise doc.error(doc.root, "the desired curve needs `points:` (step: score)")
    node = top["points"][1]
    points: dict[str, float] = {}
    where: dict[str, tuple[int | None, int | None]] = {}
    for step, (key_node, value_node) in doc.mapping(node, "points").items():
        value = doc.value(value_node)
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise doc.error(value_node, f"the desired score of {step!r} must be a number, not {value!r}")
        points[step] = float(value)
        where[step] = _where(key_node)
    if not points:
        raise doc.error(node, "`points:` is empty")
    return DesiredCurve(doc.label, points, metric, where, metric_where)


def _where(node: Any) -> tuple[int | None, int | None]:
    mark = getattr(node, "start_mark", None)
    return (mark.line + 1, mark.column + 1) if mark else (None, None)
