"""A project-support round: budget, matching funds and milestones on the form; after the
panel and approval, each milestone accepted by an officer is paid through the ledger once,
never beyond the grant, to the fen; a failed milestone withdraws the grant and claws back what
was paid, leaving every account of the project at zero."""

from __future__ import annotations

import datetime as dt

import pytest
from httpx import Response
from sqlalchemy import select

from kechuang.applications import payments
from kechuang.applications.tables import Application, Milestone
from kechuang.ledger.queries import balance, trial_balance
from kechuang.store.engine import make_sessionmaker
from kechuang.workflow.errors import Conflict
from tests.applications.conftest import World

API = "/api/v1/applications"
GRANT = 300_000_000  # 3,000,000.00 yuan
MILESTONES = (100_000_001, 99_999_999, 100_000_000)  # odd fen on purpose; they add up to GRANT
SHEET = [
    {"id": "innovation", "zh": "技术创新性", "en": "Innovation", "max": 40, "clause": "评分表一"},
    {
        "id": "impact",
        "zh": "投资带动与效益",
        "en": "Investment drawn and impact",
        "max": 60,
        "clause": "评分表二",
    },
]
MARKS = {1: (32, 48), 2: (30, 45), 3: (35, 50)}  # medians 32 and 48: 80 >= 60


ROUND = {
    "policy_id": "tsme-2017",
    "kind": "project",
    "title_zh": "科技服务业重大投资项目",
    "title_en": "Major investment projects in S&T services",
    "year": 2024,
    "opens_on": "2025-03-01",
    "deadline": "2025-03-31",
    "aggregation": "median",
    "panel_size": 3,
    "grant_cap_fen": 500_000_000,
    "matching_bp": 10_000,
    "pass_mark": 60,
    "sheet": SHEET,
}


def post_round(world: World, **terms: object) -> Response:
    return world.client("officer1").post(f"{API}/rounds/open", json={**ROUND, **terms})


def open_project_round(world: World, **terms: object) -> int:
    made = post_round(world, **terms)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def granted_project(world: World) -> int:
    round_id = open_project_round(world)
    ent, officer = world.client("ent_a"), world.client("officer1")
    application_id = ent.post(f"{API}/rounds/{round_id}/apply", json={}).json()["id"]
    base = f"{API}/{application_id}"
    assert ent.post(f"{base}/attest", json={"condition": "permitted_products"}).status_code == 200
    over_cap = ent.post(
        f"{base}/plan",
        json={"budget_fen": 900_000_000, "requested_fen": 500_000_001, "matching_fen": 0},
    )
    assert over_cap.status_code == 422
    ent.post(
        f"{base}/plan",
        json={"budget_fen": 800_000_000, "requested_fen": GRANT, "matching_fen": 299_999_999},
    )
    for seq, amount in enumerate(MILESTONES, start=1):
        added = ent.post(
            f"{base}/milestone",
            json={
                "title": f"里程碑{seq}",
                "due_on": f"2025-{seq + 5:02d}-30",
                "amount_fen": amount,
            },
        )
        assert added.status_code == 201, added.text
    beyond = ent.post(
        f"{base}/milestone", json={"title": "多出的一笔", "due_on": "2025-12-31", "amount_fen": 1}
    )
    assert beyond.status_code == 422  # milestones may not pay a fen more than requested
    missing = {m["key"] for m in ent.get(base).json()["missing"]}
    assert missing == {"matching"}  # one fen short of 1:1 matching funds
    ent.post(
        f"{base}/plan",
        json={"budget_fen": 800_000_000, "requested_fen": GRANT, "matching_fen": GRANT},
    )
    assert ent.post(f"{base}/submit").status_code == 200
    assert officer.post(f"{base}/accept").status_code == 200
    assigned = officer.post(f"{base}/assign")
    assert assigned.status_code == 200, assigned.text
    seated = sorted(seat["expert"].lower() for seat in officer.get(f"{base}/panel").json())
    for expert, (innovation, impact) in zip(seated, MARKS.values(), strict=True):
        client = world.client(expert)
        (seat,) = client.get(f"{API}/assignments").json()
        sheet = f"{API}/assignments/{seat['id']}"
        client.post(f"{sheet}/accept")
        for item, points in (("innovation", innovation), ("impact", impact)):
            client.post(
                f"{sheet}/score", json={"item": item, "points": points, "comment": "项目方案可行"}
            )
        assert client.post(f"{sheet}/submit").status_code == 200
    closed = officer.post(f"{base}/close").json()
    assert (closed["final_score"], closed["outcome"]) == ("80", "granted")
    officer.post(f"{base}/publish")
    world.clock.advance(10)
    approved = world.client("officer2").post(f"{base}/approve")
    assert approved.json()["grant_fen"] == GRANT
    return int(application_id)


def milestone_ids(world: World, application_id: int) -> list[int]:
    detail = world.client("officer1").get(f"{API}/{application_id}").json()
    return [m["id"] for m in detail["milestones"]]


