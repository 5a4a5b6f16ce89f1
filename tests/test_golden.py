"""Every command's recorded output (JSON, terminal text, graphs, tables) stays byte-identical.

The recordings in tests/golden/ were made before the code was reorganised into packages; a
deliberate change of output is recorded again with ``python tests/golden/golden.py --record``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
import golden  # noqa: E402


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(golden.CASES))
def test_outputs_unchanged(case, tmp_path):
    produced = golden.run_case(case, tmp_path)
    recorded_dir = golden.HERE / case
    recorded = {p.name: p.read_bytes() for p in recorded_dir.iterdir()}
    assert sorted(produced) == sorted(recorded)
    changed = [name for name in sorted(recorded) if produced[name] != recorded[name]]
    if changed:
        first = changed[0]
        import difflib

        diff = "\n".join(difflib.unified_diff(recorded[first].decode("utf-8", "replace").splitlines(),
                                              produced[first].decode("utf-8", "replace").splitlines(),
                                              "recorded/" + first, "now/" + first, lineterm="", n=1))
        pytest.fail(f"{len(changed)} outputs changed: {changed}\n{diff[:4000]}")
