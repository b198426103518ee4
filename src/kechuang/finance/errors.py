"""Finance refusals: the workflow kernel's kinds under finance's names; nothing was changed.

- `NotFound` (404): no such loan, fund or sub-fund, or not one the caller may see;
- `Refused` (409): a business rule refuses the action (limits, capacity, deadline, admission);
- `BadDay` (422): a day that would bend history (kechuang.finance.dating);
- a step the loan's state does not allow is the kernel's `IllegalTransition` (409).

`FinanceError` is the base of all three, so a caller that handles any finance refusal (the file
importer) catches one class. kechuang.http.refusals and the CLI adapter map them; finance never
chooses a status or an exit code itself.
"""

from __future__ import annotations

from kechuang.workflow import errors as kernel
from kechuang.workflow.errors import IllegalTransition

__all__ = ["BadDay", "FinanceError", "IllegalTransition", "NotFound", "Refused"]


class FinanceError(kernel.Refusal):
    """Base of every finance refusal."""


class NotFound(FinanceError, kernel.NotFound):
    """No such loan, fund or sub-fund (or not one the caller may see)."""


class Refused(FinanceError, kernel.Conflict):
    """A business rule refuses the action (limits, capacity, deadline, admission)."""


class BadDay(Refused, kernel.Invalid):
    """A day that would bend history: in the future, before what it follows, or a replay where
    none is allowed (kechuang.finance.dating). Invalid input (422), and a Refused for callers
    that handle every rule's refusal alike."""

    kind = "invalid-day"
