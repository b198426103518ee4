"""The refusals of the screening workflow: the workflow kernel's kinds under screening's names.

A refusal says what was refused and why; nothing was changed. `Refused` is a Conflict (409 on
the API, exit 2 on the CLI), `NotFound` the kernel's NotFound (404), and a step the subject's
state does not allow is the kernel's IllegalTransition (409), raised by kechuang.workflow.machines.
"""

from __future__ import annotations

from kechuang.workflow.errors import Conflict, IllegalTransition
from kechuang.workflow.errors import NotFound as KernelNotFound

__all__ = ["DuplicateRun", "IllegalTransition", "NotFound", "Refused"]


class Refused(Conflict):
    """An action the rules do not allow now (the CLI exits 2 with the message)."""


class NotFound(KernelNotFound, Refused):
    """A run, award or objection that does not exist (or the caller may not see)."""

    kind = "not-found"


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
