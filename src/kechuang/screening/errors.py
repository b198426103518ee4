"""The refusals of the screening workflow: each says what was refused and why; nothing changed."""

from __future__ import annotations


class Refused(ValueError):
    """An action the rules do not allow now (the CLI exits 2 with the message)."""


class IllegalTransition(Refused):
    """A workflow event that the subject's current state does not allow."""

    def __init__(self, subject: str, state: str, event: str, allowed: list[str]) -> None:
        self.subject = subject
        self.state = state
        self.event = event
        self.allowed = allowed
        choices = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(f"{subject} is {state}: cannot {event}; allowed now: {choices}")


class NotFound(Refused):
    """A run, award or objection that does not exist."""
