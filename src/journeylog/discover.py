"""Discover: the actual paths customers take.

:func:`discover` turns canonical events into a :class:`Discovery`: summary figures, every variant,
the directly-follows process map with frequency and timing, start and end activities, the
channel-switch matrix and a discovered process model. Event-level work runs in Polars
(:mod:`journeylog.journeys`); the model is mined by pm4py from one trace per variant
(:mod:`journeylog.mining`).

>>> import polars as pl, datetime as dt
>>> t = lambda h: dt.datetime(2024, 1, 1, h, tzinfo=dt.timezone.utc)
>>> ev = pl.DataFrame({"journey_id": ["a", "a", "b", "b"], "customer_id": ["a", "a", "b", "b"],
...     "timestamp": [t(1), t(2), t(1), t(3)], "channel": ["web", "phone", "web", "web"],
...     "activity": ["Order", "Call", "Order", "Pay"], "input_order": [0, 1, 2, 3]})
>>> d = discover(ev, DiscoverOptions(model=False))
>>> [(v["activities"], v["journeys"]) for v in to_json(d)["variants"]]
[(['Order', 'Call'], 1), (['Order', 'Pay'], 1)]
>>> to_json(d)["channel_switches"]
[{'from': 'web', 'to': 'phone', 'kind': 'customer', 'count': 1, 'journeys': 1, 'median_seconds': 3600.0}]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import polars as pl

from journeylog import journeys as J
from journeylog import schema as S
from journeylog.contracts.outputs import DiscoverOutput
from journeylog.errors import InvalidInput, UsageError, param
from journeylog.ingest import EventSource
from journeylog.ingest.timestamps import DATES_ONLY_NOTE, dates_only
from journeylog.io.tabular import collect_parquet
from journeylog.journeys.simplify import arcs_of, check_share


@dataclass(frozen=True)
class DiscoverOptions:
    """Filters and choices for :func:`discover`.

    Event filters (applied first): ``date_from``/``date_to`` keep whole journeys that *start* in
    [from, to); ``channels`` keeps events on these channels; ``where`` keeps events whose column
    equals the value. Variant filters then keep the journeys of the ``top_variants`` most frequent
    variants, or of the most frequent variants covering ``coverage`` of journeys. ``min_edge_share``
    drops map edges followed by fewer than that share of journeys.

    The map as shown (:attr:`Discovery.map_view`) is then simplified by ``activities`` and
    ``paths`` (see :mod:`journeylog.journeys.simplify`; None picks :func:`default_knobs`).
    """

    top_variants: int | None = None
    coverage: float | None = None
    min_edge_share: float = 0.0
    date_from: dt.datetime | None = None
    date_to: dt.datetime | None = None
    channels: tuple[str, ...] = ()
    where: tuple[tuple[str, str], ...] = ()
    noise: float = 0.0
    model: bool = True
    miner: str = "auto"  # auto | im | imd
    miner_budget: float | None = 30.0  # seconds for IM under auto (journeylog.mining.discovery.DEFAULT_MINER_BUDGET)
    activities: float | None = None  # share of events the shown activities cover; None: default_knobs
    paths: float | None = None  # share of the strongest paths shown; None: default_knobs


@dataclass
class Discovery:
    """What :func:`discover` found. Frames are sorted deterministically."""

    summary: dict[str, Any]
    variants: pl.DataFrame
    process_map: J.ProcessMap
    channel_switches: pl.DataFrame
    journeys_in_map: int
    model: Any = None  # pm4py ProcessTree
    model_info: dict[str, Any] = field(default_factory=dict)
    options: DiscoverOptions = field(default_factory=DiscoverOptions)
    notes: list[str] = field(default_factory=list)  # what was assumed about the log
    map_view: J.MapView | None = None  # the map as drawn: simplified, always connected

    @property
    def shown_map(self) -> J.ProcessMap:
        """The map to draw: the simplified one (the full one when there is no view)."""
        return self.map_view.process_map if self.map_view is not None else self.process_map


# Defaults of the two knobs (see default_knobs and docs/maps.md).
ALL_ACTIVITIES_UP_TO = 30
DEFAULT_ACTIVITIES = 0.9
ALL_PATHS_UP_TO = 20
DEFAULT_PATHS = 0.1


def default_knobs(activities: int, paths: int) -> tuple[float, float]:
    """The knobs when none is given: every activity up to :data:`ALL_ACTIVITIES_UP_TO` of them,
    else the most frequent covering :data:`DEFAULT_ACTIVITIES` of events; every path when there
    are at most :data:`ALL_PATHS_UP_TO` or twice as many as boxes on the map (activities plus start
    and end), else the strongest :data:`DEFAULT_PATHS` (and the repair).

    >>> default_knobs(12, 20), default_knobs(70, 412)
    ((1.0, 1.0), (0.9, 0.1))
    """
    acts = 1.0 if activities <= ALL_ACTIVITIES_UP_TO else DEFAULT_ACTIVITIES
    shown = activities if acts == 1.0 else min(activities, ALL_ACTIVITIES_UP_TO)
    return acts, 1.0 if paths <= max(ALL_PATHS_UP_TO, 2 * (shown + 2)) else DEFAULT_PATHS


def parse_where(items: list[str] | tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``["channel=web", "outcome=failure"]`` -> pairs; a bad item is a usage error."""
    pairs = []
    for item in items:
        if "=" not in item:
            raise UsageError(f"{param('where')} needs COLUMN=VALUE, got {item!r}")
        col, value = item.split("=", 1)
        pairs.append((col.strip(), value))
    return tuple(pairs)


