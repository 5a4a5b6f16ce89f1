"""journeylog: understand real customer journeys across channels.

Ingest multichannel interaction logs into one canonical Polars event table, discover the actual
paths, compare them with the designed journey, and guard it against drift in CI.

The public API is this package's ``__all__``. Names are imported on first use (PEP 562), so
``import journeylog`` (and ``journeylog --help``) loads neither Polars nor pm4py::

    import journeylog

    events = journeylog.read_events("journeys.parquet")
    model = journeylog.load_model("designed_journey.bpmn")
    result = journeylog.conform(events, model, journeylog.ConformOptions(precision=False))

``ingest``, ``discover``, ``conform`` and ``drift`` are both a stage's module and its main
function: ``journeylog.conform(events, model)`` calls :func:`journeylog.conform.conform`, and
``from journeylog import conform as C`` still gives the module (``C.ConformOptions``).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any


def _version() -> str:
    """The installed distribution's version, looked up on first use (``importlib.metadata`` takes a
    noticeable part of a command's start-up)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("journeylog")
    except PackageNotFoundError:  # running from a checkout via cli.py
        return "0.1.0"

# public name -> the module that defines it (these paths stay valid as modules become packages)
_API: dict[str, str] = {
    **dict.fromkeys(["read_events", "open_events", "ReadOptions", "IngestResult", "EventSource"], "journeylog.ingest"),
    **dict.fromkeys(["DiscoverOptions", "Discovery"], "journeylog.discover"),
    **dict.fromkeys(["ConformOptions", "Conformance", "Allow", "load_allow"], "journeylog.conform"),
    **dict.fromkeys(["load_model", "DesignedModel"], "journeylog.models"),
    **dict.fromkeys(["run_checks", "CheckConfig", "CheckResult"], "journeylog.check"),
    **dict.fromkeys(["DriftOptions", "Drift"], "journeylog.drift"),
    **dict.fromkeys(["contacts", "ContactOptions", "Contacts"], "journeylog.cx.contacts"),
    **dict.fromkeys(["ContactRules", "load_contact_rules"], "journeylog.config.contacts"),
    "ReportOptions": "journeylog.report",
    **dict.fromkeys(["funnel", "FunnelOptions", "Funnel"], "journeylog.cx.funnel"),
    **dict.fromkeys(["JourneylogError", "UsageError", "InvalidInput", "ResourceLimit", "UnsafeInput", "ExitCode"],
                    "journeylog.errors"),
    "Settings": "journeylog.settings",
    **dict.fromkeys(["emotion", "EmotionOptions", "Emotion"], "journeylog.cx.emotion"),
    "load_desired": "journeylog.config.desired",
    "JourneySelection": "journeylog.journeys",
    **dict.fromkeys(["compare", "CompareOptions", "Comparison"], "journeylog.cx.compare"),
}
# a stage module that is also its main function (journeylog.ingest(...) is journeylog.ingest.ingest(...))
_STAGES = ("ingest", "discover", "conform", "drift", "report")

__all__ = [
    "__version__",
    # stages
    "ingest", "read_events", "open_events", "discover", "load_model", "conform", "run_checks", "drift", "contacts",
    "report", "emotion",
    # options, configuration and results
    "ReadOptions", "IngestResult", "EventSource", "DiscoverOptions", "Discovery", "DesignedModel", "ConformOptions",
    "Conformance", "Allow", "load_allow", "CheckConfig", "CheckResult", "DriftOptions", "Drift", "Settings",
    "ContactOptions", "Contacts", "ContactRules", "load_contact_rules", "ReportOptions",
    "EmotionOptions", "Emotion", "load_desired",
    # segments
    "JourneySelection", "compare", "CompareOptions", "Comparison",
    # funnel
    "funnel", "FunnelOptions", "Funnel",
    # errors and exit codes
    "JourneylogError", "UsageError", "InvalidInput", "ResourceLimit", "UnsafeInput", "ExitCode",
]


class _StageModule(types.ModuleType):
    """A stage's module, callable as the stage's main function of the same name."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(self, self.__name__.rpartition(".")[2])(*args, **kwargs)


class _Package(types.ModuleType):
    """The journeylog package: makes a stage module callable when the import system attaches it."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _STAGES and type(value) is types.ModuleType:
            value.__class__ = _StageModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    if name in _STAGES:
        return importlib.import_module(f"{__name__}.{name}")  # attached (callable) by _Package
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # the stages resolve to their modules for type checkers
    __version__: str
    from journeylog.check import CheckConfig, CheckResult, run_checks
    from journeylog.config.contacts import ContactRules, load_contact_rules
    from journeylog.config.desired import load_desired
    from journeylog.conform import Allow, Conformance, ConformOptions, load_allow
    from journeylog.cx.contacts import ContactOptions, Contacts, contacts
    from journeylog.cx.emotion import Emotion, EmotionOptions, emotion
    from journeylog.cx.funnel import Funnel, FunnelOptions, funnel
    from journeylog.discover import DiscoverOptions, Discovery
    from journeylog.drift import Drift, DriftOptions
    from journeylog.errors import ExitCode, InvalidInput, JourneylogError, ResourceLimit, UnsafeInput, UsageError
    from journeylog.ingest import EventSource, IngestResult, ReadOptions, open_events, read_events
    from journeylog.models import DesignedModel, load_model
    from journeylog.report import ReportOptions
    from journeylog.settings import Settings
