"""One enterprise's stored facts as the scalar evaluator reads them: {year: {column: value}}.

Reads the same columns as the screening snapshot (enterprises.snapshot) but for one USCC, from
the store, so an explanation is always of the data the officers screen. Yuan columns are stored
in fen and handed back as exact Decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from kechuang.domain.panel import FIELDS, Kind
from kechuang.enterprises.snapshot import _select as panel_select
from kechuang.enterprises.tables import ImportBatch, annual_facts, enterprises

_CENT = Decimal("0.01")


def history(
    conn: Connection, uscc: str, first_year: int, last_year: int
) -> dict[int, dict[str, Any]]:
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
    return out


# Built once: these run on every enterprise page and API call.
_YEARS = (
    select(annual_facts.c.year)
    .where(annual_facts.c.uscc == bindparam("uscc"))
    .order_by(annual_facts.c.year)
)
_ENTERPRISE = select(enterprises).where(enterprises.c.uscc == bindparam("uscc"))
_VERSION = select(func.max(ImportBatch.id))


def years(conn: Connection, uscc: str) -> list[int]:
    return list(conn.scalars(_YEARS, {"uscc": uscc}))


def enterprise_row(conn: Connection, uscc: str) -> Any:
    return conn.execute(_ENTERPRISE, {"uscc": uscc}).first()


def data_version(conn: Connection) -> int:
    """The newest import batch: cached verdicts are valid while it stays the same."""
    return int(conn.scalar(_VERSION) or 0)


# The enterprise, each year it has facts for, and the data version, in one statement (one row
# per year; one row with year NULL for an enterprise without facts; none for no enterprise).
_PAGE_STATE = (
    select(
        enterprises,
        annual_facts.c.year.label("fact_year"),
        select(func.max(ImportBatch.id)).scalar_subquery().label("data_version"),
    )
    .select_from(enterprises.outerjoin(annual_facts, annual_facts.c.uscc == enterprises.c.uscc))
    .where(enterprises.c.uscc == bindparam("uscc"))
    .order_by(annual_facts.c.year)
)


@dataclass(frozen=True)
class PageState:
    """What an enterprise's page and its policies API read before any verdict."""

    row: Any  # the enterprises row
    years: list[int]
    data_version: int


def page_state(conn: Connection, uscc: str) -> PageState | None:
    """The enterprise row, its years with facts and the data version (one query); None when
    no such enterprise is stored."""
    rows = conn.execute(_PAGE_STATE, {"uscc": uscc}).all()
    if not rows:
        return None
    years = [int(r.fact_year) for r in rows if r.fact_year is not None]
    return PageState(rows[0], years, int(rows[0].data_version or 0))
