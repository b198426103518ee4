"""The refusals of kechuang.transfer: the workflow kernel's kinds under transfer's names.

Bad or incomplete input is `TransferError` (an Invalid, 422); a row the caller may not see is
`NotFound` (404); a step its subject's state does not allow is the kernel's IllegalTransition
(409). Nothing was changed in any of these cases.
"""

from __future__ import annotations

from kechuang.workflow.errors import IllegalTransition, Invalid
from kechuang.workflow.errors import NotFound as KernelNotFound

__all__ = ["IllegalTransition", "NotFound", "TransferError"]


class TransferError(Invalid):
    """An action the rules do not allow with this input (API 422, CLI exit 2)."""


class NotFound(KernelNotFound, TransferError):
    """No such row, or not one the caller may see (the two are not told apart)."""
