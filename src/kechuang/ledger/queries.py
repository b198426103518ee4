"""Reading the ledger: balances derived from postings, the trial balance, entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from kechuang.ledger.accounts import accounts_by_code
from kechuang.ledger.journal import ReferenceLike, as_reference
from kechuang.ledger.rules import AccountType, Posting, Reference, from_store, to_utc
from kechuang.ledger.tables import LedgerAccount, LedgerEntry, LedgerPosting


@dataclass(frozen=True)
class AccountBalance:
    """An account and its signed balance (debit positive, credit negative)."""

    code: str
    type: AccountType
    name_zh: str
    name_en: str
    owner_kind: str
    owner_id: str | None
    min_balance_fen: int | None
    balance_fen: int

    @property
    def normal_balance_fen(self) -> int:
        """The balance on the account's normal side (a funded liability is positive)."""
        return self.type.normal_sign * self.balance_fen


@dataclass(frozen=True)
class EntryView:
    """A posted entry with its postings, as read back."""

    id: int
    idempotency_key: str
    occurred_at: dt.datetime
    posted_at: dt.datetime
    kind: str
    description: str
    reference: Reference | None
    created_by: str | None
    postings: tuple[Posting, ...]


def _sums(as_of: dt.datetime | None) -> Select[tuple[int, int]]:
    """Per-account sums of postings, of entries that occurred at or before as_of if given."""
    query = select(
        LedgerPosting.account_id.label("account_id"),
        func.sum(LedgerPosting.amount_fen).label("total"),
    ).group_by(LedgerPosting.account_id)
    if as_of is not None:
        # Stored as UTC (SQLite keeps the naive UTC text), so compare in UTC.
        query = query.join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id).where(
            LedgerEntry.occurred_at <= to_utc(as_of)
        )
    return query


def balance(session: Session, code: str, as_of: dt.datetime | None = None) -> int:
    """The signed balance of the account in fen (debit positive), as of a moment if given."""
    account = accounts_by_code(session, [code])[code]
    sums = _sums(as_of).where(LedgerPosting.account_id == account.id).subquery()
    total = session.execute(select(func.coalesce(func.sum(sums.c.total), 0))).scalar_one()
    return int(total)


def balances(
    session: Session, prefix: str | None = None, as_of: dt.datetime | None = None
) -> list[AccountBalance]:
    """Every account (whose code starts with prefix, if given) with its balance, by code."""
    sums = _sums(as_of).subquery()
    query = (
        select(LedgerAccount, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
        .order_by(LedgerAccount.code)
    )
    if prefix:
        query = query.where(LedgerAccount.code.startswith(prefix, autoescape=True))
    return [
        AccountBalance(
            code=account.code,
            type=AccountType(account.type),
            name_zh=account.name_zh,
            name_en=account.name_en,
            owner_kind=account.owner_kind,
            owner_id=account.owner_id,
            min_balance_fen=account.min_balance_fen,
            balance_fen=int(total),
        )
        for account, total in session.execute(query)
    ]


def trial_balance(session: Session) -> int:
    """The sum of every posting in the journal: 0 unless the ledger is broken."""
    total = session.execute(
        select(func.coalesce(func.sum(LedgerPosting.amount_fen), 0))
    ).scalar_one()
    return int(total)


def entries(
    session: Session,
    reference: ReferenceLike = None,
    account: str | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> list[EntryView]:
    """Entries in posting order, filtered; with limit, the most recent `limit` of them."""
    query = select(LedgerEntry).order_by(LedgerEntry.id.desc())
    ref = as_reference(reference)
    if ref is not None:
        query = query.where(
            LedgerEntry.reference_type == ref.type, LedgerEntry.reference_id == ref.id
        )
    if account is not None:
        account_id = accounts_by_code(session, [account])[account].id
        query = query.where(
            LedgerEntry.id.in_(
                select(LedgerPosting.entry_id).where(LedgerPosting.account_id == account_id)
            )
        )
    if kind is not None:
        query = query.where(LedgerEntry.kind == kind)
    if limit is not None:
        query = query.limit(limit)
    found = list(session.scalars(query))
    found.reverse()
    return [
        EntryView(
            id=entry.id,
            idempotency_key=entry.idempotency_key,
            occurred_at=from_store(entry.occurred_at),
            posted_at=from_store(entry.posted_at),
            kind=entry.kind,
            description=entry.description,
            reference=(
                Reference(entry.reference_type, entry.reference_id)
                if entry.reference_type is not None and entry.reference_id is not None
                else None
            ),
            created_by=entry.created_by,
            postings=tuple(Posting(p.account.code, int(p.amount_fen)) for p in entry.postings),
        )
        for entry in found
    ]
