"""Process trees in pm4py's text syntax, e.g. ``->('Place order', X('A', 'B'), tau)``: a strict,
iterative parser and the loader."""

from __future__ import annotations

import os
from typing import Any

from journeylog import mining
from journeylog.errors import InvalidInput
from journeylog.io.files import read_input_bytes

__all__ = ["parse_process_tree", "load_ptree"]

_OPERATORS = ("->", "<>", "X", "+", "*", "O")


def parse_process_tree(text: str, label: str = "<string>") -> Any:
    """Parse pm4py's process-tree syntax, e.g. ``->('Place order', X('A', 'B'), tau)``.

    pm4py's own ``parse_process_tree`` checks syntax with ``assert`` (gone under ``python -O``),
    recurses once per node and accepts unbalanced input; this parser is strict and iterative and
    builds the same pm4py ``ProcessTree``. Labels are in single (or double) quotes; ``tau``/``τ`` is
    a silent step; ``#`` starts a comment outside quotes.
    """
    ProcessTree, Operator = mining.process_tree_class()
    ops = {"->": Operator.SEQUENCE, "X": Operator.XOR, "+": Operator.PARALLEL, "*": Operator.LOOP, "O": Operator.OR,
           "<>": Operator.INTERLEAVING}
    n = len(text)
    i = 0

    def where(pos: int) -> tuple[int, int]:
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return line, col

    def fail(msg: str, pos: int, hint: str | None = None) -> InvalidInput:
        line, col = where(pos)
        return InvalidInput(f"process tree: {msg}", path=label, row=line, column=col, hint=hint)

    def skip() -> None:
        nonlocal i
        while i < n:
            if text[i].isspace():
                i += 1
            elif text[i] == "#":
                while i < n and text[i] != "\n":
                    i += 1
            else:
                break

    root = None
    stack: list[Any] = []  # open operator nodes
    expect_node = True
    while True:
        skip()
        if expect_node:
            if i >= n:
                raise fail("unexpected end of text, expected an activity, tau or an operator", i)
            node = None
            if text[i] in "'\"":
                q = text[i]
                end = text.find(q, i + 1)
                if end < 0:
                    raise fail("unterminated quoted activity name", i)
                name = text[i + 1 : end]
                if not name.strip():
                    raise fail("empty activity name (use tau for a silent step)", i)
                node = ProcessTree(label=name)
                i = end + 1
            elif text.startswith("tau", i) or text.startswith("τ", i):
                i += 3 if text.startswith("tau", i) else 1
                node = ProcessTree()
            else:
                op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
                if op is None:
                    raise fail(f"unexpected {text[i]!r}", i, hint="quote activity names: 'Place order'")
                i += len(op)
                skip()
                if i >= n or text[i] != "(":
                    raise fail(f"expected '(' after operator {op}", i)
                i += 1
                node = ProcessTree(operator=ops[op])
                if stack:
                    node.parent = stack[-1]
                    stack[-1].children.append(node)
                elif root is None:
                    root = node
                stack.append(node)
                skip()
                if i < n and text[i] == ")":
                    raise fail(f"operator {op} needs at least one child", i)
                continue
            if stack:
                node.parent = stack[-1]
                stack[-1].children.append(node)
            else:
                root = node
            expect_node = False
            continue
        # after a node: ',' ')' or the end
        if not stack:
            if i < n:
                raise fail(f"unexpected {text[i]!r} after the end of the tree", i)
            break
        if i >= n:
            raise fail("unexpected end of text, expected ',' or ')'", i)
        if text[i] == ",":
            i += 1
            expect_node = True
        elif text[i] == ")":
            i += 1
            stack.pop()
        else:
            raise fail(f"unexpected {text[i]!r}, expected ',' or ')'", i)
    if root is None:
        raise InvalidInput("empty process tree", path=label)
    return root


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
