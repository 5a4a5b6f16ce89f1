"""Source maps: several exports, each with its own columns, time format, channel and identity
kind, read one by one, stitched to customers through the identity table and cut into journeys
together (see ``docs/sources.md``; the YAML is read by :mod:`journeylog.config.sources`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import polars as pl

from journeylog.config.sources import SourceMap, SourceSpec, load_source_map
from journeylog.config.yamldoc import MAX_CONFIG_BYTES
from journeylog.errors import InvalidInput, UsageError, param
from journeylog.ingest.columns import DEFAULT_GAP, ReadOptions, column_summary, detect_columns, guessed_roles, read_raw
from journeylog.ingest.customers import join_customers
from journeylog.ingest.identity import (
    CUSTOMER_ID_KIND,
    KnownKeys,
    counted,
    known_keys,
    not_phone_numbers,
    quoted,
    read_identities,
    refuse_made_up_collisions,
    stitch_identities,
)
from journeylog.ingest.normalise import empty_rejects, normalise
from journeylog.ingest.redact import content_hidden
from journeylog.ingest.result import IngestResult
from journeylog.ingest.segment import finish, format_gap

__all__ = ["ingest_source_map", "journeys_by_column", "known_for", "refuse_map_options"]

Progress = Callable[[str, int, int], None]


@dataclass
class _Read:
    """The sources read so far."""

    frames: list[pl.DataFrame] = field(default_factory=list)
    rejects: list[pl.DataFrame] = field(default_factory=list)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    known: dict[tuple[str, str | None], KnownKeys] = field(default_factory=dict)  # per (kind, country)


def _source_options(spec: SourceSpec, opts: ReadOptions) -> ReadOptions:
    """The read options of one source: its columns, formats and outcome spellings over ``opts``."""
    cols = spec.columns
    return replace(
        opts,
        case=spec.journey_column, customer=None, activity=cols.get("activity"), timestamp=cols.get("timestamp"),
        channel=spec.channel_column, outcome=cols.get("outcome"),
        satisfaction=cols.get("satisfaction"), contact_reason=cols.get("contact_reason"), text=cols.get("text"),
        timestamp_format=spec.timestamp_format, timezone=spec.timezone,
        delimiter=spec.delimiter, encoding=spec.encoding, format=spec.format,
        extra_outcomes=dict(spec.outcomes), metrics=spec.metrics,
    )


def _read_source(spec: SourceSpec, smap: SourceMap, id_table: pl.DataFrame | None, opts: ReadOptions, acc: _Read) -> None:
    """Read, normalise and stitch one source; append its events, rejects and summary to ``acc``."""
    src_opts = _source_options(spec, opts)
    raw = read_raw(spec.path, src_opts)
    raw.label = os.path.relpath(spec.path) if not spec.path.is_absolute() else str(spec.path)
    id_column = spec.identity.column if spec.identity else None
    cmap = detect_columns(raw.frame.columns, src_opts, raw.label, identity=id_column)
    if spec.channel is not None:
        cmap = replace(cmap, channel=None, channel_value=spec.channel)
    elif spec.channel_column is None:
        cmap = replace(cmap, channel=cmap.channel, channel_value=None)
    if spec.channel_names and cmap.channel is not None:  # codes -> names, before the usual normalisation
        col = pl.col(cmap.channel).cast(pl.String).str.strip_chars()
        raw.frame = raw.frame.with_columns(col.replace(spec.channel_names).alias(cmap.channel))
    good, rej = normalise(raw, cmap, src_opts, spec.name, acc.notes)
    for m in spec.metrics:
        acc.notes.append(f"{spec.name}: metric {m.name} ({m.scale}) from column {m.column!r}, kept as {m.event_column}")
    summary: dict[str, Any] = {"name": spec.name, "path": raw.label, "format": raw.fmt, "rows": raw.frame.height,
                               "columns": column_summary(cmap), "columns_guessed": guessed_roles(cmap)}
    if spec.identity is not None:
        unmatched = smap.identities.unmatched if smap.identities else "own_customer"
        country = smap.country_of(spec)
        known = known_for(smap, id_table, spec.identity.kind, country, acc.known, acc.warnings)
        stitched = stitch_identities(good, spec.identity.kind, spec.identity.column, known, unmatched=unmatched,
                                     source=spec.name, label=raw.label, country=country,
                                     min_match_rate=smap.min_match_rate_of(spec))
        good = stitched.events
        summary.update(stitched.summary)
        acc.warnings.extend(stitched.warnings)
        if stitched.rejects is not None:
            rej = pl.concat([rej, stitched.rejects])
    summary.update(events=good.height, rejected=rej.height)
    acc.summaries.append(summary)
    acc.frames.append(good)
    acc.rejects.append(rej)


_MAP_OPTIONS = ("case", "customer", "activity", "timestamp", "channel", "outcome", "satisfaction", "contact_reason",
                "text", "timestamp_format", "timezone", "delimiter")


def refuse_map_options(opts: ReadOptions, path: str | os.PathLike[str]) -> None:
    """A source map names each export's columns and formats itself: the same options given for
    the whole run would be overridden, so they are a usage error, not silently ignored."""
    given = [n for n in _MAP_OPTIONS if getattr(opts, n) is not None]
    if opts.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        given.append("encoding")
    if given:
        raise UsageError(f"{param(given[0])} does not apply to a source map: each source names its own columns and "
                         "formats", path=os.fspath(path), hint="set it on the source in the YAML (see docs/sources.md)")


def known_for(smap: SourceMap, id_table: pl.DataFrame | None, kind: str, country: str | None,
              known: dict[tuple[str, str | None], KnownKeys], warnings: list[str]) -> KnownKeys | None:
    """The identity table's keys of ``kind`` for ``country``, normalised once per map (kept in
    ``known``); warns once (in ``warnings``) about table values that are not phone numbers. Both
    engines' ingest use it (the identity table is read on the driver)."""
    if id_table is None or smap.identities is None or kind.lower() == CUSTOMER_ID_KIND:
        return None
    if (kind, country) not in known:
        label = os.path.relpath(smap.identities.path) if not smap.identities.path.is_absolute() else str(smap.identities.path)
        keys = known[(kind, country)] = known_keys(id_table, kind, country, label)
        read = f"read with default country {country}" if country else "no default_country"
        warning = (f"identity table: {counted(keys.unreadable, kind + ' value')} "
                   f"{not_phone_numbers(keys.unreadable)} ({read}), e.g. "
                   f"{quoted(keys.unreadable_sample)}; no event matched")
        if keys.unreadable and warning not in warnings:  # once, whatever the default countries
            warnings.append(warning)
    return known[(kind, country)]