def _filtered(batch: pl.DataFrame, options: DiscoverOptions) -> pl.DataFrame:
    """The events of ``batch`` kept by the event filters of ``options`` (dates, channels, where)."""
    return J.filter_events(batch, date_from=options.date_from, date_to=options.date_to,
                           channels=options.channels, where=options.where)


def _check_variant_options(options: DiscoverOptions) -> None:
    if options.top_variants is not None and options.coverage is not None:
        raise UsageError(f"give {param('top_variants')} or {param('coverage')}, not both")
    if options.top_variants is not None and options.top_variants < 1:
        raise UsageError(f"{param('top_variants')} must be at least 1")
    if options.coverage is not None and not 0 < options.coverage <= 1:
        raise UsageError(f"{param('coverage')} is a share between 0 and 1, e.g. 0.8")


def select_variants(variant_table: pl.DataFrame, options: DiscoverOptions) -> pl.DataFrame:
    """The variants kept by ``top_variants`` / ``coverage`` (all when neither is set)."""
    _check_variant_options(options)
    if options.top_variants is not None:
        return variant_table.head(options.top_variants)
    if options.coverage is not None:
        # the smallest prefix of most-frequent variants whose cumulative share reaches coverage
        reached = variant_table.filter(pl.col("cumulative_share") >= options.coverage - 1e-12)
        cut = int(reached["variant_id"][0]) if reached.height else variant_table.height
        return variant_table.filter(pl.col("variant_id") <= cut)
    return variant_table


def _check_shares(opts: DiscoverOptions) -> None:
    if not 0 <= opts.min_edge_share <= 1:
        raise UsageError(f"{param('min_edge_share')} is a share between 0 and 1")
    if not 0 <= opts.noise <= 1:
        raise UsageError(f"{param('noise')} is between 0 and 1")
    if opts.activities is not None:
        check_share(opts.activities, "activities", zero=False)
    if opts.paths is not None:
        check_share(opts.paths, "paths", zero=True)


