"""Source maps: the YAML file naming several exports for ``journeylog ingest`` (see
``docs/sources.md``), read through :class:`~journeylog.config.yamldoc.YamlDoc` into frozen
dataclasses, so every mistake names its file, line and column, and a mistyped key suggests the
right one.

``version:`` follows the rule of the rules file and ``journeylog.yaml``: absent or ``1``.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "map.yaml").write_text("sources:\\n  - path: web.csv\\n    timezon: UTC\\n")
>>> load_source_map(d / "map.yaml")
Traceback (most recent call last):
...
journeylog.errors.InvalidInput: ...map.yaml:3:5: unknown key 'timezon' in sources[0] (hint: did you mean 'timezone'?)
>>> _ = (d / "map.yaml").write_text("version: 1\\nsources:\\n  - {path: web.csv, channel: web}\\n")
>>> spec = load_source_map(d / "map.yaml").sources[0]
>>> spec.name, spec.path.name, spec.channel
('web', 'web.csv', 'web')
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from journeylog.config.metrics import MetricSpec, read_metrics
from journeylog.config.yamldoc import YamlDoc
from journeylog.errors import UnsafeInput, param

__all__ = [
    "COLUMN_ROLES",
    "CustomerTable",
    "DEFAULT_MIN_MATCH_RATE",
    "SOURCE_KEYS",
    "SOURCE_MAP_VERSION",
    "TOP_KEYS",
    "UNMATCHED",
    "IdentitySpec",
    "IdentityTable",
    "SourceMap",
    "SourceSpec",
    "load_source_map",
]

#: the only source map version (``version:`` may also be left out)
SOURCE_MAP_VERSION = 1
TOP_KEYS = ("version", "identities", "customers", "default_country", "gap", "sources")
SOURCE_KEYS = ("name", "path", "format", "delimiter", "encoding", "channel", "channel_column", "channel_names",
               "identity", "columns", "timestamp_format", "timezone", "outcomes", "metrics")
COLUMN_ROLES = ("journey", "case", "activity", "timestamp", "outcome", "satisfaction", "contact_reason", "text")
UNMATCHED = ("own_customer", "reject")
_IDENTITIES_KEYS = ("path", "unmatched", "min_match_rate")
_CUSTOMERS_KEYS = ("path", "key", "columns", "format", "delimiter", "encoding")
_IDENTITY_KEYS = ("column", "kind", "default_country", "min_match_rate")
#: warn when a source matches fewer of its events than this (``min_match_rate``)
DEFAULT_MIN_MATCH_RATE = 0.9
_OUTCOME_KEYS = ("success", "failure")


@dataclass(frozen=True)
class IdentitySpec:
    """A source's identity column and the kind of identity it holds (``login``, ``phone``,
    ``customer_id``, ...); ``default_country`` and ``min_match_rate`` override the map's (None:
    the map's)."""

    column: str
    kind: str = "id"
    default_country: str | None = None
    min_match_rate: float | None = None


@dataclass(frozen=True)
class IdentityTable:
    """The identity table (``customer_id, id_type, id_value``), what unmatched keys become and
    the match rate under which a source is warned about."""

    path: Path
    unmatched: str = "own_customer"
    min_match_rate: float = DEFAULT_MIN_MATCH_RATE


@dataclass(frozen=True)
class CustomerTable:
    """The customer table (``customers:``): one row per customer, keyed by ``key`` (the value of
    the events' ``customer_id``); its ``columns`` (None: every other column) are joined onto every
    event of the customer under their own names. ``line`` says where the map defines it, and
    ``lines`` where it names the key and each column (for errors found when the table is read)."""

    path: Path
    key: str = "customer_id"
    columns: tuple[str, ...] | None = None
    format: str | None = None
    delimiter: str | None = None
    encoding: str = "utf-8"
    line: int | None = None
    lines: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class SourceSpec:
    """One export of a source map. ``path`` is resolved against the map's folder; ``columns``
    maps canonical roles to source columns; ``outcomes`` maps extra spellings to success/failure;
    ``metrics`` names experience metrics with their scales."""

    index: int
    name: str
    path: Path
    format: str | None = None
    delimiter: str | None = None
    encoding: str = "utf-8"
    channel: str | None = None
    channel_column: str | None = None
    identity: IdentitySpec | None = None
    columns: dict[str, str] = field(default_factory=dict)
    timestamp_format: str | None = None
    timezone: str | None = None
    outcomes: dict[str, str] = field(default_factory=dict)
    #: named experience metrics (``metrics:``), kept as ``metric_<name>`` columns
    metrics: tuple[MetricSpec, ...] = ()
    channel_names: dict[str, str] = field(default_factory=dict)  # code in the channel column -> channel name

    @property
    def journey_column(self) -> str | None:
        """The explicit journey column (``journey:`` or ``case:``), if any."""
        return self.columns.get("journey") or self.columns.get("case")


