"""The journeylog command line: one module per command (parse, one library call, render) around
the app and its exit-code contract (:mod:`journeylog.cli.app`) and the shared options
(:mod:`journeylog.cli.options`)."""

from journeylog.cli.app import app, main

# Importing a command module registers its command; the root help lists them in this order.
# isort: off
from journeylog.cli import ingest  # noqa: F401
from journeylog.cli import discover  # noqa: F401
from journeylog.cli import conform  # noqa: F401
from journeylog.cli import contacts  # noqa: F401
from journeylog.cli import check  # noqa: F401
from journeylog.cli import drift  # noqa: F401
from journeylog.cli import explain  # noqa: F401
from journeylog.cli import report  # noqa: F401
from journeylog.cli import emotion  # noqa: F401
from journeylog.cli import compare  # noqa: F401
from journeylog.cli import funnel  # noqa: F401
# isort: on

__all__ = ["app", "main"]
