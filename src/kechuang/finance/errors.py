"""Finance refusals: each says what was refused and why; nothing was changed."""

from __future__ import annotations


class FinanceError(ValueError):
    """Base of every finance refusal."""


class NotFound(FinanceError):
    """No such loan, fund or sub-fund (or not one the caller may see)."""


class Refused(FinanceError):
    """A business rule refuses the action (limits, capacity, deadline, admission)."""


class IllegalTransition(Refused):
    """The loan's state does not allow the event."""

    def __init__(self, label: str, state: str, event: str, allowed: list[str]) -> None:
        self.state = state
        self.event = event
        self.allowed = allowed
        super().__init__(
            f"{label} is {state}: '{event}' is not allowed "
            f"(allowed: {', '.join(allowed) or 'nothing'})"
        )


class BadDay(Refused):
    """A day that would bend history: in the future, before what it follows, or a replay where
    none is allowed (kechuang.finance.dating)."""