@dataclass(frozen=True)
class SourceMap:
    """A whole source map: ``gap`` None means the caller's gap; ``default_country`` is the
    region national phone numbers are read in (None: only international numbers are read)."""

    label: str
    sources: tuple[SourceSpec, ...]
    version: int = SOURCE_MAP_VERSION
    identities: IdentityTable | None = None
    gap: timedelta | None = None
    default_country: str | None = None
    customers: CustomerTable | None = None

    def country_of(self, spec: SourceSpec) -> str | None:
        """The default phone country of a source: its own, else the map's."""
        own = spec.identity.default_country if spec.identity else None
        return own or self.default_country

    def min_match_rate_of(self, spec: SourceSpec) -> float:
        """The match rate under which a source is warned about: its own, else the map's."""
        own = spec.identity.min_match_rate if spec.identity else None
        if own is not None:
            return own
        return self.identities.min_match_rate if self.identities else DEFAULT_MIN_MATCH_RATE


def load_source_map(path: str | os.PathLike[str], *, allow_outside_paths: bool = False) -> SourceMap:
    """Read and check a source map; every error is located (file, line, column). The paths it
    names (sources, identity table) must lie inside the map's folder (no absolute paths, no ``..``
    out of it) unless ``allow_outside_paths``: a map from elsewhere cannot make journeylog read other files."""
    doc = YamlDoc(path, "the source map")
    try:
        return _source_map(doc, allow_outside_paths)
    finally:
        doc.loader.dispose()


def _placed(doc: YamlDoc, node: Any, base: Path, text: str, allow_outside: bool) -> Path:
    """``text`` (a path in the map) against the map's folder; a path that leaves it (absolute, or
    through ``..``) is refused, exit 5, unless allowed. Symbolic links inside the folder are
    followed: whoever can put a link there chose the file; the map's text cannot."""
    path = base / text
    inside = Path(os.path.normpath(os.path.abspath(path))).is_relative_to(os.path.normpath(os.path.abspath(base)))
    if not allow_outside and not inside:
        mark = getattr(node, "start_mark", None)
        raise UnsafeInput("the source map names a file outside its folder", path=doc.label,
                          row=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None,
                          hint=f"move the file next to the map, or give {param('allow_outside_paths')} if the map "
                               "is trusted")
    return path


def _source_map(doc: YamlDoc, allow_outside: bool) -> SourceMap:
    import yaml

    if not isinstance(doc.root, yaml.MappingNode):
        raise doc.error(doc.root, "a source map is a YAML mapping with `sources:`")
    top = doc.mapping(doc.root, "the source map", TOP_KEYS)
    version = _version(doc, top)
    base = Path(doc.label).parent
    node = top.get("sources", (None, None))[1]
    if node is None or not isinstance(node, yaml.SequenceNode) or not node.value:
        raise doc.error(node if node is not None else doc.root, "the source map needs a non-empty `sources:` list")
    gap = None
    if "gap" in top and doc.value(top["gap"][1]) is not None:
        gap = doc.duration(top["gap"][1], "gap")
    identities = _identities(doc, top["identities"][1], base, allow_outside) if "identities" in top else None
    country = _country(doc, top["default_country"][1]) if "default_country" in top else None
    sources = tuple(_source(doc, i, entry, base, allow_outside) for i, entry in enumerate(doc.sequence(node, "sources")))
    customers = _customers(doc, top["customers"][1], base, allow_outside) if "customers" in top else None
    return SourceMap(doc.label, sources, version, identities, gap, country, customers)


def _where(node: Any) -> tuple[int, int]:
    mark = node.start_mark
    return mark.line + 1, mark.column + 1


