"""The journeylog command line: one module per command (parse, one library call, render) around
the app and its exit-code contract (:mod:`journeylog.cli.app`) and the shared options
(:mod:`journeylog.cli.options`)."""

from journeylog.cli.app import app, main
from journeylog.cli import ingest, discover, conform, check, drift  # noqa: F401,E402  (registers the commands, in help order)

__all__ = ["app", "main"]
