"""Read options on a journeylog store: no option is silently ignored.

A store's columns are already detected and its timestamps parsed, so the read options mean:

* ``case``, ``customer``, ``activity``: *re-map* the role to another column of the store (an
  attribute column, or ``customer_id`` for one journey per customer); the canonical name is a no-op.
* ``channel``: a column of the store re-maps the channel; any other value is a channel *filter*
  (``--channel web``), which must name a channel the store has.
* ``drop_duplicates``: exact duplicate events are dropped (and counted).
* every other option (``timestamp``, ``outcome``, ``timestamp_format``, ``timezone``, ``delimiter``,
  ``gap``, ...) applies when an export is read, not to a store: a usage error naming it, unless it
  names the store's own canonical column.

>>> import datetime as dt
>>> ev = pl.DataFrame({"journey_id": ["a", "b"], "customer_id": ["c", "c"], "activity": ["x", "y"],
...                    "channel": ["web", "phone"], "input_order": [0, 1],
...                    "timestamp": [dt.datetime(2024, 1, d) for d in (1, 2)]})
>>> plan = store_plan(ev.columns, ReadOptions(case="customer_id", channel="web"), "s.parquet")
>>> out = filter_channel(apply_store_plan(ev, plan, "s.parquet"), plan.channel_filter, "s.parquet")
>>> out.select("journey_id", "activity").rows()
[('c', 'x')]
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl

from journeylog import schema as S
from journeylog.errors import UsageError, param
from journeylog.ingest.columns import DEFAULT_GAP, ReadOptions
from journeylog.ingest.segment import drop_duplicate_events

__all__ = ["StorePlan", "apply_store_plan", "check_channel", "filter_channel", "store_plan"]

#: roles a store can re-map to another of its columns: role -> canonical column
_REMAP = {"case": S.JOURNEY_ID, "customer": S.CUSTOMER_ID, "activity": S.ACTIVITY, "channel": S.CHANNEL}
#: roles whose canonical column a store already holds parsed: only that name is accepted
_FIXED = {"timestamp": S.TIMESTAMP, "outcome": S.OUTCOME, "satisfaction": S.SATISFACTION,
          "contact_reason": S.CONTACT_REASON, "text": S.TEXT}
_REINGEST = "re-run `journeylog ingest` on the export with it"


@dataclass(frozen=True)
class StorePlan:
    """What the read options do to a store: ``remap`` canonical column -> store column,
    ``channel_filter`` (a channel name) and whether to drop exact duplicates."""

    remap: dict[str, str] = field(default_factory=dict)
    channel_filter: str | None = None
    drop_duplicates: bool = False

    @property
    def rewrites(self) -> bool:
        """Whether the events themselves change (a re-map or dropped duplicates), not just filtered."""
        return bool(self.remap) or self.drop_duplicates


def _file_only(opts: ReadOptions) -> list[str]:
    """The options given that only apply when an export is read."""
    given = [name for name in ("timestamp_format", "timezone", "delimiter") if getattr(opts, name) is not None]
    if opts.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        given.append("encoding")
    if opts.gap != DEFAULT_GAP:
        given.append("gap")
    if opts.format not in (None, "parquet"):
        given.append("format")
    return given


def store_plan(columns: Sequence[str], opts: ReadOptions, label: str) -> StorePlan:
    """The :class:`StorePlan` of ``opts`` on a store with ``columns``, or a usage error naming
    the first option that cannot apply."""
    for name in _file_only(opts):
        raise UsageError(f"{param(name)} applies when an export is read, not to a journeylog store", path=label,
                         hint=_REINGEST)
    for role, canonical in _FIXED.items():
        given = getattr(opts, role)
        if given is not None and given != canonical:
            raise UsageError(f"a journeylog store's {role} is already read; {param(role)} {given!r} cannot re-map it",
                             path=label, hint=f"leave {param(role)} out, or {_REINGEST}")
    remap: dict[str, str] = {}
    channel_filter = None
    for role, canonical in _REMAP.items():
        given = getattr(opts, role)
        if given is None or given == canonical:
            continue
        if given in columns:
            remap[canonical] = given
        elif role == "channel":
            channel_filter = given
        else:
            close = difflib.get_close_matches(given, list(columns), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise UsageError(f"no column {given!r} for {param(role)} in the journeylog store", path=label,
                             hint=hint + f"columns: {', '.join(columns)}")
    return StorePlan(remap, channel_filter, opts.drop_duplicates)


def check_channel(channel: str, present: Iterable[str | None], label: str) -> str:
    """The normalised channel name of ``channel`` if the log has it; else a usage error with a
    did-you-mean (a filter on a channel the log lacks would leave nothing, or pass for ever)."""
    name = S.normalise_channel_name(channel)
    have = sorted(c for c in present if c is not None)
    if name not in have:
        close = difflib.get_close_matches(name, have, n=1)
        hint = (f"did you mean {close[0]!r}? " if close else "") + f"channels in the log: {', '.join(have) or 'none'}"
        raise UsageError(f"{param('channel')} {channel!r}: no event on that channel", path=label, hint=hint)
    return name


def filter_channel(events: pl.DataFrame, channel: str, label: str) -> pl.DataFrame:
    """The events on ``channel`` (checked with :func:`check_channel`)."""
    name = check_channel(channel, events[S.CHANNEL].unique().to_list(), label)
    return events.filter(pl.col(S.CHANNEL) == name)


def apply_store_plan(events: pl.DataFrame, plan: StorePlan, label: str) -> pl.DataFrame:
    """A store's events with ``plan`` applied: roles re-mapped (text columns; the channel
    normalised), exact duplicates dropped, in canonical order. The channel filter is checked (the
    store has that channel), not applied: the caller filters (:func:`filter_channel`), as
    ``discover`` does after its date filter."""
    if plan.remap:
        exprs = [(S.channel_expr(src) if dst == S.CHANNEL else pl.col(src).cast(pl.String)).alias(dst)
                 for dst, src in plan.remap.items()]
        events = events.with_columns(exprs)
        for dst, src in plan.remap.items():
            if events[dst].null_count():
                raise UsageError(f"column {src!r} is empty on some events; it cannot be the {dst}", path=label)
        events = events.sort(list(S.SORT_KEYS))
    if plan.channel_filter is not None:
        check_channel(plan.channel_filter, events[S.CHANNEL].unique().to_list(), label)
    if plan.drop_duplicates:
        events = drop_duplicate_events(events)[0]
    return events
