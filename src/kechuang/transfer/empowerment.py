"""The 赋权 workflow: inventors request, the institution reviews with the due-diligence
checklist, the parties agree (ownership, co-ownership or long-term use), the change is registered.

Each step is one function that validates, moves EmpowermentFlow and logs the event; the caller
commits. When the change is registered the result becomes `empowered`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.http.labels import label
from kechuang.transfer import flows, register
from kechuang.transfer.access import Actor
from kechuang.transfer.due_diligence import Agreement, check_agreement, check_checklist
from kechuang.transfer.errors import NotFound, TransferError
from kechuang.transfer.tables import Empowerment

OPEN_STATES = ("requested", "under_review", "agreed")


def request(session: Session, who: Actor, result_id: int, note: str) -> Empowerment:
    """The inventors' request, filed through their institution's office."""
    result = register.get_result(session, who, result_id)
    who.act_for_institution(result.institution, f"result {result_id}")
    if result.status != "disclosed":
        raise TransferError(
            f"result {result_id} is {result.status}: only a disclosed one",
            zh=f"成果 {result_id} 当前为「{label('result_status', result.status)}」，"
            "只有已披露的成果可申请赋权",
        )
    pending = session.scalar(
        select(Empowerment.id).where(
            Empowerment.result_id == result_id, Empowerment.state.in_(OPEN_STATES)
        )
    )
    if pending is not None:
        raise TransferError(
            f"result {result_id} already has 赋权 case {pending} open",
            zh=f"成果 {result_id} 已有未办结的赋权申请 {pending}",
        )
    case = Empowerment(
        result_id=result_id, institution=result.institution, state="requested",
        requested_at=dt.datetime.now(dt.UTC), request_note=note.strip(),
    )  # fmt: skip
    session.add(case)
    session.flush()
    flows.log(session, "empowerment", case.id, "request", None, "requested", who.username, note)
    return case


def get(session: Session, who: Actor, case_id: int) -> Empowerment:
    case = session.get(Empowerment, case_id)
    if case is None:
        raise NotFound(f"no 赋权 case {case_id} here", zh=f"没有赋权申请 {case_id}")
    who.see_institution(case.institution, f"赋权 case {case_id}")
    return case


def acting(session: Session, who: Actor, case_id: int) -> Empowerment:
    case = get(session, who, case_id)
    who.act_for_institution(case.institution, f"赋权 case {case_id}")
    return case


def start_review(session: Session, who: Actor, case_id: int) -> Empowerment:
    case = acting(session, who, case_id)
    flows.fire(session, case, "review", who.username)
    return case


def reject(session: Session, who: Actor, case_id: int, reason: str) -> Empowerment:
    case = acting(session, who, case_id)
    if not reason.strip():
        raise TransferError("a rejection gives its reason", zh="不予赋权须说明理由")
    flows.fire(session, case, "reject", who.username, reason)
    return case


def agree(
    session: Session,
    who: Actor,
    case_id: int,
    checklist: dict[str, Any],
    agreement: Agreement,
    agreed_on: dt.date,
) -> Empowerment:
    """Record the checklist and the signed agreement; refused if either is incomplete."""
    case = acting(session, who, case_id)
    flows.check_allowed(case, "agree")
    rule = register.rule_of(session, case.institution)
    checked_list = check_checklist(checklist)
    terms = check_agreement(agreement, rule)
    case.checklist = checked_list
    case.agreement_kind = terms.kind
    case.inventor_ownership_bp = terms.inventor_ownership_bp
    case.term_years = terms.term_years
    case.licence_bp = terms.licence_bp
    case.transfer_bp = terms.transfer_bp
    case.equity_bp = terms.equity_bp
    case.decision_rights = terms.decision_rights.strip()
    case.costs = terms.costs.strip()
    case.agreed_on = agreed_on
    flows.fire(session, case, "agree", who.username, terms.kind)
    return case


def register_change(
    session: Session, who: Actor, case_id: int, registration_number: str, registered_on: dt.date
) -> Empowerment:
    """The ownership change (or the use-right filing) is registered: the result is empowered."""
    case = acting(session, who, case_id)
    if not registration_number.strip() or len(registration_number) > 64:
        raise TransferError(
            "registration needs its number (1 to 64 characters)", zh="须填写登记号（1 至 64 字）"
        )
    flows.check_allowed(case, "register")
    if case.agreed_on is not None and registered_on < case.agreed_on:
        raise TransferError(
            "registration cannot precede the agreement", zh="登记日期不能早于协议日期"
        )
    case.registration_number = registration_number.strip()
    case.registered_on = registered_on
    flows.fire(session, case, "register", who.username, registration_number)
    result = register.get_result(session, who, case.result_id)
    flows.fire(session, result, "empower", who.username, f"赋权 case {case.id}")
    return case


def registered_case(session: Session, result_id: int) -> Empowerment | None:
    """The result's registered 赋权 agreement, whose income split overrides the rule upward."""
    return session.scalars(
        select(Empowerment)
        .where(Empowerment.result_id == result_id, Empowerment.state == "registered")
        .order_by(Empowerment.id.desc())
    ).first()