def test_milestones_are_paid_once_each_and_a_failure_claws_back(world: World) -> None:
    application_id = granted_project(world)
    officer = world.client("officer1")
    first, second, third = milestone_ids(world, application_id)
    assert world.client("ent_a").post(f"{API}/milestones/{first}/pay").status_code == 403
    assert officer.post(f"{API}/milestones/{first}/pay").json()["paid_fen"] == MILESTONES[0]
    again = officer.post(f"{API}/milestones/{first}/pay")
    assert again.status_code == 409  # paid already: never twice
    officer.post(f"{API}/milestones/{second}/pay")
    with make_sessionmaker(world.engine)() as session:
        grant = payments.grant_code(application_id)
        assert balance(session, payments.TREASURY) == -(MILESTONES[0] + MILESTONES[1])
        assert -balance(session, grant) == MILESTONES[2]  # what is still owed, to the fen
    failed = officer.post(f"{API}/milestones/{third}/fail", json={"reason": "未按期完成验收"})
    assert failed.json()["state"] == "failed"
    with make_sessionmaker(world.engine)() as session:
        for code in (payments.grant_code(application_id), payments.TREASURY, payments.BUDGET):
            assert balance(session, code) == 0
        assert trial_balance(session) == 0
        states = session.scalars(
            select(Milestone.state)
            .where(Milestone.application_id == application_id)
            .order_by(Milestone.seq)
        ).all()
        assert states == ["clawed_back", "clawed_back", "failed"]


def test_a_payment_beyond_the_grant_is_refused_and_posts_nothing(world: World) -> None:
    application_id = granted_project(world)
    officer = world.client("officer1")
    for milestone_id in milestone_ids(world, application_id)[:2]:
        officer.post(f"{API}/milestones/{milestone_id}/pay")
    with make_sessionmaker(world.engine)() as session:
        # A milestone one fen larger than what the grant still owes (an inconsistent plan).
        extra = Milestone(
            application_id=application_id,
            seq=9,
            title="超额",
            amount_fen=MILESTONES[2] + 1,
            due_on=dt.date(2025, 12, 31),
            state="planned",
            paid_fen=0,
        )
        session.add(extra)
        session.flush()
        with pytest.raises(Conflict, match="of the grant remains"):
            payments.pay(session, extra, "officer1")
        session.rollback()
    with make_sessionmaker(world.engine)() as session:
        application = session.get(Application, application_id)
        assert application is not None
        assert payments.owed(session, application) == MILESTONES[2]


def open_round_with_share(world: World, max_share_bp: int, min_budget_fen: int) -> int:
    made = post_round(world, max_share_bp=max_share_bp, min_budget_fen=min_budget_fen)
    assert made.status_code == 201, made.text
    assert (made.json()["max_share_bp"], made.json()["min_budget_fen"]) == (
        max_share_bp,
        min_budget_fen,
    )
    return int(made.json()["id"])


def test_a_grant_one_fen_above_30_percent_of_the_budget_is_refused(world: World) -> None:
    round_id = open_round_with_share(world, 3_000, 2_000_000_000)
    ent = world.client("ent_a")
    application_id = ent.post(f"{API}/rounds/{round_id}/apply", json={}).json()["id"]
    base = f"{API}/{application_id}"
    over = ent.post(
        f"{base}/plan",
        json={"budget_fen": 1_000_000_001, "requested_fen": 300_000_001, "matching_fen": 0},
    )
    assert over.status_code == 422, over.text
    assert "30%" in over.text
    assert ent.get(base).json().get("requested_fen") is None  # the refused plan changed nothing
    exact = ent.post(
        f"{base}/plan",
        json={"budget_fen": 1_000_000_000, "requested_fen": 300_000_000, "matching_fen": 0},
    )
    assert exact.status_code == 200, exact.text  # exactly 30% is within the limit


def test_a_budget_below_the_rounds_minimum_is_missing_until_raised(world: World) -> None:
    round_id = open_round_with_share(world, 3_000, 2_000_000_000)
    ent = world.client("ent_a")
    application_id = ent.post(f"{API}/rounds/{round_id}/apply", json={}).json()["id"]
    base = f"{API}/{application_id}"
    ent.post(
        f"{base}/plan",
        json={"budget_fen": 1_999_999_999, "requested_fen": 1, "matching_fen": 1},
    )
    missing = {m["key"] for m in ent.get(base).json()["missing"]}
    assert "budget_min" in missing  # 19,999,999.99 yuan is below 20,000,000
    ent.post(
        f"{base}/plan",
        json={"budget_fen": 2_000_000_000, "requested_fen": 1, "matching_fen": 1},
    )
    missing = {m["key"] for m in ent.get(base).json()["missing"]}
    assert "budget_min" not in missing and "share" not in missing


def test_a_share_above_the_whole_budget_cannot_be_set(world: World) -> None:
    made = post_round(world, max_share_bp=10_001)
    assert made.status_code == 422
    assert "max_share_bp" in made.text


def test_the_round_page_states_the_grant_share_and_the_smallest_budget(world: World) -> None:
    round_id = open_round_with_share(world, 3_000, 2_000_000_000)
    page = world.client("ent_a").get(f"/applications/rounds/{round_id}")
    assert page.status_code == 200
    assert "资助不超过项目预算的 30%" in page.text
    assert "配套资金不少于资助的 100%" in page.text
    assert "项目预算不低于 ¥20,000,000.00" in page.text
