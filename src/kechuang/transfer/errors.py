"""The refusals of kechuang.transfer: each says what was refused and why; nothing was changed."""

from __future__ import annotations


class TransferError(ValueError):
    """An action the rules do not allow (API 422/409, CLI exit 2)."""


class NotFound(TransferError):
    """No such row, or not one the caller may see (the two are not told apart)."""


class IllegalTransition(TransferError):
    """A workflow event that the subject's current state does not allow."""

    def __init__(self, subject: str, state: str, event: str, allowed: list[str]) -> None:
        self.state = state
        self.event = event
        self.allowed = allowed
        choices = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(f"{subject} is {state}: cannot {event}; allowed now: {choices}")