def _customers(doc: YamlDoc, node: Any, base: Path, allow_outside: bool) -> CustomerTable | None:
    """``customers: {path: customers.csv, key: customer_id, columns: [plan, region]}``."""
    import yaml

    if doc.value(node) is None:
        return None
    if not isinstance(node, yaml.MappingNode):
        raise doc.error(node, "`customers:` needs a `path:`", hint="customers: {path: customers.csv, key: customer_id}")
    keys = doc.mapping(node, "customers", _CUSTOMERS_KEYS)
    path = _scalar(doc, keys, "path")
    if path is None:
        raise doc.error(node, "`customers:` needs a `path:`", hint="customers: {path: customers.csv, key: customer_id}")
    lines: dict[str, tuple[int, int]] = {"path": _where(keys["path"][1])}
    key = _scalar(doc, keys, "key") or "customer_id"
    lines["key"] = _where(keys["key"][1]) if "key" in keys else _where(node)
    columns: tuple[str, ...] | None = None
    if "columns" in keys and doc.value(keys["columns"][1]) is not None:
        entries = doc.sequence(keys["columns"][1], "customers.columns")
        if not entries:
            raise doc.error(keys["columns"][1], "customers.columns is empty", hint="name the columns, or leave it out for all")
        names = []
        for entry in entries:
            name = doc.text(entry, "a customers column")
            if name in names:
                raise doc.error(entry, f"customers.columns names {name!r} twice")
            names.append(name)
            lines.setdefault(name, _where(entry))
        columns = tuple(names)
    placed = _placed(doc, keys["path"][1], base, path, allow_outside)
    return CustomerTable(placed, key, columns, _scalar(doc, keys, "format"), _scalar(doc, keys, "delimiter"),
                         _scalar(doc, keys, "encoding") or "utf-8", doc.line(node), lines)


def _version(doc: YamlDoc, top: dict[str, tuple[Any, Any]]) -> int:
    if "version" not in top:
        return SOURCE_MAP_VERSION
    node = top["version"][1]
    if doc.value(node) != SOURCE_MAP_VERSION:
        raise doc.error(node, "unsupported source map version", hint=f"version: {SOURCE_MAP_VERSION}")
    return SOURCE_MAP_VERSION


def _identities(doc: YamlDoc, node: Any, base: Path, allow_outside: bool) -> IdentityTable | None:
    import yaml

    if doc.value(node) is None:
        return None
    if not isinstance(node, yaml.MappingNode):
        raise doc.error(node, "`identities:` needs a `path:`")
    keys = doc.mapping(node, "identities", _IDENTITIES_KEYS)
    if "path" not in keys:
        raise doc.error(node, "`identities:` needs a `path:`")
    unmatched = "own_customer"
    if "unmatched" in keys:
        unmatched = str(doc.value(keys["unmatched"][1]))
        if unmatched not in UNMATCHED:
            raise doc.error(keys["unmatched"][1], f"identities.unmatched must be own_customer or reject, not {unmatched!r}")
    rate = _rate(doc, keys["min_match_rate"][1]) if "min_match_rate" in keys else None
    return IdentityTable(_placed(doc, keys["path"][1], base, str(doc.value(keys["path"][1])), allow_outside), unmatched,
                         DEFAULT_MIN_MATCH_RATE if rate is None else rate)


def _country(doc: YamlDoc, node: Any) -> str | None:
    """A default phone country: an ISO 3166 region code such as ``GB`` (any case)."""
    import phonenumbers

    value = doc.value(node)
    if value is None:
        return None
    code = str(value).strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        hint = "an ISO 3166 region code such as GB, FR, US" + (" (the United Kingdom is GB)" if code == "UK" else "")
        raise doc.error(node, f"unknown default_country {value!r}", hint=hint)
    return code


def _rate(doc: YamlDoc, node: Any) -> float | None:
    """A share: ``0.9`` or ``90%``."""
    value = doc.value(node)
    if value is None:
        return None
    text = str(value).strip()
    try:
        rate = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        rate = -1.0
    if isinstance(value, bool) or not 0 <= rate <= 1:
        raise doc.error(node, f"min_match_rate must be a share such as 0.9 or 90%, not {value!r}")
    return rate


def _scalar(doc: YamlDoc, keys: dict[str, tuple[Any, Any]], key: str) -> str | None:
    """The text of a scalar value (numbers as written), None when absent or null."""
    import yaml

    if key not in keys:
        return None
    node = keys[key][1]
    if not isinstance(node, yaml.ScalarNode):
        raise doc.error(node, f"`{key}:` must be a single value")
    value = doc.value(node)
    return None if value is None else str(value)


