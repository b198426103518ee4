"""The decision: the panel's points and the data's points through the same rules engine, the
public notice (公示) and a second officer's approval (four-eyes), then a certificate or a grant.

Closing a panel evaluates the policy once more with the scalar evaluator, where the policy's
`score` is the data points plus the experts' aggregated points and no manual maximum is left,
so every condition is decided and cited by clause like any other verdict: data conditions as
the data says, the score condition by the final score, the judged conditions by the panel's
majority. A project round adds its own pass mark.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.applications import payments, precheck, scoring
from kechuang.applications.flows import APPLICATION, ASSIGNMENT
from kechuang.applications.rounds import get as get_round
from kechuang.applications.rounds import policy_of
from kechuang.applications.tables import Application, Assignment, Certificate, Round
from kechuang.domain.workdays import add_working_days
from kechuang.enterprises.certified import record_certificate
from kechuang.rules.ir import Node
from kechuang.rules.policy import ConditionKind, Policy
from kechuang.rules.scalar import Evaluator
from kechuang.workflow.errors import Conflict, Invalid
from kechuang.workflow.machines import fire

NOTICE_WORKING_DAYS = 5
CERTIFICATE_YEARS = 3


class FinalEvaluator(Evaluator):
    """The policy's evaluator with the score complete: data points plus the panel's points."""

    def __init__(self, *args: Any, final: Fraction | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.final = final

    def value(self, node: Node) -> Any:
        if node.span.source == "score":
            return self.final
        if node.span.source == "score_manual_max":
            return Fraction(0)
        return super().value(node)


def _status(value: Any) -> str:
    if value is None:
        return "unknown"
    return "met" if value else "unmet"


def _data_points(policy: Policy, data: Evaluator) -> Fraction | None:
    """The points the data gives (the in-total scores no expert marks); None if one is unknown."""
    total = Fraction(0)
    for s in policy.scores:
        if s.in_total and s.manual_max == 0:
            points = data.reference(s.id) if s.expr is not None else None
            if not isinstance(points, Fraction):
                return None
            total += points
    return total


def evaluate_final(
    session: Session, application: Application, round_: Round, panel: scoring.Aggregate
) -> dict[str, Any]:
    policy = policy_of(round_)
    history = precheck.history_of(session, application, policy, round_.year)
    if round_.year not in history:
        raise Conflict(f"no stored facts for {round_.year}", zh=f"缺少 {round_.year} 年度数据")
    parameters = policy.parameter_values(round_.year)
    data = Evaluator(policy, history, round_.year, parameters)
    data_points: Fraction | None = Fraction(0)
    if round_.kind == "recognition":
        data_points = _data_points(policy, data)
    final = None if data_points is None else data_points + panel.expert_points
    engine = FinalEvaluator(policy, history, round_.year, parameters, final=final)
    lines: list[dict[str, Any]] = []
    # A recognition's score conditions read the final score; a project's own scoring table is
    # not the policy's score, so its conditions keep the data's reading.
    reader = engine if round_.kind == "recognition" else data
    for c in policy.conditions:
        if c.kind not in (ConditionKind.REQUIRED, ConditionKind.MANUAL_REVIEW):
            continue  # attestations are confirmed on the form; helpers only feed conditions
        source = "data"
        if c.kind == ConditionKind.MANUAL_REVIEW and c.expr is None:
            judged = panel.judgement(c.id)
            status, source = _status(judged), "panel"
        else:
            status = _status(reader.reference(c.id))
            if c.kind == ConditionKind.MANUAL_REVIEW and round_.kind == "recognition":
                source = "panel"
        lines.append(
            {
                "id": c.id,
                "zh": c.label.zh,
                "en": c.label.en,
                "clause": c.clause,
                "status": status,
                "source": source,
            }
        )
    if round_.kind == "project":
        passed = final is not None and round_.pass_mark is not None and final >= round_.pass_mark
        lines.append(
            {
                "id": "pass_mark",
                "zh": f"项目评审得分不低于 {round_.pass_mark} 分",
                "en": f"Project score at least {round_.pass_mark}",
                "clause": round_.title_zh,
                "status": "met" if passed else "unmet",
                "source": "panel",
            }
        )
    granted = all(line["status"] == "met" for line in lines)
    return {
        "data_points": None if data_points is None else str(data_points),
        "expert_points": str(panel.expert_points),
        "final": None if final is None else str(final),
        "conditions": lines,
        "outcome": "granted" if granted else "refused",
        "method": panel.method,
        "outliers": panel.outliers,
        "items": [
            {
                "id": r.item.id,
                "zh": r.item.zh,
                "en": r.item.en,
                "max": r.item.max,
                "value": str(r.value),
                "disagreement": r.disagreement,
                "judgement": r.item.judgement,
            }
            for r in panel.items
        ],
    }


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def close(session: Session, application: Application, who: str) -> Application:
    """Aggregate the panel and decide by the rules (officers; the result is not yet public)."""
    round_ = get_round(session, application.round_id)
    panel = scoring.aggregate(session, application, round_)
    decision = evaluate_final(session, application, round_, panel)
    fire(session, application, APPLICATION, "close", who)
    application.decision = decision
    application.final_score = decision["final"]
    application.outcome = decision["outcome"]
    return application


def publish(session: Session, application: Application, who: str, today: dt.date) -> Application:
    fire(session, application, APPLICATION, "publish", who)
    application.notice_ends = add_working_days(today, NOTICE_WORKING_DAYS).day
    application.published_by = who
    return application


def approve(session: Session, application: Application, who: str, today: dt.date) -> Application:
    """The second officer approves after the notice: a certificate or the grant's agreement."""
    if who == application.published_by:
        raise Conflict(
            "four eyes: the officer who published may not approve",
            zh="四眼原则：公示人不能同时批准",
        )
    if application.notice_ends is None or today <= application.notice_ends:
        raise Conflict(
            f"the public notice runs until {application.notice_ends}",
            zh=f"公示期至 {application.notice_ends}，期满后方可批准",
        )
    round_ = get_round(session, application.round_id)
    fire(session, application, APPLICATION, "approve", who)
    if application.outcome != "granted":
        return application
    if round_.kind == "recognition":
        certificate = Certificate(
            application_id=application.id,
            uscc=application.uscc,
            policy_id=round_.policy_id,
            number=f"GR{today.year}{application.round_id:03d}{application.id:05d}",
            valid_from=today,
            valid_to=_years_later(today, CERTIFICATE_YEARS) - dt.timedelta(days=1),
        )
        session.add(certificate)
        if round_.policy_id.startswith("hnte"):
            # The facts it was judged on and the stored years it covers now say is_hnte.
            years = list(range(round_.year, certificate.valid_to.year + 1))
            record_certificate(session, application.uscc, "is_hnte", years, certificate.number)
    else:
        application.grant_fen = application.requested_fen
        payments.award(session, application, who)
    session.flush()
    return application


