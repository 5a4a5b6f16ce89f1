"""The contracts of journeylog's machine-readable outputs: one TypedDict per ``--json`` document
(see :mod:`journeylog.contracts.outputs`) and the JSON Schema generated from it.

>>> sorted(COMMANDS)
['check', 'compare', 'conform', 'contacts', 'discover', 'drift', 'emotion', 'explain', 'funnel', 'ingest']
>>> s = json_schema("check")
>>> s["title"], s["required"][:3]
('journeylog check --json', ['status', 'exit_code', 'summary'])
>>> validate({"status": "maybe"}, s)[-1]
"$.status: 'maybe' is not one of ['pass', 'fail']"

The published schemas are in ``docs/json-schema/`` (``python -m journeylog.contracts DIR``
writes them; a test fails when they drift from the TypedDicts).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from journeylog.contracts.jsonschema import schema_of, validate
from journeylog.contracts.outputs import (
    OUTPUTS,
    CheckEntry,
    CheckOutput,
    ConformOutput,
    Deviation,
    DiscoverOutput,
    DriftChange,
    DriftOutput,
    DriftWindow,
    IngestOutput,
    IngestSource,
    LabelOverlapOutput,
    PatternFound,
    Variant,
)

__all__ = [
    "COMMANDS", "CheckEntry", "CheckOutput", "ConformOutput", "Deviation", "DiscoverOutput", "DriftChange",
    "DriftOutput", "DriftWindow", "IngestOutput", "IngestSource", "LabelOverlapOutput", "PatternFound", "Variant",
    "json_schema", "schema_file", "schema_of", "validate", "write_schemas",
]

COMMANDS: tuple[str, ...] = tuple(OUTPUTS)
"""The commands with a ``--json`` document."""


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``journeylog NAME --json``; ``name`` is one of
    :data:`COMMANDS`."""
    if name not in OUTPUTS:
        raise ValueError(f"no JSON contract for {name!r}; one of {', '.join(COMMANDS)}")
    return schema_of(OUTPUTS[name], title=f"journeylog {name} --json", id=f"{name}.schema.json")


def schema_file(name: str) -> str:
    """The text of ``docs/json-schema/NAME.schema.json``: the schema, indented, keys in order."""
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: str | Path) -> list[Path]:
    """Write ``NAME.schema.json`` for every command into ``folder``; returns the files."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in COMMANDS:
        path = out / f"{name}.schema.json"
        path.write_text(schema_file(name))
        paths.append(path)
    return paths
