"""A few fuzz examples of every front-end in the normal suite (``make fuzz`` runs many more)."""

from __future__ import annotations

import sys

import pytest

from factories import ROOT

sys.path.insert(0, str(ROOT / "tests" / "fuzz"))

import fuzz_frontends  # noqa: E402


@pytest.mark.parametrize("name", fuzz_frontends.FRONT_ENDS)
def test_fuzz_smoke(name, tmp_path):
    fuzz_frontends.fuzz_one(name, tmp_path, examples=8, seed=1)
