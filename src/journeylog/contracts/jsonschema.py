"""JSON Schema (draft 2020-12) from TypedDicts, and a validator for the subset it generates.

:func:`schema_of` converts a TypedDict (and the TypedDicts, ``Literal``, ``list``, ``dict[str, X]``,
``X | None`` and ``NotRequired`` inside it) into a schema whose nested objects live in ``$defs``;
objects are closed (``additionalProperties: false``), so an extra or a missing key is an error.
:func:`validate` checks a document against such a schema and lists what does not match.

>>> from typing import TypedDict
>>> class Point(TypedDict):
...     x: int
...     label: str | None
>>> s = schema_of(Point)
>>> s["properties"], s["required"]
({'x': {'type': 'integer'}, 'label': {'type': ['string', 'null']}}, ['x', 'label'])
>>> validate({"x": 1, "label": None}, s), validate({"x": 1.5, "y": 0}, s)
([], ['$: missing key label', '$.x: 1.5 is not integer', '$: unexpected key y'])
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin, get_type_hints

DRAFT = "https://json-schema.org/draft/2020-12/schema"
Schema = dict[str, Any]

_SIMPLE: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def _is_typeddict(tp: Any) -> bool:
    return typing.is_typeddict(tp)


def _convert(tp: Any, defs: dict[str, Schema]) -> Schema:
    """The schema of one annotation; TypedDicts are added to ``defs`` and referenced."""
    origin, args = get_origin(tp), get_args(tp)
    if tp in _SIMPLE:
        return {"type": _SIMPLE[tp]}
    if origin in (NotRequired, Required):
        return _convert(args[0], defs)
    if _is_typeddict(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder: recursive types terminate
            defs[name] = _object(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    if origin is Literal:
        kinds = {_SIMPLE[type(a)] for a in args}
        return {"type": kinds.pop(), "enum": list(args)} if len(kinds) == 1 else {"enum": list(args)}
    if origin is list:
        return {"type": "array", "items": _convert(args[0], defs)}
    if origin is dict:
        if args[0] is not str:
            raise TypeError(f"JSON object keys are strings, not {args[0]!r}")
        return {"type": "object", "additionalProperties": _convert(args[1], defs)}
    if origin in (Union, types.UnionType):
        parts = [_convert(a, defs) for a in args]
        if all(set(p) == {"type"} and isinstance(p["type"], str) for p in parts):
            return {"type": [p["type"] for p in parts]}
        return {"anyOf": parts}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _object(td: Any, defs: dict[str, Schema]) -> Schema:
    hints = get_type_hints(td, include_extras=True)
    out: Schema = {"type": "object"}
    if td.__doc__:
        out["description"] = " ".join(td.__doc__.split())
    out["properties"] = {k: _convert(v, defs) for k, v in hints.items()}
    out["required"] = [k for k in hints if k in td.__required_keys__]
    out["additionalProperties"] = False
    return out


def schema_of(td: Any, *, title: str | None = None, id: str | None = None) -> Schema:
    """The JSON Schema document of a TypedDict: ``$schema``, optional ``$id`` and ``title``, the
    TypedDict's object, and ``$defs`` for the TypedDicts inside it."""
    defs: dict[str, Schema] = {}
    body = _object(td, defs)
    head: Schema = {"$schema": DRAFT}
    if id:
        head["$id"] = id
    if title:
        head["title"] = title
    doc = {**head, **body}
    if defs:
        doc["$defs"] = dict(sorted(defs.items()))
    return doc


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool) or isinstance(value, float) and value.is_integer()
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    raise ValueError(f"unknown JSON type {kind!r}")


def _check(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], where: str, errors: list[str]) -> None:
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"only local $defs references are supported, not {ref!r}")
        _check(value, root["$defs"][ref.removeprefix("#/$defs/")], root, where, errors)
        return
    if "anyOf" in schema:
        if not any(not _errors(value, s, root) for s in schema["anyOf"]):
            errors.append(f"{where}: {value!r} matches none of the alternatives")
        return
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_type_ok(value, k) for k in kinds):
            errors.append(f"{where}: {value!r} is not {' or '.join(kinds)}")
            return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            _check(item, schema["items"], root, f"{where}[{i}]", errors)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errors += [f"{where}: missing key {k}" for k in schema.get("required", []) if k not in value]
        extra = schema.get("additionalProperties", True)
        for k, v in value.items():
            if k in props:
                _check(v, props[k], root, f"{where}.{k}", errors)
            elif extra is False:
                errors.append(f"{where}: unexpected key {k}")
            elif isinstance(extra, Mapping):
                _check(v, extra, root, f"{where}.{k}", errors)


def _errors(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    _check(value, schema, root, "$", errors)
    return errors


def validate(document: Any, schema: Mapping[str, Any]) -> list[str]:
    """What in ``document`` does not match ``schema`` (empty when it matches), one line per
    mismatch with its JSON path. Supports what :func:`schema_of` generates: ``type``, ``enum``,
    ``properties``, ``required``, ``additionalProperties``, ``items``, ``anyOf`` and ``$ref``
    into ``$defs``."""
    return _errors(document, schema, schema)
