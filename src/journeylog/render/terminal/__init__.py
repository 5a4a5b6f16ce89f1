"""Terminal output: rich tables on standard error, data always escaped (never rich markup).

One module per command's report; :mod:`~journeylog.render.terminal.console` has the console and
the escaping :func:`text` and :func:`table` every report uses. Each name is imported from its
module when first used, so a command loads its own report only (``ingest`` saves a twentieth of
a second of start-up).
"""

import importlib
from typing import TYPE_CHECKING, Any

# eager: every report uses them, and the submodule ``console`` would otherwise shadow the function
from journeylog.render.terminal.console import console, path_text, print_cache, table, text

__all__ = [
    "ProgressBar", "console", "text", "table", "path_text", "print_ingest_summary", "print_discovery", "print_conformance",
    "print_contacts",
    "print_comparison",
    "print_check_report", "print_drift_report", "value_text", "threshold_text", "fmt_duration", "fmt_int", "fmt_share",
    "print_cache",
]

#: name -> the module (under journeylog) it comes from; journeylog.check loads conform and mining
_HOME = {
    "print_comparison": "render.terminal.compare", "print_conformance": "render.terminal.conform",
    "print_contacts": "render.terminal.contacts",
    "print_discovery": "render.terminal.discover", "print_drift_report": "render.terminal.drift",
    "print_ingest_summary": "render.terminal.ingest", "ProgressBar": "render.terminal.progress",
    "print_check_report": "render.terminal.check", "threshold_text": "render.terminal.check",
    "value_text": "render.terminal.check",
    # re-exported: modules that still import them here
    "fmt_duration": "text", "fmt_int": "text", "fmt_share": "text",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"journeylog.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from journeylog.render.terminal.check import print_check_report, threshold_text, value_text
    from journeylog.render.terminal.compare import print_comparison
    from journeylog.render.terminal.conform import print_conformance
    from journeylog.render.terminal.contacts import print_contacts
    from journeylog.render.terminal.discover import print_discovery
    from journeylog.render.terminal.drift import print_drift_report
    from journeylog.render.terminal.ingest import print_ingest_summary
    from journeylog.render.terminal.progress import ProgressBar
    from journeylog.text import fmt_duration, fmt_int, fmt_share
