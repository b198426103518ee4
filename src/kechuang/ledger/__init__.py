"""kechuang.ledger: the double-entry journal shared by payouts, finance and transfer income.

Amounts are integer fen, debit positive and credit negative; every entry sums to zero and
balances are derived from postings. Posting is idempotent by key and safe under concurrency.
"""

from kechuang.ledger.accounts import accounts_by_code, open_account
from kechuang.ledger.errors import (
    AccountConflict,
    FloorBreached,
    IdempotencyConflict,
    InvalidPosting,
    LedgerError,
    UnbalancedEntry,
    UnknownAccount,
)
from kechuang.ledger.journal import PostResult, post
from kechuang.ledger.queries import (
    AccountBalance,
    EntryView,
    balance,
    balances,
    entries,
    trial_balance,
)
from kechuang.ledger.rules import AccountType, OwnerKind, Posting, Reference, split

__all__ = [
    "AccountBalance",
    "AccountConflict",
    "AccountType",
    "EntryView",
    "FloorBreached",
    "IdempotencyConflict",
    "InvalidPosting",
    "LedgerError",
    "OwnerKind",
    "PostResult",
    "Posting",
    "Reference",
    "UnbalancedEntry",
    "UnknownAccount",
    "accounts_by_code",
    "balance",
    "balances",
    "entries",
    "open_account",
    "post",
    "split",
    "trial_balance",
]
