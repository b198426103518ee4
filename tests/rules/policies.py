"""Small inline test policies: a header plus the sections a test needs."""

from __future__ import annotations

import textwrap
from decimal import Decimal

from kechuang.rules.load import load_policy_text
from kechuang.rules.policy import Policy

HEADER = """\
id: t
version: "1"
title: {zh: 测试, en: Test}
issuer: 市科委
document_number: 测〔2024〕1号
effective: {from: 2000-01-01}
mode: automatic
"""
HEADER_LINES = HEADER.count("\n")


def make(body: str) -> Policy:
    """A policy from HEADER + `body` (dedented)."""
    return load_policy_text(HEADER + textwrap.dedent(body), "t.yaml")


def condition(expr: str, extra: str = "") -> Policy:
    """A policy with one required condition `c` whose expr is `expr` (one line, block scalar)."""
    return make(
        extra
        + "conditions:\n"
        + "  - id: c\n"
        + "    label: {zh: 条件, en: Condition}\n"
        + "    clause: 第一条\n"
        + "    expr: |\n"
        + f"      {expr}\n"
    )


# the line of the expression text in `condition(...)`: header + 5 lines, then the expression
CONDITION_LINE = HEADER_LINES + 6
CONDITION_COLUMN = 7


def row(**facts: object) -> dict[str, object]:
    return {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in facts.items()}
