"""Messages to enterprises, queued in the outbox (notifications_outbox) for a sender to deliver.

Texts are zh-CN, amounts in yuan with the fen shown (format_yuan). A message of a kind is queued
once per award (unique run, uscc, kind), so repeating a step never sends twice.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kechuang.domain.money import format_yuan
from kechuang.screening.tables import Award, Notification, ScreeningRun

INSERT_ROWS = 10_000


@lru_cache(maxsize=64)
def policy_title(policy_id: str, year: int) -> str:
    """The policy's Chinese title (its id if the pack no longer has it)."""
    from kechuang.policies.source import current_pack

    try:
        return current_pack().get(policy_id, year).title.zh
    except LookupError:
        return policy_id


def _title(run: ScreeningRun) -> str:
    return f"《{policy_title(run.policy_id, run.year)}》"


def publication_text(run: ScreeningRun, award: Award) -> str:
    ends = f"，公示期至{run.notice_ends_on}" if run.notice_ends_on else ""
    if award.allocated_fen == 0:
        return f"您已符合{_title(run)}（{run.year}年度），因预算所限本批次未获分配奖励{ends}。"
    partial = (
        f"（符合金额{format_yuan(award.eligible_fen)}，按预算分配）"
        if award.allocated_fen < award.eligible_fen
        else ""
    )
    return (
        f"您已符合{_title(run)}（{run.year}年度），拟获奖励{format_yuan(award.allocated_fen)}"
        f"{partial}{ends}。"
    )


def confirm_text(run: ScreeningRun, award: Award) -> str:
    return (
        f"{_title(run)}奖励{format_yuan(award.allocated_fen)}已审核通过，"
        f"请于{run.confirm_by}前确认收款账户，逾期视为放弃。"
    )


def withdrawn_text(run: ScreeningRun, award: Award, reason: str) -> str:
    return f"经公示期异议核查，您的{_title(run)}拟奖励已撤销。理由：{reason}"


def run_withdrawn_text(run: ScreeningRun, award: Award, reason: str) -> str:
    return f"{_title(run)}（{run.year}年度）本批次已撤回，您的拟奖励随之撤销。理由：{reason}"


def excluded_text(run: ScreeningRun, award: Award) -> str:
    return (
        f"您已享受{_title(run)}，按政策规定只享受一次，本批次奖励"
        f"{format_yuan(award.allocated_fen)}不予拨付。"
    )


def paid_text(run: ScreeningRun, award: Award) -> str:
    return f"{_title(run)}奖励{format_yuan(award.allocated_fen)}已拨付，请注意查收。"


def clawback_text(run: ScreeningRun, award: Award, reason: str) -> str:
    return f"{_title(run)}奖励{format_yuan(award.allocated_fen)}需予追回。理由：{reason}"


def queue(session: Session, award: Award, kind: str, text: str) -> None:
    session.add(
        Notification(
            run_id=award.run_id,
            uscc=award.uscc,
            kind=kind,
            text_zh=text,
            created_at=dt.datetime.now(dt.UTC),
        )
    )


def queue_publication(session: Session, run: ScreeningRun) -> int:
    """One 'publication' message per proposed award, inserted in chunks; how many."""
    now = dt.datetime.now(dt.UTC)
    awards = session.scalars(
        select(Award).where(Award.run_id == run.id, Award.state == "proposed").order_by(Award.uscc)
    ).all()
    rows = [
        {"run_id": run.id, "uscc": a.uscc, "kind": "publication",
         "text_zh": publication_text(run, a), "created_at": now}
        for a in awards
    ]  # fmt: skip
    for start in range(0, len(rows), INSERT_ROWS):
        session.execute(insert(Notification), rows[start : start + INSERT_ROWS])
    return len(rows)
