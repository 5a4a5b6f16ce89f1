"""``python -m journeylog.contracts [FOLDER]``: write the JSON Schemas (default docs/json-schema)."""

from __future__ import annotations

import sys

from journeylog.contracts import write_schemas

if __name__ == "__main__":
    for path in write_schemas(sys.argv[1] if len(sys.argv) > 1 else "docs/json-schema"):
        print(path)
