"""The ledger's errors: each says what was refused and why, and nothing was written."""

from __future__ import annotations


class LedgerError(ValueError):
    """Base of every refusal by the ledger."""


class InvalidPosting(LedgerError):
    """A posting is malformed: not an integer amount of fen, zero, or without an account."""


class UnbalancedEntry(LedgerError):
    """The postings of an entry do not sum to exactly zero, or there are fewer than two."""


class UnknownAccount(LedgerError):
    """A posting names an account code that was never opened."""

    def __init__(self, codes: list[str]) -> None:
        self.codes = codes
        super().__init__(f"unknown ledger account(s): {', '.join(codes)}")


class AccountConflict(LedgerError):
    """open_account was called again for a code with different type, owner or floor."""


class IdempotencyConflict(LedgerError):
    """The idempotency key was already used for an entry with different content."""

    def __init__(self, key: str, detail: str) -> None:
        self.key = key
        super().__init__(
            f"idempotency key {key!r} was already used for a different entry: {detail}"
        )


class FloorBreached(LedgerError):
    """The entry would take an account below its min_balance_fen."""

    def __init__(self, code: str, floor_fen: int, balance_fen: int, change_fen: int) -> None:
        self.code = code
        self.floor_fen = floor_fen
        self.balance_fen = balance_fen
        self.change_fen = change_fen
        super().__init__(
            f"account {code!r} may not go below {floor_fen} fen: its balance is {balance_fen} fen "
            f"and the entry would change it by {change_fen} fen"
        )
