"""Token-based replay on the variant table, equal to ``pm4py.fitness_token_based_replay``."""

from __future__ import annotations

from typing import Any

import polars as pl

from journeylog.errors import InvalidInput
from journeylog.mining.alignments import MAX_ALIGN_LENGTH, align_unfit
from journeylog.mining.determinism import ACTIVITY_KEY, CASE_KEY, pm4py_quiet, silenced
from journeylog.mining.parallel import Progress, report
from journeylog.mining.petri import unpack_model, visible_labels
from journeylog.mining.restore import reduce_variants
from journeylog.mining.tokenreplay import TraceResult, Unsupported, replay_sequences
from journeylog.mining.variants import TraceOrder, mean, ordered_sum, variant_log

__all__ = ["replay_and_explain", "token_replay"]

_TOKENS = ("missing", "consumed", "remaining", "produced")
_SCHEMA = {
    "variant_id": pl.UInt32,
    "fit": pl.Boolean,
    "fitness": pl.Float64,
    "missing": pl.Int64,
    "consumed": pl.Int64,
    "remaining": pl.Int64,
    "produced": pl.Int64,
}


def token_replay(
    model: Any, variant_table: pl.DataFrame, *, trace_order: TraceOrder = None,
    on_progress: Progress | None = None, replayed: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """pm4py's token-based replay fitness, equal to ``pm4py.fitness_token_based_replay``.

    Returns ``log_fitness``, ``fitting_share``, ``average_fitness`` (exact with ``trace_order``,
    see :mod:`journeylog.mining`), ``journeys``, ``fitting_journeys`` and ``variants``: one row per
    variant with ``variant_id``, ``fit``, ``fitness``, ``missing``, ``consumed``, ``remaining``,
    ``produced`` (tokens). Each distinct sequence is replayed once (never a trace per journey), by
    journeylog's port of pm4py's replay (:mod:`journeylog.mining.tokenreplay`);
    ``on_progress`` hears ``("token replay", done, total)`` before and after it. As with
    alignments, a variant with more than :data:`MAX_ALIGN_LENGTH` events of the model's activities
    is not replayed (pm4py's replay of one 60,000-event journey takes many minutes): its row has
    nulls and the figures leave it out (``conform`` counts and says them). ``replayed``: the
    ``variants`` table of an earlier call on the same model and table, whose rows are taken
    instead of replaying again (only the figures are computed, with ``trace_order``).
    """
    table = replayed if replayed is not None else _replay_table(model, variant_table, on_progress)
    per = table.filter(pl.col("fit").is_not_null()).join(
        variant_table.select("variant_id", pl.col("journeys").cast(pl.Int64)), on="variant_id", how="left")
    n, fit, m, c, r, p = (int(v or 0) for v in per.select(
        pl.col("journeys").sum().alias("n"), pl.col("journeys").filter(pl.col("fit")).sum().alias("fit"),
        *((pl.col(kind) * pl.col("journeys")).sum().alias(kind) for kind in _TOKENS)).row(0))
    perc = 0.0
    average = 0.0
    log_fitness: float = 0
    if n > 0 and c > 0 and p > 0:
        vids = per["variant_id"].to_list()
        fitness = dict(zip(vids, per["fitness"].to_list(), strict=True))
        counts = dict(zip(vids, per["journeys"].to_list(), strict=True))
        perc = float(100.0 * fit) / float(n)
        average = mean(ordered_sum(fitness, trace_order, counts), n)
        log_fitness = 0.5 * (1 - m / c) + 0.5 * (1 - r / p)
    return {
        "log_fitness": float(log_fitness),
        "fitting_share": perc / 100.0,
        "average_fitness": average,
        "journeys": n,
        "fitting_journeys": fit,
        "variants": table,
    }


def _replay_table(model: Any, variant_table: pl.DataFrame, on_progress: Progress | None) -> pl.DataFrame:
    """The ``variants`` table of :func:`token_replay`: one row per variant, in variant-id order,
    gathered in Polars from the replay of each distinct sequence of model activities."""
    pm4py_quiet()
    net, im, fm, path = unpack_model(model)
    table = variant_table.select("variant_id", "activities").sort("variant_id")
    numbers, uniques = reduce_variants(table, visible_labels(net))
    report(on_progress, "token replay", 0, table.height)
    results = _replay_distinct(net, im, fm, uniques, path)
    report(on_progress, "token replay", table.height, table.height)
    frame: dict[str, list[Any]] = {k: [] for k in _SCHEMA}
    for u, res in enumerate(results):
        _append_row(frame, u, res)
    per_unique = pl.DataFrame(frame, schema=_SCHEMA).drop("variant_id")
    return pl.concat([table.select(pl.col("variant_id").cast(pl.UInt32)), per_unique[numbers]], how="horizontal")


def replay_and_explain(model: Any, variant_table: pl.DataFrame, *,
                       on_progress: Progress | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(the token replay's variants table, alignments of the variants it does not fit)``: token
    replay gives no moves, so ``conform --method tbr`` explains the deviations from alignments,
    of those variants only (:func:`journeylog.mining.align_unfit`), before its pass over the
    events that counts them."""
    replayed = _replay_table(model, variant_table, on_progress)  # the figures come later, in trace order
    fit = replayed.filter(pl.col("fitness") >= 1.0)["variant_id"].to_list()
    return replayed, align_unfit(model, variant_table, fit, on_progress=on_progress)


def _replay_distinct(net: Any, im: Any, fm: Any, uniques: list[tuple[str, ...]], path: str | None) -> list[dict[str, Any] | None]:
    """The replay of each distinct sequence of model activities: pm4py's replay passes over
    activities the model lacks, so variants that differ only there replay alike (tests/mining
    compare the figures with pm4py on the full log). None for a sequence longer than
    :data:`MAX_ALIGN_LENGTH`. The replay is journeylog's port of pm4py's
    (:mod:`journeylog.mining.tokenreplay`, equal per trace); nets it does not compile (places
    sharing a name, markings outside the net) go through pm4py's own."""
    distinct = [seq for seq in uniques if len(seq) <= MAX_ALIGN_LENGTH]
    try:
        results = [_as_pm4py(res) for res in replay_sequences(net, im, fm, distinct)]
    except Unsupported:  # a net feature the port does not reproduce exactly: pm4py's own replay
        table = pl.DataFrame({"variant_id": range(len(distinct)), "activities": [list(d) for d in distinct],
                              "journeys": [1] * len(distinct)},
                             schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String),
                                     "journeys": pl.UInt32})
        results = _replay(net, im, fm, variant_log(table), path)
    replayed = iter(results)
    return [next(replayed) if len(seq) <= MAX_ALIGN_LENGTH else None for seq in uniques]


def _as_pm4py(res: TraceResult) -> dict[str, Any]:
    """One result of :mod:`journeylog.mining.tokenreplay` under pm4py's keys."""
    fit, fitness, missing, consumed, remaining, produced = res
    return {"trace_is_fit": fit, "trace_fitness": fitness, "missing_tokens": missing, "consumed_tokens": consumed,
            "remaining_tokens": remaining, "produced_tokens": produced}


def _replay(net: Any, im: Any, fm: Any, log: Any, path: str | None) -> list[dict[str, Any]]:
    """pm4py's token replay of every trace (remaining tokens count, no token-flood cleaning)."""
    from pm4py.algo.conformance.tokenreplay import algorithm as executor
    from pm4py.algo.conformance.tokenreplay.variants import token_replay as tr

    params = {
        tr.Parameters.ACTIVITY_KEY: ACTIVITY_KEY,
        tr.Parameters.CONSIDER_REMAINING_IN_FITNESS: True,
        tr.Parameters.CLEANING_TOKEN_FLOOD: False,
        tr.Parameters.SHOW_PROGRESS_BAR: False,
        tr.Parameters.CASE_ID_KEY: CASE_KEY,
    }
    try:
        with silenced():
            return list(executor.apply(log, net, im, fm, variant=executor.Variants.TOKEN_REPLAY, parameters=params))
    except Exception as exc:
        raise InvalidInput(f"pm4py's token replay failed on the model: {type(exc).__name__}: {exc}", path=path) from None


def _append_row(frame: dict[str, list[Any]], vid: int, res: dict[str, Any] | None) -> None:
    """One variant's row of the ``variants`` table (nulls when it was not replayed)."""
    frame["variant_id"].append(vid)
    frame["fit"].append(None if res is None else bool(res["trace_is_fit"]))
    frame["fitness"].append(None if res is None else float(res["trace_fitness"]))
    for kind in _TOKENS:
        frame[kind].append(None if res is None else int(res[f"{kind}_tokens"]))