def discover(events: pl.DataFrame | EventSource, options: DiscoverOptions | None = None) -> Discovery:
    """Variants, process map, channel switches and a discovered model for ``events``: a frame of
    canonical events, or an :class:`~journeylog.ingest.EventSource` (logs larger than memory are
    read in journey-complete batches; the figures are the same)."""
    opts = options or DiscoverOptions()
    _check_shares(opts)
    source = events if isinstance(events, EventSource) else EventSource(events)
    columns = source.columns
    for col, _value in opts.where:
        if col not in columns:
            raise UsageError(f"{param('where')}: no column {col!r}", hint=f"columns: {', '.join(columns)}")
    wanted = [c for c in (S.CUSTOMER_ID, S.CHANNEL, S.ACTIVITY) if c in columns] + [c for c, _v in opts.where]
    activities = source.distinct(S.ACTIVITY)
    channels = source.distinct(S.CHANNEL) if S.CHANNEL in columns else None

    def filtered() -> Iterator[pl.DataFrame]:
        for batch in source.batches(wanted):
            yield _filtered(batch, opts)

    _check_variant_options(opts)  # before the long pass over the events
    narrowed = opts.top_variants is not None or opts.coverage is not None
    figures = J.JourneyFigures.of_batches(
        filtered(), activities=activities, channels=channels, spill=source.spill,
        parts=("summary", "variants") if narrowed else ("summary", "variants", "map", "switches"))
    if figures.events == 0:
        raise InvalidInput("no events left after the filters",
                           hint=f"loosen {param('date_from')}/{param('date_to')}, {param('channels')} or {param('where')}")
    variant_table = figures.variant_table()
    kept = select_variants(variant_table, opts)
    if kept.height < variant_table.height:
        in_kept = (J.journeys_following(batch, kept) for batch in filtered())
        map_figures = J.JourneyFigures.of_batches(in_kept, activities=activities, channels=channels, spill=source.spill,
                                                  parts=("map", "switches"))
    elif narrowed:
        map_figures = J.JourneyFigures.of_batches(filtered(), activities=activities, channels=channels, spill=source.spill,
                                                  parts=("map", "switches"))
    else:
        map_figures = figures
    full_map = pmap = map_figures.process_map()
    journeys_in_map = int(kept["journeys"].sum())
    if opts.min_edge_share > 0 and journeys_in_map:
        threshold = opts.min_edge_share * journeys_in_map
        pmap = J.ProcessMap(pmap.activities, pmap.edges.filter(pl.col("count") >= threshold), pmap.start, pmap.end)
    view_source = (J.journeys_following(batch, kept) for batch in filtered()) if kept.height < variant_table.height \
        else filtered()
    view = _map_view(full_map, opts, journeys_in_map, view_source, activities, channels, source.spill)
    switches = map_figures.channel_switches()
    summary: dict[str, Any] = dict(figures.summary())
    summary["variants"] = variant_table.height
    result = Discovery(summary, variant_table, pmap, switches, journeys_in_map, options=opts,
                       notes=[DATES_ONLY_NOTE] if _dates_only(source) else [], map_view=view)
    if opts.model:
        from journeylog import mining

        # IMd reads the map of the same journeys (it is the DFG of the kept variants)
        tree, info = mining.discover_model(kept, noise_threshold=opts.noise, miner=opts.miner, process_map=full_map,
                                            budget=opts.miner_budget)
        result.notes.extend([info["note"]] if tree is None else [])  # out of its budget: said, not silent
        result.model, result.model_info = tree, ({} if tree is None else {**info, "variants": kept.height})
    return result


def _map_view(full_map: J.ProcessMap, opts: DiscoverOptions, journeys_in_map: int,
              batches: Iterator[pl.DataFrame], activities: pl.Series, channels: pl.Series | None,
              spill: Any) -> J.MapView:
    """The map as shown: the log projected on the kept activities (one more pass over the events
    when some are hidden), the weak edges of ``min_edge_share`` dropped, then the paths knob."""
    n_arcs = len(arcs_of(full_map))
    auto_acts, auto_paths = default_knobs(full_map.activities.height, n_arcs)
    act_share = auto_acts if opts.activities is None else opts.activities
    path_share = auto_paths if opts.paths is None else opts.paths
    kept = J.activities_to_keep(full_map.activities, act_share)
    if len(kept) < full_map.activities.height:
        projected = J.JourneyFigures.of_batches(
            (J.filter_events(b, activities=kept) for b in batches), activities=activities,
            channels=channels, spill=spill, parts=("map",)).process_map()
    else:
        projected = full_map
    if opts.min_edge_share > 0 and journeys_in_map:
        projected = J.drop_weak_edges(projected, opts.min_edge_share * journeys_in_map)
    shown, repaired = J.keep_paths(projected, path_share)
    return J.MapView(shown, full_map.activities.height, n_arcs, act_share, path_share, repaired)


