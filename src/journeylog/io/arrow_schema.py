"""An Arrow schema with schema-level metadata, built from a Polars schema without pyarrow.

Polars' Parquet writer stores the Arrow schema of the file (the ``ARROW:schema`` footer key, which
pyarrow reads back as the table's schema and its metadata); ``write_parquet(arrow_schema=...)``
takes any object with the Arrow PyCapsule interface. :class:`MarkedSchema` is one: the C
``ArrowSchema`` structures of the Arrow C data interface, made with :mod:`ctypes`, for the flat
types of :data:`ARROW_FORMATS` (each in the type pyarrow's ``DataFrame.to_arrow()`` gives it:
``large_string``, ``large_binary``, ``time64[ns]``, ...), every field nullable, and the given
key-value metadata on the schema. It spares the store writer pyarrow's import (with numpy's, a
tenth of a second of ``ingest``).

The structures belong to the :class:`MarkedSchema` object (keep it alive while the consumer
reads them); their ``release`` callback only marks them released, as the interface asks.

>>> import polars as pl
>>> MarkedSchema(pl.Schema({"a": pl.String(), "t": pl.Datetime("us", "UTC")}), {"k": "v"}).formats
['U', 'tsu:UTC']
>>> arrow_format(pl.List(pl.String())) is None
True
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Mapping

import polars as pl

__all__ = ["ARROW_FORMATS", "MarkedSchema", "arrow_format"]

#: Polars base type -> Arrow C format string (the types with a parameter are in :func:`arrow_format`)
ARROW_FORMATS: dict[type[pl.DataType], str] = {
    pl.String: "U", pl.Binary: "Z", pl.Boolean: "b", pl.Null: "n",
    pl.Int8: "c", pl.Int16: "s", pl.Int32: "i", pl.Int64: "l", pl.UInt8: "C", pl.UInt16: "S", pl.UInt32: "I",
    pl.UInt64: "L", pl.Float32: "f", pl.Float64: "g", pl.Date: "tdD", pl.Time: "ttn",
}
_UNITS = {"ms": "m", "us": "u", "ns": "n"}
_NULLABLE = 2  # ARROW_FLAG_NULLABLE


def arrow_format(dtype: pl.DataType) -> str | None:
    """The Arrow C format string of ``dtype`` (as ``to_arrow()`` exports it), None for a type
    :class:`MarkedSchema` does not build (nested, dictionary-encoded, 128-bit integers, ...)."""
    base = dtype.base_type()
    if base in ARROW_FORMATS:
        return ARROW_FORMATS[base]
    if isinstance(dtype, pl.Datetime):
        return f"ts{_UNITS[dtype.time_unit]}:{dtype.time_zone or ''}"
    if isinstance(dtype, pl.Duration):
        return f"tD{_UNITS[dtype.time_unit]}"
    if isinstance(dtype, pl.Decimal) and dtype.precision is not None and dtype.precision <= 38:
        return f"d:{dtype.precision},{dtype.scale}"
    return None


class _ArrowSchema(ctypes.Structure):
    """``struct ArrowSchema`` of the Arrow C data interface."""


_Release = ctypes.CFUNCTYPE(None, ctypes.POINTER(_ArrowSchema))
_ArrowSchema._fields_ = [
    ("format", ctypes.c_char_p), ("name", ctypes.c_char_p), ("metadata", ctypes.c_char_p),
    ("flags", ctypes.c_int64), ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(_ArrowSchema))), ("dictionary", ctypes.POINTER(_ArrowSchema)),
    ("release", _Release), ("private_data", ctypes.c_void_p),
]


@_Release
def _release(schema: ctypes._Pointer[_ArrowSchema]) -> None:
    """Release a structure (its children first): mark it released; Python owns the memory."""
    s = schema.contents
    for i in range(s.n_children):
        child = s.children[i]
        if child.contents.release:
            child.contents.release(child)
    s.release = _Release()


def _encoded(metadata: Mapping[str, str]) -> bytes:
    """Key-value metadata in the C data interface's layout: int32 count, then length-prefixed
    keys and values (native byte order)."""
    parts = [struct.pack("=i", len(metadata))]
    for key, value in metadata.items():
        k, v = key.encode("utf-8"), value.encode("utf-8")
        parts += [struct.pack("=i", len(k)), k, struct.pack("=i", len(v)), v]
    return b"".join(parts)


_CAPSULE_NAME = b"arrow_schema"


class MarkedSchema:
    """The Arrow schema of a Polars ``schema`` carrying ``metadata``, as an Arrow PyCapsule
    schema exporter (``__arrow_c_schema__``). Raises ``TypeError`` for a column type outside
    :func:`arrow_format`."""

    def __init__(self, schema: Mapping[str, pl.DataType], metadata: Mapping[str, str]) -> None:
        self.formats: list[str] = []
        for name, dtype in schema.items():
            fmt = arrow_format(dtype)
            if fmt is None:
                raise TypeError(f"column {name!r}: no Arrow schema for {dtype} here")
            self.formats.append(fmt)
        self._children = [_ArrowSchema(format=fmt.encode(), name=name.encode("utf-8"), flags=_NULLABLE, release=_release)
                          for fmt, name in zip(self.formats, schema, strict=True)]
        self._pointers = (ctypes.POINTER(_ArrowSchema) * len(self._children))(*map(ctypes.pointer, self._children))
        self._metadata = _encoded(metadata)
        self._root = _ArrowSchema(format=b"+s", name=b"", metadata=self._metadata, flags=0,
                                  n_children=len(self._children),
                                  children=ctypes.cast(self._pointers, ctypes.POINTER(ctypes.POINTER(_ArrowSchema))),
                                  release=_release)

    def __arrow_c_schema__(self) -> object:
        """A PyCapsule named ``arrow_schema`` pointing at the root structure."""
        new = ctypes.pythonapi.PyCapsule_New
        new.restype = ctypes.py_object
        new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
        return new(ctypes.addressof(self._root), _CAPSULE_NAME, None)
