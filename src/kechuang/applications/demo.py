"""Demo data for `make run`: expert accounts and their pool, one open HNTE round and one open
project round, each with applications at every stage (draft, submitted, returned, accepted,
under review, scored, on public notice, decided; the decided project has its first milestone
paid), through the package's own services.

Applicants are taken from the stored panel: for the HNTE round, enterprises whose data meets
HNTE's quantitative conditions (the pre-check says manual_review); for the project round,
enterprises meeting tsme-2017's data conditions, the demo enterprise account's first. The
rounds run from 30 days before today to 30 days after, so they are open when the demo starts;
notices were published in the past, so that the decided applications were approved after them.
Re-runnable: nothing is added when the demo rounds exist.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

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
PROJECT_SHEET = [
    {
        "id": "innovation",
        "zh": "技术创新性与先进性",
        "en": "Innovation and advancement",
        "max": 40,
        "clause": "评分表一",
    },
    {
        "id": "impact",
        "zh": "投资带动与经济社会效益",
        "en": "Investment drawn and impact",
        "max": 60,
        "clause": "评分表二",
    },
]
DEMO_PDF = b"%PDF-1.4\n% Kechuang demo evidence\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class Created:
    username: str
    password: str


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
            panel.enrol(session, username, name, org, ALL_SECTIONS)
    return created


def _complete(session: Session, application: Application, round_: Round, by: str) -> None:
    policy = rounds.policy_of(round_)
    for c in policy.conditions:
        if c.kind.value == "manual_review":
            apply.answer(session, application, by, c.id, f"说明：{c.label.zh}，详见附件。")
            apply.attach(session, application, by, c.id, f"{c.id}.pdf", "application/pdf", DEMO_PDF)
        elif c.kind.value == "attestation":
            apply.attest(session, application, by, c.id)
    if round_.kind == "project":
        grant = 2_000_000_00
        apply.plan(session, application, by, 6_000_000_00, grant, grant)
        for seq, amount in enumerate((800_000_00, 700_000_00, 500_000_00), start=1):
            apply.add_milestone(
                session,
                application,
                by,
                f"里程碑{seq}",
                dt.date(round_.year + 1, 3 + 3 * seq, 28),
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
        panel.take(session, seat, who.username)
        for item in sheet:
            points = 1 if item.judgement else round(item.max * rng.uniform(0.6, 0.95))
            if index == 2 and not item.judgement and application.id % 2:
                points = round(item.max * 0.2)  # an outlier for the demo's officers to see
            scoring.score(session, seat, who.username, item.id, points, "依据申报材料评分。")
            if not seal:
                break
        if seal:
            scoring.seal(session, seat, who.username)
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
    apply.submit(session, application, by, round_.opens_on + dt.timedelta(days=5))
    if stage == "submitted":
        return
    if stage == "returned":
        review.send_back(session, application, OFFICER, "请补充研发费用专项审计报告的盖章页", today)
        return
    review.accept(session, application, OFFICER)
    if stage == "accepted":
        return
    panel.assign(session, application, OFFICER)
    _score(session, application, rng, seal=stage != "panel")
    if stage == "panel":
        return
    decision.close(session, application, OFFICER)
    if stage == "scored":
        return
    noticed = today - dt.timedelta(days=21) if stage == "decided" else today
    decision.publish(session, application, OFFICER, noticed)
    if stage == "published":
        return
    decision.approve(session, application, APPROVER, today)
    if application.outcome == "granted" and round_.kind == "project":
        first = session.scalar(
            select(Milestone).where(Milestone.application_id == application.id, Milestone.seq == 1)
        )
        assert first is not None
        payments.pay(session, first, OFFICER)


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
                "tsme-2017",
                "project",
                f"{year + 1}年科技服务业重大投资项目",
                f"Major investment projects in S&T services {year + 1}",
                (Outcome.ELIGIBLE, Outcome.MANUAL_REVIEW),
                demo_uscc,
            ),
        )
        for policy_id, kind, zh, en, outcomes, first in plans:
            round_ = rounds.open_round(
                session,
                OFFICER,
                policy_id=policy_id,
                kind=kind,
                title_zh=zh,
                title_en=en,
                year=int(year),
                opens_on=today - dt.timedelta(days=30),
                deadline=today + dt.timedelta(days=30),
                aggregation="trimmed_mean" if kind == "recognition" else "median",
                panel_size=3,
                outlier_points=15,
                grant_cap_fen=5_000_000_00 if kind == "project" else None,
                matching_bp=10_000 if kind == "project" else 0,
                pass_mark=60 if kind == "project" else None,
                sheet=PROJECT_SHEET if kind == "project" else None,
            )
            applicants = _candidates(session, policy_id, int(year), len(STAGES), outcomes, first)
            for uscc, stage in zip(applicants, STAGES, strict=False):
                who = Principal(0, f"demo-{uscc}", "demo", "enterprise", uscc, None)
                try:
                    with session.begin_nested():
                        application = apply.start(session, who, round_.id, round_.opens_on, [])
                        _advance(session, application, round_, stage, today, rng, who.username)
                except Refusal:
                    continue  # an enterprise the demo cannot take this far: the next stage
            session.commit()
    return created
