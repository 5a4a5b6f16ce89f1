"""The safe XML front-end for XES, BPMN and PNML.

pm4py parses XML with no safety flags (external entities, DTDs and network access enabled with
some lxml versions), downloads URLs given as paths and has no size caps. journeylog parses every
XML input here first:

* only local regular files (see :func:`journeylog.io.files.local_file`);
* any ``<!DOCTYPE`` (and so any ``<!ENTITY``) before the root element is refused (exit 5);
* the parser resolves no entities, loads no DTD, touches no network, and keeps libxml2's limits
  on depth and text size (``huge_tree=False``): a breach is a resource limit (exit 4);
* ``.gz`` input is decompressed through a byte cap (exit 4 when exceeded);
* the root element must be the expected one (``log``, ``definitions``, ``pnml``): exit 3 otherwise,
  and syntax errors name the line and column.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.xes"
>>> _ = p.write_text('<?xml version="1.0"?><!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]><log>&x;</log>')
>>> parse_xml(p, root="log")
Traceback (most recent call last):
...
journeylog.errors.UnsafeInput: ...x.xes:1: XML with a DOCTYPE is refused: DTDs and entities can read local files or the network (hint: remove the <!DOCTYPE ...> declaration)
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
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


def _decode_prolog(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    if head.startswith(b"\x00<") or head.startswith(b"<\x00"):
        return head.decode("utf-16-be" if head[0] == 0 else "utf-16-le", errors="replace")
    return head.decode("utf-8", errors="replace")


_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)


def check_prolog(head: bytes, label: str) -> None:
    """Refuse a DOCTYPE (or any markup declaration) before the root element."""
    text = _decode_prolog(head).lstrip("\ufeff")
    pos = 0
    while True:
        m = _PROLOG_ITEM.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    rest = text[pos:]
    if rest.startswith("<!"):
        line = text.count("\n", 0, pos) + 1
        raise UnsafeInput(
            "XML with a DOCTYPE is refused: DTDs and entities can read local files or the network",
            path=label,
            row=line,
            hint="remove the <!DOCTYPE ...> declaration",
        )
    if not rest.strip():
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


def _translate(exc: etree.XMLSyntaxError, label: str) -> Exception:
    msg = str(exc.msg if hasattr(exc, "msg") and exc.msg else exc)
    line, col = (exc.position if getattr(exc, "position", None) else (exc.lineno, None))
    lowered = msg.lower()
    if "huge" in lowered or "excessive depth" in lowered or "too long" in lowered or "xml_parse_huge" in lowered:
        return ResourceLimit(f"XML exceeds the parser's safety limits: {msg}", path=label, row=line, column=col)
    if "entity" in lowered and ("not defined" in lowered or "undeclared" in lowered):
        return UnsafeInput(f"XML entity references are refused: {msg}", path=label, row=line, column=col)
    if "document is empty" in lowered or "start tag expected" in lowered and line in (0, 1):
        return InvalidInput("empty or not an XML file", path=label, row=line or None, column=col or None,
                            hint="is this really a .xes/.bpmn/.pnml file?")
    return InvalidInput(f"malformed XML: {msg}", path=label, row=line or None, column=col or None)


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
            hint="is this really a " + {"log": "XES log", "definitions": "BPMN 2.0 model", "pnml": "PNML Petri net"}.get(wanted[0], "file of that kind") + "?",
        )


def parse_xml(
    path: str | os.PathLike[str], *, root: str | tuple[str, ...] | None = None, max_bytes: int | None = None
) -> etree._ElementTree:
    """Parse a whole XML file safely and return its tree (for BPMN and PNML models)."""
    label = os.fspath(path)
    with open_input(path, max_bytes=max_bytes) as fh:
        head = fh.peek(_PROLOG_SCAN_BYTES)[:_PROLOG_SCAN_BYTES]  # type: ignore[attr-defined]
        check_prolog(head, label)
        parser = etree.XMLParser(**_parser_kwargs())
        try:
            tree = etree.parse(fh, parser)
        except etree.XMLSyntaxError as exc:
            raise _translate(exc, label) from None
    if tree.docinfo.doctype:
        raise UnsafeInput("XML with a DOCTYPE is refused", path=label, hint="remove the <!DOCTYPE ...> declaration")
    _check_root(tree.getroot().tag, root, label, tree.getroot().sourceline)
    return tree


def iterparse_xml(
    path: str | os.PathLike[str],
    *,
    root: str | tuple[str, ...] | None = None,
    events: tuple[str, ...] = ("start", "end"),
    max_bytes: int | None = None,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream ``(event, element)`` pairs safely (for large XES logs). Callers clear elements."""
    label = os.fspath(path)
    with open_input(path, max_bytes=max_bytes) as fh:
        head = fh.peek(_PROLOG_SCAN_BYTES)[:_PROLOG_SCAN_BYTES]  # type: ignore[attr-defined]
        check_prolog(head, label)
        context = etree.iterparse(fh, events=events, **_parser_kwargs())
        first = True
        try:
            for event, elem in context:
                if first:
                    first = False
                    _check_root(elem.tag, root, label, elem.sourceline)
                yield event, elem
        except etree.XMLSyntaxError as exc:
            raise _translate(exc, label) from None
        if first:
            raise InvalidInput("empty or not an XML file", path=label)


