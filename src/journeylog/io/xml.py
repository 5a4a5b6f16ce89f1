"""The safe XML front-end for XES, BPMN and PNML.

pm4py parses XML with no safety flags (external entities, DTDs and network access enabled with
some lxml versions), downloads URLs given as paths and has no size caps. journeylog parses every
XML input here first:

* only local regular files (see :func:`journeylog.io.files.local_file`);
* any ``<!DOCTYPE`` (and so any ``<!ENTITY``) before the root element is refused (exit 5), in
  UTF-8, UTF-16 or UTF-32, and so is a prolog too long to check (no root element in the first
  MiB); a bare HTML5 ``<!DOCTYPE html>`` is reported as "an HTML page" instead (exit 3);
* should a DOCTYPE get past that scan, the parsed tree is checked again and entity references
  are errors (exit 5), never substituted;
* the parser resolves no entities, loads no DTD, touches no network, and keeps libxml2's limits
  on depth and text size (``huge_tree=False``): a breach is a resource limit (exit 4);
* ``.gz`` input is decompressed through a byte cap (exit 4 when exceeded); corrupt or truncated
  gzip data is invalid input (exit 3);
* the root element must be the expected one (``log``, ``definitions``, ``pnml``): exit 3 otherwise,
  and syntax errors name the line and column.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.xes"
>>> _ = p.write_text('<?xml version="1.0"?><!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]><log>&x;</log>')
>>> parse_xml(p, root="log")  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
Traceback (most recent call last):
...
journeylog.errors.UnsafeInput: ...x.xes:1: XML with a DOCTYPE is refused: DTDs and entities can read local files or the network
(hint: remove the <!DOCTYPE ...> declaration)
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import zlib
from collections.abc import Iterator
from typing import Any

from lxml import etree

from journeylog.errors import InvalidInput, ResourceLimit, UnsafeInput
from journeylog.io.files import open_input

_PROLOG_SCAN_BYTES = 1 << 20


def local_name(tag: Any) -> str:
    """``{namespace}name`` -> ``name`` (comments and processing instructions give '')."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


_LIBXML2_MAX_LINE = 65535


def element_line(elem: Any) -> int | None:
    """The line of ``elem``'s start tag, also beyond line 65,535.

    libxml2 stores an element's line in 16 bits; past 65,535 lxml's ``sourceline`` borrows the
    line of a neighbouring text node, which is where that text *ends*: the element's first child
    text (one line too far when the start tag is followed by a newline), its tail, or the text
    before it (exact). This undoes the shift for the text we can see (exact for pretty-printed
    files, with one tag per line, while parents keep their tails; approximate otherwise).
    """
    line = elem.sourceline
    if line is None or line < _LIBXML2_MAX_LINE:
        return line
    if elem.text is not None or len(elem):
        text = elem.text
        return line - text.count("\n") if text is not None else line
    tail = elem.tail
    return line - tail.count("\n") if tail is not None else line


