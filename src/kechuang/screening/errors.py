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


class DuplicateRun(Refused):
    """A run that would repeat a live run (same policy, version and year) without a reason."""

    def __init__(self, run_id: int, policy_id: str, version: str, year: int, state: str) -> None:
        self.run_id = run_id
        self.policy_id = policy_id
        self.version = version
        self.year = year
        self.state = state
        super().__init__(
            f"run {run_id} already screens {policy_id} {version} for {year} and is {state}: "
            f"give the reason for another run (--reason), or withdraw run {run_id} first"
        )
