"""Applying: open a draft in a round, answer, correct facts, confirm, plan, attach, submit.

Every change checks that the application is the caller's and still editable (a draft, or
returned for correction); submitting runs the pre-check, refuses while anything is missing or
after the deadline (the round's, or for a returned application its working-day deadline to
resubmit), keeps the whole application as a numbered version and gives a receipt number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.applications import attachments, precheck
from kechuang.applications.flows import APPLICATION, now
from kechuang.applications.rounds import get as get_round
from kechuang.applications.rounds import policy_of
from kechuang.applications.tables import Application, Attachment, Milestone, Version
from kechuang.domain.money import format_yuan
from kechuang.enterprises import facts
from kechuang.rules.policy import ConditionKind
from kechuang.workflow.errors import Conflict, Invalid
from kechuang.workflow.machines import fire


def start(
    session: Session,
    who: Principal,
    round_id: int,
    today: dt.date,
    partners: list[str],
    ipc: str = "",
) -> Application:
    """A new draft for the caller's enterprise in an open round (one per enterprise).

    Its field, by which the panel is chosen, is the IPC subclass of its core technology when
    given (`IPC:G06F`), else its industry code (GB/T 4754, `M7320`)."""
    if who.role != "enterprise" or not who.uscc:
        raise Invalid("only an enterprise applies", zh="只有企业可以申报")
    round_ = get_round(session, round_id)
    if round_.state != "open" or not round_.opens_on <= today <= round_.deadline:
        raise Conflict(
            f"round {round_id} takes applications {round_.opens_on} to {round_.deadline}",
            zh=f"申报批次 {round_id} 的申报时间为 {round_.opens_on} 至 {round_.deadline}",
        )
    taken = session.scalar(
        select(Application.id).where(Application.round_id == round_id, Application.uscc == who.uscc)
    )
    if taken is not None:
        raise Conflict(
            f"your enterprise already has application {taken} in this round",
            zh=f"贵企业在本批次已有申报 {taken}",
        )
    row = facts.enterprise_row(session.connection(), who.uscc)
    field = str(getattr(row, "industry_code", "") or "") if row is not None else ""
    if ipc.strip():
        from kechuang.transfer.ipc import parse

        field = f"IPC:{parse(ipc).subclass_code}"
    application = Application(
        round_id=round_id,
        uscc=who.uscc,
        state="draft",
        version=0,
        field=field,
        partners=sorted({p.strip() for p in partners if p.strip()}),
        answers={},
        attested=[],
        corrections={},
        decision={},
        created_at=now(),
    )
    session.add(application)
    session.flush()
    return application


def _edit(session: Session, application: Application, who: str) -> None:
    fire(session, application, APPLICATION, "edit", who)


def answer(session: Session, application: Application, who: str, condition: str, text: str) -> None:
    policy = policy_of(get_round(session, application.round_id))
    ids = [c.id for c in policy.conditions if c.kind == ConditionKind.MANUAL_REVIEW]
    if condition not in ids:
        raise Invalid(
            f"condition {condition!r} asks no question; one of {', '.join(ids)}",
            "condition",
            zh=f"条件 {condition} 无需说明",
        )
    application.answers = {**application.answers, condition: text}
    _edit(session, application, who)


def correct(
    session: Session, application: Application, who: str, fact: str, value: str, reason: str
) -> None:
    """Correct one fact of the evaluation year; the stored value is kept beside the claim."""
    if not reason.strip():
        raise Invalid("a correction needs its reason", "reason", zh="更正数据须说明理由")
    precheck.parse_fact(fact, value)
    round_ = get_round(session, application.round_id)
    stored = precheck.stored_fact(session, application.uscc, round_.year, fact)
    application.corrections = {
        **application.corrections,
        fact: {
            "value": value.strip(),
            "reason": reason.strip(),
            "stored": None if stored is None else str(stored),
        },
    }
    _edit(session, application, who)


def attest(session: Session, application: Application, who: str, condition: str) -> None:
    policy = policy_of(get_round(session, application.round_id))
    ids = [c.id for c in policy.conditions if c.kind == ConditionKind.ATTESTATION]
    if condition not in ids:
        raise Invalid(
            f"condition {condition!r} is not an attestation of this policy",
            "condition",
            zh=f"条件 {condition} 不是需要确认的声明",
        )
    application.attested = sorted({*application.attested, condition})
    _edit(session, application, who)


def plan(
    session: Session,
    application: Application,
    who: str,
    budget_fen: int,
    requested_fen: int,
    matching_fen: int,
) -> None:
    round_ = get_round(session, application.round_id)
    if round_.kind != "project":
        raise Invalid("only a project round has a budget plan", zh="只有项目类申报需要预算")
    if min(budget_fen, requested_fen, matching_fen) < 0:
        raise Invalid("amounts are at least 0 fen", "budget_fen", zh="金额不能为负")
    over = precheck.plan_limits(round_, budget_fen, requested_fen)
    if over:
        raise Invalid(over[0].en, "requested_fen", zh=over[0].zh)
    application.budget_fen, application.requested_fen, application.matching_fen = (
        budget_fen,
        requested_fen,
        matching_fen,
    )
    _edit(session, application, who)


def add_milestone(
    session: Session,
    application: Application,
    who: str,
    title: str,
    due_on: dt.date,
    amount_fen: int,
) -> Milestone:
    round_ = get_round(session, application.round_id)
    if round_.kind != "project":
        raise Invalid("only a project round has milestones", zh="只有项目类申报需要里程碑")
    if amount_fen <= 0:
        raise Invalid("a milestone pays more than 0 fen", "amount_fen", zh="里程碑金额须大于0")
    planned = session.scalar(
        select(func.coalesce(func.sum(Milestone.amount_fen), 0)).where(
            Milestone.application_id == application.id
        )
    )
    cap = (
        application.requested_fen if application.requested_fen is not None else round_.grant_cap_fen
    )
    if cap is not None and int(planned or 0) + amount_fen > cap:
        raise Invalid(
            f"milestones would pay {format_yuan(int(planned or 0) + amount_fen)}, more than "
            f"the {format_yuan(cap)} requested",
            "amount_fen",
            zh=f"里程碑合计将超过申请资助金额 {format_yuan(cap)}",
        )
    seq = (
        int(
            session.scalar(
                select(func.coalesce(func.max(Milestone.seq), 0)).where(
                    Milestone.application_id == application.id
                )
            )
        )
        + 1
    )
    row = Milestone(
        application_id=application.id,
        seq=seq,
        title=title,
        due_on=due_on,
        amount_fen=amount_fen,
        state="planned",
        paid_fen=0,
    )
    session.add(row)
    session.flush()
    _edit(session, application, who)
    return row


def attach(
    session: Session,
    application: Application,
    who: str,
    requirement: str,
    file_name: str,
    media_type: str,
    content: bytes,
) -> Attachment:
    policy = policy_of(get_round(session, application.round_id))
    allowed = [c.id for c in policy.conditions if c.kind == ConditionKind.MANUAL_REVIEW]
    allowed += ["budget", "other"]
    if requirement not in allowed:
        raise Invalid(
            f"requirement {requirement!r}: one of {', '.join(allowed)}",
            "requirement",
            zh=f"材料类别 {requirement} 不在要求之列",
        )
    row = attachments.store(session, application, requirement, file_name, media_type, content, who)
    _edit(session, application, who)
    return row


def receipt(application: Application) -> str:
    return f"SB{application.round_id:03d}-{application.id:06d}-{application.version}"


def snapshot(session: Session, application: Application) -> dict[str, Any]:
    milestones = session.scalars(
        select(Milestone).where(Milestone.application_id == application.id).order_by(Milestone.seq)
    )
    files = session.execute(
        select(Attachment.requirement, Attachment.file_name, Attachment.sha256)
        .where(Attachment.application_id == application.id)
        .order_by(Attachment.id)
    )
    return {
        "answers": dict(application.answers),
        "attested": list(application.attested),
        "corrections": dict(application.corrections),
        "partners": list(application.partners),
        "budget_fen": application.budget_fen,
        "requested_fen": application.requested_fen,
        "matching_fen": application.matching_fen,
        "milestones": [
            {
                "seq": m.seq,
                "title": m.title,
                "due_on": m.due_on.isoformat(),
                "amount_fen": m.amount_fen,
            }
            for m in milestones
        ],
        "attachments": [{"requirement": r, "file_name": n, "sha256": h} for r, n, h in files],
    }


def submit(session: Session, application: Application, who: str, today: dt.date) -> Version:
    round_ = get_round(session, application.round_id)
    late = today > round_.deadline
    if application.state == "returned" and application.resubmit_by is not None:
        late = today > application.resubmit_by
    if late or today < round_.opens_on:
        raise Conflict(
            f"the deadline has passed ({round_.deadline})",
            zh=f"已过申报截止日期（{round_.deadline}）",
        )
    check = precheck.run(session, application, round_)
    if check.missing:
        raise Conflict(
            "still missing: " + "; ".join(m.en for m in check.missing),
            zh="尚缺：" + "；".join(m.zh for m in check.missing),
        )
    fire(session, application, APPLICATION, "submit", who)
    application.version += 1
    application.receipt_no = receipt(application)
    application.submitted_at = now()
    version = Version(
        application_id=application.id,
        version=application.version,
        receipt_no=application.receipt_no,
        snapshot=snapshot(session, application),
        submitted_at=application.submitted_at,
    )
    session.add(version)
    session.flush()
    return version