def _dates_only(source: EventSource) -> bool:
    """Whether every timestamp of the log is at midnight UTC (a log of dates): one streaming pass
    over the timestamps, never all of them in memory."""
    if isinstance(source.events, pl.DataFrame):
        return dates_only(source.events[S.TIMESTAMP])
    if source.events is not None:  # a frame of another engine (Spark)
        return J.dates_only(source.events)
    assert source.store is not None
    ts = pl.col(S.TIMESTAMP)
    off_midnight = ((ts.dt.hour() != 0) | (ts.dt.minute() != 0) | (ts.dt.second() != 0) | (ts.dt.microsecond() != 0)).any()
    frame = collect_parquet(pl.scan_parquet(source.store).select(off_midnight.alias("off"), ts.is_not_null().any().alias("any")),
                            source.store)
    return bool(frame["any"][0]) and not bool(frame["off"][0])


SWITCH_KINDS: tuple[str, ...] = ("customer", "other", "handoff")


def switch_kind(src: str | None, dst: str | None) -> str:
    """``customer`` when both channels are customer-facing (:data:`schema.CUSTOMER_CHANNELS`),
    ``handoff`` when either is internal (:data:`schema.INTERNAL_CHANNELS`), else ``other``
    (unknown or unrecognised channels).

    >>> switch_kind("web", "phone"), switch_kind("field", "backoffice"), switch_kind("web", "kiosk")
    ('customer', 'handoff', 'other')
    """
    if src in S.INTERNAL_CHANNELS or dst in S.INTERNAL_CHANNELS:
        return "handoff"
    if src in S.CUSTOMER_CHANNELS and dst in S.CUSTOMER_CHANNELS:
        return "customer"
    return "other"


def _switch_rows(table: pl.DataFrame) -> list[dict[str, Any]]:
    """The switches, the customer's own first, then other, then internal hand-offs; each by count
    (descending), then names."""
    rows = [{"from": r["from"], "to": r["to"], "kind": switch_kind(r["from"], r["to"]), "count": int(r["count"]),
             "journeys": int(r["journeys"]) if r.get("journeys") is not None else 0, "median_seconds": r["median_seconds"]}
            for r in table.iter_rows(named=True)]
    rows.sort(key=lambda r: (SWITCH_KINDS.index(r["kind"]), -r["count"], r["from"] or "", r["to"] or ""))
    return rows


def _activity_rows(activities: pl.DataFrame) -> list[dict[str, Any]]:
    cols = activities.columns
    return [
        {"activity": r["activity"], "count": int(r["count"]), "journeys": int(r["journeys"]), "channel": r["channel"],
         "channel_mix": [{"channel": m["channel"], "events": int(m["events"])} for m in (r.get("channel_mix") or [])],
         "median_seconds": r["median_seconds"] if "median_seconds" in cols else None,
         "p90_seconds": r["p90_seconds"] if "p90_seconds" in cols else None}
        for r in activities.iter_rows(named=True)
    ]


def _dfg_rows(pmap: J.ProcessMap) -> list[dict[str, Any]]:
    return [{"from": r["from"], "to": r["to"], "count": int(r["count"]), "median_seconds": r["median_seconds"],
             "p90_seconds": r["p90_seconds"]} for r in pmap.edges.iter_rows(named=True)]


