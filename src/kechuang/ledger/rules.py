"""Pure ledger rules, no I/O: what a valid entry is, account sides, floors, and fen-exact splits.

Sign convention: a posting's amount_fen is positive for a debit and negative for a credit, so the
postings of every entry sum to zero and so does the whole journal (the trial balance).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar, overload

from kechuang.domain.money import allocate
from kechuang.ledger.errors import InvalidPosting, LedgerError, UnbalancedEntry

Weight = int | Fraction | Decimal
K = TypeVar("K", bound=Hashable)


class AccountType(enum.StrEnum):
    """The five classes of account of double-entry bookkeeping."""

    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def normal_sign(self) -> int:
        """+1 if the account normally carries a debit balance, -1 if a credit balance."""
        return 1 if self in (AccountType.ASSET, AccountType.EXPENSE) else -1


class OwnerKind(enum.StrEnum):
    """Whose account it is, for scoping who may see it."""

    CITY = "city"
    ENTERPRISE = "enterprise"
    BANK = "bank"
    INSURER = "insurer"
    GUARANTOR = "guarantor"
    INSTITUTION = "institution"
    PERSON = "person"
    FUND = "fund"


@dataclass(frozen=True, order=True)
class Posting:
    """One line of an entry: an account code and a signed amount (debit > 0, credit < 0)."""

    account_code: str
    amount_fen: int


@dataclass(frozen=True)
class Reference:
    """What an entry is about, e.g. Reference('screening_run', '12')."""

    type: str
    id: str

    @classmethod
    def parse(cls, text: str) -> Reference:
        """'screening_run:12' -> Reference('screening_run', '12')."""
        kind, sep, ident = text.partition(":")
        if not sep or not kind or not ident:
            raise ValueError(f"a reference is TYPE:ID, got {text!r}")
        return cls(kind, ident)

    def __str__(self) -> str:
        return f"{self.type}:{self.id}"


def validate_postings(postings: Iterable[tuple[str, int] | Posting]) -> tuple[Posting, ...]:
    """The postings as Posting values, or InvalidPosting / UnbalancedEntry saying what is wrong."""
    checked: list[Posting] = []
    for index, item in enumerate(postings):
        code, amount = (
            (item.account_code, item.amount_fen) if isinstance(item, Posting) else tuple(item)
        )
        if not isinstance(code, str) or not code.strip():
            raise InvalidPosting(f"posting {index}: account code must be non-empty text: {code!r}")
        # bool is an int in Python but never an amount; floats are never money.
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise InvalidPosting(
                f"posting {index} ({code}): amount must be an integer number of fen, "
                f"got {type(amount).__name__} {amount!r}"
            )
        if amount == 0:
            raise InvalidPosting(f"posting {index} ({code}): amount must not be zero")
        checked.append(Posting(code, amount))
    if len(checked) < 2:
        raise UnbalancedEntry(f"an entry needs at least two postings, got {len(checked)}")
    total = sum(p.amount_fen for p in checked)
    if total != 0:
        debits = sum(p.amount_fen for p in checked if p.amount_fen > 0)
        credits = -sum(p.amount_fen for p in checked if p.amount_fen < 0)
        raise UnbalancedEntry(
            f"debits ({debits} fen) and credits ({credits} fen) differ by {total} fen"
        )
    return tuple(checked)


def same_postings(a: Iterable[Posting], b: Iterable[Posting]) -> bool:
    """Whether two entries move the same amounts on the same accounts, in any order."""
    return Counter(a) == Counter(b)


def net_by_account(postings: Iterable[Posting]) -> dict[str, int]:
    """The net signed change of each account an entry touches."""
    net: dict[str, int] = {}
    for p in postings:
        net[p.account_code] = net.get(p.account_code, 0) + p.amount_fen
    return net


def floor_breached(
    account_type: AccountType, floor_fen: int, balance_fen: int, change_fen: int
) -> bool:
    """Whether change_fen takes an account from balance_fen to below its floor.

    Balances and changes are signed (debit positive); the floor applies on the account's
    normal side, so a credit-side fund with floor 0 may never be in debit. A change that
    moves the account towards its normal side is always allowed, even if it starts below.
    """
    sign = account_type.normal_sign
    normal_change = sign * change_fen
    if normal_change >= 0:
        return False
    return sign * (balance_fen + change_fen) < floor_fen


@overload
def split(total_fen: int, shares: Mapping[K, Weight]) -> dict[K, int]: ...
@overload
def split(total_fen: int, shares: Sequence[Weight]) -> list[int]: ...
def split(
    total_fen: int, shares: Mapping[K, Weight] | Sequence[Weight]
) -> dict[K, int] | list[int]:
    """Divide total_fen in proportion to shares so that the parts add up to it exactly.

    Mapping in, mapping out: split(1_000_00, {"fund": 25, "insurer": 45, "bank": 30}).
    Built on domain.money.allocate (largest remainder, ties to the earlier share).
    """
    if isinstance(total_fen, bool) or not isinstance(total_fen, int):
        raise InvalidPosting(f"total must be an integer number of fen, got {total_fen!r}")
    if isinstance(shares, Mapping):
        keys = list(shares)
        return dict(zip(keys, allocate(total_fen, [shares[k] for k in keys]), strict=True))
    return allocate(total_fen, list(shares))


def to_utc(moment: dt.datetime) -> dt.datetime:
    """A timezone-aware moment in UTC; a naive one is refused (its zone would be a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise LedgerError(f"a ledger time must carry its time zone: {moment!r}")
    return moment.astimezone(dt.UTC)


def from_store(moment: dt.datetime) -> dt.datetime:
    """A stored moment as aware UTC (SQLite hands back the naive UTC value it was given)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
