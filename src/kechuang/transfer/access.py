"""Who may read or change what in kechuang.transfer, as data and WHERE clauses.

A tech-transfer office (role `tech_transfer`) sees only its own institution's register,
赋权 cases and deals; an enterprise only its own demands, challenges and the deals it is party
to, and the public listing (titles, abstracts, classes) of listed results; officers and analysts
read everything, officers and admins also act. Anything outside the caller's scope is reported
as not found, so a caller cannot learn that another party's row exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.orm import QueryableAttribute

from kechuang.transfer.errors import NotFound, TransferError

READERS = ("officer", "analyst", "admin")
# A column or an ORM attribute (Model.column) to filter on.
Column = ColumnElement[Any] | QueryableAttribute[Any]
ACTORS = ("officer", "admin")


@dataclass(frozen=True)
class Actor:
    """The caller as transfer sees it: role, username, and the institution or USCC bound."""

    username: str
    role: str
    org: str | None = None
    uscc: str | None = None

    @property
    def reads_all(self) -> bool:
        return self.role in READERS

    @property
    def is_office(self) -> bool:
        return self.role == "tech_transfer" and bool(self.org)

    @property
    def is_enterprise(self) -> bool:
        return self.role == "enterprise" and bool(self.uscc)

    def institution_filter(self, column: Column) -> ColumnElement[bool]:
        if self.reads_all:
            return true()
        if self.is_office:
            return column == self.org
        return false()

    def enterprise_filter(self, column: Column) -> ColumnElement[bool]:
        if self.reads_all:
            return true()
        if self.is_enterprise:
            return column == self.uscc
        return false()

    def see_institution(self, institution: str, what: str) -> None:
        if not (self.reads_all or (self.is_office and self.org == institution)):
            raise NotFound(f"no {what} here", zh="未找到（或无权查看）")

    def act_for_institution(self, institution: str, what: str) -> None:
        """Only the institution's own office (or an officer) changes its register."""
        self.see_institution(institution, what)
        if not (self.role in ACTORS or self.is_office):
            raise TransferError(
                f"role {self.role} may not change a {what}", zh="当前角色不能修改此记录"
            )

    def see_enterprise(self, uscc: str, what: str) -> None:
        if not (self.reads_all or (self.is_enterprise and self.uscc == uscc)):
            raise NotFound(f"no {what} here", zh="未找到（或无权查看）")

    def act_for_enterprise(self, uscc: str, what: str) -> None:
        if not (self.is_enterprise and self.uscc == uscc) and self.role not in ACTORS:
            raise NotFound(f"no {what} here", zh="未找到（或无权查看）")
