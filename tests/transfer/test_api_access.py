"""The transfer API end to end with access control (both stores): a tech-transfer office or an
enterprise cannot read or change another's results, 赋权 cases, deals, demands or challenges.

Out-of-scope rows answer 404 (nothing leaks about what exists); wrong roles answer 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kechuang.accounts.service import create_account
from kechuang.accounts.tables import AuditEntry
from kechuang.store.engine import session_scope
from kechuang.transfer import router as transfer_router
from kechuang.transfer.steps import STEPS
from kechuang.web.app import create_app
from tests.transfer.conftest import make_uscc

PASSWORD = "pass-word-1"
USCC_A = make_uscc(101)
USCC_B = make_uscc(102)
ACCOUNTS = {
    "tto_fudan": ("tech_transfer", None, "fudan"),
    "tto_tongji": ("tech_transfer", None, "tongji"),
    "ent_a": ("enterprise", USCC_A, None),
    "ent_b": ("enterprise", USCC_B, None),
    "officer": ("officer", None, None),
    "bank": ("bank", None, "icbc"),
}
TRANSFER_ACTIONS = [step.name for step in STEPS]
API = "/api/v1/transfer"
RESULT = {
    "kind": "patent",
    "title_zh": "一种用于肺结节CT影像的深度学习辅助诊断方法",
    "title_en": "Deep-learning aided diagnosis of lung nodules on CT",
    "abstract_zh": "基于三维卷积神经网络对胸部CT影像中的肺结节进行自动检测与良恶性分类。",
    "keywords": "肺结节;CT;深度学习",
    "application_number": "ZL201710601862.3",
    "ipc_codes": "G06T 7/00; A61B 6/03",
    "industry_code": "I6513",
    "disclosed_on": "2024-03-01",
    "inventors": [
        {"name": "张伟", "share_bp": 5000, "main": True},
        {"name": "王芳", "share_bp": 3000, "main": True},
        {"name": "李强", "share_bp": 2000},
    ],
}


class World:
    def __init__(self, engine: Engine) -> None:
        app = create_app(engine)
        if not any(getattr(r, "path", "").startswith(API) for r in app.routes):
            app.include_router(transfer_router.router)
        self.client = TestClient(app)
        self.tokens: dict[str, str] = {}
        for username in ACCOUNTS:
            response = self.client.post(
                "/api/v1/session", json={"username": username, "password": PASSWORD}
            )
            assert response.status_code == 201, response.text
            self.tokens[username] = response.json()["token"]
            # Calls go with the Bearer token only: no cookie rides along (and needs no CSRF).
            self.client.cookies.clear()

    def call(self, who: str | None, method: str, path: str, body: Any = None, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return self.client.request(method, path, json=body, headers=headers, params=params)


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    with session_scope(engine) as session:
        for username, (role, uscc, org) in ACCOUNTS.items():
            create_account(session, username, PASSWORD, role, uscc=uscc, org=org)
    world = World(engine)
    yield world
    world.client.close()


def test_offices_and_enterprises_stay_in_their_lanes(world: World, engine: Engine) -> None:
    call = world.call
    assert call(None, "GET", f"{API}/results").status_code == 401
    created = call("tto_fudan", "POST", f"{API}/results", RESULT)
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    bad = call("tto_fudan", "POST", f"{API}/results",
               {**RESULT, "application_number": "201710601862.4"})  # fmt: skip
    assert bad.status_code == 422 and "校验位应为" in bad.json()["detail"]  # zh by default
    english = call("tto_fudan", "POST", f"{API}/results",
                   {**RESULT, "application_number": "201710601862.4"}, lang="en")  # fmt: skip
    assert english.status_code == 422 and "check character" in english.json()["detail"]
    assert call("ent_a", "POST", f"{API}/results", RESULT).status_code == 403

    # Another office sees nothing of fudan's register and can change nothing in it.
    assert call("tto_tongji", "GET", f"{API}/results/{rid}").status_code == 404
    assert call("tto_tongji", "GET", f"{API}/results").json()["total"] == 0
    assert call("tto_fudan", "GET", f"{API}/results").json()["total"] == 1
    assert call("officer", "GET", f"{API}/results").json()["total"] == 1
    assert call("tto_tongji", "POST", f"{API}/results/{rid}/empowerments", {}).status_code == 404
    assert call("ent_a", "GET", f"{API}/results").status_code == 403
    assert call("ent_a", "GET", f"{API}/results/{rid}").status_code == 404
    assert call("bank", "GET", f"{API}/results/{rid}").status_code == 404

    # Rule below the statutory minimum is refused; above is kept.
    low = {"licence_bp": 4000}
    assert call("tto_fudan", "PUT", f"{API}/rule", low).status_code == 422
    assert call("tto_fudan", "PUT", f"{API}/rule", {"licence_bp": 6000}).status_code == 200
    assert call("tto_tongji", "GET", f"{API}/rule").json()["licence_bp"] == 5000

    # 赋权 through the API, refused steps answer 409 (wrong state) or 422 (incomplete).
    case = call("tto_fudan", "POST", f"{API}/results/{rid}/empowerments", {"note": "申请赋权"})
    cid = case.json()["id"]
    agreement = {
        "checklist": {"pricing_method": "listing", "venue": "上海技术交易所",
                      "collective_decision": True, "conflict_of_interest_declared": True,
                      "security_review": True, "inventors_consent": True},
        "kind": "long_term_use", "term_years": 10, "licence_bp": 6000, "transfer_bp": 5000,
        "equity_bp": 5000, "decision_rights": "完成人团队决定实施方式",
        "costs": "维持费由完成人承担",
        "agreed_on": "2024-05-01",
    }  # fmt: skip
    assert (
        call("tto_fudan", "POST", f"{API}/empowerments/{cid}/agreement", agreement).status_code
        == 409
    )
    assert call("tto_tongji", "POST", f"{API}/empowerments/{cid}/review").status_code == 404
    assert call("tto_fudan", "POST", f"{API}/empowerments/{cid}/review").status_code == 200
    short = {**agreement, "term_years": 9}
    assert (
        call("tto_fudan", "POST", f"{API}/empowerments/{cid}/agreement", short).status_code == 422
    )
    assert (
        call("tto_fudan", "POST", f"{API}/empowerments/{cid}/agreement", agreement).status_code
        == 200
    )
    done = call("tto_fudan", "POST", f"{API}/empowerments/{cid}/registration",
                {"registration_number": "BA-2024-0001", "registered_on": "2024-06-01"})  # fmt: skip
    assert done.json()["state"] == "registered"
    assert call("tto_tongji", "GET", f"{API}/empowerments/{cid}").status_code == 404

    # A licence to enterprise A: A sees the deal, B does not; neither sees the payouts.
    deal = call("tto_fudan", "POST", f"{API}/results/{rid}/deals", {
        "kind": "licence", "counterparty_name": "A公司", "counterparty_uscc": USCC_A,
        "exclusive": False, "territory": "中国", "contract_amount_minor": 10_000_000,
        "signed_on": "2024-07-01",
    })  # fmt: skip
    assert deal.status_code == 201, deal.text
    did = deal.json()["id"]
    assert call("tto_tongji", "POST", f"{API}/results/{rid}/deals", {
        "kind": "transfer", "counterparty_name": "x", "counterparty_uscc": USCC_B,
        "contract_amount_minor": 1, "signed_on": "2024-07-01"}).status_code == 404  # fmt: skip
    paid = call("tto_fudan", "POST", f"{API}/deals/{did}/incomes", {
        "kind": "upfront", "receipt": "R-1", "received_on": "2024-07-02",
        "amount_minor": 1_000_001})  # fmt: skip
    assert paid.status_code == 201, paid.text
    # 60% by the agreement of 1,000,001 fen = 600,000.6, rounded up to 600,001.
    assert paid.json()["inventors_fen"] == 600_001
    assert sorted(p["amount_fen"] for p in paid.json()["payouts"]) == [120_000, 180_000, 300_001]
    again = call("tto_fudan", "POST", f"{API}/deals/{did}/incomes", {
        "kind": "upfront", "receipt": "R-1", "received_on": "2024-07-02",
        "amount_minor": 1_000_001})  # fmt: skip
    assert again.json()["id"] == paid.json()["id"]
    assert call("ent_a", "GET", f"{API}/deals/{did}").status_code == 200
    assert call("ent_b", "GET", f"{API}/deals/{did}").status_code == 404
    assert call("tto_tongji", "GET", f"{API}/deals/{did}").status_code == 404
    assert call("ent_a", "GET", f"{API}/deals/{did}/incomes").status_code == 404
    # an enterprise's role records no income at all (refused before any deal is looked up)
    assert call("ent_a", "POST", f"{API}/deals/{did}/incomes", {
        "kind": "upfront", "receipt": "R-2", "received_on": "2024-07-02",
        "amount_minor": 1})  .status_code == 403  # fmt: skip
    assert (
        call("tto_tongji", "POST", f"{API}/incomes/{paid.json()['id']}/payment").status_code == 404
    )
    assert call("tto_fudan", "POST", f"{API}/incomes/{paid.json()['id']}/payment").json() == {
        "paid": True
    }
    assert call("ent_b", "GET", f"{API}/deals").json()["total"] == 0
    assert call("ent_a", "GET", f"{API}/deals").json()["total"] == 1
    assert call("tto_tongji", "GET", f"{API}/deals").json()["total"] == 0

    # Indicators: each office its own institution.
    mine = call("tto_fudan", "GET", f"{API}/indicators").json()
    assert [(r["institution"], r["results_empowered"]) for r in mine] == [("fudan", 1)]
    assert call("tto_tongji", "GET", f"{API}/indicators").json() == []
    assert call("ent_a", "GET", f"{API}/indicators").status_code == 403

    # Every change is in the audit log, with who made it; refused calls left no line.
    with engine.connect() as connection:
        logged = connection.execute(
            select(AuditEntry.actor, AuditEntry.action).where(
                AuditEntry.action.in_(TRANSFER_ACTIONS)
            )
        ).all()
    assert ("tto_fudan", "income.record") in logged
    assert ("tto_fudan", "empowerment.register") in logged
    assert all(actor == "tto_fudan" for actor, _ in logged)


def test_demands_matching_and_challenges_are_scoped(world: World) -> None:
    call = world.call
    assert call("tto_fudan", "POST", f"{API}/results", RESULT).status_code == 201
    demand = call("ent_a", "POST", f"{API}/demands", {
        "title_zh": "胸部CT肺结节智能识别", "title_en": "AI lung nodule detection on chest CT",
        "description_zh": "医院信息化厂商寻求胸部CT肺部结节自动识别算法，"
                          "辅助影像科医生筛查早期肺癌。",
        "industry_code": "I6513", "budget_fen": 50_000_000,
    })  # fmt: skip
    assert demand.status_code == 201, demand.text
    did = demand.json()["id"]
    matches = call("ent_a", "GET", f"{API}/demands/{did}/matches").json()
    assert matches[0]["title"] == RESULT["title_zh"]
    assert any("shared terms" in r for r in matches[0]["reasons"])
    assert call("ent_b", "GET", f"{API}/demands/{did}/matches").status_code == 404
    assert call("ent_b", "GET", f"{API}/demands").json()["total"] == 0
    assert call("tto_tongji", "GET", f"{API}/demands/{did}/matches").status_code == 200
    # demands are posted by enterprises: an office's role is refused outright
    assert call("tto_fudan", "POST", f"{API}/demands", {
        "title_zh": "x", "title_en": "x", "description_zh": "x"}).status_code == 403  # fmt: skip
    found = call("ent_b", "GET", f"{API}/listing", q="肺结节 CT 深度学习").json()
    assert found and found[0]["title"] == RESULT["title_zh"]

    challenge = call("ent_a", "POST", f"{API}/challenges", {
        "title_zh": "晶圆缺陷检测揭榜", "title_en": "Wafer defect inspection challenge",
        "problem_zh": "12英寸晶圆表面30纳米颗粒检测", "budget_fen": 100_000_000,
        "deadline": "2099-12-31",
    })  # fmt: skip
    chid = challenge.json()["id"]
    team = {
        "team_name": "同济光学检测团队",
        "proposal_zh": "暗场散射加深度学习分类",
        "asked_fen": 80_000_000,
    }
    assert call("tto_tongji", "POST", f"{API}/challenges/{chid}/answers", team).status_code == 201
    other = {**team, "team_name": "B公司团队"}
    assert call("ent_b", "POST", f"{API}/challenges/{chid}/answers", other).status_code == 201
    assert call("ent_a", "POST", f"{API}/challenges/{chid}/answers",
                {**team, "team_name": "自己"}).status_code == 422  # fmt: skip
    assert len(call("ent_a", "GET", f"{API}/challenges/{chid}/answers").json()) == 2
    assert [
        a["team_name"] for a in call("ent_b", "GET", f"{API}/challenges/{chid}/answers").json()
    ] == ["B公司团队"]
    assert call("ent_b", "POST", f"{API}/challenges/{chid}/evaluation").status_code == 404
    assert call("ent_a", "POST", f"{API}/challenges/{chid}/evaluation").status_code == 200
    answers = call("ent_a", "GET", f"{API}/challenges/{chid}/answers").json()
    winner = answers[0]["id"]
    assert (
        call("ent_a", "POST", f"{API}/challenges/{chid}/award", {"answer_id": winner}).status_code
        == 422
    )
    for answer, score in zip(answers, (92, 75), strict=True):
        assert call("ent_b", "POST", f"{API}/challenges/{chid}/answers/{answer['id']}/score",
                    {"score": score}).status_code == 404  # fmt: skip
        assert call("ent_a", "POST", f"{API}/challenges/{chid}/answers/{answer['id']}/score",
                    {"score": score, "comment": "阅卷意见"}).status_code == 200  # fmt: skip
    awarded = call("ent_a", "POST", f"{API}/challenges/{chid}/award", {"answer_id": winner})
    assert awarded.json()["state"] == "awarded" and awarded.json()["awarded_answer_id"] == winner
    # Once awarded the challenge is no longer public: another enterprise cannot read it.
    assert call("ent_b", "GET", f"{API}/challenges/{chid}/answers").status_code == 404
    assert [c["id"] for c in call("ent_b", "GET", f"{API}/challenges").json()] == []


def test_pages_are_scoped(world: World) -> None:
    call = world.call
    rid = call("tto_fudan", "POST", f"{API}/results", RESULT).json()["id"]
    page = call("tto_fudan", "GET", f"/transfer/results/{rid}")
    assert page.status_code == 200 and "张伟" in page.text and "50%" in page.text
    assert call("tto_tongji", "GET", f"/transfer/results/{rid}").status_code == 404
    register = call("tto_fudan", "GET", "/transfer", lang="en")
    assert register.status_code == 200 and "Deep-learning aided diagnosis" in register.text
    assert "Deep-learning" not in call("tto_tongji", "GET", "/transfer").text
    assert call("officer", "GET", "/transfer/indicators").status_code == 200