def object_to(session: Session, application: Application, who: str, reason: str,
              today: dt.date) -> Application:  # fmt: skip
    """The applicant objects to the published decision, within the notice period."""
    if not reason.strip():
        raise Invalid("an objection needs its reasons", "reason", zh="异议须说明理由")
    if application.notice_ends is None or today > application.notice_ends:
        raise Conflict(f"the public notice ended on {application.notice_ends}",
                       zh=f"公示期已于 {application.notice_ends} 结束")  # fmt: skip
    fire(session, application, APPLICATION, "object", who, reason.strip())
    application.objection = reason.strip()
    return application


def dismiss(session: Session, application: Application, who: str, reasons: str) -> Application:
    """The objection is rejected: the decision stands and its notice runs on."""
    fire(session, application, APPLICATION, "reject_objection", who, reasons)
    return application


def uphold(session: Session, application: Application, who: str, reasons: str) -> Application:
    """The objection is upheld: the decision is withdrawn, the panel's seats are retired and
    the application goes back to expert review before a new panel (none of the old experts)."""
    fire(session, application, APPLICATION, "uphold_objection", who, reasons)
    for seat in session.scalars(
        select(Assignment).where(
            Assignment.application_id == application.id,
            Assignment.state.in_(("invited", "accepted", "submitted")),
        )
    ):
        fire(session, seat, ASSIGNMENT, "retire", who, reasons)
    application.decision, application.final_score, application.outcome = {}, None, None
    application.notice_ends, application.published_by = None, None
    return application
