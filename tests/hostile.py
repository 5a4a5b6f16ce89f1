"""The contract every hostile-input test asserts (issue 17): exit code, one error line, no
traceback, and the output untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path


def refused(run_main, tmp_path: Path, code: int, *args: str, output: Path | None = None, says: str = "") -> str:
    """Run the real command; assert the exit code, exactly one error line, no traceback, and
    ``output`` untouched (absent, or its bytes unchanged). Returns stderr."""
    before = hashlib.sha256(output.read_bytes()).hexdigest() if output is not None and output.exists() else None
    got, _out, err = run_main(*args, cwd=tmp_path)
    assert got == code, err
    assert err.count("journeylog: error:") == 1 and "Traceback" not in err, err
    assert says in err, err
    if output is not None:
        after = hashlib.sha256(output.read_bytes()).hexdigest() if output.exists() else None
        assert after == before
    return err
