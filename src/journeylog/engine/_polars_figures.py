"""Event-level analytics in Polars: variants, the directly-follows process map, channel switches.

Everything here is dataframe work on the canonical event table (see :mod:`journeylog.schema`),
which is sorted by (journey, timestamp, input order). No Python loop touches events: pm4py later
sees one trace per *variant* (:func:`variants`) and results are weighted back by ``journeys``.

>>> import polars as pl, datetime as dt
>>> ev = pl.DataFrame({
...     "journey_id": ["j1", "j1", "j2", "j2", "j3"],
...     "timestamp": [dt.datetime(2024, 1, 1, h, tzinfo=dt.timezone.utc) for h in (1, 2, 1, 3, 5)],
...     "input_order": [0, 1, 2, 3, 4],
...     "activity": ["order", "pay", "order", "pay", "order"],
...     "channel": ["web", "web", "app", "phone", "web"],
... })
>>> variants(ev).select("variant_id", "activities", "journeys").rows()
[(1, ['order', 'pay'], 2), (2, ['order'], 1)]
>>> process_map(ev).edges.select("from", "to", "count", "median_seconds").rows()
[('order', 'pay', 2, 5400.0)]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.schema import ACTIVITY, CHANNEL, CUSTOMER_ID, INPUT_ORDER, JOURNEY_ID, TIMESTAMP

# Separator used only to give variants a total, deterministic order; activity names with
# control characters are rejected at ingest, so it cannot occur inside a name.
_SEQ_SEP = "\x1f"


def _order_keys(names: Sequence[str]) -> list[str]:
    return [JOURNEY_ID, TIMESTAMP] + ([INPUT_ORDER] if INPUT_ORDER in names else [])


def is_ordered(events: pl.DataFrame) -> bool:
    """Whether ``events`` is sorted by (journey, timestamp, input order), as ingest leaves it.

    One linear pass, much cheaper than a sort; the order is the one ``DataFrame.sort`` gives.
    """
    if events.height < 2:
        return True
    keys = _order_keys(events.columns)
    if any(events[k].null_count() for k in keys):
        return False
    later = pl.lit(False)
    for k in reversed(keys):  # lexicographic "row > previous row", built from the last key out
        cur, prev = pl.col(k), pl.col(k).shift(1)
        later = (cur > prev) | ((cur == prev) & later) if k != keys[-1] else (cur >= prev)
    return bool(events.select(later.slice(1).all()).item())


def ordered(events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """``events`` sorted by (journey, timestamp, input order): the frame itself when it already is
    (every frame from :mod:`journeylog.ingest` is), else a stably sorted copy."""
    frame = events.collect() if isinstance(events, pl.LazyFrame) else events
    if is_ordered(frame):
        return frame
    return frame.sort(_order_keys(frame.columns), maintain_order=True)


def journey_sequences(events: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """One row per journey: ``journey_id``, ``activities`` (list, in time order)."""
    return (
        ordered(events).lazy()
        .group_by(JOURNEY_ID, maintain_order=True)
        .agg(pl.col(ACTIVITY).alias("activities"))
    )


def variants(events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The distinct activity sequences with how many journeys follow each.

    Columns: ``variant_id`` (1 = most frequent), ``activities`` (list[str]), ``journeys``,
    ``share`` (of all journeys), ``cumulative_share``. Sorted by journeys (descending), ties
    broken by the activity sequence, so the order, and the ids, are deterministic.
    """
    frame = ordered(events)
    figs = JourneyFigures.of_batches([frame], activities=frame[ACTIVITY].unique(), parts=("variants",))
    return figs.variant_table()


def journey_variants(events: pl.DataFrame | pl.LazyFrame, variant_table: pl.DataFrame | None = None) -> pl.DataFrame:
    """``journey_id`` -> ``variant_id`` for every journey, sorted by journey id (the order in
    which pm4py sees the cases of a DataFrame)."""
    table = variants(events) if variant_table is None else variant_table
    return (
        journey_sequences(events)
        .join(table.lazy().select("activities", "variant_id"), on="activities", how="left", maintain_order="left")
        .select(JOURNEY_ID, "variant_id")
        .sort(JOURNEY_ID)
        .collect()
    )


