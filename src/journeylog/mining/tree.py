"""journeylog's process tree for discovered models (:class:`Tree`, pm4py's semantics without
importing pm4py) and its canonical form (:func:`canonical`: pm4py's ``fold`` and ``tree_sort``, ported
step by step, then the children of X/+/O sorted by their text, as
:func:`journeylog.mining.discovery.canonical_tree` does on pm4py's trees)."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

__all__ = ["Tree", "canonical", "SEQUENCE", "XOR", "PARALLEL", "LOOP", "OR"]

SEQUENCE, XOR, PARALLEL, LOOP, OR = "->", "X", "+", "*", "O"
_HASH_FACTOR = {SEQUENCE: 13, XOR: 17, OR: 23, PARALLEL: 29, LOOP: 37, "<>": 41, "PO": 43}


class Tree:
    """A process tree node with pm4py's semantics: ``operator`` (``->``, ``X``, ``+``, ``*``,
    ``O``) or a ``label`` or neither (tau); equality is structural and ``str`` is pm4py's text."""

    __slots__ = ("operator", "label", "children", "parent", "labels_hash_sum")

    def __init__(self, operator: str | None = None, label: str | None = None) -> None:
        self.operator = operator
        self.label = label
        self.children: list[Tree] = []
        self.parent: Tree | None = None
        self.labels_hash_sum = 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tree):
            return False
        if self.label is not None:
            return other.label == self.label
        if len(self.children) == 0:
            return other.label is None and len(other.children) == 0
        if self.operator != other.operator or len(self.children) != len(other.children):
            return False
        return all(a == b for a, b in zip(self.children, other.children, strict=True))

    def __hash__(self) -> int:
        if self.label is not None:
            return hash(self.label)
        if len(self.children) == 0:
            return 37
        h = 1337
        for i, child in enumerate(self.children):
            h += 41 * i * hash(child)
        return (h * _HASH_FACTOR.get(self.operator or "", 1)) % 268435456

    def __str__(self) -> str:
        if self.operator is not None:
            parts = []
            for child in self.children:
                text = str(child)
                parts.append(f"'{text}'" if not child.children and child.label is not None else text)
            return self.operator + "( " + ", ".join(parts) + " )"
        return self.label if self.label is not None else "tau"

    __repr__ = __str__

    def to_pm4py(self) -> Any:
        """The same tree as pm4py's ``ProcessTree`` (imports pm4py)."""
        from journeylog.mining.determinism import pm4py_quiet

        pm4py_quiet()
        from pm4py.objects.process_tree.obj import Operator, ProcessTree

        node = ProcessTree(operator=Operator(self.operator) if self.operator else None, label=self.label)
        for child in self.children or []:
            sub = child.to_pm4py()
            sub.parent = node
            node.children.append(sub)
        return node


def _is_tau_leaf(tree: Tree) -> bool:
    return not tree.children and tree.operator is None and tree.label is None


def _drop_taus(tree: Tree, keep_one: bool) -> None:
    """Remove tau children (the first equal one each time, as ``list.remove`` does), keeping one
    when ``keep_one``."""
    silents = sum(1 for c in tree.children if _is_tau_leaf(c))
    while silents > (1 if keep_one else 0):
        for c in tree.children:
            if _is_tau_leaf(c):
                c.parent = None
                tree.children.remove(c)
                silents -= 1
                break


def _reduce_tau_leafs(tree: Tree) -> Tree:
    """pm4py's ``reduce_tau_leafs``."""
    if tree.children:
        for c in tree.children:
            _reduce_tau_leafs(c)
        silents = sum(1 for c in tree.children if _is_tau_leaf(c))
        if silents > 0:
            if len(tree.children) == silents:
                if tree.operator in (SEQUENCE, PARALLEL, XOR, OR):
                    _drop_taus(tree, keep_one=True)
                elif tree.operator == LOOP and len(tree.children) == 2:
                    for c in tree.children:  # pm4py removes while iterating: only the first of the two
                        if _is_tau_leaf(c):
                            c.parent = None
                            tree.children.remove(c)
            elif tree.operator in (SEQUENCE, PARALLEL):
                for c in tree.children:  # pm4py removes while iterating the same list
                    if _is_tau_leaf(c):
                        c.parent = None
                        tree.children.remove(c)
            elif tree.operator in (XOR, OR):
                _drop_taus(tree, keep_one=True)
    return tree


def _fold_node(tree: Tree) -> Tree | None:
    """pm4py's ``_fold``."""
    tree = _reduce_tau_leafs(tree)
    if tree.children:
        kids = [_fold_node(c) for c in tree.children]
        tree.children = [c for c in kids if c is not None]
        if len(tree.children) == 0:
            tree.parent = None
            return None
        if len(tree.children) == 1:
            child = tree.children[0]
            child.parent = tree.parent
            tree.parent = None
            tree.children = []
            return child
        if tree.operator in (SEQUENCE, PARALLEL):
            tree.children = [c for c in tree.children if not (c.operator is None and c.label is None)]
            if len(tree.children) == 0:
                tree.operator = None
        if tree.operator in (SEQUENCE, XOR, PARALLEL):
            for c in list(tree.children):
                if c.operator == tree.operator:
                    i = tree.children.index(c)
                    tree.children[i:i] = c.children
                    for cc in c.children:
                        cc.parent = tree
                    tree.children.remove(c)
                    c.children = []
                    c.parent = None
    return tree


def _fold(tree: Tree) -> Tree:
    """pm4py's ``fold`` (on a copy)."""
    tree = copy.deepcopy(tree)
    folded = _fold_node(tree)
    assert folded is not None
    tree = folded
    while tree.parent is None and len(tree.children) == 1:
        root = tree.children[0]
        root.parent = None
        tree.children = []
        tree = root
    tree_str = str(tree)
    tree = _reduce_tau_leafs(tree)
    if len(str(tree)) != len(tree_str):
        tree = _fold(tree)
        tree_str = str(tree)
    tree2 = _fold_node(tree)
    assert tree2 is not None
    if len(str(tree2)) != len(tree_str):
        tree = _fold(tree2)
    return tree


def _tree_sort(tree: Tree) -> None:
    """pm4py's ``tree_sort``: children of + and X by the sum of their labels' md5 hashes."""
    tree.labels_hash_sum = 0
    for child in tree.children:
        _tree_sort(child)
        tree.labels_hash_sum += child.labels_hash_sum
    if tree.label is not None:
        tree.labels_hash_sum += int(hashlib.md5(str(tree.label).encode("utf-8")).hexdigest(), 16)
    if tree.operator in (PARALLEL, XOR):
        tree.children = sorted(tree.children, key=lambda x: x.labels_hash_sum)


def _sort_by_text(tree: Tree) -> str:
    for child in tree.children:
        _sort_by_text(child)
    if tree.operator in (XOR, PARALLEL, OR):
        tree.children.sort(key=lambda c: str(c))
    return str(tree)


def canonical(tree: Tree) -> Tree:
    """journeylog's canonical form (``mining.discovery.canonical_tree``): pm4py's fold and
    tree_sort, then the children of X/+/O sorted by their text."""
    tree = _fold(tree)
    _tree_sort(tree)
    _sort_by_text(tree)
    return tree
