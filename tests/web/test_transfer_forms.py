"""The transfer journey through the page forms, as a browser posts them (issue 20, part 3).

The same steps as the Chromium journey (tests.web.test_transfer_browser), posted as forms by a
TestClient so that they run wherever the app runs: each form is the one the page offers (its
action and field names are read from the page), each answer the page the person lands on.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kechuang.accounts.service import create_account
from kechuang.store.engine import session_scope
from kechuang.transfer.patent_number import check_character
from kechuang.transfer.tables import Result
from tests.web.conftest import PASSWORD, USCC_A, login

DIGITS = "202310654321"
NUMBER = f"{DIGITS}.{check_character(DIGITS)}"
WRONG = "X" if check_character(DIGITS) != "X" else "1"


class Browser:
    """A signed-in client that posts the forms a page offers, by their step's class."""

    def __init__(self, app: Any, username: str) -> None:
        self.client = TestClient(app)
        self.csrf = login(self.client, username)
        self.page = ""
        self.url = ""

    def get(self, url: str) -> str:
        answer = self.client.get(url)
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:500])
        self.page, self.url = answer.text, str(answer.url)
        return self.page

    def action(self, verb: str) -> str:
        found = re.search(
            rf'<form method="post" action="([^"]+)" class="step step-{verb}\b', self.page
        )
        assert found, f"no {verb} form on {self.url}"
        return found.group(1)

    def submit(self, verb: str, fields: dict[str, str], status: int = 200) -> str:
        answer = self.client.post(self.action(verb), data={"csrf_token": self.csrf, **fields})
        detail = re.search(r"<section class=\"panel error\">(.*?)</section>", answer.text, re.S)
        assert answer.status_code == status, (verb, answer.status_code, detail and detail.group(1))
        self.page, self.url = answer.text, str(answer.url)
        return self.page


