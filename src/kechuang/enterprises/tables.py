"""Enterprise tables: enterprises (static attributes), annual_facts (per year), import_batches.

Columns are derived from domain.panel.FIELDS so that the catalogue stays the single source of
truth. Amounts in yuan are stored as integer fen in BigInteger columns named `<field>_fen`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from kechuang.domain.panel import FIELDS, KEY, RATIO_DECIMALS, Field, Kind
from kechuang.store.base import Base

USCC_LENGTH = 18

# Panel fields held by `enterprises` (uscc is its key) and by `annual_facts` (year is in its key).
STATIC_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.static and f.name != "uscc")
FACT_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if not f.static and f.name not in KEY)


def column_name(field: Field) -> str:
    """The stored column of a panel field: yuan amounts carry their unit, `revenue_fen`."""
    return f"{field.name}_fen" if field.kind is Kind.YUAN else field.name


def _sql_type(field: Field) -> TypeEngine[Any]:
    types: dict[Kind, TypeEngine[Any]] = {
        Kind.TEXT: Text(),
        Kind.CODE: String(16),
        Kind.YEAR: Integer(),
        Kind.DATE: Date(),
        Kind.BOOL: Boolean(),
        Kind.COUNT: BigInteger(),
        Kind.YUAN: BigInteger(),
        Kind.RATIO: Numeric(9, RATIO_DECIMALS),
        Kind.NUMBER: Numeric(9, RATIO_DECIMALS),
    }
    return types[field.kind]


def _columns(fields: tuple[Field, ...]) -> list[Column[Any]]:
    return [
        Column(column_name(f), _sql_type(f), nullable=not f.required, comment=f.label_en)
        for f in fields
    ]


class ImportBatch(Base):
    """One accepted file: what it was, when, and how much it carried."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(16))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    row_count: Mapped[int] = mapped_column(Integer)
    enterprise_count: Mapped[int] = mapped_column(Integer)
    years: Mapped[list[int]] = mapped_column(JSON)


enterprises = Table(
    "enterprises",
    Base.metadata,
    Column("uscc", String(USCC_LENGTH), primary_key=True),
    *_columns(STATIC_FIELDS),
    # The year whose row last set the static attributes: an older year never overwrites them.
    Column("attributes_year", Integer, nullable=False),
    Column("batch_id", Integer, ForeignKey("import_batches.id"), nullable=False),
)

annual_facts = Table(
    "annual_facts",
    Base.metadata,
    Column(
        "uscc",
        String(USCC_LENGTH),
        ForeignKey("enterprises.uscc", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("year", Integer, primary_key=True),
    *_columns(FACT_FIELDS),
    # Columns the file carried beyond the contract, by header name, as text.
    Column("extra", JSON, nullable=True),
    Column("batch_id", Integer, ForeignKey("import_batches.id"), nullable=False),
)


class Enterprise(Base):
    """ORM view of `enterprises` (bulk paths use the Core table)."""

    __table__ = enterprises


class AnnualFact(Base):
    """ORM view of `annual_facts` (bulk paths use the Core table)."""

    __table__ = annual_facts


# PostgreSQL's in-database screening reads the largest value of every numeric fact before it
# compiles the pack (engines.postgres.fact_bounds): a scan of the whole panel. Statement
# triggers on enterprises and annual_facts (migration 0110, PostgreSQL only) add one row per
# writing transaction to `panel_writes`, in that transaction; rows are never deleted, so the
# number of rows a snapshot sees names the panel it sees, and `panel_bounds` keeps the bounds
# computed under each such number (and the digest of the bounds query).
panel_writes = Table(
    "panel_writes",
    Base.metadata,
    Column("txid", BigInteger, primary_key=True, autoincrement=False),
)

panel_bounds = Table(
    "panel_bounds",
    Base.metadata,
    Column("writes", BigInteger, primary_key=True, autoincrement=False),
    Column("query", String(64), primary_key=True),
    Column("bounds", Text, nullable=False),
)