@dataclass(frozen=True)
class ProcessMap:
    """The directly-follows process map, with frequency and timing.

    * ``activities``: ``activity``, ``count`` (events), ``journeys`` (journeys containing it),
      ``channel`` (the channel it happens on most; ties by name), ``channels`` (all, by count).
    * ``edges``: ``from``, ``to``, ``count``, ``median_seconds``, ``p90_seconds``.
    * ``start`` / ``end``: ``activity``, ``count`` (journeys starting / ending with it).
    Frames are sorted by count (descending), then by name.
    """

    activities: pl.DataFrame
    edges: pl.DataFrame
    start: pl.DataFrame
    end: pl.DataFrame


def _seconds(expr: pl.Expr) -> pl.Expr:
    return expr.dt.total_microseconds().cast(pl.Float64) / 1_000_000


def process_map(events: pl.DataFrame | pl.LazyFrame) -> ProcessMap:
    """Directly-follows counts, median and p90 times, start and end activities (all in Polars)."""
    frame = ordered(events)
    return JourneyFigures.of_batches([frame], activities=frame[ACTIVITY].unique(), parts=("map",)).process_map()


def channel_switches(events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Consecutive events of a journey on different channels: ``from``, ``to``, ``count``,
    ``journeys``, ``median_seconds`` (time between the two events). Sorted by count, then names."""
    frame = ordered(events)
    return JourneyFigures.of_batches([frame], activities=frame[ACTIVITY].unique(), parts=("switches",)).channel_switches()


# --------------------------------------------------------------------------------------------
# Figures over journey-complete batches
# --------------------------------------------------------------------------------------------

_PARTS = ("summary", "variants", "map", "switches")


def _middle_us(us: pl.Expr, q: float, name: str) -> list[pl.Expr]:
    """Aggregations picking, from a group's sorted integer microseconds, the two values around
    position ``q * (n - 1)``: ``{name}_lo`` and ``{name}_hi`` (see :func:`_quantile_seconds`)."""
    v = us.sort()
    n = us.len().cast(pl.Int64)
    lo = ((n - 1) // 2) if q == 0.5 else ((n - 1).cast(pl.Float64) * q).floor().cast(pl.Int64)
    hi = (n // 2) if q == 0.5 else pl.min_horizontal(lo + 1, n - 1)
    return [v.gather(lo).first().alias(f"{name}_lo"), v.gather(hi).first().alias(f"{name}_hi")]


def _quantile_seconds(frame: pl.DataFrame, q: float, name: str) -> pl.Series:
    """The ``q`` quantile in seconds from the columns of :func:`_middle_us` and ``count``.

    The median is the mean of the two middle values, ``(a + b) / 2``; other quantiles interpolate
    linearly (numpy's default): ``v[i] + (v[i + 1] - v[i]) * f`` at ``q * (n - 1) = i + f``. The
    arithmetic is done here in numpy, in IEEE double precision with one rounding per operation,
    so the figure does not depend on how Polars grouped, batched or optimised the data.
    """
    import numpy as np

    lo = frame[f"{name}_lo"].to_numpy().astype(np.int64)
    hi = frame[f"{name}_hi"].to_numpy().astype(np.int64)
    if q == 0.5:
        value = (lo + hi).astype(np.float64) / 2_000_000.0
    else:
        pos = (frame["count"].to_numpy().astype(np.float64) - 1.0) * q
        frac = pos - np.floor(pos)
        value = (lo.astype(np.float64) + (hi - lo).astype(np.float64) * frac) / 1_000_000.0
    return pl.Series(name, value, dtype=pl.Float64)


class _Partitioned:
    """Rows gathered over batches, such as consecutive-event pairs (``from``, ``to`` codes, ``_k``
    journey) (with the time between them, ``_us`` microseconds), for exact counts and quantiles. In memory by default; with ``spill``
    a directory, written there in hash partitions of the pair so that each partition can be
    grouped on its own (an external group-by: memory is one partition, not the whole log)."""

    PARTITIONS = 16

    def __init__(self, spill: Path | None, name: str, key: pl.Expr | None = None) -> None:
        self.frames: list[pl.DataFrame] = []
        self.spill = spill
        self.name = name
        self.writers: dict[int, Any] = {}
        self.key = key if key is not None else pl.col("from").cast(pl.UInt64) * 7919 + pl.col("to")

    def add(self, pairs: pl.DataFrame) -> None:
        if self.spill is None:
            self.frames.append(pairs)
            return
        import pyarrow as pa

        part = pairs.with_columns(self.key.mod(self.PARTITIONS).alias("_p"))
        for (p,), chunk in part.partition_by("_p", as_dict=True, include_key=False).items():
            table = chunk.to_arrow()
            if p not in self.writers:
                self.writers[p] = pa.ipc.new_file(str(self.spill / f"{self.name}-{p}.arrow"), table.schema, options=pa.ipc.IpcWriteOptions(compression="lz4"))
            self.writers[p].write_table(table)

    def groups(self) -> Iterator[pl.DataFrame]:
        if self.spill is None:
            if self.frames:
                yield pl.concat(self.frames) if len(self.frames) > 1 else self.frames[0]
            return
        for p in sorted(self.writers):
            self.writers[p].close()
            path = self.spill / f"{self.name}-{p}.arrow"
            yield pl.read_ipc(path)
            path.unlink()
        self.writers.clear()


@dataclass
class JourneyFigures:
    """Mergeable figures of a log seen in *journey-complete* batches (every journey's events in
    one batch, in time order): summary counts, variants, the process map and channel switches.

    Counts add up across batches because no journey is split; medians and quantiles of times
    are computed once at the end over every pair (spilled to disk when the log is large), so
    the result is the same however the log is cut into batches. Activities and channels travel
    as small integer codes of sorted dictionaries (``activities``, ``channels``).
    """

    activities: pl.Series
    channels: pl.Series
    events: int = 0
    journeys: int = 0
    customers_same_as_journeys: bool = True
    has_channel: bool = False
    first: Any = None
    last: Any = None
    _customers: _Partitioned | None = None
    _customer_count: int | None = None
    _variants: list[pl.DataFrame] = field(default_factory=list)
    _acts: list[pl.DataFrame] = field(default_factory=list)
    _act_journeys: list[pl.DataFrame] = field(default_factory=list)
    _ends: list[pl.DataFrame] = field(default_factory=list)
    _edges: _Partitioned | None = None
    _switches: _Partitioned | None = None

    @classmethod
    def of_batches(
        cls,
        batches: Iterable[pl.DataFrame],
        *,
        activities: pl.Series,
        channels: pl.Series | None = None,
        parts: Sequence[str] = _PARTS,
        spill: Path | None = None,
    ) -> JourneyFigures:
        """Figures of ordered, journey-complete ``batches``; ``activities`` (and ``channels``)
        name every value that can occur. ``parts`` limits the work to what is needed."""
        acts = activities.cast(pl.String).unique().drop_nulls().sort()
        chans = (channels if channels is not None else pl.Series([S.UNKNOWN_CHANNEL])).cast(pl.String).unique().drop_nulls().sort()
        figs = cls(acts, chans)
        figs._edges = _Partitioned(spill, "edges") if "map" in parts else None
        figs._customers = _Partitioned(spill, "customers", pl.col(CUSTOMER_ID).hash(seed=7)) if "summary" in parts else None
        figs._switches = _Partitioned(spill, "switches") if "switches" in parts else None
        for batch in batches:
            figs._add(batch, parts)
        return figs

    def _code(self, col: str, values: pl.Series) -> pl.Expr:
        return pl.col(col).cast(pl.Enum(values)).to_physical().cast(pl.UInt32)

    def _add(self, batch: pl.DataFrame, parts: Sequence[str]) -> None:
        if batch.height == 0:
            return
        names = batch.columns
        has_channel = CHANNEL in names
        self.has_channel = self.has_channel or has_channel
        seen = batch[CHANNEL].unique().drop_nulls() if has_channel else pl.Series([S.UNKNOWN_CHANNEL])
        if not seen.is_in(self.channels.implode()).all():
            # a channel missing from the dictionary: widen it (codes of earlier batches stay valid
            # only if the order of known channels is kept, so new ones are appended)
            self.channels = pl.concat([self.channels, seen.filter(~seen.is_in(self.channels.implode())).sort()])
        j = pl.col(JOURNEY_ID)
        lf = batch.lazy().select(
            j,
            pl.col(CUSTOMER_ID) if CUSTOMER_ID in names else j.alias(CUSTOMER_ID),
            pl.col(TIMESTAMP),
            self._code(ACTIVITY, self.activities).alias("_a"),
            (self._code(CHANNEL, self.channels) if has_channel
             else pl.lit(self.channels.index_of(S.UNKNOWN_CHANNEL), pl.UInt32)).alias("_c"),
            j.ne_missing(j.shift(1)).alias("_first"),
            j.ne_missing(j.shift(-1)).alias("_last"),
        ).with_columns((pl.col("_first").cum_sum().cast(pl.UInt64) + self.journeys).alias("_k"))
        frame = lf.collect()
        n_journeys = int(frame["_k"][-1]) - self.journeys
        self.events += frame.height
        self.journeys += n_journeys
        if "summary" in parts:
            lo, hi = frame[TIMESTAMP].min(), frame[TIMESTAMP].max()
            self.first = lo if self.first is None else min(self.first, lo)
            self.last = hi if self.last is None else max(self.last, hi)
            if CUSTOMER_ID in names and self.customers_same_as_journeys and not frame.select(
                    (pl.col(CUSTOMER_ID) == j).all()).item():
                self.customers_same_as_journeys = False
            if CUSTOMER_ID in names:
                assert self._customers is not None
                self._customers.add(frame.select(pl.col(CUSTOMER_ID).unique()))
        if "summary" in parts or "map" in parts:
            self._acts.append(frame.group_by("_a", "_c").agg(pl.len().cast(pl.UInt64).alias("n")))
        if "map" in parts:
            self._act_journeys.append(frame.group_by("_a").agg(pl.col("_k").n_unique().cast(pl.UInt64).alias("n")))
            self._ends.append(pl.concat([
                frame.filter("_first").group_by("_a").agg(pl.len().cast(pl.UInt64).alias("n")).with_columns(pl.lit("start").alias("_end")),
                frame.filter("_last").group_by("_a").agg(pl.len().cast(pl.UInt64).alias("n")).with_columns(pl.lit("end").alias("_end")),
            ]))
            assert self._edges is not None
            self._edges.add(frame.lazy().select(
                pl.col("_a").alias("from"), pl.col("_a").shift(-1).alias("to"),
                (pl.col(TIMESTAMP).shift(-1) - pl.col(TIMESTAMP)).dt.total_microseconds().alias("_us"), pl.col("_last"),
            ).filter(~pl.col("_last")).drop("_last").collect())
        if "switches" in parts:
            assert self._switches is not None
            self._switches.add(frame.lazy().select(
                pl.col("_c").alias("from"), pl.col("_c").shift(-1).alias("to"),
                (pl.col(TIMESTAMP).shift(-1) - pl.col(TIMESTAMP)).dt.total_microseconds().alias("_us"), pl.col("_k"), pl.col("_last"),
            ).filter(~pl.col("_last") & (pl.col("from") != pl.col("to"))).drop("_last").collect())
        if "variants" in parts:
            seqs = frame.lazy().group_by("_k", maintain_order=True).agg(pl.col("_a").alias("_seq"))
            self._variants.append(seqs.group_by("_seq").agg(pl.len().cast(pl.UInt64).alias("journeys")).collect())
            if len(self._variants) > 8:
                self._variants = [self._merged_variants()]

    # -- results ------------------------------------------------------------------------------

    def _names(self, codes: str, table: pl.Series, alias: str) -> pl.Expr:
        return pl.lit(table).gather(pl.col(codes)).alias(alias)

    def _merged_variants(self) -> pl.DataFrame:
        if not self._variants:
            return pl.DataFrame(schema={"_seq": pl.List(pl.UInt32), "journeys": pl.UInt64})
        return pl.concat(self._variants).group_by("_seq").agg(pl.col("journeys").sum())

    def variant_table(self) -> pl.DataFrame:
        """The table of :func:`variants`."""
        merged = self._merged_variants()
        out = (
            merged.lazy()
            .with_columns(pl.col("_seq").list.eval(pl.lit(self.activities).gather(pl.element())).alias("activities"))
            .with_columns(pl.col("activities").list.join(_SEQ_SEP).alias("_key"))
            .sort(["journeys", "_key"], descending=[True, False])
            .select("activities", "journeys")
            .collect()
        )
        total = int(out["journeys"].sum()) if out.height else 0
        return out.with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("variant_id"),
            pl.col("journeys").cast(pl.UInt64),
            (pl.col("journeys") / total if total else pl.lit(0.0)).alias("share"),
            (pl.col("journeys").cum_sum() / total if total else pl.lit(0.0)).alias("cumulative_share"),
        ).select("variant_id", pl.col("activities").cast(pl.List(pl.String)), "journeys", "share", "cumulative_share")

    def summary(self) -> dict[str, Any]:
        """``events``, ``journeys``, ``customers``, ``activities``, ``channels``, ``first``, ``last``."""
        acts = pl.concat(self._acts) if self._acts else pl.DataFrame(schema={"_a": pl.UInt32, "_c": pl.UInt32})
        if self._customer_count is None:
            self._customer_count = self.journeys
            if not self.customers_same_as_journeys and self._customers is not None:
                # distinct customers, partition by partition (equal ids hash alike)
                self._customer_count = sum(g[CUSTOMER_ID].n_unique() for g in self._customers.groups())
        customers = self._customer_count
        return {
            "events": self.events, "journeys": self.journeys, "customers": customers,
            "activities": acts["_a"].n_unique(), "channels": acts["_c"].n_unique() if self.has_channel else 0,
            "first": self.first, "last": self.last,
        }

    def channel_counts(self) -> pl.DataFrame:
        """Events per channel: ``channel``, ``events``, by events (descending), then name."""
        acts = pl.concat(self._acts) if self._acts else pl.DataFrame(schema={"_a": pl.UInt32, "_c": pl.UInt32, "n": pl.UInt64})
        return (acts.group_by("_c").agg(pl.col("n").sum().alias("events"))
                .select(self._names("_c", self.channels, CHANNEL), pl.col("events").cast(pl.Int64))
                .sort(["events", CHANNEL], descending=[True, False]))

    def process_map(self) -> ProcessMap:
        """The :class:`ProcessMap`."""
        assert self._edges is not None
        by_count = lambda key: [pl.col("count"), pl.col(key)]  # noqa: E731
        edge_parts = [
            g.group_by("from", "to").agg(
                pl.len().cast(pl.UInt64).alias("count"),
                *_middle_us(pl.col("_us"), 0.5, "median_seconds"),
                *_middle_us(pl.col("_us"), 0.9, "p90_seconds"),
            )
            for g in self._edges.groups()
        ]
        edges = pl.concat(edge_parts) if edge_parts else pl.DataFrame(schema={
            "from": pl.UInt32, "to": pl.UInt32, "count": pl.UInt64, "median_seconds_lo": pl.Int64,
            "median_seconds_hi": pl.Int64, "p90_seconds_lo": pl.Int64, "p90_seconds_hi": pl.Int64})
        edges = edges.with_columns(_quantile_seconds(edges, 0.5, "median_seconds"), _quantile_seconds(edges, 0.9, "p90_seconds"))
        edges = edges.select(self._names("from", self.activities, "from"), self._names("to", self.activities, "to"),
                             "count", "median_seconds", "p90_seconds").sort(
            ["count", "from", "to"], descending=[True, False, False])
        ends = (pl.concat(self._ends) if self._ends else
                pl.DataFrame(schema={"_a": pl.UInt32, "n": pl.UInt64, "_end": pl.String}))
        ends = ends.group_by("_end", "_a").agg(pl.col("n").sum().alias("count")).with_columns(
            self._names("_a", self.activities, "activity"))
        start, end = (ends.filter(pl.col("_end") == which).select("activity", "count").sort(
            by_count("activity"), descending=[True, False]) for which in ("start", "end"))
        acts = pl.concat(self._acts) if self._acts else pl.DataFrame(schema={"_a": pl.UInt32, "_c": pl.UInt32, "n": pl.UInt64})
        per_channel = (
            acts.group_by("_a", "_c").agg(pl.col("n").sum())
            .with_columns(self._names("_c", self.channels, "_ch"))
            .sort(["n", "_ch"], descending=[True, False])
            .group_by("_a", maintain_order=True)
            .agg(pl.col("n").sum().alias("count"), pl.col("_ch").first().alias("channel"), pl.col("_ch").alias("channels"))
        )
        aj = (pl.concat(self._act_journeys) if self._act_journeys else pl.DataFrame(schema={"_a": pl.UInt32, "n": pl.UInt64}))
        aj = aj.group_by("_a").agg(pl.col("n").sum().alias("journeys"))
        activities = (
            per_channel.join(aj, on="_a", how="left")
            .select(self._names("_a", self.activities, ACTIVITY), pl.col("count").cast(pl.UInt64),
                    pl.col("journeys").cast(pl.UInt64), "channel", "channels")
            .sort(by_count(ACTIVITY), descending=[True, False])
        )
        return ProcessMap(activities=activities, edges=edges, start=start, end=end)

    def channel_switches(self) -> pl.DataFrame:
        """The table of :func:`channel_switches`."""
        assert self._switches is not None
        parts = [
            g.group_by("from", "to").agg(
                pl.len().cast(pl.UInt64).alias("count"),
                pl.col("_k").n_unique().cast(pl.UInt64).alias("journeys"),
                *_middle_us(pl.col("_us"), 0.5, "median_seconds"),
            )
            for g in self._switches.groups()
        ]
        table = pl.concat(parts) if parts else pl.DataFrame(schema={
            "from": pl.UInt32, "to": pl.UInt32, "count": pl.UInt64, "journeys": pl.UInt64,
            "median_seconds_lo": pl.Int64, "median_seconds_hi": pl.Int64})
        table = table.with_columns(_quantile_seconds(table, 0.5, "median_seconds"))
        return table.select(
            self._names("from", self.channels, "from"), self._names("to", self.channels, "to"), "count", "journeys", "median_seconds"
        ).sort(["count", "from", "to"], descending=[True, False, False])


def journey_stats(events: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """One row per journey: ``journey_id``, ``start``, ``end``, ``duration_seconds``, ``events``,
    ``satisfaction`` (mean of the scores given in the journey, null when none)."""
    lf = events.lazy()
    names = lf.collect_schema().names()
    sat = pl.col("satisfaction").mean() if "satisfaction" in names else pl.lit(None, pl.Float64)
    return (
        lf.group_by(JOURNEY_ID)
        .agg(
            pl.col(TIMESTAMP).min().alias("start"),
            pl.col(TIMESTAMP).max().alias("end"),
            pl.len().cast(pl.UInt64).alias("events"),
            sat.alias("satisfaction"),
        )
        .with_columns(_seconds(pl.col("end") - pl.col("start")).alias("duration_seconds"))
        .sort(JOURNEY_ID)
        .collect()
    )


def impact(stats: pl.DataFrame, affected: pl.Series | list[str], reference: pl.Series | list[str]) -> dict[str, float | None]:
    """How affected journeys differ from reference journeys (usually those that fit the design).

    ``median_extra_seconds``: median duration of affected minus median duration of reference.
    ``satisfaction_delta``: mean satisfaction of affected minus that of reference (null when
    either side has no scores).

    >>> import polars as pl
    >>> st = pl.DataFrame({"journey_id": ["a", "b", "c"], "duration_seconds": [10.0, 50.0, 20.0],
    ...                    "satisfaction": [5.0, 2.0, None]})
    >>> impact(st, ["b"], ["a", "c"])
    {'median_extra_seconds': 35.0, 'satisfaction_delta': -3.0}
    """
    aff = stats.filter(pl.col(JOURNEY_ID).is_in(pl.Series(list(affected), dtype=pl.String).implode()))
    ref = stats.filter(pl.col(JOURNEY_ID).is_in(pl.Series(list(reference), dtype=pl.String).implode()))
    extra = None
    if aff.height and ref.height:
        extra = float(aff["duration_seconds"].median()) - float(ref["duration_seconds"].median())  # type: ignore[arg-type]
    a_sat, r_sat = aff["satisfaction"].mean(), ref["satisfaction"].mean()
    delta = None if a_sat is None or r_sat is None else float(a_sat) - float(r_sat)  # type: ignore[arg-type]
    return {"median_extra_seconds": extra, "satisfaction_delta": delta}