def _source(doc: YamlDoc, i: int, node: Any, base: Path, allow_outside: bool) -> SourceSpec:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        raise doc.error(node, f"sources[{i}] needs at least `path:`")
    keys = doc.mapping(node, f"sources[{i}]", SOURCE_KEYS)
    path = _scalar(doc, keys, "path")
    if path is None:
        raise doc.error(node, f"sources[{i}] needs at least `path:`")
    name = _scalar(doc, keys, "name") or Path(path).stem
    what = f"sources[{i}] ({name})"
    channel, channel_column = _scalar(doc, keys, "channel"), _scalar(doc, keys, "channel_column")
    if channel is not None and channel_column is not None:
        raise doc.error(keys["channel_column"][0], f"{what}: give `channel:` or `channel_column:`, not both")
    return SourceSpec(
        index=i, name=name, path=_placed(doc, keys["path"][1], base, path, allow_outside),
        format=_scalar(doc, keys, "format"), delimiter=_scalar(doc, keys, "delimiter"),
        encoding=_scalar(doc, keys, "encoding") or "utf-8",
        channel=channel, channel_column=channel_column or None,
        identity=_identity(doc, keys["identity"][1], what) if "identity" in keys else None,
        columns=_columns(doc, keys["columns"][1], what) if "columns" in keys else {},
        timestamp_format=_scalar(doc, keys, "timestamp_format"), timezone=_scalar(doc, keys, "timezone"),
        outcomes=_outcomes(doc, keys["outcomes"][1], what) if "outcomes" in keys else {},
        metrics=read_metrics(doc, keys["metrics"][1], what) if "metrics" in keys else (),
        channel_names=_channel_names(doc, keys["channel_names"][1], what) if "channel_names" in keys else {},
    )


def _channel_names(doc: YamlDoc, node: Any, what: str) -> dict[str, str]:
    """``channel_names: {8: e-mail, W: web}``: codes of the channel column (numbers or text) to
    channel names (then normalised like any channel: ``e-mail`` becomes ``email``)."""
    import yaml

    if doc.value(node) is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise doc.error(node, f"{what}: `channel_names:` maps channel codes to names, e.g. {{8: email}}")
    out: dict[str, str] = {}
    for key_node, value_node in node.value:
        code, name = doc.value(key_node), doc.value(value_node)
        if not isinstance(code, (str, int)) or isinstance(code, bool):
            raise doc.error(key_node, f"{what}: a channel code is text or a number, not {code!r}")
        if not isinstance(name, (str, int)) or isinstance(name, bool) or not str(name).strip():
            raise doc.error(value_node, f"{what}: the name of channel code {code!r} must be text")
        if str(code) in out:
            raise doc.error(key_node, f"{what}: channel code {str(code)!r} is named twice")
        out[str(code)] = str(name).strip()
    return out


def _identity(doc: YamlDoc, node: Any, what: str) -> IdentitySpec | None:
    import yaml

    if doc.value(node) is None:
        return None
    if not isinstance(node, yaml.MappingNode):
        raise doc.error(node, f"{what}: `identity:` needs `column:` and `kind:`")
    keys = doc.mapping(node, f"{what} identity", _IDENTITY_KEYS)
    column = _scalar(doc, keys, "column")
    if column is None:
        raise doc.error(node, f"{what}: `identity:` needs `column:` and `kind:`")
    country = _country(doc, keys["default_country"][1]) if "default_country" in keys else None
    rate = _rate(doc, keys["min_match_rate"][1]) if "min_match_rate" in keys else None
    return IdentitySpec(column, _scalar(doc, keys, "kind") or "id", country, rate)


def _columns(doc: YamlDoc, node: Any, what: str) -> dict[str, str]:
    import yaml

    if doc.value(node) is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise doc.error(node, f"{what}: `columns:` maps {', '.join(sorted(COLUMN_ROLES))} to source columns")
    keys = doc.mapping(node, f"{what} columns", COLUMN_ROLES)
    return {role: value for role in keys if (value := _scalar(doc, keys, role))}


def _outcomes(doc: YamlDoc, node: Any, what: str) -> dict[str, str]:
    """Extra outcome spellings: spelling -> success|failure."""
    import yaml

    if doc.value(node) is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise doc.error(node, f"{what}: `outcomes:` has keys success and failure")
    keys = doc.mapping(node, f"{what} outcomes", _OUTCOME_KEYS)
    extra: dict[str, str] = {}
    for outcome, (_k, value_node) in keys.items():
        values = doc.value(value_node)
        for v in values if isinstance(values, list) else [values]:
            extra[str(v)] = outcome
    return extra
