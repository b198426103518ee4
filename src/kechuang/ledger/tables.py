"""Ledger tables: accounts, entries and their postings (integer fen, double entry).

Balances are never stored: an account's balance is the sum of its postings, so there is no
mutable total to drift from the journal. Entries are append-only; a correction is a new entry.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kechuang.store.base import Base

CODE_LENGTH = 200
KEY_LENGTH = 200
KIND_LENGTH = 64
REFERENCE_LENGTH = 64
CREATED_BY_LENGTH = 128
ACCOUNT_TYPES = ("asset", "liability", "equity", "income", "expense")


class LedgerAccount(Base):
    """A ledger account, named by a stable code such as `payable:enterprise:<uscc>`."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint(
            "type IN ('asset', 'liability', 'equity', 'income', 'expense')", name="type"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    # Whose money it is (enterprise uscc, bank id, institution id, or the city), so that
    # access can be scoped to the party without parsing codes.
    owner_kind: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    # A floor on the balance on the account's normal side that no entry may breach
    # (e.g. 0 for a compensation fund); NULL means no floor.
    min_balance_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LedgerEntry(Base):
    """One balanced journal entry; its idempotency key makes re-posting a no-op."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_reference", "reference_type", "reference_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    posted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(KIND_LENGTH))
    description: Mapped[str] = mapped_column(Text)
    reference_type: Mapped[str | None] = mapped_column(String(REFERENCE_LENGTH), nullable=True)
    reference_id: Mapped[str | None] = mapped_column(String(REFERENCE_LENGTH), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(CREATED_BY_LENGTH), nullable=True)

    postings: Mapped[list[LedgerPosting]] = relationship(
        back_populates="entry", order_by="LedgerPosting.id", lazy="selectin"
    )


class LedgerPosting(Base):
    """One line of an entry: debit positive, credit negative, never zero."""

    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint("amount_fen <> 0", name="nonzero"),
        # Balances sum postings per account; the entry id makes `as_of` joins cheap too.
        Index("ix_ledger_postings_account_entry", "account_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)

    entry: Mapped[LedgerEntry] = relationship(back_populates="postings")
    account: Mapped[LedgerAccount] = relationship(lazy="joined")
