"""Designed models in: BPMN 2.0, PNML and process-tree text -> a Petri net, and label checks.

Every model file is read by journeylog's own safe front-end (:mod:`journeylog.io.xml` for XML:
local regular files only, no DOCTYPE/entities, size caps) and only the parsed tree is handed to
pm4py's tree-walking importers (through helpers in :mod:`journeylog.mining`); pm4py never opens
a file. The suffix decides the format: ``.bpmn``, ``.pnml``, ``.ptree`` / ``.txt`` (optionally
followed by ``.gz``).

Modules: :mod:`~journeylog.models.loading` (:func:`load_model`, :func:`model_kind`,
:class:`DesignedModel`, :func:`write_model`), :mod:`~journeylog.models.bpmn` (the BPMN repair
front-end), :mod:`~journeylog.models.pnml`, :mod:`~journeylog.models.ptree`
(:func:`parse_process_tree`) and :mod:`~journeylog.models.labels` (:func:`label_check`).
"""

from journeylog.models.labels import DEFAULT_MIN_LABEL_OVERLAP, LabelCheck, LabelOverlap, label_check, label_overlap
from journeylog.models.loading import (
    MODEL_SUFFIXES,
    DesignedModel,
    load_model,
    loading_model,
    loading_optional_model,
    model_kind,
    write_model,
)
from journeylog.models.ptree import parse_process_tree

__all__ = [
    "DEFAULT_MIN_LABEL_OVERLAP",
    "MODEL_SUFFIXES",
    "LabelOverlap",
    "label_overlap",
    "DesignedModel",
    "LabelCheck",
    "label_check",
    "load_model",
    "loading_model",
    "loading_optional_model",
    "model_kind",
    "parse_process_tree",
    "write_model",
]
