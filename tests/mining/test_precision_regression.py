"""Issue 19: alignment precision must equal ``pm4py.precision_alignments`` on the same model file.

pm4py's silent closure (``get_visible_transitions_eventually_enabled_by_marking``) visits silent
transitions sorted by *name* and keeps one marking per transition (a later enqueue overwrites the
earlier one), so it can miss visible transitions, and which ones depends on the names. The
smallest case: ``->(+(*('a', tau), X(tau, 'b')), 'c')``. After ``a`` the marking is
{p_10, p_8}; the silent "redo a" and "skip b" are both enabled. If "redo a" sorts first, it
re-enqueues "skip b" at the marking after the redo, the first "skip b" entry is replayed there,
and the marking after "skip b" alone (where ``c`` is enabled) is never visited: pm4py finds
{a, b}, not {a, b, c}. journeylog renames uuid-named transitions of a PNML file
(``canonical_names``), which changed that order; precision now uses the file's names.
"""

from __future__ import annotations

import random
import uuid

import polars as pl
import pytest

from journeylog import mining
from journeylog.models import load_model, parse_process_tree

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

TREE = "->(+(*('a', tau), X(tau, 'b')), 'c')"


def _vt(seqs: list[list[str]], counts: list[int]) -> pl.DataFrame:
    return pl.DataFrame({"variant_id": list(range(1, len(seqs) + 1)), "activities": seqs, "journeys": counts},
                        schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64})


def _log(pm4py, seqs, counts):
    from pm4py.objects.log.obj import Event, EventLog, Trace

    return EventLog([Trace([Event({"concept:name": a}) for a in s]) for s, c in zip(seqs, counts, strict=True) for _ in range(c)])


def _net_with_silent_names(names: dict[str, str]):
    """The minimal net with its three silent transitions renamed (by their pm4py names)."""
    from pm4py.objects.conversion.process_tree.variants import to_petri_net

    net, im, fm = to_petri_net.apply(parse_process_tree(TREE))
    for t in net.transitions:
        if t.label is None:
            t.name = names[t.name]
    return net, im, fm


# "skip_6" is the redo of the loop on a, "skip_8" skips b, "tau_1" is the parallel split
REDO_FIRST = {"tau_1": "00000000-0000-4000-8000-000000000001", "skip_6": "00000000-0000-4000-8000-000000000002",
              "skip_8": "00000000-0000-4000-8000-000000000003"}
SKIP_FIRST = {"tau_1": "00000000-0000-4000-8000-000000000001", "skip_6": "00000000-0000-4000-8000-000000000003",
              "skip_8": "00000000-0000-4000-8000-000000000002"}


@pytest.mark.parametrize(("names", "expected"), [(REDO_FIRST, 0.5), (SKIP_FIRST, 1 - 4 / 7)])
def test_precision_equals_pm4py_on_a_pnml_file_with_uuid_silent_names(pm4py, tmp_path, names, expected):
    seqs, counts = [["a", "b", "c"]], [1]
    net, im, fm = _net_with_silent_names(names)
    path = tmp_path / "model.pnml"
    pm4py.write_pnml(net, im, fm, str(path))
    ref = pm4py.precision_alignments(_log(pm4py, seqs, counts), *pm4py.read_pnml(str(path)))
    assert ref == expected  # pm4py's own answer depends on the silent transitions' names
    model = load_model(path)
    assert all(not t.name.startswith("00000000") for t in model.net.transitions)  # canonical names kept
    assert mining.precision(model, _vt(seqs, counts), processes=1) == ref
    assert {str(t.name) for t in model.net.transitions if t.label is None} == {"tau_1", "tau_2", "tau_3"}  # restored


def test_precision_equals_pm4py_on_the_same_net_object(pm4py):
    seqs, counts = [["a", "b", "c"], ["a"], ["b", "a", "a", "c"], ["a", "c"]], [3, 5, 1, 2]
    for names in (REDO_FIRST, SKIP_FIRST):
        net, im, fm = _net_with_silent_names(names)
        ref = pm4py.precision_alignments(_log(pm4py, seqs, counts), net, im, fm)
        assert mining.precision((net, im, fm), _vt(seqs, counts), processes=1) == ref


def test_random_uuid_names_on_the_pnml_file(pm4py, tmp_path):
    seqs, counts = [["a", "b", "c"], ["a", "a", "c"], ["b"]], [2, 1, 4]
    log = _log(pm4py, seqs, counts)
    seen = set()
    rng = random.Random(19)
    for k in range(8):
        names = {n: str(uuid.UUID(int=rng.getrandbits(128))) for n in ("tau_1", "skip_6", "skip_8")}
        net, im, fm = _net_with_silent_names(names)
        path = tmp_path / f"m{k}.pnml"
        pm4py.write_pnml(net, im, fm, str(path))
        ref = pm4py.precision_alignments(log, *pm4py.read_pnml(str(path)))
        seen.add(ref)
        assert mining.precision(load_model(path), _vt(seqs, counts), processes=1) == ref
    assert len(seen) == 2  # both orders occurred
