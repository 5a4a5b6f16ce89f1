"""journeylog: understand real customer journeys across channels.

Ingest multichannel interaction logs into one canonical Polars event table, discover the actual
paths, compare them with the designed journey, and guard it against drift in CI.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("journeylog")
except PackageNotFoundError:  # running from a checkout via cli.py
    __version__ = "0.1.0"
