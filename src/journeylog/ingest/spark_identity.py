"""Identity stitching on Spark: the rules of :func:`journeylog.ingest.identity.stitch_identities`
as joins (``--engine spark``).

A source's keys are normalised once per DISTINCT value on the executors (the same
:func:`~journeylog.ingest.identity.normalise_keys`, phone numbers included), joined to the identity
table's keys of the same kind (:func:`~journeylog.ingest.identity.known_keys`, read on the driver:
the identity table is a table of customers, not events), and a key found there takes its customer;
others become ``KIND:KEY`` or, with ``unmatched: reject``, are rejected. The figures of the summary
(keys, matches, the unmatched sample, unreadable phone values) are Spark aggregates.

journeylog links each key to the customer the identity table names for it; it does not merge
customers transitively (two keys of one table row are one customer because the table says so).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from journeylog import schema as S
from journeylog.config.sources import DEFAULT_MIN_MATCH_RATE
from journeylog.errors import InvalidInput
from journeylog.ingest.identity import (
    CUSTOMER_ID_KIND,
    MADE_UP,
    PHONE_KINDS,
    UNMATCHED_SAMPLE,
    KnownKeys,
    counted,
    match_rate_warnings,
    normalise_keys,
    not_phone_numbers,
    quoted,
)
from journeylog.ingest.spark_read import ORDER, arrow_frame, checkpoint

__all__ = ["refuse_made_up_collisions", "stitch"]


def _n_unique(frame: Any, column: str) -> int:
    """Polars' ``n_unique`` (a null counts as one value) as a Spark aggregate."""
    from pyspark.sql import functions as F

    row = frame.agg(F.countDistinct(column).alias("n"),
                    F.max(F.col(column).isNull().cast("int")).alias("null")).collect()[0]
    return int(row["n"]) + int(row["null"] or 0)


def _keys(frame: Any, kind: str, country: str | None) -> Any:
    """``_raw, _key, _readable`` for the distinct non-null ``_customer`` values, normalised on the
    executors by :func:`normalise_keys`."""
    from pyspark.sql import functions as F

    distinct = frame.select(F.col("_customer").alias("_raw")).where(F.col("_raw").isNotNull()).distinct()

    def run(batches: Any) -> Any:
        import pyarrow as pa

        for batch in batches:
            values = pl.from_arrow(pa.Table.from_batches([batch]))["_raw"]  # type: ignore[index]
            yield from normalise_keys(kind, values, country).to_arrow().cast(
                pa.schema([("_raw", pa.string()), ("_key", pa.string()), ("_readable", pa.bool_())])).to_batches()

    return distinct.mapInArrow(run, "_raw string, _key string, _readable boolean")


def _sample(frame: Any, by_count: bool) -> list[str]:
    """Up to :data:`UNMATCHED_SAMPLE` keys: most events first then by key, or first seen first."""
    from pyspark.sql import functions as F

    grouped = frame.where(F.col("_key").isNotNull()).groupBy("_key").agg(F.count(F.lit(1)).alias("n"),
                                                                          F.min(ORDER).alias("o"))
    order = [F.col("n").desc(), F.col("_key")] if by_count else [F.col("o")]
    return [r["_key"] for r in grouped.orderBy(*order).limit(UNMATCHED_SAMPLE).collect()]


