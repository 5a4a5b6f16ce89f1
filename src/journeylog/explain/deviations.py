"""Explain: alignment moves -> typed deviations -> plain-language statements with their impact.

pm4py answers conformance with move lists such as ``[('login', 'login'), ('>>', None),
('chat', '>>')]``. This module turns them into a *deviation catalogue* a journey owner can read:

==============  ================================================================================
kind            what it means (from the alignment of one journey with the designed model)
==============  ================================================================================
``skipped``     a model move before the journey's last synchronous move: the design expected the
                step, the journey never did it there
``dropped_out`` model moves after the journey's last synchronous move: it stopped before the
                design's end. All of them read as one drop-out, whatever log moves lie between
                them, named by the *stage*: every step that could have come next (one name, or
                several at a gateway or parallel split; id ``dropped_out:A | B``, names sorted)
``unexpected``  a log move of an activity the journey had not done before: a step the design
                does not have at that point (contacts, page views, extra steps)
``repeated``    a log move of an activity the journey already did: rework, retries, repeats
``wrong_order`` a step done out of order: the same activity is both a log move and a model move
                in one alignment (it happened, but not where the design wanted it)
==============  ================================================================================

Variants are analysed once (pm4py aligned one trace per variant); occurrences are then joined
to the journeys of each variant to count journeys, find the channel where it happened and
compute the impact against journeys that fit the design.

>>> moves = [("Order", "Order"), (">>", "Identity check"), ("Call", ">>"), ("Pay", "Pay"), (">>", "Install"), (">>", "Bill")]
>>> [(o["kind"].value, o["activity"], o["context"]) for o in variant_deviations(moves)]
[('skipped', 'Identity check', 'Order'), ('unexpected', 'Call', 'Order'), ('dropped_out', 'Install', 'Pay')]

A journey with no synchronous move at all dropped out before the designed journey's first step.
With the model (``next_steps``, see :func:`dropout_stage`) the drop-out names the whole stage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, cast

import numpy as np
import polars as pl

from journeylog import journeys as J
from journeylog import schema as S
from journeylog.explain.counting import COUNTED, batch_counts, occurrence_index, with_ids
from journeylog.explain.journey_groups import REFERENCE, JourneyGroups, impact_between
from journeylog.explain.moves import SKIP, STAGE_SEPARATOR, StageFinder, dropout_stage, stage_id, variant_deviations
from journeylog.explain.wording import DeviationKind, deviation_statement

__all__ = ["KINDS", "SKIP", "STAGE_SEPARATOR", "StageFinder", "stage_id", "variant_deviations", "dropout_stage",
           "occurrences_table", "catalogue", "catalogue_of", "deviation_lists", "deviations_of_journeys", "impossible_step",
           "journey_deviations", "nearest_ids", "refuse_impossible",
           "journey_occurrences", "journeys_with_deviations", "unaccepted_variants", "with_ids", "merge_counts"]

#: Every kind's value, in the order of :class:`DeviationKind`.
KINDS: tuple[str, ...] = tuple(k.value for k in DeviationKind)
def occurrences_table(aligned: pl.DataFrame, next_steps: StageFinder | None = None,
                      labels: set[str] | None = None) -> pl.DataFrame:
    """Per-variant deviation occurrences from a frame with ``variant_id`` and ``moves``.

    ``moves`` is a list of (log, model) pairs (pm4py's alignment, ``>>`` or null for no move)
    or of structs with ``log``, ``model`` and optionally ``transition`` fields. ``next_steps``
    names drop-out stages (e.g. ``journeylog.mining.NextSteps(model).after``; see
    :func:`dropout_stage`). One Python pass per *variant*, not per event. The rows carry their
    ``id`` (``kind:activity``, as :func:`with_ids` makes it); the names are categorical.
    With the model's activities (``labels``) and moves as structs, each alignment of the model's
    activities is read once for all the variants that share it
    (:func:`journeylog.explain.reduced.occurrences_by_reduction`; the same rows).
    """
    schema: dict[str, pl.DataType] = dict(_OCCURRENCE_SCHEMA)
    dtype = aligned.schema.get("moves")
    if labels is not None and isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
        from journeylog.explain.reduced import occurrences_by_reduction

        return occurrences_by_reduction(aligned, labels, next_steps, schema).with_columns(
            (pl.col("kind").cast(pl.String) + ":" + pl.col("activity").cast(pl.String)).cast(pl.Categorical).alias("id"))
    frames = [pl.DataFrame(schema=schema).with_columns(pl.lit(None, pl.Categorical).alias("id"))]
    for start in range(0, aligned.height, _VARIANTS_AT_ONCE):  # columns of a slice at a time: no row dict per occurrence
        cols: dict[str, list[Any]] = {name: [] for name in schema}
        for vid, steps in _variant_steps(aligned.slice(start, _VARIANTS_AT_ONCE)):
            for occ in variant_deviations(steps, next_steps):
                cols["variant_id"].append(vid)
                cols["kind"].append(getattr(occ["kind"], "value", occ["kind"]))
                for name in ("activity", "context", "relation", "event_index", "stage"):
                    cols[name].append(occ.get(name))
        if cols["variant_id"]:
            frames.append(pl.DataFrame(cols, schema=schema).with_columns(
                (pl.col("kind").cast(pl.String) + ":" + pl.col("activity").cast(pl.String)).cast(pl.Categorical).alias("id")))
    return pl.concat(frames) if len(frames) > 1 else frames[0]


#: the columns of :func:`occurrences_table` (with ``id``): the names are categorical, as a
#: million variants give tens of millions of occurrences of a few hundred names
_OCCURRENCE_SCHEMA: dict[str, pl.DataType] = {
    "variant_id": pl.UInt32(), "kind": pl.Categorical(), "activity": pl.Categorical(), "context": pl.Categorical(),
    "relation": pl.Categorical(), "event_index": pl.Int64(), "stage": pl.List(pl.String)}


#: variants turned into occurrences at a time by :func:`occurrences_table`
_VARIANTS_AT_ONCE = 20_000


def journey_occurrences(journey_variants: pl.DataFrame, occurrences: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Per journey of ``journey_variants`` (``journey_id``, ``variant_id`` and optionally
    ``settled``: a drop-out counts only for a settled journey) the occurrences of its variant, with
    the ``channel`` and ``outcome`` of the event each points at. ``events`` hold every event of
    these journeys, sorted by journey and time (one journey-complete batch)."""
    per_journey = journey_variants.join(with_ids(occurrences), on="variant_id", how="inner")
    if "settled" in per_journey.columns:
        per_journey = per_journey.filter((pl.col("kind") != DeviationKind.DROPPED_OUT.value) | pl.col("settled"))
    names = events.columns
    positioned = events.select(
        S.JOURNEY_ID,
        pl.col(S.CHANNEL).cast(pl.String) if S.CHANNEL in names else pl.lit(None, pl.String).alias(S.CHANNEL),
        pl.col(S.OUTCOME).cast(pl.String) if S.OUTCOME in names else pl.lit(None, pl.String).alias(S.OUTCOME),
        pl.int_range(pl.len()).over(S.JOURNEY_ID).cast(pl.Int64).alias("event_index"),
    )
    return per_journey.join(positioned, on=[S.JOURNEY_ID, "event_index"], how="left")




def merge_counts(parts: Sequence[dict[str, pl.DataFrame]], examples: int = 5) -> dict[str, pl.DataFrame]:
    """The counts of :func:`occurrence_counts` of several batches as one (journeys never span batches)."""
    if len(parts) == 1:
        return dict(parts[0])
    out = {"ids": pl.concat([p["ids"] for p in parts]).group_by("id", "kind", "activity").agg(
        pl.col("journeys").sum(), pl.col("examples").explode().unique().sort().head(examples),
        pl.col("stage").first(), pl.col("failed").sum(), pl.col("occurrences").sum(),
    )}
    for col in COUNTED:
        out[col] = pl.concat([p[col] for p in parts]).group_by("id", col).agg(pl.col("n").sum())
    return out


def _modes(counts: pl.DataFrame, col: str) -> dict[str, tuple[Any, float | None]]:
    """Per deviation id: the most frequent value of ``col`` (ties: the smallest) and its share."""
    out: dict[str, tuple[Any, float | None]] = {}
    for dev, values, ns in counts.group_by("id").agg(pl.col(col), pl.col("n")).iter_rows():
        out[dev] = _mode_share(Counter(dict(zip(values, ns, strict=True))))
    return out


def catalogue_of(
    counts: dict[str, pl.DataFrame],
    journeys: pl.DataFrame | JourneyGroups,
    occurrences: pl.DataFrame,
    *,
    tasks: Sequence[str] | None = None,
    vocabulary: Mapping[str, Mapping[str, str]] | None = None,
    metric: str | None = None,
) -> pl.DataFrame:
    """The deviation catalogue from the merged counts (:func:`merge_counts`) and the per-journey
    table ``journeys`` (``journey_id``, ``variant_id``, ``duration_seconds``, ``satisfaction``,
    ``settled`` and ``reference``: the journeys impact is measured against, sorted by journey id;
    or its :class:`~journeylog.explain.journey_groups.JourneyGroups`, wherever it is held).
    A drop-out's journeys and share are over the settled journeys. See :func:`catalogue`."""
    ids = counts["ids"]
    if ids.height == 0:
        return pl.DataFrame(schema={"id": pl.String, "kind": pl.String, "activity": pl.String, "journeys": pl.UInt64})
    modes = {col: _modes(counts[col], col) for col in COUNTED}
    if isinstance(journeys, pl.DataFrame):
        # only the columns the impact needs: a deviation's journeys are cut from them, not from the ids
        journeys = JourneyGroups(journeys.select(S.JOURNEY_ID, "variant_id", "duration_seconds", "satisfaction", "settled",
                                                  "reference"))
    dropped = DeviationKind.DROPPED_OUT.value
    # each deviation's variants (12.6M occurrences at 100M events: a frame, never Python ints; a
    # variant listed twice is the same member: no unique over millions of rows, +0.8 GB at 100M)
    members = with_ids(occurrences).select(pl.col("id").alias("group"), "variant_id",
                                           (pl.col("kind") == dropped).alias("settled_only"))
    impact = journeys.groups(members, first=0)
    settled_n, total = journeys.settled, journeys.journeys
    rows = []
    for r in ids.sort("id").iter_rows(named=True):
        occurrences_n, failed = r.pop("occurrences"), r.pop("failed")
        relation = modes["relation"].get(r["id"], (None, None))[0]
        r = {"id": r["id"], "kind": r["kind"], "activity": r["activity"], "journeys": r["journeys"],
             "examples": r["examples"], "relation": relation, "stage": r["stage"],
             "failed_share": failed / occurrences_n if occurrences_n else None}
        r["context"], r["context_share"] = modes["context"].get(r["id"], (None, None))
        r["channel"], r["channel_share"] = modes[S.CHANNEL].get(r["id"], (None, None))
        among = settled_n if r["kind"] == dropped else total
        r.update(impact_between(impact.get(str(r["id"])), impact.get(REFERENCE)))
        r["share"] = r["journeys"] / among if among else 0.0
        r["in_model"] = None if tasks is None else r["activity"] in set(tasks)
        r["statement"] = deviation_statement({**r, "metric": metric}, vocabulary)
        rows.append(r)
    cat = pl.DataFrame(rows)
    cat = cat.with_columns(pl.col("median_extra_seconds").cast(pl.Float64), pl.col("satisfaction_delta").cast(pl.Float64),
                           pl.col("stage").cast(pl.List(pl.String)))
    cat = cat.sort(["journeys", pl.col("median_extra_seconds").fill_null(float("-inf")), "id"], descending=[True, True, False])
    cols = ["id", "kind", "activity", "stage", "channel", "channel_share", "context", "context_share", "relation", "failed_share",
            "journeys", "share", "examples", "median_extra_seconds", "satisfaction_delta", "statement"]
    return cat.select(cols)


def journey_deviations(journeys: pl.DataFrame, occurrences: pl.DataFrame, keep: Collection[str] | None = None) -> pl.DataFrame:
    """Per journey of ``journeys`` (``journey_id``, ``variant_id``, ``settled``): ``deviations``,
    the sorted ids of its variant's deviations (a drop-out only when settled; only those in
    ``keep`` when given), never null. One list per variant, joined to the journeys."""
    return deviations_of_journeys(journeys, deviation_lists(occurrences, keep))


def impossible_step(deviation: str, names: Collection[str]) -> str | None:
    """The step named in ``deviation`` (read as a deviation id, ``kind:activity`` or a drop-out's
    ``dropped_out:A | B``) that is in none of ``names`` (the model's tasks and the log's
    activities), so that no alignment of the log can report it: a typo can be refused before
    aligning. None when it may be one (or is no deviation id at all: a pattern's name).

    >>> impossible_step("skipped:Identity chek", {"Identity check", "Place order"})
    'Identity chek'
    >>> impossible_step("dropped_out:Place order | Identity check", {"Identity check", "Place order"}) is None
    True
    >>> impossible_step("called after failing on the portal", {"Place order"}) is None
    True
    """
    kind, sep, rest = deviation.partition(":")
    if not sep or kind not in KINDS:
        return None
    steps = rest.split(STAGE_SEPARATOR) if kind == DeviationKind.DROPPED_OUT.value else [rest]
    return next((step for step in steps if step not in names), None)


def nearest_ids(deviation: str, names: Collection[str], n: int = 1) -> list[str]:
    """The ids ``deviation`` (refused by :func:`impossible_step`) was probably meant as: a stage
    written with another separator (``A|B``) joined as conform joins it, else the unknown step
    replaced by the closest of ``names`` (at most ``n``).

    >>> nearest_ids("dropped_out:B|A", {"A", "B"}), nearest_ids("skipped:Identity chek", {"Identity check"})
    (['dropped_out:A | B'], ['skipped:Identity check'])
    """
    import difflib

    kind, _sep, rest = deviation.partition(":")
    parts = [p.strip() for p in rest.split("|")]
    if kind == DeviationKind.DROPPED_OUT.value and len(parts) > 1 and all(p in names for p in parts):
        return [f"{kind}:{stage_id(parts)}"]
    step = impossible_step(deviation, names)
    if step is None:
        return []
    steps = rest.split(STAGE_SEPARATOR)
    return [kind + ":" + STAGE_SEPARATOR.join(c if s == step else s for s in steps)
            for c in difflib.get_close_matches(step, sorted(names), n=n, cutoff=0.5)]


def refuse_impossible(token: str, deviation: str, names: Collection[str]) -> None:
    """A :class:`~journeylog.errors.UsageError` (naming ``token``, the option) when
    :func:`impossible_step` finds a step of ``deviation`` in none of ``names``."""
    from journeylog.errors import UsageError

    step = impossible_step(deviation, names)
    if step is None:
        return
    close = nearest_ids(deviation, names)
    nearest = close[0] if close else None
    raise UsageError(f"{token} {deviation!r}: no such deviation in this log ({step!r} is neither a task of the model "
                     "nor an activity of the log; said before aligning)",
                     hint=f"did you mean {nearest!r}?" if nearest else "the ids that `journeylog conform --json` prints")


def deviation_lists(occurrences: pl.DataFrame, keep: Collection[str] | None = None) -> pl.DataFrame:
    """Per variant with a deviation: ``variant_id`` (Int64), ``_always`` (the ids that count for
    all its journeys) and ``_settled`` (its drop-outs, which count for its settled journeys only),
    from which :func:`deviations_of_journeys` lists each journey's (one row per variant: it
    travels to Spark's executors where the journeys are)."""
    occ = with_ids(occurrences)
    if keep is not None:
        occ = occ.filter(pl.col("id").is_in(pl.Series(list(keep), dtype=pl.String).implode()))
    dropped = pl.col("kind") == DeviationKind.DROPPED_OUT.value
    return occ.group_by("variant_id").agg(
        pl.col("id").filter(~dropped).unique().alias("_always"), pl.col("id").filter(dropped).unique().alias("_settled")
    ).with_columns(pl.col("variant_id").cast(pl.Int64))


def deviations_of_journeys(journeys: pl.DataFrame, per_variant: pl.DataFrame) -> pl.DataFrame:
    """``journey_id``, ``deviations`` (sorted, never null) of ``journeys`` (``journey_id``,
    ``variant_id``, ``settled``) from their variants' :func:`deviation_lists`."""
    empty = pl.lit([], pl.List(pl.String))
    return journeys.select(S.JOURNEY_ID, pl.col("variant_id").cast(pl.Int64), "settled").join(
        per_variant, on="variant_id", how="left", maintain_order="left").select(
        S.JOURNEY_ID,
        pl.col("_always").fill_null(empty).list.concat(
            pl.when(pl.col("settled")).then(pl.col("_settled").fill_null(empty)).otherwise(empty))
        .list.sort().cast(pl.List(pl.String)).alias("deviations"),
    )


def unaccepted_variants(occurrences: pl.DataFrame, accepted: Collection[str], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per variant id below ``size``, two flags from the deviation occurrences (``variant_id``,
    ``kind``, and ``id`` or ``activity``): the variant has a deviation not in ``accepted`` that
    counts for all its journeys (``always``), or a drop-out not in ``accepted``, which counts only
    for its settled journeys (``if_settled``: a journey still in progress has not dropped out).
    A variant's deviations are the same for all its journeys, so this is the one rule behind a
    journey "with a deviation" in :func:`journeys_with_deviations` and in drift's fitting share.

    >>> occ = pl.DataFrame({"variant_id": [0, 1, 2], "kind": ["skipped", "dropped_out", "skipped"],
    ...                     "activity": ["a", "b", "c"]})
    >>> always, if_settled = unaccepted_variants(occ, {"skipped:c"}, 4)
    >>> always.tolist(), if_settled.tolist()
    ([True, False, False, False], [False, True, False, False])
    """
    ids = pl.col("id") if "id" in occurrences.columns else pl.col("kind") + ":" + pl.col("activity")
    flags = occurrences.select(
        pl.col("variant_id").cast(pl.Int64).alias("v"),
        (~ids.cast(pl.String).is_in(pl.Series(sorted(accepted), dtype=pl.String).implode()).fill_null(False)).alias("c"),
        (pl.col("kind").cast(pl.String) == DeviationKind.DROPPED_OUT.value).fill_null(False).alias("d"),
    ).filter(pl.col("c") & pl.col("v").is_not_null())
    variant, dropped = flags["v"].to_numpy(), flags["d"].to_numpy()
    always = np.bincount(variant[~dropped], minlength=size)[:size] > 0
    if_settled = np.bincount(variant[dropped], minlength=size)[:size] > 0
    return always, if_settled


def journeys_with_deviations(journeys: pl.DataFrame, occurrences: pl.DataFrame, accepted: Collection[str] = ()) -> int:
    """How many journeys of ``journeys`` (``variant_id``, ``settled``; or per variant:
    ``variant_id``, ``journeys`` and ``settled`` counts) have a deviation that is
    not in ``accepted``: the journeys of :func:`journey_deviations` whose list holds another id,
    counted per variant by :func:`unaccepted_variants`, without a list per journey."""
    per_variant_journeys = (journeys.select("variant_id", pl.col("journeys").alias("_n"), pl.col("settled").alias("_s"))
                            if "journeys" in journeys.columns else
                            journeys.group_by("variant_id").agg(pl.len().alias("_n"), pl.col("settled").sum().alias("_s")))
    pv = per_variant_journeys.drop_nulls("variant_id")
    if pv.height == 0 or occurrences.height == 0:
        return 0
    size = max(int(cast(int, pv["variant_id"].max())), int(cast(int, occurrences["variant_id"].max()))) + 1
    always, settled = unaccepted_variants(occurrences, accepted, size)
    vid = pv["variant_id"].to_numpy()
    n = np.where(always[vid], pv["_n"].to_numpy(), np.where(settled[vid], pv["_s"].to_numpy(), 0))
    return int(n.sum())


def _variant_steps(aligned: pl.DataFrame) -> Iterable[tuple[Any, Sequence[Sequence[Any]]]]:
    """``(variant_id, moves)`` of every row; a list-of-struct ``moves`` column is read as flat
    columns (turning every move into a Python dict took as long as explaining it)."""
    dtype = aligned.schema["moves"]
    if not (isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct)):
        for vid, moves in aligned.select("variant_id", "moves").iter_rows():
            yield vid, [(m["log"], m["model"], m.get("transition")) if isinstance(m, dict) else m for m in (moves or [])]
        return
    counts = aligned["moves"].list.len().fill_null(0)
    lengths = counts.to_list()
    # only the lists with moves: how many rows an empty or null list explodes to depends on the
    # Polars version (none or one null), and reading the others' moves at shifted offsets is wrong
    flat = aligned["moves"].filter(counts > 0).explode()
    names = {f.name for f in dtype.inner.fields}
    cols = [flat.struct.field(n).to_list() if n in names else [None] * flat.len() for n in ("log", "model", "transition")]
    start = 0
    for vid, n in zip(aligned["variant_id"].to_list(), lengths, strict=True):
        yield vid, list(zip(cols[0][start:start + n], cols[1][start:start + n], cols[2][start:start + n], strict=True))
        start += n


def catalogue(
    occurrences: pl.DataFrame,
    journey_variants: pl.DataFrame,
    events: pl.DataFrame,
    *,
    reference: Sequence[str],
    stats: pl.DataFrame | None = None,
    examples: int = 5,
    tasks: Sequence[str] | None = None,
    vocabulary: Mapping[str, Mapping[str, str]] | None = None,
    metric: str | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The deviation catalogue and the per-journey deviation ids, of a log in memory.

    ``journey_variants``: journey_id -> variant_id; ``reference``: ids of the journeys that fit
    (impact is measured against them); ``tasks``: the model's steps (an unexpected activity the
    model never mentions reads as an "extra step"). Returns (catalogue, journey_deviations) where the
    catalogue has ``id, kind, activity, stage, channel, journeys, share, examples, median_extra_seconds,
    satisfaction_delta, statement`` (+ context fields), sorted by journeys, then extra time, then id.
    ``metric``: the label of the score in ``stats``' ``satisfaction`` column when it is not the
    canonical one (``CSAT (1-5)``), named in the statements.
    ``stage`` is the sorted step names of a drop-out's stage (null for other kinds).

    The same steps as ``conform`` takes over journey-complete batches: the counts of
    :func:`journeylog.explain.counting.batch_counts`, then :func:`catalogue_of` on the per-journey table.
    """
    stats = J.journey_stats(events) if stats is None else stats
    jv = journey_variants.with_columns(pl.lit(True).alias("settled"))
    per_journey = journey_occurrences(jv, occurrences, J.ordered(events))
    counts = batch_counts(jv, occurrence_index(occurrences), J.ordered(events), examples)
    journeys = jv.join(stats.select(S.JOURNEY_ID, "duration_seconds", "satisfaction"), on=S.JOURNEY_ID, how="left").with_columns(
        pl.col(S.JOURNEY_ID).is_in(pl.Series(list(reference), dtype=pl.String).implode()).alias("reference")).sort(S.JOURNEY_ID)
    cat = catalogue_of(counts, journeys, occurrences, tasks=tasks, vocabulary=vocabulary,
                       metric=metric)
    journey_devs = (per_journey.select(S.JOURNEY_ID, pl.col("id").alias("deviation_id")).unique()
                    .sort([S.JOURNEY_ID, "deviation_id"]))
    if occurrences.height == 0:
        journey_devs = pl.DataFrame(schema={"journey_id": pl.String, "deviation_id": pl.String})
    return cat, journey_devs


def _mode_share(counts: Counter) -> tuple[str | None, float | None]:
    if not counts:
        return None, None
    total = sum(counts.values())
    value, n = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return value, n / total