def _decode_prolog(head: bytes) -> str:
    if head.startswith((b"\xff\xfe\x00\x00", b"<\x00\x00\x00")):
        return head[: len(head) // 4 * 4].decode("utf-32-le", errors="replace")
    if head.startswith((b"\x00\x00\xfe\xff", b"\x00\x00\x00<")):
        return head[: len(head) // 4 * 4].decode("utf-32-be", errors="replace")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    if head.startswith(b"\x00<") or head.startswith(b"<\x00"):
        return head.decode("utf-16-be" if head[0] == 0 else "utf-16-le", errors="replace")
    return head.decode("utf-8", errors="replace")


_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_HTML_DOCTYPE = re.compile(r"<!doctype\s+html\s*>", re.I)


def check_prolog(head: bytes, label: str, *, complete: bool = True) -> None:
    """Refuse a DOCTYPE (or any markup declaration) before the root element.

    ``head`` is the start of the file; ``complete`` says whether it is the whole file. When the
    root element does not start within an incomplete ``head`` the file is refused too: a
    declaration could hide behind a long prolog.
    """
    text = _decode_prolog(head).lstrip("\ufeff")
    pos = 0
    while True:
        m = _PROLOG_ITEM.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    rest = text[pos:]
    line = text.count("\n", 0, pos) + 1
    if rest.startswith("<!"):
        if _HTML_DOCTYPE.match(rest):
            raise InvalidInput(
                "this is an HTML page, not an XML file",
                path=label,
                row=line,
                hint="save the file itself, not the web page that links to it",
            )
        raise UnsafeInput(
            "XML with a DOCTYPE is refused: DTDs and entities can read local files or the network",
            path=label,
            row=line,
            hint="remove the <!DOCTYPE ...> declaration",
        )
    if not complete and (not rest.strip() or rest.startswith(("<?", "<!--"))):
        raise UnsafeInput(
            f"no root element in the first {len(head):,} bytes: the XML prolog is too long to check",
            path=label,
            hint="remove the leading comments or blank space",
        )
    if not text.strip():
        raise InvalidInput("empty file, expected XML", path=label)


def _parser_kwargs() -> dict[str, Any]:
    return dict(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


_RESOURCE_WORDS = ("huge", "excessive depth", "too long", "resource limit", "xml_parse_huge", "amplification")
_ENTITY_WORDS = ("entity", "entities")
_POSITION_SUFFIX = re.compile(r"\s*,? line \d+, column \d+\s*$")


def _translate(exc: etree.XMLSyntaxError, label: str, error_log: Any = None) -> Exception:
    """An lxml syntax error as a JourneylogError with the line and column of the real cause.

    ``error_log`` is the parser's own log: iterparse sometimes reports a later symptom ("no element
    found", line 0) while the log holds the cause ("Entity 'x' not defined", line 1, column 50).
    """
    msg = str(exc.msg if getattr(exc, "msg", None) else exc)
    line, col = exc.position if getattr(exc, "position", None) else (exc.lineno, None)
    kind = ""
    entries = []
    if error_log is not None:
        try:
            entries = [e for e in error_log if e.level_name in ("FATAL", "ERROR")]
        except Exception:  # pragma: no cover - a log we cannot read is not a reason to crash
            entries = []
    if entries and (not line or msg.startswith("no element found")):
        first = entries[0]
        msg, line, col, kind = first.message, first.line, first.column, first.type_name
    elif entries:
        kind = entries[-1].type_name if entries[-1].line == line else entries[0].type_name
    msg = _POSITION_SUFFIX.sub("", " ".join(str(msg).split()))
    lowered = msg.lower()
    if kind == "ERR_RESOURCE_LIMIT" or any(w in lowered for w in _RESOURCE_WORDS):
        return ResourceLimit(f"XML exceeds the parser's safety limits: {msg}", path=label, row=line or None,
                             column=col or None)
    if "ENTITY" in kind or any(w in lowered for w in _ENTITY_WORDS):
        return UnsafeInput(f"XML entity references are refused: {msg}", path=label, row=line or None,
                           column=col or None, hint="write the text itself instead of &name; references")
    if kind == "ERR_DOCUMENT_EMPTY" or "document is empty" in lowered or (
        "start tag expected" in lowered and line in (0, 1)
    ):
        return InvalidInput("empty or not an XML file", path=label, row=line or None, column=col or None,
                            hint="is this really a .xes/.bpmn/.pnml file?")
    return InvalidInput(f"malformed XML: {msg}", path=label, row=line or None, column=col or None)


def _read_error(exc: BaseException, label: str) -> InvalidInput:
    if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)):
        return InvalidInput(f"corrupt or truncated gzip data ({exc})", path=label,
                            hint="decompress the file with gzip -t to check it")
    return InvalidInput(f"cannot read the file ({exc})", path=label)


class _Prefixed:
    """A read-only file object: ``head`` first, then the rest of ``fh``."""

    def __init__(self, head: bytes, fh: Any) -> None:
        self._head = head
        self._fh = fh

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0 or size >= len(self._head):
                data, self._head = self._head, b""
            else:
                data, self._head = self._head[:size], self._head[size:]
            return data
        return self._fh.read(size)


@contextlib.contextmanager
def _checked_input(path: str | os.PathLike[str], max_bytes: int | None) -> Iterator[Any]:
    """Open ``path`` (capped, gunzipped), check its prolog, yield a stream that starts from byte 0."""
    label = os.fspath(path)
    with open_input(path, max_bytes=max_bytes) as fh:
        try:
            head = fh.read(_PROLOG_SCAN_BYTES)
        except (OSError, EOFError, zlib.error) as exc:
            raise _read_error(exc, label) from None
        check_prolog(head, label, complete=len(head) < _PROLOG_SCAN_BYTES)
        yield _Prefixed(head, fh)


def _refuse_doctype(tree: Any, label: str) -> None:
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise UnsafeInput("XML with a DOCTYPE is refused", path=label, hint="remove the <!DOCTYPE ...> declaration")


def _check_root(root_tag: Any, root: str | tuple[str, ...] | None, label: str, line: int | None) -> None:
    if root is None:
        return
    wanted = (root,) if isinstance(root, str) else root
    name = local_name(root_tag)
    if name not in wanted:
        raise InvalidInput(
            f"wrong root element <{name}>, expected <{'> or <'.join(wanted)}>",
            path=label,
            row=line,
            hint="is this really a "
            + {"log": "XES log", "definitions": "BPMN 2.0 model", "pnml": "PNML Petri net"}.get(wanted[0], "file of that kind")
            + "?",
        )


def parse_xml(
    path: str | os.PathLike[str], *, root: str | tuple[str, ...] | None = None, max_bytes: int | None = None
) -> etree._ElementTree:
    """Parse a whole XML file safely and return its tree (for BPMN and PNML models)."""
    label = os.fspath(path)
    with _checked_input(path, max_bytes) as stream:
        parser = etree.XMLParser(**_parser_kwargs())
        try:
            tree = etree.parse(stream, parser)
        except etree.XMLSyntaxError as exc:
            raise _translate(exc, label, parser.error_log) from None
        except (OSError, EOFError, zlib.error) as exc:
            raise _read_error(exc, label) from None
    _refuse_doctype(tree, label)
    _check_root(tree.getroot().tag, root, label, tree.getroot().sourceline)
    return tree


def iterparse_xml(
    path: str | os.PathLike[str],
    *,
    root: str | tuple[str, ...] | None = None,
    events: tuple[str, ...] = ("start", "end"),
    max_bytes: int | None = None,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream ``(event, element)`` pairs safely (for large XES logs). Callers clear elements.

    ``events`` must include ``"start"`` when ``root`` is given (the root is checked on its start).
    """
    label = os.fspath(path)
    with _checked_input(path, max_bytes) as stream:
        context = etree.iterparse(stream, events=events, **_parser_kwargs())
        items = iter(context)
        try:
            for event, elem in items:  # the first item: check the document, then stream the rest
                tree = elem.getroottree()
                _refuse_doctype(tree, label)
                top = tree.getroot()
                _check_root(top.tag, root, label, top.sourceline)
                yield event, elem
                break
            else:
                raise InvalidInput("empty or not an XML file", path=label)
            yield from items
        except etree.XMLSyntaxError as exc:
            raise _translate(exc, label, context.error_log) from None
        except (OSError, EOFError, zlib.error) as exc:
            raise _read_error(exc, label) from None
