"""Rendering and writing a map: Graphviz's ``dot`` for SVG and PNG (bounded in time), every file
written atomically."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

from journeylog.errors import InvalidInput, ResourceLimit, UsageError
from journeylog.io.files import check_output_path, write_bytes_atomic
from journeylog.journeys import ProcessMap
from journeylog.render.graph.formats import _dot_and_titles, to_dot, to_graphml, to_json, to_mermaid
from journeylog.settings import current
from journeylog.text import no_workflow_commands

GRAPH_FORMATS: tuple[str, ...] = (".dot", ".svg", ".png", ".graphml", ".mmd", ".json")



def dot_available() -> bool:
    """Whether Graphviz's ``dot`` is on the PATH."""
    return shutil.which("dot") is not None


def _run_dot(dot_text: str, fmt: str, path: str) -> bytes:
    exe = shutil.which("dot")
    if exe is None:
        raise InvalidInput(
            f"cannot render .{fmt}: Graphviz 'dot' is not installed", path=path, hint="apt-get install graphviz, or write .dot"
        )
    try:
        proc = subprocess.run(
            [exe, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
            timeout=current().dot_timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        raise ResourceLimit(
            f"Graphviz 'dot' did not finish rendering .{fmt} within {current().dot_timeout:g} s",
            path=path, hint="filter the log to fewer activities, or write .dot",
        ) from None
    except OSError as exc:
        raise InvalidInput(f"cannot run Graphviz 'dot': {exc.strerror or exc}", path=path,
                           hint="apt-get install graphviz, or write .dot") from None
    if proc.returncode != 0 or not proc.stdout:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        first = detail[0] if detail else f"exit status {proc.returncode}"
        raise InvalidInput(f"Graphviz 'dot' failed to render .{fmt}: {first}", path=path, hint="write .dot instead")
    return proc.stdout


_TITLE = re.compile(rb"<title>([^<]*)</title>")
_COMMENT = re.compile(rb"<!--.*?-->\n?", re.S)


def _readable_titles(svg: bytes, titles: dict[str, str]) -> bytes:
    """Graphviz names each SVG element by its DOT id in a ``<title>`` (browsers show it on hover)
    and a comment: the titles become the tooltips and the comments go, so no internal id shows."""
    def swap(match: re.Match[bytes]) -> bytes:
        key = html.unescape(match.group(1).decode("utf-8"))
        text = titles.get(key, "")
        return b"<title>" + html.escape(text, quote=False).encode("utf-8") + b"</title>"

    return _COMMENT.sub(b"", _TITLE.sub(swap, svg))


_NODE = re.compile(rb'(<g id="node\d+" class="node">\n<title>([^<]*)</title>\n)(.*?)(</g>)', re.S)
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")
_SHAPE = re.compile(rb'<(?:path|polygon)[^>]* (?:d|points)="([^"]*)"')


def _mix_bars(svg: bytes, titles: dict[str, str]) -> bytes:
    """A thin bar along the bottom of each activity box: one segment per channel, as wide as its
    share of the activity's events, in the channel's colour (numbers and colours only)."""
    def add(match: re.Match[bytes]) -> bytes:
        spec = titles.get("bar:" + html.unescape(match.group(2).decode("utf-8")))
        shape = _SHAPE.search(match.group(3))
        if not spec or shape is None:
            return match.group(0)
        nums = [float(v) for v in _NUMBER.findall(shape.group(1))]
        xs, ys = nums[0::2], nums[1::2]
        left, right, bottom = min(xs) + 10, max(xs) - 10, max(ys)
        if right <= left:
            return match.group(0)
        rects, x = [], left
        for part in spec.split(" "):
            share, colour = part.split(":")
            width = (right - left) * float(share)
            rects.append(f'<rect x="{x:.2f}" y="{bottom - 8:.2f}" width="{width:.2f}" height="4" fill="{colour}"/>\n')
            x += width
        return match.group(1) + match.group(3) + "".join(rects).encode("ascii") + match.group(4)

    return _NODE.sub(add, svg)


def render_bytes(pmap: ProcessMap, fmt: str, *, perf: bool | str = False, title: str | None = None, path: str = "") -> bytes:
    """The map in one of :data:`GRAPH_FORMATS` (given with or without the dot), as bytes."""
    suffix = fmt.lower() if fmt.startswith(".") else f".{fmt.lower()}"
    if suffix == ".dot":
        return to_dot(pmap, perf=perf, title=title).encode("utf-8")
    if suffix == ".svg":
        dot_text, titles = _dot_and_titles(pmap, perf=perf, title=title)
        return _readable_titles(_mix_bars(_run_dot(dot_text, "svg", path), titles), titles)
    if suffix == ".png":
        return _run_dot(to_dot(pmap, perf=perf, title=title), "png", path)
    if suffix == ".graphml":
        return to_graphml(pmap, perf=perf)
    if suffix == ".mmd":
        return to_mermaid(pmap, perf=perf).encode("utf-8")
    if suffix == ".json":
        return to_json(pmap, perf=perf).encode("utf-8")
    raise UsageError(
        f"unsupported graph format {suffix!r}", path=path or None,
        hint="use one of " + ", ".join(GRAPH_FORMATS),
    )


def write_graph(pmap: ProcessMap, path: str | os.PathLike[str], *, perf: bool | str = False, title: str | None = None) -> None:
    """Write the map to ``path``; the format follows the suffix (see :data:`GRAPH_FORMATS`).

    The file is written atomically: on any failure (unknown suffix, a directory as path, ``dot``
    missing or failing) nothing is written and an earlier file is left unchanged.
    """
    text = os.fspath(path)
    suffix = Path(text).suffix.lower()
    if suffix not in GRAPH_FORMATS:
        raise UsageError(
            f"cannot tell the graph format from the suffix {suffix or '(none)'!r}", path=text,
            hint="use one of " + ", ".join(GRAPH_FORMATS),
        )
    check_output_path(text)
    if suffix in (".svg", ".png") and not dot_available():
        raise InvalidInput(
            f"cannot render {suffix}: Graphviz 'dot' is not installed", path=text, hint="apt-get install graphviz, or write .dot"
        )
    data = render_bytes(pmap, suffix, perf=perf, title=title, path=text)
    if suffix in (".dot", ".svg", ".graphml", ".mmd", ".json"):  # text: no line may start a workflow command
        data = no_workflow_commands(data.decode("utf-8")).encode("utf-8")
    write_bytes_atomic(text, data)
