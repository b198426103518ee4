"""The refusals every workflow step can give, one set for the whole platform.

A refusal says what was refused and why; nothing was changed. The HTTP kit maps each kind to a
status and a problem+json `type` in one place, the CLI adapter to an exit code in one place, so a
feature only chooses which kind of refusal it raises. Feature packages may subclass these to
keep their own names (`finance.errors.Refused` is a `Conflict`), never to add a new kind.
"""

from __future__ import annotations

from typing import ClassVar


class Refusal(ValueError):
    """Base of every refusal; `kind` is the machine-readable name shown to API clients.

    The message is English; `zh` is the same in Chinese where the raiser gives it, so that a
    page shows the refusal in its own language (the API's `detail` follows ?lang= too).
    """

    kind: ClassVar[str] = "refused"

    def __init__(self, message: str, *, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" and self.zh else str(self)


class NotFound(Refusal):
    """No such thing, or not one the caller may see (the two are never told apart)."""

    kind = "not-found"


class Forbidden(Refusal):
    """The caller's role may not take this step at all."""

    kind = "forbidden"


class Invalid(Refusal):
    """The input breaks a rule that its type could not express (a date before disbursement)."""

    kind = "invalid"

    def __init__(self, message: str, field: str | None = None, *, zh: str | None = None) -> None:
        super().__init__(message, zh=zh)
        self.field = field


class Conflict(Refusal):
    """The rules refuse it now: a limit, a deadline, a duplicate, the state of something else."""

    kind = "conflict"


class IllegalTransition(Conflict):
    """A workflow event that the subject's current state does not allow."""

    kind = "illegal-transition"

    def __init__(
        self, subject: str, state: str, event: str, allowed: list[str], *, zh: str | None = None
    ) -> None:
        self.subject = subject
        self.state = state
        self.event = event
        self.allowed = allowed
        choices = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(
            f"{subject} is {state}: cannot {event}; allowed now: {choices}",
            zh=zh or f"{subject} 当前状态为 {state}，不能执行 {event}；现在可以：{choices}",
        )
