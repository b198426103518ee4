"""The people who take screening steps from the CLI: accounts (`--by` names an account) and the
business day (the server's clock, moved by the test as a replay would never move it)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import Engine, select

from kechuang.accounts.service import create_account
from kechuang.screening.tables import Award
from kechuang.store.engine import make_sessionmaker
from kechuang.workflow import clock

os.environ.setdefault("KECHUANG_PASSWORD_HASH", "fast")
PASSWORD = "pass-word-1 long enough"
OFFICERS = ("officer-li", "officer-wang", "officer-zhao", "finance-chen", "officer1", "officer2")


def enterprise_account(uscc: str) -> str:
    return f"ent-{uscc.lower()}"


def add_people(engine: Engine, usccs: list[str]) -> None:
    """An officer account for each name the walks use, an enterprise account for each USCC."""
    with make_sessionmaker(engine)() as session:
        for name in OFFICERS:
            create_account(session, name, PASSWORD, "officer")
        for uscc in usccs:
            create_account(session, enterprise_account(uscc), PASSWORD, "enterprise", uscc=uscc)
        session.commit()


def award_id(engine: Engine, run_id: int | str, uscc: str) -> str | None:
    """The id of the enterprise's award in the run (the CLI's address of it), if it has one."""
    with make_sessionmaker(engine)() as session:
        found = session.scalars(
            select(Award.id).where(Award.run_id == int(run_id), Award.uscc == uscc)
        ).one_or_none()
        return None if found is None else str(found)


class Today:
    """The server's business day, set by the test: `today.set("2025-03-03")`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.day = dt.date(2025, 3, 3)
        monkeypatch.setattr(clock, "today", lambda: self.day)

    def set(self, day: str) -> None:
        self.day = dt.date.fromisoformat(day)
