"""Fixtures shared by the tests; plain helpers are in ``tests/factories.py``.

- ``shared_data``: the shared data collection next to the checkout (``../shared/data``); every
  test that needs it requests this fixture and is skipped with one reason when it is missing.
- ``pm4py``: pm4py imported once, quietly and deterministically (as journeylog imports it).
- ``run_main``: the command in-process (``journeylog.cli.main`` with its exit-code mapping).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from factories import SHARED_DATA, SHARED_DATA_MISSING

# The time budgets of issue 18 are wall-clock: on a loaded machine they could trigger in tests that do
# not test them and change what those tests see. Off for the test session (commands started by the
# tests inherit it); the budget tests set them explicitly (tests/mining/test_*budget*.py).
os.environ.setdefault("JOURNEYLOG_ALIGN_BUDGET", "0")
os.environ.setdefault("JOURNEYLOG_PRECISION_BUDGET", "0")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; skips the test when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(SHARED_DATA_MISSING)
    return SHARED_DATA


@pytest.fixture(scope="session")
def pm4py() -> ModuleType:
    """pm4py without its banner, progress bars or warnings, with journeylog's deterministic settings."""
    os.environ.setdefault("TQDM_DISABLE", "1")
    from journeylog.mining import pm4py_quiet

    return pm4py_quiet()


RunMain = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_main(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> RunMain:
    """``run_main(*args, cwd=path, env=None) -> (exit code, stdout, stderr)``.

    Runs ``journeylog.cli.main`` in ``cwd`` with ``NO_COLOR=1``, outside GitHub Actions unless
    ``env`` (or the test) sets ``GITHUB_ACTIONS``; ``env`` stays set for the rest of the test.
    """
    from journeylog.cli import main

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exc:
            main(list(args))
        out, err = capsys.readouterr()
        return int(exc.value.code or 0), out, err

    return run


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The telecom sample as a store with its model, allow-list and rules (``out_of_core.sample_store``),
    for the out-of-core tests; one per test module."""
    from out_of_core import sample_store

    return sample_store(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated drifting log as a store (``out_of_core.generated_store``), for the out-of-core
    tests; one per test module."""
    from out_of_core import generated_store

    return generated_store(tmp_path_factory.mktemp("generated"))