def journeys_by_column(smap: SourceMap, gap: timedelta, notes: list[str], no_customer: Callable[[], bool]) -> bool:
    """Whether the journeys come from journey columns (every source has one) or gaps; notes why.
    Cut by gaps, every event needs a customer: ``no_customer()`` (asked of the engine) says
    whether one lacks it, which is invalid input."""
    journey_cols = sum(1 for s in smap.sources if s.journey_column)
    use_case = journey_cols == len(smap.sources)
    if 0 < journey_cols < len(smap.sources):
        notes.append("some sources have a journey column and some do not: journeys are cut by time gap for all")
    if not use_case:
        notes.append(f"journeys cut at gaps longer than {format_gap(gap)}")
        if no_customer():
            raise InvalidInput("a source without `identity:` has no customer column", path=smap.label,
                               hint="give each source an identity column (or a journey column in every source)")
    return use_case


def _map_text(label: str) -> str:
    """The source map's own text (already read and checked by load_source_map): its words may be
    quoted in errors about the files it points at, nothing else of those files may."""
    try:
        with open(label, "rb") as fh:
            return fh.read(MAX_CONFIG_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def ingest_source_map(path: str | os.PathLike[str], opts: ReadOptions, on_source: Progress | None = None) -> IngestResult:
    """Ingest every export a YAML source map names into one canonical event table."""
    smap = load_source_map(path, allow_outside_paths=opts.allow_outside_paths)
    if smap.gap is not None and opts.gap != DEFAULT_GAP and opts.gap != smap.gap:
        raise UsageError(f"{param('gap')} {format_gap(opts.gap)} and the source map's gap: {format_gap(smap.gap)} "
                         "disagree", path=smap.label, hint="drop one of them: the map's gap: applies to every run of it")
    gap = smap.gap if smap.gap is not None else opts.gap
    words = _map_text(smap.label)
    with content_hidden(words):
        id_table = read_identities(smap.identities.path) if smap.identities is not None else None
    acc = _Read()
    n = len(smap.sources)
    for spec in smap.sources:
        if on_source:
            on_source(spec.name, spec.index, n)
        with content_hidden(words):
            _read_source(spec, smap, id_table, opts, acc)
    if on_source:
        on_source("", n, n)
    use_case = journeys_by_column(smap, gap, acc.notes, lambda: any(f["_customer"].null_count() for f in acc.frames))
    nonempty = refuse_made_up_collisions([f for f in acc.frames if f.height], smap.label)
    if not nonempty:
        raise InvalidInput("no events left after reading the sources", path=smap.label)
    events, dups = finish(nonempty, use_case, gap, opts.drop_duplicates)
    if smap.customers is not None:
        with content_hidden(words):
            events, notes = join_customers(events, smap.customers, smap.label)
        acc.notes.extend(notes)
    all_rejects = pl.concat(acc.rejects, how="diagonal_relaxed") if acc.rejects else empty_rejects()
    return IngestResult(events, acc.summaries, dups, all_rejects, acc.notes, "column" if use_case else "gap", None,
                        opts.drop_duplicates, warnings=acc.warnings)

