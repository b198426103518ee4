"""An enterprise's stored facts for the scalar evaluator, and the admission rule on them.

The history has the contract's columns (read as the screening snapshot reads them) and the
sourced facts of the finance view (zero where the enterprise has no loan rows), so both an
admission rule and the premium-subsidy policy can be explained for one enterprise.
Pre-screening lists run the same rule compiled to SQL over the snapshot (engines.duckdb).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Connection, text

from kechuang.domain.panel import FIELDS, SOURCED_FIELDS, Kind
from kechuang.engines.duckdb import screen
from kechuang.engines.sourced import Window, window_sums
from kechuang.enterprises.snapshot import _select as panel_select
from kechuang.enterprises.tables import annual_facts
from kechuang.rules.explain import render_text, to_json
from kechuang.rules.policy import Policy
from kechuang.rules.scalar import evaluate
from kechuang.rules.verdict import Verdict

_CENT = Decimal("0.01")


def history(
    conn: Connection,
    uscc: str,
    first_year: int,
    last_year: int,
    window: Window | None = None,
) -> dict[int, dict[str, Any]]:
    """{year: {fact: value}} of one enterprise for the years asked (missing years absent).

    Windowed sourced facts are the sums over `window` on the last year's record (zero without
    records), and unknown without a window: a policy reads them for its evaluation year only.
    """
    query = panel_select().where(
        annual_facts.c.uscc == uscc, annual_facts.c.year.between(first_year, last_year)
    )
    out: dict[int, dict[str, Any]] = {}
    for row in conn.execute(query):
        record: dict[str, Any] = {}
        for field, value in zip(FIELDS, row, strict=True):
            if field.kind is Kind.YUAN and value is not None:
                value = Decimal(int(value)) * _CENT
            record[field.name] = value
        out[int(record["year"])] = record
    for record in out.values():
        for field in SOURCED_FIELDS:
            zero = Decimal(0) if field.kind is Kind.YUAN else 0
            record[field.name] = None if field.windowed else zero
    windowed = [f for f in SOURCED_FIELDS if f.windowed]
    if window is not None and last_year in out:
        sums = window_sums(conn, windowed, window, uscc).get(uscc, {})
        for field in windowed:
            value = sums.get(field.name)
            fen = Decimal(int(value)) if value is not None else Decimal(0)
            out[last_year][field.name] = fen * _CENT if field.kind is Kind.YUAN else int(fen)
    for field in SOURCED_FIELDS:
        if field.windowed:
            continue
        column = f"{field.name}_fen" if field.kind is Kind.YUAN else field.name
        rows = conn.execute(
            text(f"SELECT year, {column} FROM {field.source} WHERE uscc = :u"), {"u": uscc}
        )
        for year, value in rows:
            if int(year) in out and value is not None:
                out[int(year)][field.name] = (
                    Decimal(int(value)) * _CENT if field.kind is Kind.YUAN else int(value)
                )
    return out


@dataclass(frozen=True)
class Admission:
    """The admission rule's verdict for one enterprise, with its explanation."""

    year: int
    outcome: str
    verdict: Verdict
    text_zh: str
    text_en: str

    def as_json(self) -> dict[str, Any]:
        return {"year": self.year, "outcome": self.outcome, "verdict": to_json(self.verdict),
                "text_zh": self.text_zh, "text_en": self.text_en}  # fmt: skip


def admit(conn: Connection, policy: Policy, uscc: str, year: int) -> Admission | None:
    """The rule's verdict on the enterprise's facts of `year`; None if it has no row for it."""
    facts = history(conn, uscc, year - policy.history_years, year)
    if year not in facts:
        return None
    verdict = evaluate(policy, facts, year)
    return Admission(year, verdict.outcome.value, verdict, render_text(verdict, policy, "zh"),
                     render_text(verdict, policy, "en"))  # fmt: skip


def prescreen(snapshot: Path, policy: Policy, year: int) -> list[tuple[str, str, str]]:
    """(uscc, outcome, unmet) of every enterprise of the snapshot, by the rule compiled to SQL."""
    with tempfile.TemporaryDirectory(prefix="kechuang-prescreen-") as work:
        out = Path(work) / "admission.parquet"
        screen(snapshot, year, [policy], out, check=False)
        con = duckdb.connect()
        try:
            rows = con.execute(
                "SELECT uscc, outcome, coalesce(unmet, '') FROM read_parquet(?) ORDER BY uscc",
                [str(out)],
            ).fetchall()
        finally:
            con.close()
    return [(str(u), str(o), str(m)) for u, o, m in rows]
