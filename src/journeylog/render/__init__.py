"""Renderers: the process map as graphs (DOT, SVG, PNG, GraphML, Mermaid, JSON).

The graph names come from :mod:`journeylog.render.graph` when first used: a command that only
prints a table (``ingest``) does not load the graph renderers."""

from typing import TYPE_CHECKING, Any

__all__ = ["GRAPH_FORMATS", "dot_available", "to_dot", "to_graphml", "to_json", "to_mermaid", "write_graph"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from journeylog.render import graph

    return getattr(graph, name)


if TYPE_CHECKING:
    from journeylog.render.graph import (
        GRAPH_FORMATS,
        dot_available,
        to_dot,
        to_graphml,
        to_json,
        to_mermaid,
        write_graph,
    )
