"""The Polars partial figures: what :class:`journeylog.engine.polars.PolarsEngine` gathers from
journey-complete batches, merges and finishes.

A :class:`PolarsPartial` holds, per batch, small aggregates (variants, activity and end counts)
and the raw consecutive-event pairs needed for exact times (:class:`Partitioned`, spilled to
disk in hash partitions when a spill directory is given). Because no journey spans two batches,
every figure is a sum over batches or a group over the gathered pairs, so partials of any cut of
the log merge into the same result. Activities and channels travel as small integer codes of
sorted dictionaries (``activities``, ``channels``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from journeylog import schema as S
from journeylog.engine.results import (
    PARTS,
    Figures,
    ProcessMap,
    Summary,
    quantile_seconds,
)
from journeylog.errors import UsageError
from journeylog.schema import ACTIVITY, CHANNEL, CUSTOMER_ID, JOURNEY_ID, TIMESTAMP

if TYPE_CHECKING:
    import pyarrow as pa

# Separator used only to give variants a total, deterministic order; activity names with
# control characters are rejected at ingest, so it cannot occur inside a name.
SEQ_SEP = "\x1f"


def numbered_variants(counts: pl.LazyFrame) -> pl.DataFrame:
    """The variant table from ``activities`` (list) and ``journeys`` per distinct sequence, as
    every engine returns it: most journeys first, ties by the sequence's text; ``variant_id`` 1..n,
    ``share`` and ``cumulative_share`` of the journeys. One rule, so engines order alike."""
    out = (counts.with_columns(pl.col("activities").cast(pl.List(pl.String)))
           .with_columns(pl.col("activities").list.join(SEQ_SEP).alias("_key"))
           .sort(["journeys", "_key"], descending=[True, False])
           .select("activities", "journeys").collect())
    return _numbered(out)


def numbered_coded_variants(counts: pl.DataFrame, activities: pl.Series) -> pl.DataFrame:
    """:func:`numbered_variants` of ``_seq`` (codes into ``activities``) and ``journeys``, in the
    same order: sorted on the codes of the names in text order, not on the joined text (a million
    variants' joined names took gigabytes). Comparing the lists name by name orders them as their
    texts joined with :data:`SEQ_SEP` do, as no name is empty or holds a character up to it (the
    text path is taken otherwise).

    >>> acts = pl.Series(["b", "a", "ab"])
    >>> counts = pl.DataFrame({"_seq": [[0], [2], [1, 0], [1]], "journeys": [1, 1, 1, 1]},
    ...                       schema={"_seq": pl.List(pl.UInt32), "journeys": pl.UInt64})
    >>> numbered_coded_variants(counts, acts)["activities"].to_list()
    [['a'], ['a', 'b'], ['ab'], ['b']]
    """
    names = activities.cast(pl.String)
    if names.is_null().any() or names.str.contains(r"^$|[\x00-\x1f]").any():
        return numbered_variants(counts.lazy().select(
            pl.col("_seq").list.eval(pl.lit(names).gather(pl.element())).alias("activities"), "journeys"))
    rank = (names.rank("ordinal") - 1).cast(pl.UInt32)  # a code's place in text order
    ordered = names.sort()
    out = (counts.lazy().with_columns(pl.col("_seq").list.eval(pl.lit(rank).gather(pl.element())).alias("_r"))
           .sort(["journeys", "_r"], descending=[True, False])
           .select(pl.col("_r").list.eval(pl.lit(ordered).gather(pl.element())).alias("activities"), "journeys")
           .collect())
    return _numbered(out)


def _numbered(out: pl.DataFrame) -> pl.DataFrame:
    """The sorted ``activities``, ``journeys`` with ``variant_id`` 1..n and the shares."""
    total = int(out["journeys"].sum()) if out.height else 0
    return out.with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("variant_id"),
        pl.col("journeys").cast(pl.UInt64),
        (pl.col("journeys") / total if total else pl.lit(0.0)).alias("share"),
        (pl.col("journeys").cum_sum() / total if total else pl.lit(0.0)).alias("cumulative_share"),
    ).select("variant_id", "activities", "journeys", "share", "cumulative_share")


def middle_us(us: pl.Expr, q: float, name: str) -> list[pl.Expr]:
    """Aggregations picking, from a group's sorted integer microseconds, the two values around
    position ``q * (n - 1)``: ``{name}_lo`` and ``{name}_hi`` (see
    :func:`journeylog.engine.results.quantile_seconds`)."""
    v = us.sort()
    n = us.len().cast(pl.Int64)
    lo = ((n - 1) // 2) if q == 0.5 else ((n - 1).cast(pl.Float64) * q).floor().cast(pl.Int64)
    hi = (n // 2) if q == 0.5 else pl.min_horizontal(lo + 1, n - 1)
    return [v.gather(lo).first().alias(f"{name}_lo"), v.gather(hi).first().alias(f"{name}_hi")]


class Partitioned:
    """Rows gathered over batches, such as consecutive-event pairs (``from``, ``to`` codes, with
    the time between them, ``_us`` microseconds), for exact counts and quantiles. In memory by
    default; with ``spill`` a directory, written there in hash partitions of ``key`` so that each
    partition can be grouped on its own (an external group-by: memory is one partition, not the
    whole log). Every instance writes files of its own, so merged partials never share one."""

    PARTITIONS = 16
    _ids = itertools.count()

    def __init__(self, spill: Path | None, name: str, key: pl.Expr | None = None) -> None:
        self.frames: list[pl.DataFrame] = []
        self.spill = spill
        self.name = f"{name}-{os.getpid()}-{next(self._ids)}"
        self.writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
        self.files: dict[int, list[Path]] = {}
        self.key = key if key is not None else pl.col("from").cast(pl.UInt64) * 7919 + pl.col("to")

    def add(self, rows: pl.DataFrame) -> None:
        """Gather ``rows``."""
        if self.spill is None:
            self.frames.append(rows)
            return
        part = rows.with_columns(self.key.mod(self.PARTITIONS).alias("_p"))
        for (p,), chunk in part.partition_by("_p", as_dict=True, include_key=False).items():
            table = chunk.to_arrow()
            if p not in self.writers:
                import pyarrow as pa  # only when spilling (a second of start-up otherwise)

                path = self.spill / f"{self.name}-{p}.arrow"
                self.files.setdefault(int(p), []).append(path)
                self.writers[p] = pa.ipc.new_file(str(path), table.schema, options=pa.ipc.IpcWriteOptions(compression="lz4"))
            self.writers[p].write_table(table)

    def absorb(self, other: Partitioned) -> None:
        """Take over the rows of ``other`` (same codes, same key); ``other`` is left empty."""
        if self.spill is None and other.spill is None:
            self.frames.extend(other.frames)
            other.frames = []
        elif self.spill is not None and other.spill is not None:
            other.close()
            for p, paths in other.files.items():
                self.files.setdefault(p, []).extend(paths)
            other.files = {}
        else:
            for group in other.groups():
                self.add(group)

    def close(self) -> None:
        """Finish the files written so far (more rows open new ones)."""
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()

    def groups(self) -> Iterator[pl.DataFrame]:
        """The rows, in groups that never split a key: all of them in memory, one partition at a
        time when spilled (each read once, then deleted)."""
        if self.spill is None:
            if self.frames:
                yield pl.concat(self.frames) if len(self.frames) > 1 else self.frames[0]
            return
        self.close()
        for p in sorted(self.files):
            paths = self.files[p]
            yield pl.read_ipc(paths[0]) if len(paths) == 1 else pl.concat([pl.read_ipc(path) for path in paths])
            for path in paths:
                path.unlink()
        self.files.clear()


def _concat(frames: list[pl.DataFrame], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def _names(codes: str, table: pl.Series, alias: str) -> pl.Expr:
    return pl.lit(table).gather(pl.col(codes)).alias(alias)


def _recode(frames: list[pl.DataFrame], columns: Sequence[str], mapping: pl.Series | None) -> list[pl.DataFrame]:
    if mapping is None:
        return frames
    return [f.with_columns(pl.lit(mapping).gather(pl.col(c)).alias(c) for c in columns) for f in frames]


_U32, _U64 = pl.UInt32(), pl.UInt64()


@dataclass
class PolarsPartial:
    """Mergeable figures of journey-complete, ordered batches (see the module docstring)."""

    activities: pl.Series
    channels: pl.Series
    parts: tuple[str, ...]
    spill: Path | None = None
    events: int = 0
    journeys: int = 0
    customers_same_as_journeys: bool = True
    has_channel: bool = False
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    customers: Partitioned | None = None
    variants: list[pl.DataFrame] = field(default_factory=list)
    acts: list[pl.DataFrame] = field(default_factory=list)
    act_journeys: list[pl.DataFrame] = field(default_factory=list)
    ends: list[pl.DataFrame] = field(default_factory=list)
    edges: Partitioned | None = None
    switches: Partitioned | None = None
    switch_journeys: list[pl.DataFrame] = field(default_factory=list)
    finished: Figures | None = None

    @classmethod
    def empty(cls, activities: pl.Series, channels: pl.Series | None, parts: Sequence[str], spill: Path | None) -> PolarsPartial:
        """No events yet; ``activities`` (and ``channels``) name every value that can occur."""
        unknown = [p for p in parts if p not in PARTS]
        if unknown:
            raise UsageError(f"parts: unknown part {unknown[0]!r}", hint=f"parts: {', '.join(PARTS)}")
        acts = activities.cast(pl.String).unique().drop_nulls().sort()
        chans = (channels if channels is not None else pl.Series([S.UNKNOWN_CHANNEL]))
        chans = chans.cast(pl.String).unique().drop_nulls().sort()
        p = cls(acts, chans, tuple(parts), spill)
        # partitioned by the source activity alone: a partition holds every pair leaving an activity,
        # so both the per-pair and the per-activity times are exact group-bys of one partition
        p.edges = Partitioned(spill, "edges", pl.col("from").cast(pl.UInt64)) if "map" in parts else None
        p.customers = Partitioned(spill, "customers", pl.col(CUSTOMER_ID).hash(seed=7)) if "summary" in parts else None
        p.switches = Partitioned(spill, "switches") if "switches" in parts else None
        return p

    def _code(self, col: str, values: pl.Series) -> pl.Expr:
        return pl.col(col).cast(pl.Enum(values)).to_physical().cast(pl.UInt32)

    def _widen(self, seen: pl.Series) -> None:
        # a channel missing from the dictionary: widen it (codes gathered so far stay valid only if
        # the order of known channels is kept, so new ones are appended)
        if not seen.is_in(self.channels.implode()).all():
            self.channels = pl.concat([self.channels, seen.filter(~seen.is_in(self.channels.implode())).sort()])

    def _coded(self, batch: pl.DataFrame) -> pl.DataFrame:
        """The batch as codes: ``_a``, ``_c``, ``_first``/``_last`` (of its journey), ``_k`` (its
        journey's number in the batch)."""
        names = batch.columns
        has_channel = CHANNEL in names
        self.has_channel = self.has_channel or has_channel
        self._widen(batch[CHANNEL].unique().drop_nulls() if has_channel else pl.Series([S.UNKNOWN_CHANNEL]))
        j = pl.col(JOURNEY_ID)
        return batch.lazy().select(
            j,
            pl.col(CUSTOMER_ID) if CUSTOMER_ID in names else j.alias(CUSTOMER_ID),
            pl.col(TIMESTAMP),
            self._code(ACTIVITY, self.activities).alias("_a"),
            (self._code(CHANNEL, self.channels) if has_channel
             else pl.lit(self.channels.index_of(S.UNKNOWN_CHANNEL), pl.UInt32)).alias("_c"),
            j.ne_missing(j.shift(1)).alias("_first"),
            j.ne_missing(j.shift(-1)).alias("_last"),
        ).with_columns(pl.col("_first").cum_sum().cast(pl.UInt64).alias("_k")).collect()

    def add(self, batch: pl.DataFrame) -> None:
        """Gather the figures of one ordered, journey-complete ``batch``."""
        if batch.height == 0:
            return
        frame = self._coded(batch)
        self.events += frame.height
        self.journeys += int(frame["_k"][-1])
        if "summary" in self.parts:
            self._add_summary(frame, CUSTOMER_ID in batch.columns)
        if "summary" in self.parts or "map" in self.parts:
            self.acts.append(frame.group_by("_a", "_c").agg(pl.len().cast(pl.UInt64).alias("n")))
        if "map" in self.parts:
            self._add_map(frame)
        if "switches" in self.parts:
            assert self.switches is not None
            pairs = frame.lazy().select(
                pl.col("_c").alias("from"), pl.col("_c").shift(-1).alias("to"),
                (pl.col(TIMESTAMP).shift(-1) - pl.col(TIMESTAMP)).dt.total_microseconds().alias("_us"),
                pl.col("_k"), pl.col("_last"),
            ).filter(~pl.col("_last") & (pl.col("from") != pl.col("to"))).drop("_last").collect()
            # a journey lies in one batch: journeys per pair are summed over batches
            self.switch_journeys.append(
                pairs.group_by("from", "to").agg(pl.col("_k").n_unique().cast(pl.UInt64).alias("journeys")))
            self.switches.add(pairs.drop("_k"))
        if "variants" in self.parts:
            seqs = frame.lazy().group_by("_k", maintain_order=True).agg(pl.col("_a").alias("_seq"))
            self.variants.append(seqs.group_by("_seq").agg(pl.len().cast(pl.UInt64).alias("journeys")).collect())
        self._compact()

    def _add_summary(self, frame: pl.DataFrame, has_customers: bool) -> None:
        lo, hi = frame[TIMESTAMP].min(), frame[TIMESTAMP].max()
        self._span(lo, hi)  # type: ignore[arg-type]
        if has_customers and self.customers_same_as_journeys and not frame.select(
                (pl.col(CUSTOMER_ID) == pl.col(JOURNEY_ID)).all()).item():
            self.customers_same_as_journeys = False
        if has_customers:
            assert self.customers is not None
            self.customers.add(frame.select(pl.col(CUSTOMER_ID).unique()))

    def _span(self, lo: dt.datetime | None, hi: dt.datetime | None) -> None:
        if lo is not None:
            self.first = lo if self.first is None else min(self.first, lo)
        if hi is not None:
            self.last = hi if self.last is None else max(self.last, hi)

    def _add_map(self, frame: pl.DataFrame) -> None:
        self.act_journeys.append(frame.group_by("_a").agg(pl.col("_k").n_unique().cast(pl.UInt64).alias("n")))
        self.ends.append(pl.concat([
            frame.filter("_first").group_by("_a").agg(pl.len().cast(pl.UInt64).alias("n")).with_columns(pl.lit("start").alias("_end")),
            frame.filter("_last").group_by("_a").agg(pl.len().cast(pl.UInt64).alias("n")).with_columns(pl.lit("end").alias("_end")),
        ]))
        assert self.edges is not None
        self.edges.add(frame.lazy().select(
            pl.col("_a").alias("from"), pl.col("_a").shift(-1).alias("to"),
            (pl.col(TIMESTAMP).shift(-1) - pl.col(TIMESTAMP)).dt.total_microseconds().alias("_us"), pl.col("_last"),
        ).filter(~pl.col("_last")).drop("_last").collect())

    def _compact(self) -> None:
        if len(self.variants) > 8:
            self.variants = [self._merged_variants()]
        if len(self.switch_journeys) > 8:
            self.switch_journeys = [pl.concat(self.switch_journeys).group_by("from", "to").agg(pl.col("journeys").sum())]

    def merge(self, other: PolarsPartial) -> PolarsPartial:
        """Add the figures of ``other`` (other batches of the same log) to these; ``other`` is
        used up (its gathered rows move here)."""
        if other.parts != self.parts:
            raise UsageError(f"parts: cannot merge figures of {other.parts} into figures of {self.parts}")
        if not self.activities.equals(other.activities):
            raise UsageError("activities: figures to merge must share the activities dictionary")
        if self.finished is not None or other.finished is not None:
            raise UsageError("partial: figures already finished cannot be merged")
        mapping = None
        if not self.channels.equals(other.channels):
            self._widen(other.channels)
            mapping = pl.Series([self.channels.index_of(c) for c in other.channels], dtype=pl.UInt32)
        self.events += other.events
        self.journeys += other.journeys
        self.has_channel = self.has_channel or other.has_channel
        self.customers_same_as_journeys = self.customers_same_as_journeys and other.customers_same_as_journeys
        self._span(other.first, other.last)
        if self.customers is not None and other.customers is not None:
            self.customers.absorb(other.customers)
        self.variants += other.variants
        self.acts += _recode(other.acts, ["_c"], mapping)
        self.act_journeys += other.act_journeys
        self.ends += other.ends
        if self.edges is not None and other.edges is not None:
            self.edges.absorb(other.edges)
        if self.switches is not None and other.switches is not None:
            if mapping is None:
                self.switches.absorb(other.switches)
            else:
                for group in _recode(list(other.switches.groups()), ["from", "to"], mapping):
                    self.switches.add(group)
        self.switch_journeys += _recode(other.switch_journeys, ["from", "to"], mapping)
        self._compact()
        return self

    # -- results ------------------------------------------------------------------------------

    def finish(self) -> Figures:
        """The :class:`~journeylog.engine.results.Figures` of the parts asked for (computed once:
        spilled rows are read and deleted)."""
        if self.finished is None:
            has = self.parts.__contains__
            self.finished = Figures(
                events=self.events, journeys=self.journeys,
                summary=self.summary() if has("summary") else None,
                channel_counts=self.channel_counts() if has("summary") else None,
                variants=self.variant_table() if has("variants") else None,
                process_map=self.process_map() if has("map") else None,
                channel_switches=self.channel_switches() if has("switches") else None,
            )
        return self.finished

    def _merged_variants(self) -> pl.DataFrame:
        variants = _concat(self.variants, {"_seq": pl.List(pl.UInt32), "journeys": _U64})
        return variants.group_by("_seq").agg(pl.col("journeys").sum())

    def variant_table(self) -> pl.DataFrame:
        """The table of :func:`journeylog.journeys.variants`."""
        return numbered_coded_variants(self._merged_variants(), self.activities)

    def summary(self) -> Summary:
        """``events``, ``journeys``, ``customers``, ``activities``, ``channels``, ``first``, ``last``."""
        acts = _concat(self.acts, {"_a": _U32, "_c": _U32})
        customers = self.journeys
        if not self.customers_same_as_journeys and self.customers is not None:
            # distinct customers, partition by partition (equal ids hash alike)
            customers = sum(g[CUSTOMER_ID].n_unique() for g in self.customers.groups())
        return {
            "events": self.events, "journeys": self.journeys, "customers": customers,
            "activities": acts["_a"].n_unique(), "channels": acts["_c"].n_unique() if self.has_channel else 0,
            "first": self.first, "last": self.last,
        }

    def channel_counts(self) -> pl.DataFrame:
        """Events per channel: ``channel``, ``events``, by events (descending), then name."""
        acts = _concat(self.acts, {"_a": _U32, "_c": _U32, "n": _U64})
        return (acts.group_by("_c").agg(pl.col("n").sum().alias("events"))
                .select(_names("_c", self.channels, CHANNEL), pl.col("events").cast(pl.Int64))
                .sort(["events", CHANNEL], descending=[True, False]))

    def _edges(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The directly-follows pairs with their times, and per activity the time from it to the
        next event of its journey (``_a``, ``median_seconds``, ``p90_seconds``)."""
        assert self.edges is not None
        times = {"median_seconds_lo": pl.Int64(), "median_seconds_hi": pl.Int64(),
                 "p90_seconds_lo": pl.Int64(), "p90_seconds_hi": pl.Int64()}
        pairs, outgoing = [], []
        for g in self.edges.groups():
            pairs.append(g.group_by("from", "to").agg(
                pl.len().cast(pl.UInt64).alias("count"),
                *middle_us(pl.col("_us"), 0.5, "median_seconds"),
                *middle_us(pl.col("_us"), 0.9, "p90_seconds"),
            ))
            outgoing.append(g.group_by("from").agg(
                pl.len().cast(pl.UInt64).alias("count"), *middle_us(pl.col("_us"), 0.5, "median_seconds"),
                *middle_us(pl.col("_us"), 0.9, "p90_seconds")))
        edges = _concat(pairs, {"from": _U32, "to": _U32, "count": _U64, **times})
        edges = edges.with_columns(quantile_seconds(edges, 0.5, "median_seconds"), quantile_seconds(edges, 0.9, "p90_seconds"))
        out = _concat(outgoing, {"from": _U32, "count": _U64, **times})
        out = out.select(pl.col("from").alias("_a"), quantile_seconds(out, 0.5, "median_seconds"),
                         quantile_seconds(out, 0.9, "p90_seconds"))
        return edges.select(_names("from", self.activities, "from"), _names("to", self.activities, "to"),
                            "count", "median_seconds", "p90_seconds").sort(
            ["count", "from", "to"], descending=[True, False, False]), out

    def process_map(self) -> ProcessMap:
        """The :class:`~journeylog.engine.results.ProcessMap`."""
        ends = _concat(self.ends, {"_a": _U32, "n": _U64, "_end": pl.String()})
        ends = ends.group_by("_end", "_a").agg(pl.col("n").sum().alias("count")).with_columns(
            _names("_a", self.activities, "activity"))
        start, end = (ends.filter(pl.col("_end") == which).select("activity", "count").sort(
            ["count", "activity"], descending=[True, False]) for which in ("start", "end"))
        per_channel = (
            _concat(self.acts, {"_a": _U32, "_c": _U32, "n": _U64}).group_by("_a", "_c").agg(pl.col("n").sum())
            .with_columns(_names("_c", self.channels, "_ch"))
            .sort(["n", "_ch"], descending=[True, False])
            .group_by("_a", maintain_order=True)
            .agg(pl.col("n").sum().alias("count"), pl.col("_ch").first().alias("channel"), pl.col("_ch").alias("channels"),
                 pl.struct(pl.col("_ch").alias("channel"), pl.col("n").cast(pl.UInt64).alias("events")).alias("channel_mix"))
        )
        aj = _concat(self.act_journeys, {"_a": _U32, "n": _U64}).group_by("_a").agg(pl.col("n").sum().alias("journeys"))
        edges, outgoing = self._edges()
        activities = (
            per_channel.join(aj, on="_a", how="left").join(outgoing, on="_a", how="left")
            .select(_names("_a", self.activities, ACTIVITY), pl.col("count").cast(pl.UInt64),
                    pl.col("journeys").cast(pl.UInt64), "channel", "channels", "channel_mix",
                    "median_seconds", "p90_seconds")
            .sort(["count", ACTIVITY], descending=[True, False])
        )
        return ProcessMap(activities=activities, edges=edges, start=start, end=end)

    def channel_switches(self) -> pl.DataFrame:
        """The table of :func:`journeylog.journeys.channel_switches`."""
        assert self.switches is not None
        table = _concat([
            g.group_by("from", "to").agg(pl.len().cast(pl.UInt64).alias("count"),
                                         *middle_us(pl.col("_us"), 0.5, "median_seconds"))
            for g in self.switches.groups()
        ], {"from": _U32, "to": _U32, "count": _U64, "median_seconds_lo": pl.Int64(), "median_seconds_hi": pl.Int64()})
        journeys = _concat(self.switch_journeys, {"from": _U32, "to": _U32, "journeys": _U64}).group_by(
            "from", "to").agg(pl.col("journeys").sum())
        table = table.with_columns(quantile_seconds(table, 0.5, "median_seconds")).join(
            journeys, on=["from", "to"], how="left")
        return table.select(
            _names("from", self.channels, "from"), _names("to", self.channels, "to"), "count", "journeys", "median_seconds"
        ).sort(["count", "from", "to"], descending=[True, False, False])
