r"""Export a :class:`~journeylog.journeys.ProcessMap` as a graph: DOT, SVG, PNG, GraphML, Mermaid, JSON.

The map reads left to right, from a ``start`` circle through the activities (boxes showing the
name, the event count and the dominant channel, filled with the channel's colour) to an ``end``
circle. Edge width grows with the log of the count; edge labels give the count or, with
``perf=True``, the median and p90 time between the two events. A ``Channels`` legend lists only
the channels present.

Every output is deterministic (two calls give byte-identical text: node ids ``n1``, ``n2``, ...
follow the activity order, count descending then name) and every data label is escaped: DOT is
written by hand with a quoting function, never with ``<...>`` HTML labels, so no activity name can
add attributes, links or images (see docs/pitfalls.md, "Outputs").

>>> import polars as pl, datetime as dt
>>> from journeylog.journeys import process_map
>>> ev = pl.DataFrame({
...     "journey_id": ["j1", "j1"],
...     "timestamp": [dt.datetime(2024, 1, 1, h, tzinfo=dt.timezone.utc) for h in (1, 4)],
...     "input_order": [0, 1],
...     "activity": ["order", 'evil" shape=box'],
...     "channel": ["web", "phone"],
... })
>>> 'label="evil\\" shape=box\\n1\\nphone"' in to_dot(process_map(ev))
True
>>> human_duration(3 * 3600 + 1440)
'3.4 h'
"""


from journeylog.render.graph.formats import dot_quote, mermaid_text, to_dot, to_graphml, to_json, to_mermaid
from journeylog.render.graph.model import CHANNEL_COLOURS, FALLBACK_COLOURS, MAX_LABEL_CHARS, channel_colour
from journeylog.render.graph.output import GRAPH_FORMATS, dot_available, render_bytes, write_graph
from journeylog.text import human_duration  # noqa: F401  (used by the example above)

__all__ = [
    "GRAPH_FORMATS",
    "CHANNEL_COLOURS",
    "FALLBACK_COLOURS",
    "MAX_LABEL_CHARS",
    "channel_colour",
    "dot_available",
    "dot_quote",
    "mermaid_text",
    "render_bytes",
    "to_dot",
    "to_graphml",
    "to_json",
    "to_mermaid",
    "write_graph",
]
