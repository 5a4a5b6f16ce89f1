"""The entry points: :func:`load_model` (suffix -> BPMN, PNML or process-tree loader),
:func:`model_kind`, :class:`DesignedModel` and :func:`write_model` for discovered models."""

from __future__ import annotations

import contextvars
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from journeylog import mining
from journeylog.errors import InvalidInput, JourneylogError, ResourceLimit, UsageError, param
from journeylog.io.files import atomic_output, check_output_path, local_file
from journeylog.models.bpmn import load_bpmn
from journeylog.models.pnml import load_pnml
from journeylog.models.ptree import format_process_tree, load_ptree

__all__ = [
    "MODEL_SUFFIXES",
    "DesignedModel",
    "model_kind",
    "load_model",
    "loading_model",
    "loading_optional_model",
    "refuse_large_model",
    "write_model",
]

MODEL_SUFFIXES = {".bpmn": "bpmn", ".pnml": "pnml", ".ptree": "ptree", ".txt": "ptree"}


@dataclass(frozen=True)
class DesignedModel:
    """A designed model as an accepting Petri net (pm4py objects).

    ``tasks``: the visible transition labels, sorted and unique. ``notes``: how the file was
    interpreted where that is not one-to-one (BPMN elements rewritten or ignored), for the CLI
    to show as warnings.
    """

    net: Any
    initial_marking: Any
    final_marking: Any
    tasks: tuple[str, ...]
    path: str
    kind: str  # "bpmn" | "pnml" | "ptree"
    notes: tuple[str, ...] = field(default=())


def model_kind(path: str | os.PathLike[str]) -> str:
    """``bpmn`` / ``pnml`` / ``ptree`` from the file name, or a UsageError."""
    name = Path(os.fspath(path)).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    suffix = Path(name).suffix
    kind = MODEL_SUFFIXES.get(suffix)
    if kind is None:
        raise UsageError(
            f"unknown model format {suffix or '(no suffix)'!r}",
            path=os.fspath(path),
            hint="give a .bpmn, .pnml, or .ptree/.txt (process tree) file",
        )
    return kind


#: an element that becomes a transition: a BPMN activity or event, a PNML transition (counted in the
#: file before pm4py converts it, so a huge model is refused before the conversion)
_ELEMENT = re.compile(rb"<(?:[\w.-]+:)?(?:transition|task|\w+Task|callActivity|subProcess|\w+Event|\w+Gateway)[\s/>]")


def refuse_large_model(tasks: int, transitions: int, label: str, *, at_least: bool = False) -> None:
    """More tasks than the run's ``max_model_tasks`` (:class:`journeylog.settings.Settings`), or
    more than 4 times as many transitions, is a resource limit (exit 4): the alignment budget
    (``at_least``: ``transitions`` was counted in part of the file).
    Alignments on such a model take minutes to hours and gigabytes (one state-equation search per
    journey variant over every transition)."""
    from journeylog.settings import current

    cap = current().max_model_tasks
    if tasks > cap or transitions > 4 * cap:
        what = (f"{tasks:,} tasks" if tasks > cap else
                f"{'at least ' if at_least else ''}{transitions:,} transitions (silent steps included)")
        raise ResourceLimit(f"the model has {what}, more than the alignment budget of {cap:,} tasks "
                            f"({4 * cap:,} transitions)", path=label,
                            hint=f"raise {param('max_model_tasks')} if the model is trusted and a long run is fine")


def _refuse_large_file(path: str | os.PathLike[str], label: str) -> None:
    """The same budget counted in the file's elements (BPMN, PNML) before the conversion."""
    from journeylog.io.files import open_input
    from journeylog.settings import current

    if model_kind(path) == "ptree":
        return
    most = 4 * current().max_model_tasks
    found, tail = 0, b""
    with open_input(path) as fh:  # streamed: a huge file is refused once it has too many elements
        while found <= most and (chunk := fh.read(1 << 20)):
            text = tail + chunk
            found += sum(1 for m in _ELEMENT.finditer(text) if m.end() > len(tail))
            tail = text[-256:]
        at_least = bool(fh.read(1))
    refuse_large_model(0, found, label, at_least=at_least)


def load_model(path: str | os.PathLike[str]) -> DesignedModel:
    """Read a BPMN, PNML or process-tree file into a :class:`DesignedModel`."""
    label, kind = _checked(path)
    return _converted(path, label, kind)


