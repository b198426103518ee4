"""Whose day it is: business days of finance actions come from the server, never from a bank.

The API takes the day of every step (apply, approve, disburse, repay, default, claim, recover)
from the server's clock, and the CLI from today in China. A day already past enters only as:

- a money fact's own day, beside the day it is recorded: `received_on` of a repayment or a
  recovery (API field, CLI option, column of an imported repayment file). It is kept with who
  recorded it, the recording day and the real moment; it may not be in the future, before the
  loan's disbursement (or claim), or before the fact it follows; and no deadline is counted
  from it: the overdue date, the default's overdue days and the claim deadline count from
  recorded days and due dates only;
- an officer's replay of history kept on paper (CLI `--on`, `import-loans`, the demo seed):
  the account named with `--by` must be an active officer, the day may not be in the future,
  each replay is written to the audit log (that it was a replay, the replayed day and the real
  moment) and each replayed row names the officer (`replayed_by`).

A replay passes every rule the live step passes, counted on the replayed days (the 90 overdue
days before a default, the claim deadline after it), so it can never skip one; a step may not
be dated before the last recorded day of its loan or sub-fund; and once a loan or sub-fund has a
live step (`live_since`), no replay may add to it: its deadlines then run on the server's clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.accounts import audit
from kechuang.accounts.tables import Account
from kechuang.finance.errors import BadDay

CHINA = ZoneInfo("Asia/Shanghai")
REPLAY_ROLE = "officer"


class Recorded(Protocol):
    """What a loan or sub-fund keeps to tell live history from replayed history."""

    id: int
    live_since: dt.date | None


def today() -> dt.date:
    """The business day in China (the platform's calendar)."""
    return dt.datetime.now(CHINA).date()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def replay_officer(session: Session, username: str) -> str:
    """The account's username if it is an active officer; Refused otherwise."""
    account = session.scalars(select(Account).where(Account.username == username)).one_or_none()
    if account is None or not account.active or account.role != REPLAY_ROLE:
        raise BadDay(
            f"only an officer may replay a past day (--on): {username!r} is not an active "
            "officer account; without --on the day is today",
            zh=f"只有业务处室人员可以补录过去的日期（--on）：{username} 不是有效的处室账户；"
            "不带 --on 时日期为今天",
        )
    return account.username


def check_not_future(on: dt.date, what: str, as_of: dt.date) -> None:
    if on > as_of:
        raise BadDay(
            f"{what} {on} is in the future (today is {as_of})",
            zh=f"{what} {on} 晚于今天（{as_of}）",
        )


def follow(
    subject: Recorded, label: str, on: dt.date, last: dt.date, replayed_by: str | None
) -> None:
    """Refuse a day that would bend the subject's history; mark it live on a live step.

    `last` is the subject's last recorded day.
    """
    if replayed_by is not None and subject.live_since is not None:
        raise BadDay(
            f"{label} is recorded live since {subject.live_since}: its days come from the "
            "server's clock and a replay cannot add to its history",
            zh=f"{label} 自 {subject.live_since} 起按服务器日期实时记录，不能再补录历史",
        )
    if on < last:
        raise BadDay(
            f"{label}: {on} is before its last recorded day {last}; history only moves forward",
            zh=f"{label}：{on} 早于最近一次记录的日期 {last}，记录只能向后",
        )
    if replayed_by is None and subject.live_since is None:
        subject.live_since = on


def record_step(
    session: Session,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: object,
    on: dt.date,
    replayed_by: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """The audit row of a step: who, which step, its day, whether it was a replay (and by
    whom), and the real moment it was recorded."""
    after: dict[str, Any] = {"on": on.isoformat(), "replay": replayed_by is not None,
                             "recorded_at": now().isoformat()}  # fmt: skip
    if replayed_by is not None:
        after["replayed_by"] = replayed_by
    after.update(detail or {})
    audit.record(session, actor, action, subject_type, subject_id, None, after)
