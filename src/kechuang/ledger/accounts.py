"""Opening ledger accounts (idempotently) and finding them by code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kechuang.ledger.errors import AccountConflict, LedgerError, UnknownAccount
from kechuang.ledger.locking import begin_write
from kechuang.ledger.rules import AccountType, OwnerKind, to_utc
from kechuang.ledger.tables import CODE_LENGTH, LedgerAccount


def _check_code(code: str) -> str:
    if not isinstance(code, str) or not code or code != code.strip() or " " in code:
        raise LedgerError(f"an account code is non-empty text without spaces, got {code!r}")
    if len(code) > CODE_LENGTH:
        raise LedgerError(f"an account code has at most {CODE_LENGTH} characters: {code!r}")
    return code


def _differences(account: LedgerAccount, wanted: dict[str, object]) -> list[str]:
    return [
        f"{name} is {getattr(account, name)!r}, not {value!r}"
        for name, value in wanted.items()
        if getattr(account, name) != value
    ]


def open_account(
    session: Session,
    code: str,
    type: AccountType | str,
    *,
    name_zh: str | None = None,
    name_en: str | None = None,
    owner_kind: OwnerKind | str = OwnerKind.CITY,
    owner_id: str | None = None,
    min_balance_fen: int | None = None,
    opened_at: dt.datetime | None = None,
) -> LedgerAccount:
    """The account with this code, opened now if it does not exist yet.

    Opening again with the same type, owner and floor returns the existing account; a
    different type, owner or floor raises AccountConflict (names are not compared).
    Safe when two processes open the same code at once.
    """
    _check_code(code)
    try:
        account_type = AccountType(type)
        owner = OwnerKind(owner_kind)
    except ValueError as exc:
        raise LedgerError(str(exc)) from exc
    if min_balance_fen is not None and (
        not isinstance(min_balance_fen, int) or isinstance(min_balance_fen, bool)
    ):
        raise LedgerError(f"min_balance_fen must be an integer number of fen: {min_balance_fen!r}")
    wanted: dict[str, object] = {
        "type": account_type.value,
        "owner_kind": owner.value,
        "owner_id": owner_id,
        "min_balance_fen": min_balance_fen,
    }

    def existing() -> LedgerAccount | None:
        return session.scalars(
            select(LedgerAccount).where(LedgerAccount.code == code)
        ).one_or_none()

    def reuse(account: LedgerAccount) -> LedgerAccount:
        differences = _differences(account, wanted)
        if differences:
            raise AccountConflict(f"account {code!r} is already open: {'; '.join(differences)}")
        return account

    found = existing()
    if found is not None:
        return reuse(found)
    begin_write(session)
    account = LedgerAccount(
        code=code,
        name_zh=name_zh or code,
        name_en=name_en or code,
        opened_at=to_utc(opened_at) if opened_at else dt.datetime.now(dt.UTC),
        **wanted,
    )
    try:
        # A savepoint, so that losing a race to open the same code leaves the caller's
        # transaction usable and the winner's account can be read back.
        with session.begin_nested():
            session.add(account)
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return reuse(found)
    return account


def accounts_by_code(session: Session, codes: Iterable[str]) -> dict[str, LedgerAccount]:
    """The accounts with these codes; UnknownAccount names any that were never opened."""
    wanted = set(codes)
    found = {
        account.code: account
        for account in session.scalars(
            select(LedgerAccount).where(LedgerAccount.code.in_(sorted(wanted)))
        )
    }
    missing = sorted(wanted - found.keys())
    if missing:
        raise UnknownAccount(missing)
    return found
