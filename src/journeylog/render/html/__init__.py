"""The HTML report: one self-contained page from the analyses' JSON contracts.

:func:`render_report` reads only contract dicts (``{"discover": ..., "conform": ..., "drift": ...}``,
as :func:`journeylog.report.report` returns them or as the commands write them with ``--json``) and
returns the page as text. The sections are a registry keyed by contract name
(:data:`journeylog.render.html.sections.REGISTRY`).

Safe and deterministic:

* every value goes through Jinja2 with autoescaping on; the only unescaped inserts are our own
  stylesheet and script, the process map (Graphviz SVG, parsed and stripped of anything active in
  :mod:`~journeylog.render.html.svgmap`) and the data block (JSON with ``<``, ``>``, ``&`` and the
  line separators escaped), so an activity named ``<script>alert(1)</script>`` is text;
* no event-handler attribute anywhere; the script binds its handlers by element id;
* a Content-Security-Policy allows nothing from the network (``default-src 'none'``) and only the
  inline style and script whose SHA-256 hashes it names (computed here, from the exact text);
* everything is inline (system fonts, no images, no links out); the same contracts give the same
  bytes, apart from the one generation time (taken from ``SOURCE_DATE_EPOCH`` when set).

>>> html = render_report({"conform": {"fitness": 0.5, "fitting_share": 0.25, "precision": None, "journeys": 4,
...     "deviations": [], "patterns": []}}, command="journeylog report x", version="0", generated="-")
>>> "default-src 'none'" in html and "25.0%" in html
True
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.resources import files
from typing import Any

from journeylog.render.html.sections import REGISTRY, ContractView, Figure, Section, key_figures, period, sections_for

__all__ = ["REGISTRY", "ContractView", "Figure", "Section", "csp_hash", "generation_time", "json_for_script",
           "render_report"]

TITLE = "Customer journeys"
_TEMPLATES = "journeylog.render.html"


@cache
def _asset(name: str) -> str:
    return files(_TEMPLATES).joinpath("templates", name).read_text(encoding="utf-8")


@cache
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader(_TEMPLATES, "templates"), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def csp_hash(text: str) -> str:
    """The CSP source ``'sha256-...'`` of an inline ``<style>`` or ``<script>`` with this exact text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def json_for_script(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` (so no
    ``</script>`` or ``<!--``), and no U+2028/U+2029.

    >>> json_for_script({"a": "</script><b>&"})
    '{"a":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    from journeylog.render.json import plain

    text = json.dumps(plain(data), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def generation_time(environ: Mapping[str, str] | None = None) -> str:
    """The page's one timestamp (UTC, to the second): ``SOURCE_DATE_EPOCH`` when set, else now."""
    env = os.environ if environ is None else environ
    epoch = env.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch and epoch.strip().isdigit() else dt.datetime.now(dt.UTC)
    return when.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S UTC")


def _page_data(contracts: Mapping[str, Any], figures: list[Figure]) -> dict[str, Any]:
    """The data block: the key figures and every contract, long lists cut to what the page shows."""
    from journeylog.render.html.sections import MAX_VARIANTS

    out: dict[str, Any] = {"figures": [{"label": f.label, "value": f.value} for f in figures]}
    for name in REGISTRY:
        if name in contracts:
            doc = dict(contracts[name])
            if name == "discover":
                doc["variants"] = list(doc.get("variants") or [])[:MAX_VARIANTS]
            out[name] = doc
    return out


def _subtitle(contracts: Mapping[str, Any]) -> str:
    d = contracts.get("discover") or {}
    if d.get("first") and d.get("last"):
        return f"{period(str(d['first']), str(d['last']))}: what customers really did, against the designed journey."
    return "What customers really did, against the designed journey."


def render_report(contracts: Mapping[str, Any], *, command: str, version: str, generated: str | None = None,
                  title: str = TITLE, problems: list[str] | None = None, omitted: Sequence[str] = ()) -> str:
    """The report page. ``generated``: the timestamp shown (None: :func:`generation_time`; ``""``: none).
    ``problems``: a list that receives what the page could not show (e.g. the map without Graphviz).
    ``omitted``: one sentence per analysis left out (shown at the top of the page)."""
    css, js = _asset("report.css"), _asset("report.js")
    figures = key_figures(contracts)
    csp = "; ".join([
        "default-src 'none'", f"style-src {csp_hash(css)}", f"script-src {csp_hash(js)}", "img-src data:",
        "base-uri 'none'", "form-action 'none'",
    ])
    from markupsafe import Markup

    shown = sections_for(contracts)
    if problems is not None:
        problems += [s.context[key] for s in shown for key in ("problem", "left_out") if s.context.get(key)]
    page: str = _environment().get_template("report.html.j2").render(
        title=title, subtitle=_subtitle(contracts), figures=figures, sections=shown,
        omitted=list(omitted), command=command, version=version, generated=generation_time() if generated is None else generated,
        csp=Markup(csp), css=Markup(css), js=Markup(js), data=Markup(json_for_script(_page_data(contracts, figures))),
    )
    return page