def map_json(view: J.MapView) -> dict[str, Any]:
    """The ``map`` object of the contract: the map as shown, in the shape of the full one, with
    the knobs and what they hid."""
    pm = view.process_map
    return {
        "activities_shown": view.activities_shown, "activities_total": view.activities_total,
        "paths_shown": view.paths_shown, "paths_total": view.paths_total,
        "activities_share": view.activities, "paths_share": view.paths, "paths_repaired": view.repaired,
        "activity_stats": _activity_rows(pm.activities),
        "dfg": _dfg_rows(pm),
        "start": [{"activity": a, "count": int(c)} for a, c in pm.start.iter_rows()],
        "end": [{"activity": a, "count": int(c)} for a, c in pm.end.iter_rows()],
    }


def shown_map_of_json(out: Mapping[str, Any]) -> J.ProcessMap:
    """The map to draw from a ``discover --json`` document: its ``map`` (the simplified map) when
    present, else the full map (outputs written before the knobs existed). Renders exactly as
    :attr:`Discovery.shown_map` does (channel mix and times included)."""
    part = out.get("map") or out
    acts = [{**r, "channels": [m["channel"] for m in r.get("channel_mix") or []] or [r.get("channel")]}
            for r in part.get("activity_stats", [])]
    mix = pl.List(pl.Struct({"channel": pl.String, "events": pl.UInt64}))
    act_schema: dict[str, pl.DataType] = {
        "activity": pl.String(), "count": pl.UInt64(), "journeys": pl.UInt64(), "channel": pl.String(),
        "channels": pl.List(pl.String), "channel_mix": mix, "median_seconds": pl.Float64(), "p90_seconds": pl.Float64()}
    activities = pl.DataFrame([{k: r.get(k) for k in act_schema} for r in acts], schema=act_schema)
    edges = pl.DataFrame(part.get("dfg", []), schema={"from": pl.String, "to": pl.String, "count": pl.UInt64,
                                                       "median_seconds": pl.Float64, "p90_seconds": pl.Float64})
    ends = {"activity": pl.String, "count": pl.UInt64}
    return J.ProcessMap(activities, edges, pl.DataFrame(part.get("start", []), schema=ends),
                        pl.DataFrame(part.get("end", []), schema=ends))


def to_json(d: Discovery, *, variants: int | None = None) -> DiscoverOutput:
    """The documented JSON contract of ``journeylog discover --json`` (see docs/json.md).
    ``variants``: list only the first N variants (a report needs a few; 100M events can have
    millions)."""
    s = d.summary
    first, last = s.get("first"), s.get("last")
    out: dict[str, Any] = {
        "events": int(s["events"]),
        "journeys": int(s["journeys"]),
        "customers": int(s["customers"]),
        "activities": int(s["activities"]),
        "channels": int(s["channels"]),
        "first": first.isoformat() if first else None,
        "last": last.isoformat() if last else None,
        "journeys_in_map": d.journeys_in_map,
        "variants": variant_rows(d.variants if variants is None else d.variants.head(variants)),
        "dfg": _dfg_rows(d.process_map),
        "start": [{"activity": a, "count": int(c)} for a, c in d.process_map.start.iter_rows()],
        "end": [{"activity": a, "count": int(c)} for a, c in d.process_map.end.iter_rows()],
        "activity_stats": _activity_rows(d.process_map.activities),
        "channel_switches": _switch_rows(d.channel_switches),
    }
    if d.map_view is not None:
        out["map"] = map_json(d.map_view)
    if d.model is not None:
        out["model"] = {**d.model_info, "process_tree": str(d.model)}
    out["notes"] = list(d.notes)
    return cast(DiscoverOutput, out)


def variant_rows(variants: pl.DataFrame) -> list[dict[str, Any]]:
    """The ``variants`` entries of :func:`to_json` for these rows of the variant table (the
    command writes millions of them in slices, never as one list)."""
    return [{"activities": list(r["activities"]), "journeys": int(r["journeys"]), "share": r["share"],
             "cumulative_share": r["cumulative_share"]} for r in variants.iter_rows(named=True)]
