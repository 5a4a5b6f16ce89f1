"""Terminal output: rich tables on standard error, data always escaped (never rich markup).

One module per command's report; :mod:`~journeylog.render.terminal.console` has the console and
the escaping :func:`text` and :func:`table` every report uses.
"""

from typing import TYPE_CHECKING, Any

from journeylog.render.terminal.compare import print_comparison
from journeylog.render.terminal.conform import print_conformance
from journeylog.render.terminal.console import console, path_text, print_cache, table, text
from journeylog.render.terminal.contacts import print_contacts
from journeylog.render.terminal.discover import print_discovery
from journeylog.render.terminal.drift import print_drift_report
from journeylog.render.terminal.ingest import print_ingest_summary
from journeylog.render.terminal.progress import ProgressBar
from journeylog.text import fmt_duration, fmt_int, fmt_share  # re-exported: modules that still import them here

__all__ = [
    "ProgressBar", "console", "text", "table", "path_text", "print_ingest_summary", "print_discovery", "print_conformance",
    "print_contacts",
    "print_comparison",
    "print_check_report", "print_drift_report", "value_text", "threshold_text", "fmt_duration", "fmt_int", "fmt_share",
    "print_cache",
]

_LAZY = {"print_check_report", "threshold_text", "value_text"}  # journeylog.check loads conform and mining


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from journeylog.render.terminal import check

        return getattr(check, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    from journeylog.render.terminal.check import print_check_report, threshold_text, value_text
