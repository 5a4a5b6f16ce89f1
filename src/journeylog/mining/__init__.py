"""The pm4py boundary: discovery, alignments, token replay and precision on the variant table.

This is the one package that imports pm4py for algorithms, always lazily (inside functions, after
:func:`pm4py_quiet`), so importing journeylog stays fast. Every function takes the *variant table*
of :func:`journeylog.journeys.variants` (``variant_id``, ``activities``, ``journeys``): pm4py sees
one trace per variant and every figure is weighted back by ``journeys``.

A flat façade over one module per task, like pm4py's own:

* :mod:`~journeylog.mining.determinism`: :func:`pm4py_quiet` (pm4py imported once, quietly,
  independent of ``PM4PY_*`` variables, with deterministic alignment tie-breaking);
* :mod:`~journeylog.mining.discovery`: :func:`discover_tree`, :func:`discover_tree_imd`,
  :func:`discover_model`, :func:`discover_net`, :func:`canonical_tree`;
* :mod:`~journeylog.mining.alignments`: :func:`align`, :func:`alignment_figures`;
* :mod:`~journeylog.mining.stages`: :class:`NextSteps` (the steps that could come next at a
  point of an alignment: the stage where a journey dropped out);
* :mod:`~journeylog.mining.precision`: :func:`precision`;
* :mod:`~journeylog.mining.budgets`: what the time budgets decided (:func:`align_fallbacks`,
  :func:`precision_skipped`), for the notes that say so;
* :mod:`~journeylog.mining.replay`: :func:`token_replay` (journeylog's port of pm4py's replay,
  :mod:`~journeylog.mining.tokenreplay`) and :func:`replay_and_explain` (``conform --method tbr``);
* :mod:`~journeylog.mining.variants`: :func:`variant_log`;
* :mod:`~journeylog.mining.parallel`: the worker processes (how many: the run's
  :class:`journeylog.settings.Settings`);
* :mod:`~journeylog.mining.petri` and :mod:`~journeylog.mining.export`: pm4py's importers,
  converters and exporters, for :mod:`journeylog.models`.

Exactness against pm4py on the full (one trace per journey) log:

* alignment ``log_fitness``, ``fitting_share`` and token-replay ``log_fitness`` are built from
  integer sums (cost x journeys), so they equal pm4py's figures to the last digit;
* ``average_fitness`` is pm4py's plain left-to-right float sum over the traces *in log order*.
  Pass ``trace_order`` (the variant id of every journey, in the order pm4py would see them: for a
  DataFrame, sorted by case id, which is journeylog's journey order) to reproduce it exactly.
  Without it the exactly rounded mean is returned, which can differ from pm4py's in the last one or
  two digits (observed on a12f0n50: ...532455 vs ...532466);
* :func:`precision` rebuilds pm4py's prefix table from the variant counts and calls pm4py's own
  Align-ETConformance pieces on the distinct prefixes, so the integer sums, and the result, are
  identical. One deliberate difference: pm4py joins prefixes with ``","`` and splits them again,
  which corrupts activity names containing a comma; journeylog keeps prefixes as tuples.
"""

from __future__ import annotations

from journeylog.mining.alignments import (
    DEFAULT_MODEL_TIMEOUT,
    DEFAULT_VARIANT_TIMEOUT,
    LOG_MOVE_COST,
    MAX_ALIGN_LENGTH,
    MOVE_DTYPE,
    SKIP,
    align,
    align_unfit,
    alignment_figures,
    best_worst_cost,
    open_cache,
)
from journeylog.mining.budgets import align_fallbacks
from journeylog.mining.cache import AlignmentCache
from journeylog.mining.determinism import ACTIVITY_KEY, CASE_KEY, pm4py_quiet
from journeylog.mining.discovery import (
    AUTO_IM_MAX_VARIANTS,
    MINERS,
    canonical_tree,
    discover_model,
    discover_net,
    discover_tree,
    discover_tree_imd,
)
from journeylog.mining.export import (
    net_to_bpmn,
    tree_to_bpmn,
    write_bpmn_file,
    write_pnml_file,
)
from journeylog.mining.imd import Tree
from journeylog.mining.parallel import PARALLEL_AFTER_SECONDS, Progress
from journeylog.mining.petri import (
    bpmn_graph_from_root,
    bpmn_to_net,
    canonical_names,
    join_end_tokens,
    pnml_net_from_root,
    process_tree_class,
    reduce_silent,
    terminate_pool,
    tree_to_net,
)
from journeylog.mining.precision import precision, precision_skipped
from journeylog.mining.replay import replay_and_explain, token_replay
from journeylog.mining.stages import NextSteps
from journeylog.mining.variants import variant_log

#: the old private name, still used by tests/test_models.py: use :func:`best_worst_cost`
_best_worst_cost = best_worst_cost

__all__ = [
    # determinism
    "ACTIVITY_KEY",
    "CASE_KEY",
    "pm4py_quiet",
    # variants
    "variant_log",
    # discovery
    "AUTO_IM_MAX_VARIANTS",
    "MINERS",
    "canonical_tree",
    "discover_tree",
    "discover_tree_imd",
    "discover_model",
    "discover_net",
    "Tree",
    # alignments
    "SKIP",
    "LOG_MOVE_COST",
    "MAX_ALIGN_LENGTH",
    "DEFAULT_VARIANT_TIMEOUT",
    "DEFAULT_MODEL_TIMEOUT",
    "MOVE_DTYPE",
    "best_worst_cost",
    "align",
    "align_fallbacks",
    "align_unfit",
    "alignment_figures",
    "open_cache",
    "AlignmentCache",
    # stages (where a journey stopped)
    "NextSteps",
    # parallel
    "PARALLEL_AFTER_SECONDS",
    "Progress",
    # precision, replay
    "precision",
    "precision_skipped",
    "replay_and_explain",
    "token_replay",
    # petri nets for journeylog.models
    "bpmn_graph_from_root",
    "bpmn_to_net",
    "reduce_silent",
    "terminate_pool",
    "pnml_net_from_root",
    "process_tree_class",
    "tree_to_net",
    "canonical_names",
    "join_end_tokens",
    # export for journeylog.models
    "tree_to_bpmn",
    "net_to_bpmn",
    "write_bpmn_file",
    "write_pnml_file",
]