def _text(html: str, ident: str) -> str:
    found = re.search(rf'<(\w+)[^>]*id="{ident}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, ident
    return re.sub(r"<[^>]+>", "", found.group(2)).strip()


RESULT = {
    "kind": "patent", "title_zh": "一种锂电池固态电解质界面改性方法",
    "title_en": "Interface modification of solid electrolytes",
    "abstract_zh": "通过原子层沉积在固态电解质表面形成缓冲层，降低界面阻抗。",
    "ipc_codes": "H01M 10/0562", "industry_code": "C3841", "disclosed_on": "2024-03-01",
    "listed": "true",
}  # fmt: skip


@pytest.fixture
def app(any_app: Any) -> Any:
    with session_scope(any_app.state.engine) as session:
        create_account(session, "tto_fudan", PASSWORD, "tech_transfer", org="fudan")
        create_account(session, "wangfang", PASSWORD, "inventor", org="fudan",
                       display_name="王芳")  # fmt: skip
    return any_app


def test_an_office_registers_empowers_licenses_and_pays_through_the_forms(app: Any) -> None:
    office = Browser(app, "tto_fudan")
    office.get("/transfer")
    bad = {**RESULT, "application_number": f"{DIGITS}.{WRONG}", "inventors": "王芳:60:main;李强:30"}
    error = office.submit("add", bad, status=422)
    assert "专利申请号" in error and "完成人" in error
    # Every reason in the page's language: Chinese here, English on an English page.
    assert "贡献比例合计为 90%，须为 100%" in error and "校验位" in error
    assert "check character" not in error and "sum to" not in error
    with session_scope(app.state.engine) as session:
        assert session.scalar(select(func.count()).select_from(Result)) == 0
    office.get("/transfer?lang=en")
    error = office.submit("add", {**RESULT, "disclosed_on": "", "inventors": "王芳:100:main"},
                          status=422)  # fmt: skip
    assert "Disclosed on" in error  # the field by its English label, on an English page
    office.get("/transfer?lang=en")
    error = office.submit("add", {**RESULT, "inventors": "王芳:60:main;李强:30"}, status=422)
    assert "contribution shares sum to 90.0%, not 100%" in error and "贡献比例" not in error
    office.get("/transfer?lang=zh")
    office.submit("add", {**RESULT, "application_number": NUMBER,
                          "inventors": "王芳:60:main;李强:40"})  # fmt: skip
    assert re.search(r"/transfer/results/\d+\?done=result.add", office.url)
    assert _text(office.page, "status") == "已披露（单列管理）"
    # The inventor's account is picked from the institution's inventor accounts, by name.
    assert "王芳 (wangfang)</option>" in office.page
    office.submit("link-inventor", {"inventor": "王芳", "account": "wangfang"})
    assert "done=result.link-inventor" in office.url and "已关联" in office.page
    office.submit("request", {"note": "完成人申请赋予70%所有权"})
    assert re.search(r"/transfer/empowerments/\d+\?done=empowerment.request", office.url)
    office.submit("review", {})
    assert _text(office.page, "case-state") == "尽职调查中"
    office.submit("agree", {
        "checklist.pricing_method": "agreement", "checklist.notice_days": "15",
        "checklist.collective_decision": "true", "checklist.conflict_of_interest_declared": "true",
        "checklist.security_review": "true", "checklist.inventors_consent": "true",
        "kind": "co_ownership", "inventor_ownership_bp": "7000", "licence_bp": "7000",
        "transfer_bp": "7000", "equity_bp": "7000", "decision_rights": "转化决策由完成人团队提出",
        "costs": "专利维持费按持有比例承担", "agreed_on": "2024-04-01",
    })  # fmt: skip
    assert _text(office.page, "case-state") == "已签协议"
    office.submit("register", {"registration_number": "CNIPA-2024-0001",
                               "registered_on": "2024-05-01"})  # fmt: skip
    assert _text(office.page, "case-state") == "已登记权属变更"
    result = re.search(r'<p><a href="(/transfer/results/\d+)">', office.page)
    assert result
    office.get(result.group(1))
    assert _text(office.page, "status") == "已赋权"
    office.submit("create", {
        "kind": "licence", "counterparty_name": "上海新能源材料有限公司",
        "counterparty_uscc": USCC_A, "exclusive": "false", "territory": "中国大陆",
        "contract_amount_minor": "50000000", "upfront_minor": "10000000", "signed_on": "2024-06-01",
    })  # fmt: skip
    assert "/transfer/deals/" in office.url
    minimum = _text(office.page, "minimum")
    assert "70%" in minimum and "50%" in minimum and "第四十五条" in office.page
    office.submit("record", {"kind": "upfront", "receipt": "R-2024-001",
                             "received_on": "2024-06-10", "amount_minor": "10000000",
                             "costs_yuan": "2000"})  # fmt: skip
    # Net 98,000.00; 70% to the inventors = 68,600.00; 王芳 60% = 41,160.00, 李强 40% = 27,440.00.
    row = re.search(r'<tr id="income-\d+">(.*?)</tr>', office.page, re.S)
    assert row
    for figure in ("98,000.00", "68,600.00", "41,160.00", "27,440.00"):
        assert figure in row.group(1), row.group(1)
    office.submit("pay", {})
    assert "已发放" in office.page
    inventor = Browser(app, "wangfang")
    page = inventor.get("/transfer/mine")
    assert "41,160.00" in _text(page, "paid-total")
    assert "一种锂电池固态电解质界面改性方法" in page and 'class="step' not in page


def test_an_enterprise_posts_a_demand_through_the_form(app: Any) -> None:
    enterprise = Browser(app, "ent_a")
    enterprise.get("/transfer/demands")
    enterprise.submit("post", {"title_zh": "焊缝气孔问题", "title_en": "Porosity in welds",
                               "description_zh": "车间焊出来的焊缝老有小孔眼，返工太多",
                               "budget_yuan": "500000"})  # fmt: skip
    assert re.search(r"/transfer/demands/\d+\?done=demand.post", enterprise.url)
    assert "焊缝气孔问题" in enterprise.page and "¥500,000.00" in enterprise.page


def test_a_challenge_is_posted_answered_scored_and_awarded_through_the_forms(app: Any) -> None:
    enterprise = Browser(app, "ent_a")
    enterprise.get("/transfer/challenges")
    enterprise.submit("post", {"title_zh": "晶圆缺陷检测揭榜", "title_en": "Wafer inspection",
                               "problem_zh": "12英寸晶圆表面30纳米颗粒检测",
                               "budget_yuan": "1000000", "deadline": "2099-12-31"})  # fmt: skip
    found = re.search(r"/transfer/challenges/(\d+)\?done=challenge.post", enterprise.url)
    assert found and _text(enterprise.page, "challenge-state") == "揭榜中"
    challenge = f"/transfer/challenges/{found.group(1)}"
    office = Browser(app, "tto_fudan")
    office.get(challenge)
    office.submit("answer", {"team_name": "光学检测团队", "proposal_zh": "暗场散射加深度学习分类",
                             "asked_yuan": "800000"})  # fmt: skip
    assert "光学检测团队" in office.page
    other = Browser(app, "ent_b")  # another enterprise may not evaluate A's challenge
    other.get(challenge)
    assert "step-evaluate" not in other.page and "暗场散射" not in other.page
    enterprise.get(challenge)
    enterprise.submit("evaluate", {})
    assert _text(enterprise.page, "challenge-state") == "阅卷中"
    enterprise.submit("score", {"score": "92", "comment": "方案可行"})
    answer = re.search(r"<tr><td>(\d+)", enterprise.page.split('id="answers"')[1])
    assert answer and ">92<" in enterprise.page
    enterprise.submit("award", {"answer_id": answer.group(1)})
    assert _text(enterprise.page, "challenge-state") == "已揭榜"


def test_an_unticked_box_says_no(app: Any) -> None:
    """A result registered with "publish to the listing" unticked stays off the listing: the
    form sends its hidden "false" when the box is not ticked."""
    office = Browser(app, "tto_fudan")
    office.get("/transfer")
    form = office.page.split('class="step step-add"')[1].split("</form>")[0]
    assert form.index('type="hidden" name="listed" value="false"') < form.index(
        'type="checkbox" name="listed"'
    )
    office.submit("add", {**RESULT, "application_number": NUMBER, "inventors": "王芳:100:main",
                          "listed": "false"})  # fmt: skip
    found = re.search(r"/transfer/results/(\d+)\?", office.url)
    assert found and "未挂牌" in office.page
    assert office.client.get(f"/transfer/listing/{found.group(1)}").status_code == 404
