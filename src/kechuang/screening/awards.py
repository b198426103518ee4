"""What the pages and API share around the screening workflow (kechuang.screening.service):
the app's clock, refusals as problems, and an enterprise's benefits as it may see them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.orm import Session

from kechuang.http.fields import Instant
from kechuang.http.problems import ProblemError

# An award is the enterprise's to see once its run was published (公示): before that it is an
# internal proposal. A run withdrawn after publication stays visible (its withdrawal was
# announced); one withdrawn before publication never becomes visible.


def clock(request: Request) -> dt.date:
    """Today for the workflow rules (notice periods, deadlines); tests move it forward."""
    from kechuang.screening.service import today

    override = getattr(request.app.state, "clock", None)
    return override() if override is not None else today()


@contextmanager
def refused() -> Iterator[None]:
    """A workflow refusal becomes 404 (no such thing) or 409 (not allowed now), with its reason."""
    from kechuang.screening.errors import NotFound, Refused

    try:
        yield
    except NotFound as exc:
        raise ProblemError(404, str(exc), "not-found") from None
    except Refused as exc:
        raise ProblemError(409, str(exc), "workflow-refused") from None


class AwardOut(BaseModel):
    id: int
    run_id: int
    policy_id: str
    year: int
    uscc: str
    name: str
    eligible_fen: int
    allocated_fen: int
    state: str
    run_state: str
    notice_ends_on: dt.date | None
    confirm_by: dt.date | None
    paid_at: Instant | None
    value_date: dt.date | None
    bank: str | None
    account_tail: str | None

    @property
    def award_id(self) -> int:
        """The award's key in its address (/enterprises/{uscc}/awards/{award_id})."""
        return self.id


@lru_cache(maxsize=1)
def _awards_query() -> Any:
    from kechuang.screening.tables import Award, BankAccount, ScreeningRun

    # Plain columns, not ORM entities, built once: this runs on every enterprise home page.
    return (
        select(
            Award.id,
            ScreeningRun.id,
            ScreeningRun.policy_id,
            ScreeningRun.year,
            Award.uscc,
            Award.name,
            Award.eligible_fen,
            Award.allocated_fen,
            Award.state,
            ScreeningRun.state,
            ScreeningRun.notice_ends_on,
            ScreeningRun.confirm_by,
            Award.paid_at,
            Award.value_date,
            BankAccount.bank,
            BankAccount.account_number,
        )
        .join(ScreeningRun, ScreeningRun.id == Award.run_id)
        .outerjoin(BankAccount, BankAccount.award_id == Award.id)
        .where(Award.uscc == bindparam("uscc"), ScreeningRun.published_on.is_not(None))
        .order_by(ScreeningRun.id.desc())
    )


_FIELDS = list(AwardOut.model_fields)


def visible_award(session: Session, uscc: str, award_id: int) -> Any:
    """The award if `uscc` may see it (its own, in a published run); else 404, worded exactly
    as for an id that does not exist, so that guessing ids tells an enterprise nothing."""
    from kechuang.screening.errors import NotFound
    from kechuang.screening.tables import Award, ScreeningRun

    award = session.get(Award, award_id)
    run = session.get(ScreeningRun, award.run_id) if award is not None else None
    if award is None or run is None or award.uscc != uscc or run.published_on is None:
        raise NotFound(f"no award {award_id} for {uscc}")
    return award


def award_rows(conn: Connection, uscc: str) -> Sequence[Row[Any]]:
    """The rows awards_of turns into AwardOut (every column the page shows)."""
    return conn.execute(_awards_query(), {"uscc": uscc}).all()


def awards_of(session: Session, uscc: str) -> list[AwardOut]:
    """An enterprise's awards in published (or later) runs, newest run first."""
    rows = award_rows(session.connection(), uscc)
    return [
        AwardOut(**dict(zip(_FIELDS, (*row[:15], row[15][-4:] if row[15] else None), strict=True)))
        for row in rows
    ]