@contextmanager
def loading_model(path: str | os.PathLike[str]) -> Iterator[Callable[[], DesignedModel]]:
    """:func:`load_model` in a thread while the block reads the log; call the yielded function
    for the model. The path is checked at once (a missing file or unknown suffix is a usage error
    before anything is read). Converting a model imports pm4py (about 0.8 s of Python), which the
    log's reading in Polars (outside the GIL) mostly hides. The errors come in the order of
    loading the model first: when the block fails and so did the model, the model's error is raised.

    >>> with loading_model("samples/telecom/designed_journey.bpmn") as designed:
    ...     designed().tasks[:2]
    ('First bill issued', 'Identity check')
    """
    label, kind = _checked(path)
    box: dict[str, Any] = {}

    def convert() -> None:
        try:
            box["model"] = _converted(path, label, kind)
        except BaseException as exc:  # noqa: BLE001 (re-raised in the caller's thread)
            box["error"] = exc

    worker = threading.Thread(target=contextvars.copy_context().run, args=(convert,), name="journeylog-model", daemon=True)
    worker.start()

    def model() -> DesignedModel:
        worker.join()
        if "error" in box:
            raise box["error"]
        return cast(DesignedModel, box["model"])

    try:
        yield model
    except BaseException:
        worker.join()
        if "error" in box:
            raise box["error"] from None
        raise


@contextmanager
def loading_optional_model(path: str | os.PathLike[str] | None) -> Iterator[Callable[[], DesignedModel | None]]:
    """:func:`loading_model` for a command whose model is optional: ``None`` gives no model."""
    if path is None:
        yield lambda: None
        return
    with loading_model(path) as model:
        yield model


def _checked(path: str | os.PathLike[str]) -> tuple[str, str]:
    """The model path's label and kind, refused as a URL, missing, a directory or too large."""
    label = os.fspath(path)
    local_file(path)  # URLs, missing files, directories: refused before anything else
    kind = model_kind(path)
    _refuse_large_file(path, label)
    return label, kind


def _converted(path: str | os.PathLike[str], label: str, kind: str) -> DesignedModel:
    """The checked file at ``path`` as a :class:`DesignedModel`."""
    try:
        if kind == "bpmn":
            net, im, fm, notes = load_bpmn(path, label)
        elif kind == "pnml":
            net, im, fm, notes = load_pnml(path, label)
        else:
            net, im, fm, notes = load_ptree(path, label)
    except JourneylogError:
        raise
    except RecursionError:
        raise InvalidInput("the model is nested too deeply to convert", path=label) from None
    except Exception as exc:  # any pm4py failure: one line, never a traceback
        raise InvalidInput(f"pm4py could not read the {kind.upper()} model: {type(exc).__name__}: {exc}", path=label) from None
    refuse_large_model(sum(1 for t in net.transitions if t.label is not None), len(net.transitions), label)
    tasks = tuple(sorted({t.label for t in net.transitions if t.label is not None}))
    if not tasks:
        raise InvalidInput("the model has no named tasks (only silent steps)", path=label,
                           hint="name the tasks as the activities in the log")
    return DesignedModel(net=net, initial_marking=im, final_marking=fm, tasks=tasks, path=label, kind=kind, notes=tuple(notes))



def write_model(model: Any, path: str | os.PathLike[str]) -> None:
    """Write a process tree, a ``(net, im, fm)`` triple or a DesignedModel as ``.bpmn`` / ``.pnml``,
    or a process tree as ``.ptree`` / ``.txt`` (the text ``--model`` reads back).

    pm4py's exporters write to a temporary file next to ``path``, renamed over it only when
    complete (no partial file on failure). BPMN gets a Graphviz layout when ``dot`` is available.
    """
    label = os.fspath(path)
    suffix = Path(label).suffix.lower()
    if suffix not in MODEL_SUFFIXES:
        raise UsageError(f"cannot write a model as {suffix or '(no suffix)'!r}", path=label,
                         hint="give a .bpmn, .pnml or .ptree file name")
    check_output_path(path)
    if isinstance(model, mining.Tree):  # journeylog's IMd tree (discover's model)
        model = model.to_pm4py()
    ProcessTree, _ = mining.process_tree_class()
    is_tree = isinstance(model, ProcessTree)
    if MODEL_SUFFIXES[suffix] == "ptree":
        if not is_tree:
            raise UsageError("only a process tree can be written as process-tree text", path=label,
                             hint="give a .bpmn or .pnml file name")
        text = format_process_tree(model) + "\n"
        with atomic_output(path) as tmp:
            Path(tmp).write_text(text, encoding="utf-8")
        return
    triple: tuple[Any, Any, Any] | None
    if isinstance(model, DesignedModel):
        triple = (model.net, model.initial_marking, model.final_marking)
    elif isinstance(model, tuple) and len(model) == 3:
        triple = model
    elif is_tree:
        triple = None
    else:
        raise TypeError("write_model takes a ProcessTree, a (net, im, fm) triple or a DesignedModel")
    try:
        if suffix == ".pnml":
            net, im, fm = mining.tree_to_net(model) if triple is None else triple
            with atomic_output(path) as tmp:
                mining.write_pnml_file(net, im, fm, os.fspath(tmp))
        else:
            bpmn = mining.tree_to_bpmn(model) if triple is None else mining.net_to_bpmn(*triple)
            with atomic_output(path) as tmp:
                mining.write_bpmn_file(bpmn, os.fspath(tmp))
    except JourneylogError:
        raise
    except Exception as exc:
        raise InvalidInput(f"cannot write the model as {suffix[1:].upper()}: {type(exc).__name__}: {exc}", path=label) from None

