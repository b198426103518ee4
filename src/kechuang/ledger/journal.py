"""Posting entries to the journal: validated, balanced, idempotent by key, floors enforced.

post() writes in the caller's transaction and flushes; the entry is durable when the caller
commits. Its guarantees hold across processes:
- the same idempotency key creates at most one entry (the unique constraint decides; a loser
  rolls back to its savepoint and returns the winner's entry);
- no committed entry takes a floored account below its floor (see ledger.locking).
A transaction that posts several entries before committing should post them in a fixed order
(e.g. by key), so that two such transactions cannot wait on each other's keys in a cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kechuang.ledger.accounts import accounts_by_code
from kechuang.ledger.errors import FloorBreached, IdempotencyConflict, LedgerError
from kechuang.ledger.locking import lock_accounts
from kechuang.ledger.rules import (
    AccountType,
    Posting,
    Reference,
    floor_breached,
    net_by_account,
    same_postings,
    to_utc,
    validate_postings,
)
from kechuang.ledger.tables import (
    CREATED_BY_LENGTH,
    KEY_LENGTH,
    KIND_LENGTH,
    REFERENCE_LENGTH,
    LedgerAccount,
    LedgerEntry,
    LedgerPosting,
)

ReferenceLike = Reference | tuple[str, str | int] | str | None


@dataclass(frozen=True)
class PostResult:
    """The entry a key stands for, and whether this call created it."""

    entry_id: int
    created: bool


def as_reference(reference: ReferenceLike) -> Reference | None:
    """Reference, ('screening_run', 12) or 'screening_run:12' as a Reference."""
    if reference is None:
        return None
    if isinstance(reference, Reference):
        ref = reference
    elif isinstance(reference, str):
        ref = Reference.parse(reference)
    else:
        kind, ident = reference
        ref = Reference(str(kind), str(ident))
    # PostgreSQL would refuse longer text mid-transaction and SQLite would keep it: refuse both.
    if not ref.type or not ref.id or max(len(ref.type), len(ref.id)) > REFERENCE_LENGTH:
        raise LedgerError(f"a reference type and id have 1 to {REFERENCE_LENGTH} characters: {ref}")
    return ref


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not key.strip():
        raise LedgerError(f"an idempotency key is non-empty text, got {key!r}")
    if len(key) > KEY_LENGTH:
        raise LedgerError(f"an idempotency key has at most {KEY_LENGTH} characters: {key!r}")
    return key


def _find(session: Session, key: str) -> LedgerEntry | None:
    return session.scalars(
        select(LedgerEntry).where(LedgerEntry.idempotency_key == key)
    ).one_or_none()


def stored_postings(session: Session, entry_id: int) -> tuple[Posting, ...]:
    rows = session.execute(
        select(LedgerAccount.code, LedgerPosting.amount_fen)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(LedgerPosting.entry_id == entry_id)
        .order_by(LedgerPosting.id)
    )
    return tuple(Posting(code, int(amount)) for code, amount in rows)


def _replay(
    session: Session,
    entry: LedgerEntry,
    postings: Sequence[Posting],
    kind: str,
    reference: Reference | None,
) -> PostResult:
    """The existing entry of a key if it says the same thing, else IdempotencyConflict."""
    differences = []
    stored = stored_postings(session, entry.id)
    if not same_postings(stored, postings):
        differences.append(
            f"its postings are {[(p.account_code, p.amount_fen) for p in stored]}, "
            f"not {[(p.account_code, p.amount_fen) for p in postings]}"
        )
    if entry.kind != kind:
        differences.append(f"its kind is {entry.kind!r}, not {kind!r}")
    stored_reference = (
        Reference(entry.reference_type, entry.reference_id)
        if entry.reference_type is not None and entry.reference_id is not None
        else None
    )
    if stored_reference != reference:
        differences.append(f"its reference is {stored_reference}, not {reference}")
    if differences:
        raise IdempotencyConflict(entry.idempotency_key, "; ".join(differences))
    return PostResult(entry.id, created=False)


def account_balance(session: Session, account_id: int) -> int:
    """The signed balance of one account now (sum of its postings; 0 if none)."""
    total = session.execute(
        select(func.coalesce(func.sum(LedgerPosting.amount_fen), 0)).where(
            LedgerPosting.account_id == account_id
        )
    ).scalar_one()
    # PostgreSQL sums BIGINT as NUMERIC (a Decimal here): exact, but make it an int.
    return int(total)


def post(
    session: Session,
    key: str,
    postings: Iterable[tuple[str, int] | Posting],
    kind: str,
    description: str = "",
    *,
    reference: ReferenceLike = None,
    created_by: str | None = None,
    occurred_at: dt.datetime | None = None,
) -> PostResult:
    """Post a balanced entry once per idempotency key.

    postings are (account code, amount in fen): debit positive, credit negative, summing to
    zero. Posting a key again with the same postings, kind and reference returns the first
    entry with created=False and writes nothing; with different content it raises
    IdempotencyConflict. Raises UnbalancedEntry / InvalidPosting / UnknownAccount /
    FloorBreached, writing nothing.
    """
    _check_key(key)
    lines = validate_postings(postings)
    if not isinstance(kind, str) or not kind or len(kind) > KIND_LENGTH:
        raise LedgerError(
            f"an entry needs a kind of 1 to {KIND_LENGTH} characters, e.g. 'payment': {kind!r}"
        )
    if created_by is not None and len(created_by) > CREATED_BY_LENGTH:
        raise LedgerError(f"created_by has at most {CREATED_BY_LENGTH} characters")
    ref = as_reference(reference)
    moment = to_utc(occurred_at) if occurred_at else None

    found = _find(session, key)
    if found is not None:
        return _replay(session, found, lines, kind, ref)

    accounts = accounts_by_code(session, (p.account_code for p in lines))
    net = net_by_account(lines)
    # Only accounts whose floored side this entry reduces can be breached; lock just those.
    at_risk = {
        code: (accounts[code], floor)
        for code, change in net.items()
        if (floor := accounts[code].min_balance_fen) is not None
        and AccountType(accounts[code].type).normal_sign * change < 0
    }
    lock_accounts(session, [account.id for account, _ in at_risk.values()])
    # While this call waited for the locks another process may have posted the same key;
    # its postings are in the balances now, so answer as a replay rather than a breach.
    found = _find(session, key)
    if found is not None:
        return _replay(session, found, lines, kind, ref)
    for code, (account, floor) in sorted(at_risk.items()):
        current = account_balance(session, account.id)
        if floor_breached(AccountType(account.type), floor, current, net[code]):
            raise FloorBreached(code, floor, current, net[code])

    now = dt.datetime.now(dt.UTC)
    entry = LedgerEntry(
        idempotency_key=key,
        occurred_at=moment or now,
        posted_at=now,
        kind=kind,
        description=description,
        reference_type=ref.type if ref else None,
        reference_id=ref.id if ref else None,
        created_by=created_by,
        postings=[
            LedgerPosting(account_id=accounts[p.account_code].id, amount_fen=p.amount_fen)
            for p in lines
        ],
    )
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        # Lost the race for the key (PostgreSQL waits on the unique index until the other
        # transaction commits): read the winner back; it is visible under READ COMMITTED.
        found = _find(session, key)
        if found is None:
            raise
        return _replay(session, found, lines, kind, ref)
    return PostResult(entry.id, created=True)
