"""Renderers: the process map as graphs (DOT, SVG, PNG, GraphML, Mermaid, JSON)."""

from journeylog.render.graph import (
    GRAPH_FORMATS,
    dot_available,
    to_dot,
    to_graphml,
    to_json,
    to_mermaid,
    write_graph,
)

__all__ = ["GRAPH_FORMATS", "dot_available", "to_dot", "to_graphml", "to_json", "to_mermaid", "write_graph"]
