"""Named experience metrics and their scales: what a source map's ``metrics:`` declares and what
ingest checks every score against (see ``docs/emotion.md``).

A metric is a survey or score column with a name and a closed scale. The names ``csat``,
``nps`` and ``ces`` have default scales (1-5, 0-10 and 1-7); any other name needs its scale.
Ingest keeps a metric as the Float64 column ``metric_<name>`` of the event table; the canonical
``satisfaction`` column stays what it always was (a score without a declared scale).

>>> parse_scale("1-5"), parse_scale("-1..1"), str(Scale(0, 10))
(Scale(low=1.0, high=5.0), Scale(low=-1.0, high=1.0), '0-10')
>>> metric_column("csat"), default_scale("nps")
('metric_csat', Scale(low=0.0, high=10.0))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from journeylog.config.yamldoc import YamlDoc

__all__ = [
    "DEFAULT_SCALES",
    "LOWER_IS_BETTER",
    "METRIC_PREFIX",
    "MetricSpec",
    "Scale",
    "default_scale",
    "metric_column",
    "parse_scale",
    "read_metrics",
    "valid_metric_name",
]

#: the prefix of a metric's column in the event table (``metric_csat``)
METRIC_PREFIX = "metric_"


@dataclass(frozen=True)
class Scale:
    """A closed scale ``low``..``high`` (both allowed)."""

    low: float
    high: float

    def __str__(self) -> str:
        sep = ".." if self.low < 0 else "-"
        return f"{_num(self.low)}{sep}{_num(self.high)}"

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies on the scale."""
        return self.low <= value <= self.high


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


#: the metrics known by name: their default scale
DEFAULT_SCALES: dict[str, Scale] = {
    "csat": Scale(1.0, 5.0),
    "nps": Scale(0.0, 10.0),
    "ces": Scale(1.0, 7.0),
}
#: metrics where a lower score is better (customer effort)
LOWER_IS_BETTER = frozenset({"ces"})

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_SCALE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:-|\.\.|to)\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class MetricSpec:
    """One metric of a source: its ``name`` (``csat``), the source ``column`` holding it and its
    ``scale``."""

    name: str
    column: str
    scale: Scale

    @property
    def event_column(self) -> str:
        """The column of the event table that keeps it (``metric_<name>``)."""
        return metric_column(self.name)


def metric_column(name: str) -> str:
    """The event-table column of the metric ``name``."""
    return METRIC_PREFIX + name


def valid_metric_name(name: str) -> bool:
    """Lower-case letters, digits and ``_``, starting with a letter (40 at most).

    >>> valid_metric_name("csat"), valid_metric_name("Effort score")
    (True, False)
    """
    return bool(_NAME.match(name))


def default_scale(name: str) -> Scale | None:
    """The default scale of a metric known by name, else None."""
    return DEFAULT_SCALES.get(name)


def parse_scale(text: str) -> Scale | None:
    """``1-5``, ``0..10``, ``-1..1`` or ``1 to 7`` as a :class:`Scale`; None when it is not one
    (or when low is not below high)."""
    m = _SCALE.match(str(text))
    if not m:
        return None
    low, high = float(m.group(1)), float(m.group(2))
    return Scale(low, high) if low < high else None


_METRIC_KEYS = ("column", "scale")


def read_metrics(doc: YamlDoc, node: Any, what: str) -> tuple[MetricSpec, ...]:
    """A source's ``metrics:`` mapping: ``name: {column: COL, scale: 1-5}`` or ``name: COL``
    (a known name's default scale), every mistake located."""
    import yaml

    if doc.value(node) is None:
        return ()
    keys = doc.mapping(node, f"{what} metrics")
    out = []
    for name, (key_node, value_node) in keys.items():
        if not valid_metric_name(name):
            raise doc.error(key_node, f"{what}: metric name {name!r} must be lower-case letters, digits and _",
                            hint="for example csat, nps, ces, effort_score")
        scale_node: Any = None
        if isinstance(value_node, yaml.MappingNode):
            sub = doc.mapping(value_node, f"{what} metrics.{name}", _METRIC_KEYS)
            if "column" not in sub:
                raise doc.error(value_node, f"{what}: metric {name!r} needs `column:`")
            column = str(doc.value(sub["column"][1]))
            scale_node = sub["scale"][1] if "scale" in sub else None
        elif isinstance(value_node, yaml.ScalarNode) and doc.value(value_node) is not None:
            column = str(doc.value(value_node))
        else:
            raise doc.error(value_node, f"{what}: metric {name!r} is `{{column: COL, scale: LOW-HIGH}}` or a column name")
        out.append(MetricSpec(name, column, _scale(doc, scale_node, key_node, name, what)))
    return tuple(out)


def _scale(doc: YamlDoc, node: Any, key_node: Any, name: str, what: str) -> Scale:
    if node is None:
        default = default_scale(name)
        if default is None:
            known = ", ".join(f"{k} ({v})" for k, v in DEFAULT_SCALES.items())
            raise doc.error(key_node, f"{what}: metric {name!r} needs `scale:` (such as 1-5 or 0-10)",
                            hint=f"only {known} have a default scale")
        return default
    scale = parse_scale(str(doc.value(node)))
    if scale is None:
        raise doc.error(node, f"{what}: the scale of {name!r} must be LOW-HIGH with LOW < HIGH, not {doc.value(node)!r}",
                        hint="for example 1-5, 0-10 or -1..1")
    return scale