def stitch(spark: Any, good: Any, kind: str, column: str, known: KnownKeys | None, *, unmatched: str, source: str,
           label: str, country: str | None = None, min_match_rate: float = DEFAULT_MIN_MATCH_RATE
           ) -> tuple[Any, pl.DataFrame | None, dict[str, Any], list[str]]:
    """(events with ``_customer`` set and the :data:`MADE_UP` marker, rejects or None, summary,
    warnings), as :func:`journeylog.ingest.identity.stitch_identities` gives them."""
    from pyspark.sql import functions as F

    if kind.lower() == CUSTOMER_ID_KIND:
        good = good.withColumn("_customer", F.trim(F.col("_customer").cast("string")))
        return good, None, {"identity_kind": kind, "identity_column": column,
                            "keys": _n_unique(good, "_customer"), "match_rate": None}, []
    good = good.withColumn("_customer", F.col("_customer").cast("string"))
    keys = _keys(good, kind, country)
    good = good.join(keys.withColumnRenamed("_raw", "_customer"), on="_customer", how="left")
    if known is not None:
        table = spark.createDataFrame(known.keys.to_arrow()) if known.keys.height else \
            spark.createDataFrame([], "_key string, _cid string")
        good = good.join(F.broadcast(table), on="_key", how="left")
    else:
        good = good.withColumn("_cid", F.lit(None).cast("string"))
    good = checkpoint(good)
    matched = F.col("_cid").isNotNull()
    unreadable = F.col("_readable") == F.lit(False)
    figs = good.agg(  # every figure in one pass
        F.count(F.lit(1)).alias("height"), F.sum(matched.cast("long")).alias("matched"),
        F.countDistinct("_key").alias("keys"), F.max(F.col("_key").isNull().cast("int")).alias("null_key"),
        F.countDistinct(F.when(matched, F.col("_key"))).alias("keys_matched"),
        F.sum(unreadable.cast("long")).alias("unreadable"),
        F.countDistinct(F.when(unreadable, F.col("_key"))).alias("keys_unreadable"),
    ).collect()[0]
    height, events_matched = int(figs["height"]), int(figs["matched"] or 0)
    rate = round(float(events_matched) / height, 6) if height else None
    summary: dict[str, Any] = {
        "identity_kind": kind, "identity_column": column, "keys": int(figs["keys"]) + int(figs["null_key"] or 0),
        "keys_matched": int(figs["keys_matched"]), "events_matched": events_matched,
        "match_rate": rate, "unmatched_sample": _sample(good.where(~matched), True) if events_matched < height else [],
    }
    warnings = match_rate_warnings(summary, height, known is not None, min_match_rate, source, kind)
    if kind.lower() in PHONE_KINDS:
        warnings += _phone_figures(good, summary, source, kind, country, int(figs["unreadable"] or 0),
                                   int(figs["keys_unreadable"]))
    rejects = None
    if unmatched == "reject" and known is not None:
        rows = good.where(~matched).orderBy(ORDER).select(S.SOURCE_ROW, "_readable").toArrow()
        rejects = arrow_frame(rows).select(
            pl.lit(source).alias(S.SOURCE), pl.lit(label).alias("file"), pl.col(S.SOURCE_ROW),
            pl.lit(column).alias("column"),
            pl.when(pl.col("_readable")).then(pl.lit(f"{kind} not in the identity table"))
            .otherwise(pl.lit(f"{kind} is not a phone number")).alias("reason"))
        good = good.where(matched)
    good = good.withColumn("_customer", F.coalesce(F.col("_cid"), F.concat(F.lit(kind + ":"), F.col("_key")))) \
        .withColumn(MADE_UP, F.col("_cid").isNull()).drop("_key", "_cid", "_readable")
    return good, rejects, summary, warnings


def _phone_figures(good: Any, summary: dict[str, Any], source: str, kind: str, country: str | None, events: int,
                   keys: int) -> list[str]:
    """The unreadable phone values (as :func:`journeylog.ingest.identity._phone_figures`)."""
    from pyspark.sql import functions as F

    summary.update(default_country=country, keys_unparseable=keys, events_unparseable=events)
    if not events:
        return []
    sample = _sample(good.where(~F.col("_readable")), False)
    why = f"read with default country {country}" if country else "no default_country for national numbers"
    return [f"{source}: {counted(summary['keys_unparseable'], kind + ' value')} in {counted(events, 'event')} "
            f"{not_phone_numbers(summary['keys_unparseable'])} ({why}), e.g. {quoted(sample)}; no customer matched"]


def refuse_made_up_collisions(frames: list[Any], label: str) -> list[Any]:
    """:func:`journeylog.ingest.identity.refuse_made_up_collisions` on Spark frames."""
    from functools import reduce

    from pyspark.sql import functions as F

    marked = [f.select("_customer", (F.col(MADE_UP) if MADE_UP in f.columns else F.lit(False)).alias("m"))
              for f in frames]
    both = (reduce(lambda a, b: a.unionByName(b), marked).where(F.col("_customer").isNotNull())
            .groupBy("_customer").agg(F.max(F.col("m").cast("int")).alias("made"),
                                      F.max((~F.col("m")).cast("int")).alias("real"))
            .where((F.col("made") == 1) & (F.col("real") == 1)).orderBy("_customer").limit(1).collect())
    if both:
        first = both[0]["_customer"]
        raise InvalidInput(f"the id {first[:80]!r} made up for an unmatched key equals a real customer id",
                           path=label, hint="rename that customer id, or set identities.unmatched: reject")
    return [f.drop(MADE_UP) if MADE_UP in f.columns else f for f in frames]
