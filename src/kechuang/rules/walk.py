"""Generic traversal of IR nodes: children, all descendants, and what an expression reads.

Used by the loader (history depth), the scalar evaluator (values read, for explanations) and
the gap search (which facts could be changed).
"""

from __future__ import annotations

from collections.abc import Iterator

from kechuang.rules.ir import (
    And,
    Arithmetic,
    Band,
    Call,
    Compare,
    IfElse,
    InSet,
    Lookup,
    Negate,
    Node,
    Not,
    Or,
)


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of `node`."""
    if isinstance(node, Arithmetic | Compare):
        return (node.left, node.right)
    if isinstance(node, Negate | Not):
        return (node.operand,)
    if isinstance(node, And | Or):
        return node.operands
    if isinstance(node, IfElse):
        return (node.condition, node.then, node.otherwise)
    if isinstance(node, InSet):
        return (node.value,)
    if isinstance(node, Call):
        return node.arguments
    if isinstance(node, Band):
        return (node.input,)
    if isinstance(node, Lookup):
        return (node.code,)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """`node` and every node below it, depth first, left to right."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))
