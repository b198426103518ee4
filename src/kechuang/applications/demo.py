"""Demo data for `make run`: expert accounts and their pool, one open HNTE round and one open
project round, each with applications at every stage (draft, submitted, returned, accepted,
under review, scored, on public notice, decided; the decided project has its first milestone
paid), through the package's own services.

Applicants are taken from the stored panel: for the HNTE round, enterprises whose data meets
HNTE's quantitative conditions (the pre-check says manual_review); for the project round,
enterprises meeting sts-major-project's data conditions (科技服务业重大投资项目, its score table,
grant cap, matching ratio and pass mark taken from the policy), the demo enterprise account's
first. Every step is taken through its service and writes its audit row, as the same step
taken on a page would. The rounds run from 30 days before today to 30 days after, so they
are open when the demo starts; notices were published in the past, so that the decided
applications were approved after them. Re-runnable: nothing is added when the demo rounds exist.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kechuang.accounts import audit
from kechuang.accounts.service import Principal, create_account
from kechuang.accounts.tables import Account
from kechuang.applications import apply, decision, panel, payments, review, rounds, scoring
from kechuang.applications.tables import Application, Assignment, Milestone, Round
from kechuang.enterprises import facts
from kechuang.enterprises.tables import annual_facts
from kechuang.policies.pack import load_pack
from kechuang.rules.policy import Outcome
from kechuang.rules.scalar import evaluate
from kechuang.store.engine import make_sessionmaker
from kechuang.workflow import clock
from kechuang.workflow.errors import Refusal

OFFICER, APPROVER = "officer1", "officer2"
STAGES = ("draft", "submitted", "returned", "accepted", "panel", "scored", "published", "decided")
EXPERTS = (
    ("expert1", "王建国 教授", "fudan"),
    ("expert2", "李红 研究员", "sjtu"),
    ("expert3", "陈志强 高工", "tongji"),
    ("expert4", "刘洋 教授", "ecnu"),
    ("expert5", "赵敏 研究员", "sari-cas"),
    ("expert6", "孙磊 高工", "shu"),
)
ALL_SECTIONS = [chr(c) for c in range(ord("A"), ord("U"))]  # GB/T 4754 sections A..T
PROJECT_POLICY = "sts-major-project"
DEMO_PDF = b"%PDF-1.4\n% Kechuang demo evidence\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


T = TypeVar("T")
# The audit log's subject names: those of the steps (applications.steps) the demo stands in for.
SUBJECTS: dict[type, str] = {
    Application: "application",
    Assignment: "assignment",
    Milestone: "milestone",
    Round: "round",
    panel.Expert: "expert",
}


def _step(
    session: Session,
    actor: str,
    action: str,
    subject: Any,
    call: Callable[..., T],
    *args: Any,
    **kwargs: Any,
) -> T:
    """Take one step through its service and write its audit row, as `workflow.steps.perform`
    does for the same step taken on a page, by the API or the CLI (state before and after);
    `subject` None: the step creates its subject (the row it returns)."""
    before = getattr(subject, "state", None)
    result = call(session, *args, **kwargs)
    target = subject if subject is not None else result
    after: dict[str, Any] = {"demo": True}
    if getattr(target, "state", None) is not None:
        after["state"] = target.state
    audit.record(
        session, actor, action, SUBJECTS[type(target)], target.id,
        before=None if before is None else {"state": before}, after=after,
    )  # fmt: skip
    return result


@dataclass(frozen=True)
class Created:
    username: str
    password: str


def _whole(value: Fraction, scale: int) -> int:
    """A parameter in whole units of 1/scale (fen, basis points), refusing a remainder."""
    scaled = Fraction(value) * scale
    if scaled.denominator != 1:
        raise ValueError(f"{value} is not a whole number of 1/{scale}")
    return int(scaled)


def _project_terms(year: int) -> dict[str, Any]:
    """The project round's terms from its policy: the experts' score table (the policy's
    manual scores), the grant cap, the matching ratio and the grant's largest share of the
    budget (in basis points), the smallest budget and the pass mark."""
    policy = load_pack().get(PROJECT_POLICY, year)
    values = policy.parameter_values(year)
    sheet = [
        {"id": s.id, "zh": s.label.zh, "en": s.label.en, "max": int(s.max_points),
         "clause": s.clause}
        for s in policy.scores
        if s.manual_max > 0
    ]  # fmt: skip
    return {
        "grant_cap_fen": _whole(values["grant_cap"], 100),
        "matching_bp": _whole(values["matching_ratio"], 10_000),
        "max_share_bp": _whole(values["max_grant_share"], 10_000),
        "min_budget_fen": _whole(values["min_investment"], 100),
        "pass_mark": _whole(values["pass_mark"], 1),
        "sheet": sheet,
    }


def _candidates(
    session: Session,
    policy_id: str,
    year: int,
    wanted: int,
    outcomes: tuple[Outcome, ...],
    first: str | None,
) -> list[str]:
    policy = load_pack().get(policy_id, year)
    conn = session.connection()
    usccs = list(
        session.scalars(
            select(annual_facts.c.uscc)
            .where(annual_facts.c.year == year)
            .order_by(annual_facts.c.uscc)
            .limit(4000)
        )
    )
    if first in usccs:
        usccs.remove(first)
        usccs.insert(0, first)
    found: list[str] = []
    for uscc in usccs:
        history = facts.history(conn, uscc, year - policy.history_years, year)
        if year in history and evaluate(policy, history, year, gaps=False).outcome in outcomes:
            found.append(uscc)
            if len(found) == wanted:
                break
    return found


def _experts(session: Session) -> list[Created]:
    created = []
    existing = set(session.scalars(select(Account.username)))
    for username, name, org in EXPERTS:
        if username not in existing:
            password = secrets.token_urlsafe(9)
            create_account(
                session, username, password, "expert", display_name=name, org=org, actor="make-run"
            )
            created.append(Created(username, password))
        if session.scalar(select(func.count()).where(panel.Expert.username == username)) == 0:
            _step(
                session,
                OFFICER,
                "expert.enrol",
                None,
                panel.enrol,
                username,
                name,
                org,
                ALL_SECTIONS,
            )
    return created


def _complete(session: Session, application: Application, round_: Round, by: str) -> None:
    policy = rounds.policy_of(round_)
    for c in policy.conditions:
        if c.kind.value == "manual_review":
            note = f"说明：{c.label.zh}，详见附件。"
            _step(
                session,
                by,
                "application.answer",
                application,
                apply.answer,
                application,
                by,
                c.id,
                note,
            )
            _step(
                session,
                by,
                "application.attach",
                application,
                apply.attach,
                application,
                by,
                c.id,
                f"{c.id}.pdf",
                "application/pdf",
                DEMO_PDF,
            )
        elif c.kind.value == "attestation":
            _step(
                session, by, "application.attest", application, apply.attest, application, by, c.id
            )
    if round_.kind == "project":
        grant = 2_000_000_00
        _step(
            session,
            by,
            "application.plan",
            application,
            apply.plan,
            application,
            by,
            20_000_000_00,
            grant,
            grant,
        )
        for seq, amount in enumerate((800_000_00, 700_000_00, 500_000_00), start=1):
            due = dt.date(round_.year + 1, 3 + 3 * seq, 28)
            _step(
                session,
                by,
                "application.milestone",
                application,
                apply.add_milestone,
                application,
                by,
                f"里程碑{seq}",
                due,
                amount,
            )


def _score(session: Session, application: Application, rng: random.Random, seal: bool) -> None:
    round_ = rounds.get(session, application.round_id)
    sheet = rounds.items(round_)
    seats = list(
        session.scalars(
            select(Assignment)
            .where(Assignment.application_id == application.id)
            .order_by(Assignment.id)
        )
    )
    for index, seat in enumerate(seats):
        who = session.get(panel.Expert, seat.expert_id)
        assert who is not None
        expert = who.username
        _step(session, expert, "assignment.accept", seat, panel.take, seat, expert)
        for item in sheet:
            points = 1 if item.judgement else round(item.max * rng.uniform(0.6, 0.95))
            if index == 2 and not item.judgement and application.id % 2:
                points = round(item.max * 0.2)  # an outlier for the demo's officers to see
            _step(
                session,
                expert,
                "assignment.score",
                seat,
                scoring.score,
                seat,
                expert,
                item.id,
                points,
                "依据申报材料评分。",
            )
            if not seal:
                break
        if seal:
            _step(session, expert, "assignment.submit", seat, scoring.seal, seat, expert)
        else:
            break


def _advance(
    session: Session,
    application: Application,
    round_: Round,
    stage: str,
    today: dt.date,
    rng: random.Random,
    by: str,
) -> None:
    if stage == "draft":
        return
    _complete(session, application, round_, by)
    submitted = round_.opens_on + dt.timedelta(days=5)
    _step(session, by, "application.submit", application, apply.submit, application, by, submitted)
    if stage == "submitted":
        return
    if stage == "returned":
        _step(
            session,
            OFFICER,
            "application.return",
            application,
            review.send_back,
            application,
            OFFICER,
            "请补充研发费用专项审计报告的盖章页",
            today,
        )
        return
    _step(session, OFFICER, "application.accept", application, review.accept, application, OFFICER)
    if stage == "accepted":
        return
    _step(session, OFFICER, "application.assign", application, panel.assign, application, OFFICER)
    _score(session, application, rng, seal=stage != "panel")
    if stage == "panel":
        return
    _step(session, OFFICER, "application.close", application, decision.close, application, OFFICER)
    if stage == "scored":
        return
    noticed = today - dt.timedelta(days=21) if stage == "decided" else today
    _step(
        session,
        OFFICER,
        "application.publish",
        application,
        decision.publish,
        application,
        OFFICER,
        noticed,
    )
    if stage == "published":
        return
    _step(
        session,
        APPROVER,
        "application.approve",
        application,
        decision.approve,
        application,
        APPROVER,
        today,
    )
    if application.outcome == "granted" and round_.kind == "project":
        first = session.scalar(
            select(Milestone).where(Milestone.application_id == application.id, Milestone.seq == 1)
        )
        assert first is not None
        _step(session, OFFICER, "milestone.pay", first, payments.pay, first, OFFICER)


def seed(engine: Engine, seed: int = 17) -> list[Created]:
    """Seed the demo; returns the expert accounts created now (with their passwords)."""
    rng = random.Random(seed)
    today = clock.today()
    with make_sessionmaker(engine)() as session:
        created = _experts(session)
        session.commit()
        if session.scalar(select(func.count()).select_from(Round)):
            return created
        year = session.scalar(select(func.max(annual_facts.c.year)))
        if year is None:
            return created
        demo_uscc = session.scalar(select(Account.uscc).where(Account.username == "enterprise1"))
        plans = (
            (
                "hnte-2016",
                "recognition",
                f"{year + 1}年度高新技术企业认定",
                f"HNTE recognition {year + 1}",
                (Outcome.MANUAL_REVIEW,),
                None,
            ),
            (
                PROJECT_POLICY,
                "project",
                f"{year + 1}年科技服务业重大投资项目",
                f"Major investment projects in S&T services {year + 1}",
                (Outcome.ELIGIBLE, Outcome.MANUAL_REVIEW),
                demo_uscc,
            ),
        )
        for policy_id, kind, zh, en, outcomes, first in plans:
            project = _project_terms(int(year)) if kind == "project" else {}
            round_ = _step(
                session, OFFICER, "round.open", None, rounds.open_round, OFFICER,
                policy_id=policy_id, kind=kind, title_zh=zh, title_en=en, year=int(year),
                opens_on=today - dt.timedelta(days=30), deadline=today + dt.timedelta(days=30),
                aggregation="trimmed_mean" if kind == "recognition" else "median",
                panel_size=3, outlier_points=15, **project,
            )  # fmt: skip
            applicants = _candidates(session, policy_id, int(year), len(STAGES), outcomes, first)
            for uscc, stage in zip(applicants, STAGES, strict=False):
                who = Principal(0, f"demo-{uscc}", "demo", "enterprise", uscc, None)
                try:
                    with session.begin_nested():
                        application = _step(
                            session, who.username, "application.apply", None, apply.start, who,
                            round_.id, round_.opens_on, [],
                        )  # fmt: skip
                        _advance(session, application, round_, stage, today, rng, who.username)
                except Refusal:
                    continue  # an enterprise the demo cannot take this far: the next stage
            session.commit()
    return created
