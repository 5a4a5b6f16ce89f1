"""Local-file checks, size-capped (and gzip-transparent) input, and atomic output.

Only local regular files are read: URLs are refused (pm4py would download them), directories,
FIFOs and devices are usage errors. Every output is written to a temporary file in the target
folder and renamed over the target only when complete, so a failure or a kill leaves the earlier
file unchanged and no partial file behind.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write_text_atomic(d / "out.json", "{}")
>>> (d / "out.json").read_text()
'{}'
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import io
import os
import re
import stat
import sys
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

from journeylog import settings
from journeylog.errors import ResourceLimit, UnsafeInput, UsageError, param
from journeylog.settings import MAX_INPUT_BYTES
from journeylog.text import no_workflow_commands

#: the default cap on decompressed/plain input (exit 4 beyond it); the cap in force is the run's
#: :func:`max_input_bytes` (``JOURNEYLOG_MAX_INPUT_BYTES``), overridable per call with ``max_bytes``
DEFAULT_MAX_INPUT_BYTES = MAX_INPUT_BYTES

#: gzip input may inflate to at most this many times its size (event logs compress 5-50 times) ...
MAX_RATIO = 200
#: ... or to this many bytes, whichever is more (small files may compress better)
MIN_RATIO_CAP = 64 * 1024 * 1024

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://|^[A-Za-z][A-Za-z0-9+.\-]*:(?=//)")


def is_url(text: str) -> bool:
    """Whether ``text`` is a URL (``https://``, ``file://``, ``s3:``...), which journeylog never reads.

    >>> is_url("https://example.com/m.bpmn"), is_url("file:///etc/passwd"), is_url("models/m.bpmn")
    (True, True, False)
    """
    return bool(_URL.match(text.strip()))


def max_input_bytes() -> int:
    """The input size cap of this run, read at call time: :func:`journeylog.settings.current`
    ``max_input_bytes``."""
    return settings.current().max_input_bytes


def local_file(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as a Path if it is an existing local regular file, else raise.

    >>> local_file("https://example.com/log.xes")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    journeylog.errors.UnsafeInput: https://example.com/log.xes: journeylog reads local regular files only, not URLs
    (hint: download the file first and give its local path)
    """
    text = os.fspath(path)
    if _URL.match(text):
        raise UnsafeInput(
            "journeylog reads local regular files only, not URLs",
            path=text,
            hint="download the file first and give its local path",
        )
    p = Path(text)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise UsageError("no such file", path=text) from None
    except PermissionError:
        raise UsageError("permission denied", path=text) from None
    except OSError as exc:
        raise UsageError(f"cannot open: {exc.strerror or exc}", path=text) from None
    if stat.S_ISDIR(st.st_mode):
        raise UsageError("is a directory, not a file", path=text, hint="give one log file")
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(
            "not a regular file (a FIFO, device or socket)",
            path=text,
            hint="journeylog reads local regular files only",
        )
    if not os.access(p, os.R_OK):
        raise UsageError("permission denied", path=text)
    return p


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


#: compressed or archive formats journeylog does not read (only gzip is decompressed, with its
#: size and ratio caps): their leading bytes, and the suffix that names them
UNREAD_COMPRESSIONS: tuple[tuple[bytes, str, str], ...] = (
    (b"BZh", "bzip2", ".bz2"),
    (b"\xfd7zXZ\x00", "xz", ".xz"),
    (b"\x28\xb5\x2f\xfd", "zstd", ".zst"),
    (b"\x04\x22\x4d\x18", "lz4", ".lz4"),
    (b"PK\x03\x04", "zip", ".zip"),
    (b"7z\xbc\xaf\x27\x1c", "7-zip", ".7z"),
    (b"\x5d\x00\x00", "lzma", ".lzma"),
)


_BZIP2_BLOCKS = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")


def refuse_unread_compression(path: str | os.PathLike[str], head: bytes | None = None) -> None:
    """A bzip2, xz, zstd, lz4, zip or 7-zip file (by its leading bytes, else its suffix) is
    invalid input: journeylog decompresses gzip only, where it caps the decompressed size and
    ratio, and never reads other compressed bytes as text.

    >>> refuse_unread_compression("log.csv.zst", b"")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    journeylog.errors.InvalidInput: log.csv.zst: zstd-compressed input, which journeylog does not read
    (hint: decompress it first, or compress it with gzip, which journeylog reads with its size caps)
    """
    from journeylog.errors import InvalidInput

    text = os.fspath(path)
    if head is None:
        with open(text, "rb") as fh:
            head = fh.read(10)
    name = text.lower()
    for magic, kind, suffix in UNREAD_COMPRESSIONS:
        by_bytes = head.startswith(magic) and (kind != "bzip2" or head[4:10] in _BZIP2_BLOCKS)
        if by_bytes or (kind != "lzma" and name.endswith(suffix)):
            raise InvalidInput(f"{kind}-compressed input, which journeylog does not read", path=text,
                               hint="decompress it first, or compress it with gzip, which journeylog reads with "
                                    "its size caps")


class _CappedReader(io.RawIOBase):
    """A read-only stream that raises ResourceLimit once more than ``cap`` bytes were read."""

    def __init__(self, raw: BinaryIO, cap: int, label: str, ratio_cap: int | None = None) -> None:
        self._raw = raw
        self._cap = cap
        self._ratio_cap = ratio_cap  # compressed input: the most it may inflate to (see MAX_RATIO)
        self._seen = 0
        self._label = label

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:  # any writable buffer; io.BufferedReader passes a memoryview
        data = self._raw.read(len(buffer))
        n = len(data)
        self._seen += n
        if self._ratio_cap is not None and self._seen > self._ratio_cap < self._cap:
            raise ResourceLimit(
                f"compressed input inflates more than {MAX_RATIO} times (to over {self._ratio_cap:,} bytes): "
                "a compression bomb?", path=self._label,
                hint=f"decompress it yourself if the file is trusted (the cap then is {param('max_input_bytes')})")
        if self._seen > self._cap:
            raise ResourceLimit(
                f"input is larger than the {self._cap:,}-byte limit once decompressed",
                path=self._label,
                hint=f"raise {param('max_input_bytes')} if the file is trusted",
            )
        buffer[:n] = data
        return n

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._raw.close()
        super().close()


def open_input(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> BinaryIO:
    """Open a local file for binary reading, gunzipping transparently, capped at ``max_bytes``."""
    p = local_file(path)
    cap = max_input_bytes() if max_bytes is None else max_bytes
    # no context manager: the returned reader owns the handle and closes it (_CappedReader.close)
    ratio_cap = None
    refuse_unread_compression(path)
    if is_gzip(p):
        raw = cast(BinaryIO, gzip.open(p, "rb"))  # noqa: SIM115 - closed by the returned reader
        ratio_cap = max(MAX_RATIO * p.stat().st_size, MIN_RATIO_CAP)
    else:
        raw = open(p, "rb")  # noqa: SIM115 - closed by the returned reader
    return io.BufferedReader(_CappedReader(raw, cap, os.fspath(path), ratio_cap), buffer_size=1 << 20)


def read_input_bytes(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> bytes:
    """The whole (decompressed) content of a local file, capped at ``max_bytes``."""
    with open_input(path, max_bytes=max_bytes) as fh:
        try:
            return fh.read()
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            from journeylog.errors import InvalidInput

            raise InvalidInput(f"corrupt or truncated gzip data ({exc})", path=os.fspath(path)) from None


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """Check that ``path`` can be written: a regular file or a new name (not a directory, FIFO or
    device) in a folder that exists and is writable."""
    p = Path(os.fspath(path))
    if p.is_dir():
        raise UsageError("output path is a directory", path=os.fspath(path), hint="give a file name")
    if p.exists() and not p.is_file():
        raise UsageError("output path is not a regular file (a FIFO or device)", path=os.fspath(path),
                         hint="write to a regular file")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError("the output folder does not exist", path=os.fspath(path))
    if not os.access(parent, os.W_OK):
        raise UsageError("the output folder is not writable", path=os.fspath(path))
    if p.exists() and not os.access(p, os.W_OK):
        raise UsageError("the output file is not writable", path=os.fspath(path))
    return p


#: the outputs of the run in progress, renamed into place together when it succeeds (see
#: :func:`run_outputs`): target -> finished temporary file. None: each output is renamed at once.
_PENDING: dict[Path, Path] | None = None


@contextlib.contextmanager
def run_outputs() -> Iterator[None]:
    """All outputs written inside this block are renamed into place only when the block ends
    without an error, one after another; on an error (or a signal, see the CLI) every finished
    temporary file is removed and no earlier output is touched. Not reentrant: an inner block
    joins the outer one."""
    global _PENDING
    if _PENDING is not None:
        yield
        return
    _PENDING = {}
    try:
        yield
        pending, _PENDING = _PENDING, None
        for target, tmp in pending.items():
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise _disk_or_raise(exc, target) from None
    finally:
        leftover: dict[Path, Path] = _PENDING or {}
        _PENDING = None
        for tmp in leftover.values():
            with contextlib.suppress(OSError):
                tmp.unlink()


@contextlib.contextmanager
def immediately() -> Iterator[None]:
    """Outputs written inside this block are renamed at once even during :func:`run_outputs`
    (check's JUnit report of a failed run: CI reads it exactly when the run fails)."""
    global _PENDING
    saved, _PENDING = _PENDING, None
    try:
        yield
    finally:
        _PENDING = saved


def written_path(target: str | os.PathLike[str]) -> Path:
    """Where the output for ``target`` is now: its temporary file while the run is pending, else
    ``target`` itself (a store ingest wrote and then reads back for its summary)."""
    p = Path(os.fspath(target))
    if _PENDING is not None:
        return _PENDING.get(p.absolute(), p)
    return p


def _disk_or_raise(exc: BaseException, path: str | os.PathLike[str]) -> BaseException:
    if disk_full(exc):
        return ResourceLimit("no space left on the device; the earlier file is unchanged", path=os.fspath(path),
                             hint="free space or write elsewhere")
    return exc


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` when the block succeeds
    (or, inside :func:`run_outputs`, when the whole run does). On any exception the temporary
    file is removed and ``path`` is left as it was.
    """
    target = check_output_path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp_path, stat.S_IMODE(target.stat().st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)
        if _PENDING is not None:
            earlier = _PENDING.pop(target.absolute(), None)
            if earlier is not None:  # written twice in one run: the last one counts
                with contextlib.suppress(OSError):
                    earlier.unlink()
            _PENDING[target.absolute()] = tmp_path
        else:
            os.replace(tmp_path, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        if disk_full(exc):
            raise _disk_or_raise(exc, path) from None
        raise


#: what writers say when the disk or the user's quota is full (Polars and Arrow wrap the OS error)
_DISK_FULL_WORDS = ("no space left on device", "disk quota exceeded", "os error 28", "os error 122")


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (an OSError, or a writer's own error wrapping one) says the disk is full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, Exception) and any(w in str(exc).lower() for w in _DISK_FULL_WORDS)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; ``-`` writes to standard output."""
    if os.fspath(path) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically; ``-`` writes to standard output. No line of it
    can start a GitHub Actions workflow command (:func:`journeylog.text.no_workflow_commands`)."""
    write_bytes_atomic(path, no_workflow_commands(text).encode("utf-8"))
