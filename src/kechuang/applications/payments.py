"""A project's grant through the ledger: the award, each milestone's payment, the clawback.

Codes:
  applications:budget                expense    the programme's grants
  applications:grant:<application>   liability  what is still owed to the project (its grant)
  applications:treasury              asset      the money paid out and returned

- award (approval):   budget +G, grant:<id> −G
- pay a milestone m:  grant:<id> +m, treasury −m   (refused beyond what is still owed)
- clawback (failure): grant:<id> +(G − P), treasury +P, budget −G: the unpaid commitment is
  released and what was paid (P) comes back, so every account of the project returns to 0.
Each entry has an idempotency key, so a step taken twice never pays twice.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.applications.flows import MILESTONE
from kechuang.applications.tables import Application, Milestone
from kechuang.domain.money import format_yuan
from kechuang.ledger import AccountType, open_account
from kechuang.ledger.journal import post
from kechuang.ledger.queries import balance
from kechuang.workflow.errors import Conflict
from kechuang.workflow.machines import fire

BUDGET = "applications:budget"
TREASURY = "applications:treasury"


def grant_code(application_id: int) -> str:
    return f"applications:grant:{application_id}"


def _open(session: Session, application: Application) -> str:
    open_account(
        session, BUDGET, AccountType.EXPENSE, name_zh="申报项目资助", name_en="Project grants"
    )
    open_account(session, TREASURY, AccountType.ASSET, name_zh="财政拨付", name_en="Treasury")
    code = grant_code(application.id)
    open_account(
        session,
        code,
        AccountType.LIABILITY,
        name_zh=f"应拨项目资助 {application.id}",
        name_en=f"Grant owed to application {application.id}",
    )
    return code


def award(session: Session, application: Application, who: str) -> None:
    grant = application.grant_fen or 0
    if grant <= 0:
        return
    code = _open(session, application)
    post(
        session,
        f"applications:award:{application.id}",
        [(BUDGET, grant), (code, -grant)],
        "grant",
        f"project grant of application {application.id}",
        reference=("application", str(application.id)),
        created_by=who,
    )


def owed(session: Session, application: Application) -> int:
    """What the ledger says is still owed to the project, in fen."""
    return -balance(session, grant_code(application.id))


def pay(session: Session, milestone: Milestone, who: str) -> Milestone:
    application = session.get(Application, milestone.application_id)
    assert application is not None
    if application.state != "decided" or application.outcome != "granted":
        raise Conflict("the project has no approved grant", zh="该项目尚未获批资助")
    code = _open(session, application)
    remaining = owed(session, application)
    if milestone.amount_fen > remaining:
        raise Conflict(
            f"milestone {milestone.seq} pays {format_yuan(milestone.amount_fen)}; only "
            f"{format_yuan(remaining)} of the grant remains",
            zh=f"里程碑 {milestone.seq} 拨付 {format_yuan(milestone.amount_fen)}，"
            f"超过资助余额 {format_yuan(remaining)}",
        )
    fire(session, milestone, MILESTONE, "pay", who)
    post(
        session,
        f"applications:milestone:{milestone.id}",
        [(code, milestone.amount_fen), (TREASURY, -milestone.amount_fen)],
        "grant-payment",
        f"milestone {milestone.seq} of application {application.id}",
        reference=("application", str(application.id)),
        created_by=who,
    )
    milestone.paid_fen = milestone.amount_fen
    return milestone


def fail(session: Session, milestone: Milestone, who: str, reason: str) -> Milestone:
    """The milestone fails acceptance: the grant is withdrawn and what was paid clawed back."""
    application = session.get(Application, milestone.application_id)
    assert application is not None
    fire(session, milestone, MILESTONE, "fail", who, reason)
    grant = application.grant_fen or 0
    if grant <= 0:
        return milestone
    code = _open(session, application)
    paid = session.scalars(
        select(Milestone)
        .where(Milestone.application_id == application.id, Milestone.state == "paid")
        .order_by(Milestone.seq)
    ).all()
    returned = sum(m.paid_fen for m in paid)
    remaining = owed(session, application)
    lines = [(code, remaining), (TREASURY, returned), (BUDGET, -(remaining + returned))]
    post(
        session,
        f"applications:clawback:{application.id}",
        [(c, a) for c, a in lines if a],
        "grant-clawback",
        f"clawback of application {application.id}: {reason}",
        reference=("application", str(application.id)),
        created_by=who,
    )
    for m in paid:
        fire(session, m, MILESTONE, "claw_back", who, reason)
    return milestone
