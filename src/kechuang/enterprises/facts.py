"""One enterprise's stored facts as the scalar evaluator reads them: {year: {column: value}}.

Reads the same columns as the screening snapshot (enterprises.snapshot) but for one USCC, from
the store, so an explanation is always of the data the officers screen. Yuan columns are stored
in fen and handed back as exact Decimals.
"""

from __future__ import annotations

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
