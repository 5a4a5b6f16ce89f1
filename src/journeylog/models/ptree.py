"""Process trees in pm4py's text syntax, e.g. ``->('Place order', X('A', 'B'), tau)``: a strict,
iterative parser and the loader."""

from __future__ import annotations

import os
from typing import Any

from journeylog import mining
from journeylog.errors import InvalidInput
from journeylog.io.files import read_input_bytes

__all__ = ["format_process_tree", "load_ptree", "parse_process_tree"]

_OPERATORS = ("->", "<>", "X", "+", "*", "O")


def parse_process_tree(text: str, label: str = "<string>") -> Any:
    """Parse pm4py's process-tree syntax, e.g. ``->('Place order', X('A', 'B'), tau)``.

    pm4py's own ``parse_process_tree`` checks syntax with ``assert`` (gone under ``python -O``),
    recurses once per node and accepts unbalanced input; this parser is strict and iterative and
    builds the same pm4py ``ProcessTree``. Labels are in single (or double) quotes; ``tau``/``τ`` is
    a silent step; ``#`` starts a comment outside quotes.
    """
    return _TreeParser(text, label).parse()


def format_process_tree(tree: Any) -> str:
    """A process tree (pm4py's or journeylog's) in the text :func:`parse_process_tree` reads back
    as the same tree: labels in single quotes (double when the name holds one), ``tau`` for a
    silent step. A name with both kinds of quote has no text form (``InvalidInput``).

    >>> text = "->('Order', X('Call', tau), *('Pay', tau))"
    >>> format_process_tree(parse_process_tree(text)) == text
    True
    """
    names = {v: k for k, v in _TreeParser("", "").ops.items()}
    out: list[str] = []
    stack: list[Any] = [tree]  # nodes, and ", " / ")" still to write (iterative: deep trees are fine)
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            out.append(node)
        elif node.label is not None:
            out.append(_quoted(node.label))
        elif not node.children:
            out.append("tau")
        else:
            op = node.operator
            out.append(f"{names.get(op, op)}(")
            stack.append(")")
            for k, child in enumerate(reversed(node.children)):
                stack.append(child)
                if k < len(node.children) - 1:
                    stack.append(", ")
    return "".join(out)


def _quoted(name: str) -> str:
    """``name`` in quotes the parser reads back."""
    if "'" not in name:
        return f"'{name}'"
    if '"' not in name:
        return f'"{name}"'
    raise InvalidInput(f"the activity name {name!r} holds both kinds of quote: a process-tree text cannot name it",
                       hint="write the model as .bpmn or .pnml")


class _TreeParser:
    """The state of :func:`parse_process_tree`: the text, the position and the open operator nodes."""

    def __init__(self, text: str, label: str) -> None:
        self.text = text
        self.label = label
        self.n = len(text)
        self.i = 0
        self.tree_class, operator = mining.process_tree_class()
        self.ops = {"->": operator.SEQUENCE, "X": operator.XOR, "+": operator.PARALLEL, "*": operator.LOOP,
                    "O": operator.OR, "<>": operator.INTERLEAVING}
        self.root: Any = None
        self.stack: list[Any] = []  # open operator nodes

    def fail(self, msg: str, pos: int, hint: str | None = None) -> InvalidInput:
        line = self.text.count("\n", 0, pos) + 1
        col = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        return InvalidInput(f"process tree: {msg}", path=self.label, row=line, column=col, hint=hint)

    def skip(self) -> None:
        """Skip white space and ``#`` comments."""
        text, n = self.text, self.n
        while self.i < n:
            if text[self.i].isspace():
                self.i += 1
            elif text[self.i] == "#":
                while self.i < n and text[self.i] != "\n":
                    self.i += 1
            else:
                break

    def parse(self) -> Any:
        expect_node = True
        while True:
            self.skip()
            if expect_node:
                if self.i >= self.n:
                    raise self.fail("unexpected end of text, expected an activity, tau or an operator", self.i)
                node = self.leaf()
                if node is None:
                    self.open_operator()
                    continue
                if self.stack:
                    node.parent = self.stack[-1]
                    self.stack[-1].children.append(node)
                else:
                    self.root = node
                expect_node = False
                continue
            if not self.stack:
                if self.i < self.n:
                    raise self.fail(f"unexpected {self.text[self.i]!r} after the end of the tree", self.i)
                break
            expect_node = self.after_node()
        if self.root is None:
            raise InvalidInput("empty process tree", path=self.label)
        return self.root

    def leaf(self) -> Any:
        """The quoted activity or silent step at the position (moving past it), or None if an operator follows."""
        text, i = self.text, self.i
        if text[i] in "'\"":
            end = text.find(text[i], i + 1)
            if end < 0:
                raise self.fail("unterminated quoted activity name", i)
            name = text[i + 1 : end]
            if not name.strip():
                raise self.fail("empty activity name (use tau for a silent step)", i)
            self.i = end + 1
            return self.tree_class(label=name)
        if text.startswith("tau", i) or text.startswith("τ", i):
            self.i += 3 if text.startswith("tau", i) else 1
            return self.tree_class()
        return None

    def open_operator(self) -> None:
        """Read ``op(`` at the position and push the operator node."""
        text = self.text
        op = next((o for o in _OPERATORS if text.startswith(o, self.i)), None)
        if op is None:
            raise self.fail(f"unexpected {text[self.i]!r}", self.i, hint="quote activity names: 'Place order'")
        self.i += len(op)
        self.skip()
        if self.i >= self.n or text[self.i] != "(":
            raise self.fail(f"expected '(' after operator {op}", self.i)
        self.i += 1
        node = self.tree_class(operator=self.ops[op])
        if self.stack:
            node.parent = self.stack[-1]
            self.stack[-1].children.append(node)
        elif self.root is None:
            self.root = node
        self.stack.append(node)
        self.skip()
        if self.i < self.n and text[self.i] == ")":
            raise self.fail(f"operator {op} needs at least one child", self.i)

    def after_node(self) -> bool:
        """Read the ``,`` or ``)`` after a node; whether a node is expected next."""
        if self.i >= self.n:
            raise self.fail("unexpected end of text, expected ',' or ')'", self.i)
        if self.text[self.i] == ",":
            self.i += 1
            return True
        if self.text[self.i] == ")":
            self.i += 1
            self.stack.pop()
            return False
        raise self.fail(f"unexpected {self.text[self.i]!r}, expected ',' or ')'", self.i)


def load_ptree(path: str | os.PathLike[str], label: str) -> tuple[Any, Any, Any, list[str]]:
    data = read_input_bytes(path, max_bytes=16 * 1024 * 1024)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not UTF-8 text (byte {exc.start})", path=label) from None
    if not text.strip():
        raise InvalidInput("empty process-tree file", path=label)
    tree = parse_process_tree(text, label)
    net, im, fm = mining.tree_to_net(tree)
    return net, im, fm, []
