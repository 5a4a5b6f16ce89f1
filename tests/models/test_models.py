"""journeylog.models: BPMN / PNML / process-tree files in, label checks, models out."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import polars as pl
import pytest

from journeylog import mining
from journeylog.errors import InvalidInput, UnsafeInput, UsageError
from journeylog.models import DesignedModel, label_check, load_model, model_kind, parse_process_tree, write_model

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

DATA = Path(__file__).resolve().parents[1] / "data" / "models"
BPMN_FILES = sorted((DATA / "bpmn").glob("*.bpmn.gz")) + [DATA / "running-example.bpmn", DATA / "receipt.bpmn"]
FAILING = {
    "B.1.0.bpmn.gz": ("callActivity", "_fa3a8e53-5be0-4f0b-8680-d2498e255209", 73),
    "B.2.0.bpmn.gz": ("callActivity", "_a74c1d4d-db90-43ff-8920-139a300b39a5", 157),
}


def table(seqs, counts=None) -> pl.DataFrame:
    return pl.DataFrame(
        {"variant_id": list(range(1, len(seqs) + 1)), "activities": seqs, "journeys": counts or [1] * len(seqs)},
        schema={"variant_id": pl.UInt32, "activities": pl.List(pl.String), "journeys": pl.UInt64},
    )


def fits(model, seq) -> bool:
    return mining.align(model, table([seq]))["fitness"][0] == 1.0


def reachable_labels(model: DesignedModel, limit: int = 20000) -> set[str]:
    from pm4py.objects.petri_net import semantics

    seen = {model.initial_marking}
    todo = [model.initial_marking]
    labels: set[str] = set()
    while todo and len(seen) < limit:
        m = todo.pop()
        for t in semantics.enabled_transitions(model.net, m):
            if t.label is not None:
                labels.add(t.label)
            nxt = semantics.execute(t, model.net, m)
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return labels


# ---------------------------------------------------------------------------------------------
# BPMN
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_every_bpmn_loads_or_names_the_unsupported_element(path):
    if path.name in FAILING:
        kind, eid, line = FAILING[path.name]
        with pytest.raises(InvalidInput) as info:
            load_model(path)
        err = info.value
        assert err.code == 3
        assert err.one_line() == (
            f'{path}:{line}: unsupported BPMN element {kind} id="{eid}" '
            "(pm4py cannot convert call activities; inline the called process)"
        )
        assert "\n" not in err.one_line()
        assert err.more and err.more.startswith("and 2 more: callActivity")
        return
    model = load_model(path)
    assert model.kind == "bpmn" and model.path == str(path)
    assert model.tasks == tuple(sorted(set(model.tasks))) and model.tasks
    # the converted net can complete (easy soundness) and no task is unreachable
    mining._best_worst_cost(model.net, model.initial_marking, model.final_marking, model.path, 30)
    assert reachable_labels(model) == set(model.tasks)


def test_bpmn_tasks_and_behaviour_match_pm4pys_own_reading(pm4py):
    model = load_model(DATA / "running-example.bpmn")
    assert model.tasks == (
        "check ticket", "decide", "examine casually", "examine thoroughly", "pay compensation",
        "register request", "reinitiate request", "reject request",
    )
    assert model.notes == ()
    ref_net, _im, _fm = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(DATA / "running-example.bpmn")))
    assert sorted(t.label for t in ref_net.transitions if t.label) == list(model.tasks)
    assert fits(model, ["register request", "check ticket", "examine casually", "decide", "pay compensation"])
    assert not fits(model, ["register request", "decide", "pay compensation"])


def test_pm4py_never_opens_the_file(monkeypatch, pm4py):
    from pm4py.objects.bpmn.importer.variants import lxml as bpmn_lxml
    from pm4py.objects.petri_net.importer.variants import pnml

    def refuse(*a, **k):
        raise AssertionError("pm4py opened a file")

    monkeypatch.setattr(pm4py, "read_bpmn", refuse)
    monkeypatch.setattr(pm4py, "read_pnml", refuse)
    monkeypatch.setattr(bpmn_lxml, "apply", refuse)
    monkeypatch.setattr(pnml, "import_net", refuse)
    assert load_model(DATA / "running-example.bpmn").tasks
    assert load_model(DATA / "running-example.pnml").tasks


BPMN_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">\n'


def write_bpmn(tmp_path, body: str, name: str = "m.bpmn") -> Path:
    p = tmp_path / name
    p.write_text(BPMN_HEAD + body + "\n</definitions>\n", encoding="utf-8")
    return p


def test_bpmn_elements_pm4py_drops_are_rewritten(tmp_path):
    body = """
  <process id="p">
    <startEvent id="s"/>
    <task id="a" name="Register&#10;request"/>
    <intermediateCatchEvent id="wait" name="Reply received"><messageEventDefinition/></intermediateCatchEvent>
    <subProcess id="sp" name="Handle">
      <startEvent id="s2"/>
      <userTask id="b" name="Check"/>
      <serviceTask id="c" name="Decide"/>
      <endEvent id="e2"/>
      <sequenceFlow id="f10" sourceRef="s2" targetRef="b"/>
      <sequenceFlow id="f11" sourceRef="b" targetRef="c"/>
      <sequenceFlow id="f12" sourceRef="c" targetRef="e2"/>
    </subProcess>
    <boundaryEvent id="timeout" attachedToRef="sp"><timerEventDefinition/></boundaryEvent>
    <task id="d" name="Notify"><standardLoopCharacteristics/></task>
    <task id="x" name="Escalate"/>
    <endEvent id="e"/>
    <endEvent id="e3"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
    <sequenceFlow id="f2" sourceRef="a" targetRef="wait"/>
    <sequenceFlow id="f3" sourceRef="wait" targetRef="sp"/>
    <sequenceFlow id="f4" sourceRef="sp" targetRef="d"/>
    <sequenceFlow id="f5" sourceRef="d" targetRef="e"/>
    <sequenceFlow id="f6" sourceRef="timeout" targetRef="x"/>
    <sequenceFlow id="f7" sourceRef="x" targetRef="e3"/>
  </process>"""
    model = load_model(write_bpmn(tmp_path, body))
    assert model.tasks == ("Check", "Decide", "Escalate", "Notify", "Register request")
    assert any("inlined" in n for n in model.notes) and any("loop" in n for n in model.notes)
    assert fits(model, ["Register request", "Check", "Decide", "Notify"])
    assert fits(model, ["Register request", "Check", "Decide", "Notify", "Notify", "Notify"])
    assert fits(model, ["Register request", "Check", "Decide", "Escalate"])
    assert not fits(model, ["Register request", "Decide", "Check", "Notify"])
    assert not fits(model, ["Register request", "Check", "Decide"])


def test_bpmn_pools_run_side_by_side_and_terminate_ends_a_pool():
    model = load_model(DATA / "bpmn" / "pizza-collaboration.bpmn.gz")
    journey = ["Select a pizza", "Order a pizza", "Bake the pizza", "Ask for the pizza", "Calm customer",
               "Deliver the pizza", "Pay the pizza", "Receive payment", "Eat the pizza"]
    assert fits(model, journey)
    # the vendor's "calm customer" loop is still open when its terminate end event is reached
    assert fits(model, journey[:3] + ["Ask for the pizza", "Calm customer", "Ask for the pizza", "Calm customer"] + journey[5:])
    customer_only = ["Select a pizza", "Order a pizza", "Pay the pizza", "Eat the pizza"]
    assert not fits(model, customer_only)  # pm4py alone would make the pools alternatives
    assert any("side by side" in n for n in model.notes) and any("terminate" in n for n in model.notes)


def test_bpmn_implicit_parallel_split(tmp_path):
    body = """
  <process id="p">
    <startEvent id="s"/>
    <task id="a" name="A"/><task id="b" name="B"/><task id="c" name="C"/>
    <parallelGateway id="j"/>
    <endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
    <sequenceFlow id="f2" sourceRef="a" targetRef="b"/>
    <sequenceFlow id="f3" sourceRef="a" targetRef="c"/>
    <sequenceFlow id="f4" sourceRef="b" targetRef="j"/>
    <sequenceFlow id="f5" sourceRef="c" targetRef="j"/>
    <sequenceFlow id="f6" sourceRef="j" targetRef="e"/>
  </process>"""
    model = load_model(write_bpmn(tmp_path, body))
    assert fits(model, ["A", "B", "C"]) and fits(model, ["A", "C", "B"])
    assert not fits(model, ["A", "B"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('<process id="p"><startEvent id="s"/><complexGateway id="g"/>'
         '<sequenceFlow id="f" sourceRef="s" targetRef="g"/></process>',
         'unsupported BPMN element complexGateway id="g"'),
        ('<process id="p"><startEvent id="s"/><sequenceFlow id="f" sourceRef="s" targetRef="nowhere"/></process>',
         'sequenceFlow id="f" refers to id="nowhere", which does not exist'),
        ('<process id="p"><startEvent id="s"/><sequenceFlow id="f" sourceRef="s"/></process>',
         'sequenceFlow id="f" has no targetRef'),
        ('<process id="p"><startEvent id="s"/><dataObject id="o"/><sequenceFlow id="f" sourceRef="s" targetRef="o"/></process>',
         'unsupported BPMN element dataObject id="o"'),
        ('<collaboration id="c"/>', "no <process> element"),
        ('<process id="p"><startEvent id="s"/><endEvent id="e"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/></process>',
         "no named tasks"),
    ],
)
def test_bad_bpmn_is_one_line_invalid_input(tmp_path, body, message):
    with pytest.raises(InvalidInput) as info:
        load_model(write_bpmn(tmp_path, body))
    assert message in info.value.one_line()
    assert "\n" not in info.value.one_line()


def test_any_pm4py_failure_is_invalid_input(monkeypatch):
    def boom(*a, **k):
        raise AttributeError("'str' object has no attribute 'add_out_arc'")

    monkeypatch.setattr(mining, "bpmn_to_net", boom)
    with pytest.raises(InvalidInput, match=r"pm4py could not read the BPMN model: AttributeError"):
        load_model(DATA / "running-example.bpmn")


# ---------------------------------------------------------------------------------------------
# PNML
# ---------------------------------------------------------------------------------------------


def test_pnml_guards_are_stripped(tmp_path):
    text = (DATA / "running-example.pnml").read_text(encoding="utf-8")
    marker = tmp_path / "pwned"
    guard = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    guarded = lambda m: f'<transition {m.group(1)} guard="{guard}"><guard><text>{guard}</text></guard>'
    text, n = re.subn(r"<transition ([^>]*)>", guarded, text)
    assert n > 0
    p = tmp_path / "guarded.pnml"
    p.write_text(text, encoding="utf-8")
    model = load_model(p)
    assert all("guard" not in t.properties for t in model.net.transitions)
    assert model.tasks == load_model(DATA / "running-example.pnml").tasks
    mining.token_replay(model, table([["register request", "decide"]]))
    assert not marker.exists()


def _edit_pnml(tmp_path, pattern: str, repl: str, name="x.pnml") -> Path:
    text = (DATA / "running-example.pnml").read_text(encoding="utf-8")
    new, n = re.subn(pattern, repl, text, flags=re.S)
    assert n, pattern
    p = tmp_path / name
    p.write_text(new, encoding="utf-8")
    return p


def test_pnml_without_final_marking(tmp_path):
    p = _edit_pnml(tmp_path, r"<finalmarkings>.*</finalmarkings>", "")
    with pytest.raises(InvalidInput, match="no final marking") as info:
        load_model(p)
    assert "finalmarkings" in info.value.one_line()


def test_pnml_without_initial_marking(tmp_path):
    p = _edit_pnml(tmp_path, r"<initialMarking>.*?</initialMarking>", "")
    with pytest.raises(InvalidInput, match="no initial marking") as info:
        load_model(p)
    assert "initialMarking" in info.value.one_line()


def test_pnml_bad_numbers_and_references(tmp_path):
    p = _edit_pnml(tmp_path, r"(<initialMarking>\s*<text>)1(</text>)", r"\1one\2")
    with pytest.raises(InvalidInput, match=r"x.pnml:\d+: an initial marking must be a whole number, found 'one'"):
        load_model(p)
    p = _edit_pnml(tmp_path, r'(<arc id="[^"]*" source=")[^"]*(")', r"\1ghost\2", name="y.pnml")
    with pytest.raises(InvalidInput, match='refers to unknown node "ghost"'):
        load_model(p)


def test_pnml_loads_the_shared_models():
    for name in ("running-example.pnml", "roadtraffic.pnml", "a12.pnml"):
        model = load_model(DATA / name)
        assert model.kind == "pnml" and model.tasks
        assert reachable_labels(model) == set(model.tasks)


# ---------------------------------------------------------------------------------------------
# process trees
# ---------------------------------------------------------------------------------------------


def test_ptree_file(tmp_path):
    p = tmp_path / "journey.ptree"
    p.write_text("# the designed journey\n->('Place order', X('Pay by card', 'Pay by invoice'),\n   *('Ship', tau), 'Close')\n",
                 encoding="utf-8")
    model = load_model(p)
    assert model.kind == "ptree"
    assert model.tasks == ("Close", "Pay by card", "Pay by invoice", "Place order", "Ship")
    assert fits(model, ["Place order", "Pay by invoice", "Ship", "Ship", "Close"])
    assert not fits(model, ["Place order", "Ship", "Close"])
    t = tmp_path / "journey.txt"
    t.write_text("X('a', 'b')", encoding="utf-8")
    assert load_model(t).tasks == ("a", "b")


@pytest.mark.parametrize(
    "text",
    ["->( 'A', X( 'B', 'C' ), +( 'D', tau ) )", "*( 'A', tau )", "'single'", "O( 'a', <>( 'b', 'c' ) )", "->('a','b')"],
)
def test_ptree_parser_agrees_with_pm4py(text, pm4py):
    assert str(parse_process_tree(text)) == str(pm4py.parse_process_tree(text))


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("->('a', 'b'", (1, 12), "expected ',' or ')'"),
        ("->(a, 'b')", (1, 4), "unexpected 'a'"),
        ("->('a')) x", (1, 8), "after the end of the tree"),
        ("X(\n 'a',\n )", (3, 2), "unexpected ')'"),
        ("->('a', 'b", (1, 9), "unterminated"),
        ("->()", (1, 4), "at least one child"),
        ("   ", None, "empty"),
    ],
)
def test_ptree_syntax_errors(tmp_path, text, where, what):
    p = tmp_path / "bad.ptree"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_model(p)
    err = info.value
    assert what in err.one_line()
    if where:
        assert (err.row, err.column) == where


# ---------------------------------------------------------------------------------------------
# files and safety
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".bpmn", ".pnml"])
def test_doctype_is_unsafe(tmp_path, suffix):
    root = "definitions" if suffix == ".bpmn" else "pnml"
    p = tmp_path / f"evil{suffix}"
    p.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<{root}>&x;</{root}>',
                 encoding="utf-8")
    with pytest.raises(UnsafeInput):
        load_model(p)
    gz = tmp_path / f"evil{suffix}.gz"
    gz.write_bytes(gzip.compress(p.read_bytes()))
    with pytest.raises(UnsafeInput):
        load_model(gz)


def test_paths_and_suffixes(tmp_path):
    odd = tmp_path / "model.json"
    odd.write_text("{}")
    with pytest.raises(UsageError, match="unknown model format '.json'"):
        load_model(odd)
    with pytest.raises(UsageError):
        load_model(tmp_path)
    with pytest.raises(UsageError, match="no such file"):
        load_model(tmp_path / "missing.bpmn")
    with pytest.raises(UnsafeInput):
        load_model("https://example.com/model.bpmn")
    assert model_kind("x.BPMN.gz") == "bpmn" and model_kind("t.txt") == "ptree"
    wrong_root = tmp_path / "log.bpmn"
    wrong_root.write_text("<log/>")
    with pytest.raises(InvalidInput, match="wrong root element <log>"):
        load_model(wrong_root)


# ---------------------------------------------------------------------------------------------
# label checks
# ---------------------------------------------------------------------------------------------


def test_label_check_suggestions():
    tasks = ["Register request", "Check ticket", "Decide", "Pay compensation", "Reject request"]
    activities = ["register request", "Check-Ticket", "Decide", "Pay compensaton", "Call centre contact", "Reject  request "]
    check = label_check(tasks, activities)
    assert check.unknown_activities == [
        {"activity": "Call centre contact", "suggestion": None},
        {"activity": "Check-Ticket", "suggestion": "Check ticket"},
        {"activity": "Pay compensaton", "suggestion": "Pay compensation"},
        {"activity": "Reject  request ", "suggestion": "Reject request"},
        {"activity": "register request", "suggestion": "Register request"},
    ]
    assert check.unseen_tasks == [
        {"task": "Check ticket", "suggestion": "Check-Ticket"},
        {"task": "Pay compensation", "suggestion": "Pay compensaton"},
        {"task": "Register request", "suggestion": "register request"},
        {"task": "Reject request", "suggestion": "Reject  request "},
    ]
    assert not check.ok
    assert label_check(["a", "b"], pl.Series(["b", "a", "a"])).ok
    # short names need an exact match up to case/punctuation: no wild guesses
    assert label_check(["Pay"], ["Pad"]).unknown_activities == [{"activity": "Pad", "suggestion": None}]


# ---------------------------------------------------------------------------------------------
# writing models
# ---------------------------------------------------------------------------------------------


def test_write_discovered_models_and_read_them_back(tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # pm4py's layouter leaves temp files
    vt = table([["open", "check", "close"], ["open", "close"], ["open", "check", "check", "close"]], [5, 3, 1])
    tree = mining.discover_tree(vt)
    for suffix in (".pnml", ".bpmn"):
        out = tmp_path / f"discovered{suffix}"
        write_model(tree, out)
        back = load_model(out)
        assert back.tasks == ("check", "close", "open")
        for seq in vt["activities"].to_list():
            assert fits(back, seq)
    net_out = tmp_path / "net.pnml"
    write_model(mining.discover_net(vt), net_out)
    first = net_out.read_bytes()
    write_model(mining.discover_net(vt), net_out)
    assert net_out.read_bytes() == first  # deterministic output
    bpmn_text = (tmp_path / "discovered.bpmn").read_text(encoding="utf-8")
    assert 'id="task_1_' in bpmn_text and not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", bpmn_text)
    write_model(tree, tmp_path / "again.bpmn")
    assert (tmp_path / "again.bpmn").read_text(encoding="utf-8").split("<bpmndi:")[0] == bpmn_text.split("<bpmndi:")[0]
    assert os.listdir(scratch) == []
    write_model(load_model(DATA / "running-example.pnml"), tmp_path / "copy.pnml")
    assert load_model(tmp_path / "copy.pnml").tasks == load_model(DATA / "running-example.pnml").tasks


def test_write_model_failures_leave_nothing_behind(tmp_path, monkeypatch):
    tree = parse_process_tree("->('a', 'b')")
    with pytest.raises(UsageError, match="cannot write a model as '.svg'"):
        write_model(tree, tmp_path / "m.svg")
    with pytest.raises(UsageError):
        write_model(tree, tmp_path)
    target = tmp_path / "m.pnml"
    target.write_text("old")

    def partial(net, im, fm, path):
        Path(path).write_text("<pnml>")
        raise RuntimeError("disk full")

    monkeypatch.setattr(mining, "write_pnml_file", partial)
    with pytest.raises(InvalidInput, match="cannot write the model as PNML: RuntimeError: disk full"):
        write_model(tree, target)
    assert target.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["m.pnml"]


def test_a_discovered_tree_is_written_as_process_tree_text_and_read_back(tmp_path, pm4py):
    """``discover --model-out x.ptree``: the text ``--model`` reads, the same tree as pm4py's
    own parser reads from it, quotes in names kept; a Petri net has no tree text."""
    vt = table([["open", "Customer's call", "close"], ["open", "close"], ["open", "check", "check", "close"]], [5, 3, 1])
    tree = mining.discover_tree(vt)
    out = tmp_path / "discovered.ptree"
    write_model(tree, out)
    text = out.read_text(encoding="utf-8")
    assert text.endswith("\n") and "\"Customer's call\"" in text
    back = parse_process_tree(text)
    assert str(back) == str(tree.to_pm4py() if isinstance(tree, mining.Tree) else tree)
    assert load_model(out).tasks == ("Customer's call", "check", "close", "open")
    for seq in vt["activities"].to_list():
        assert fits(load_model(out), seq)
    plain = parse_process_tree("->('a', X('b', tau), *('c', tau), +('d', 'e'))")
    write_model(plain, tmp_path / "plain.txt")
    assert (tmp_path / "plain.txt").read_text() == "->('a', X('b', tau), *('c', tau), +('d', 'e'))\n"
    assert str(pm4py.parse_process_tree("->('a', X('b', tau), *('c', tau), +('d', 'e'))")) == str(plain)
    with pytest.raises(UsageError, match="only a process tree"):
        write_model(mining.discover_net(vt), tmp_path / "net.ptree")
    with pytest.raises(InvalidInput, match="both kinds of quote"):
        write_model(_tree_named("it's \"x\""), tmp_path / "q.ptree")
    assert not (tmp_path / "q.ptree").exists() and not (tmp_path / "net.ptree").exists()


def _tree_named(name: str):
    ProcessTree, _op = mining.process_tree_class()
    return ProcessTree(label=name)
