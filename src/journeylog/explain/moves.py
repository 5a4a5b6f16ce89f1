"""Reading one alignment: its moves -> deviation occurrences (kind, activity, context, the event
it is about, a drop-out's stage). :mod:`journeylog.explain.deviations` builds the catalogue from
them; :mod:`journeylog.explain.reduced` places the occurrences of one alignment of the model's
activities into every variant that shares it.

>>> moves = [("Order", "Order"), (">>", "Identity check"), ("Call", ">>"), ("Pay", "Pay")]
>>> [(o["kind"].value, o["activity"], o["context"], o["event_index"]) for o in variant_deviations(moves)]
[('skipped', 'Identity check', 'Order', 0), ('unexpected', 'Call', 'Order', 1)]
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from journeylog.explain.wording import DeviationKind

__all__ = ["SKIP", "STAGE_SEPARATOR", "Move", "StageFinder", "dropout_stage", "located_deviations", "stage_id",
           "variant_deviations"]

#: pm4py's "no move"
SKIP = ">>"  # pm4py's "no move"
#: joins the step names of a drop-out stage in its id: ``dropped_out:Release A | Release B``
STAGE_SEPARATOR = " | "


#: one normalised move: (log label, model label, model transition name)
Move = tuple[str | None, str | None, str | None]
#: ``(fired model transitions, indexes of the movable ones) -> (next steps, postponed indexes)``,
#: see :func:`dropout_stage` and :meth:`journeylog.mining.NextSteps.stage`
StageFinder = Callable[[Sequence[str], Sequence[int]], tuple[Sequence[str], Collection[int]]]


def stage_id(stage: Sequence[str]) -> str:
    """The ``activity`` part of a drop-out id: the stage's step names, sorted, joined by ``" | "``.

    The same stage gives the same id in every run and model export, whichever branch the
    aligner picked (a CI threshold ``--max-share 'dropped_out:A | B=0.1'`` keeps its meaning).

    >>> stage_id(["Release B", "Release A"]), stage_id(["Install"])
    ('Release A | Release B', 'Install')
    """
    return STAGE_SEPARATOR.join(sorted(set(stage)))


def _move(step: Sequence[Any]) -> Move:
    """Normalise a move: ``>>`` becomes None; silent moves are (None, None, transition)."""
    log, model = step[0], step[1]
    transition = step[2] if len(step) > 2 else None
    return (None if log == SKIP else log, None if model == SKIP else model, transition)


def variant_deviations(moves: Iterable[Sequence[Any]], next_steps: StageFinder | None = None) -> list[dict[str, Any]]:
    """Deviation occurrences in one alignment.

    ``moves``: ``(log, model)`` or ``(log, model, transition)`` steps (``>>`` or None for no
    move; ``transition`` is the name of the model transition that moved). Each occurrence:
    ``kind``, ``activity``, ``context`` (the activity done just before, or for ``wrong_order``
    the step it was done before/after), ``relation`` (``after``/``before``), ``event_index``: the
    0-based index of the journey event it is about (for skips, the event just before the skipped
    step; for a drop-out, the journey's last event), used to find its channel, and ``stage``: for
    a drop-out, the names of the steps that could have come next (see :func:`dropout_stage`).

    Every visible model move after the journey's last synchronous move belongs to its drop-out,
    whatever log moves the aligner put between them; model moves before it are ``skipped``
    (unless ``next_steps`` finds them on a parallel branch the journey never got to).
    """
    out = []
    for occ in located_deviations([_move(m) for m in moves], next_steps):
        one = {k: occ[k] for k in ("kind", "activity", "context", "relation")}
        one["event_index"] = max(occ["_index"], 0)
        if "stage" in occ:
            one["stage"] = occ["stage"]
        out.append(one)
    return out


def located_deviations(full: Sequence[Move], next_steps: StageFinder | None = None) -> list[dict[str, Any]]:
    """:func:`variant_deviations` of normalised moves, each occurrence also saying where it is:
    ``_pos`` (its move; a drop-out: after the last move), ``_index`` (the index of the last
    journey event consumed at that move, -1 before the first; ``event_index`` is it, at least 0)
    and ``_last`` (whether its ``context`` is the event just before, as for every kind but a
    wrong order done early). :mod:`journeylog.explain.reduced` places the occurrences of an
    alignment without the activities the model lacks back into each variant with these."""
    log_moved = {m[0] for m in full if m[0] is not None and m[1] is None}
    model_moved = {m[1] for m in full if m[0] is None and m[1] is not None}
    out_of_order = log_moved & model_moved
    last_sync = max((i for i, m in enumerate(full) if m[0] is not None and m[1] is not None), default=-1)
    stage, postponed = dropout_stage(full, last_sync, out_of_order, next_steps)
    occurrences: list[dict[str, Any]] = []
    done: set[str] = set()
    last_done: str | None = None
    index = -1  # index of the last log event consumed
    for pos, (log, model, _t) in enumerate(full):
        if log is not None:
            index += 1
        if log is not None and model is not None:  # synchronous
            done.add(log)
            last_done = log
            continue
        if log is not None:  # log move
            occurrences.append({**_log_move(full, pos, log, out_of_order, done, last_done, index), "_pos": pos})
            done.add(log)
            last_done = log
            continue
        if model is None or model in out_of_order or pos > last_sync or pos in postponed:
            continue  # silent; reported once as wrong_order at its log move; part of the drop-out
        occurrences.append({"kind": DeviationKind.SKIPPED, "activity": model, "context": last_done, "relation": "after",
                            "_index": index, "_pos": pos, "_last": True})
    if stage:
        occurrences.append({"kind": DeviationKind.DROPPED_OUT, "activity": stage_id(stage), "context": last_done,
                            "relation": "after", "_index": index, "stage": sorted(set(stage)), "_pos": len(full),
                            "_last": True})
    return occurrences


def _log_move(full: Sequence[Move], pos: int, log: str, out_of_order: set[str], done: set[str], last_done: str | None,
              index: int) -> dict[str, Any]:
    """The occurrence of the log move at ``pos``: wrong_order, repeated or unexpected."""
    if log in out_of_order:
        nxt = next((m[0] for m in full[pos + 1:] if m[0] is not None and m[1] is not None), None)
        early = any(m[0] is None and m[1] == log for m in full[pos + 1:])
        return {"kind": DeviationKind.WRONG_ORDER, "activity": log, "context": nxt if early else last_done,
                "relation": "before" if early else "after", "_index": index, "_last": not early}
    kind = DeviationKind.REPEATED if log in done else DeviationKind.UNEXPECTED
    return {"kind": kind, "activity": log, "context": last_done, "relation": "after", "_index": index, "_last": True}


def dropout_stage(full: Sequence[Move], last_sync: int, out_of_order: set[str],
                  next_steps: StageFinder | None = None) -> tuple[list[str], set[int]]:
    """``(stage, postponed)``: where the journey dropped out (empty stage: it did not), and the
    positions of model moves before its last synchronous move that belong to the drop-out.

    It dropped out when a visible model move follows its last synchronous move (``last_sync``,
    -1 when there is none: the journey then dropped out before the designed journey's first
    step), other than a step it did out of order (``out_of_order``: reported as wrong_order).
    The stage is every visible step that could come next from the marking reached after the last
    synchronous move (``next_steps``, e.g. :meth:`journeylog.mining.NextSteps.stage`, replays the
    fired model transitions), moved on past the out-of-order steps the aligner placed before the
    first dropped step (they were done, only elsewhere). Silent moves after the last synchronous
    move are not replayed: they are the aligner's choice of branch, and the stage names every
    branch. ``next_steps`` may also postpone model moves the aligner placed before the last
    synchronous move when the journey's steps run without them (a parallel branch the journey
    never started): they are then part of the drop-out, not skips. Without ``next_steps`` or
    transition names, the stage is the first dropped step.

    >>> dropout_stage([("A", "A", "t1"), (None, "B", "t2"), ("X", None, None), (None, "C", "t3")], 0, set())
    (['B'], set())
    """
    def dropped_step(i: int) -> bool:
        return full[i][0] is None and full[i][1] is not None and full[i][1] not in out_of_order

    dropped = [i for i in range(last_sync + 1, len(full)) if dropped_step(i)]
    fallback = ([str(full[dropped[0]][1])] if dropped else []), set[int]()
    first = dropped[0] if dropped else len(full)
    moved_on = [i for i in range(last_sync + 1, first) if full[i][0] is None and full[i][1] in out_of_order]
    end = max(moved_on, default=last_sync)
    positions = [i for i in range(end + 1) if full[i][1] is not None or full[i][0] is None]  # model side
    movable = [k for k, i in enumerate(positions) if i < last_sync and dropped_step(i)]
    if next_steps is None or (not dropped and not movable):
        return fallback
    fired = [full[i][2] for i in positions]
    if any(t is None for t in fired):
        return fallback
    try:
        stage, postponed = next_steps([str(t) for t in fired], movable)
    except KeyError:  # moves of another model
        return fallback
    if not dropped and not postponed:
        return [], set()
    return (list(stage) or fallback[0] or [str(full[positions[min(postponed)]][1])]), {positions[k] for k in postponed}
