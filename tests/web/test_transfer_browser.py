"""Tech transfer in Debian's Chromium (issue 20, part 3), as the people who do it.

A tech-transfer office registers a result (a wrong patent number and shares that do not add up
to 100% are refused in the page's language, nothing stored), takes it through 赋权 with the
due-diligence checklist, records a licence and an upfront fee, sees each inventor's part with
the statutory minimum of 第四十五条, pays them; the inventor then reads the payout on their own
page. An enterprise posts a demand from the browser and opens a match that answers it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kechuang.accounts.service import create_account
from kechuang.store.engine import session_scope
from kechuang.transfer import register
from kechuang.transfer.drafts import check_result
from kechuang.transfer.patent_number import check_character
from kechuang.transfer.tables import Result
from tests.web.conftest import PASSWORD, USCC_A
from tests.web.test_browser_e2e import log_in, user_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DIGITS = "202310654321"
NUMBER = f"{DIGITS}.{check_character(DIGITS)}"
WRONG = "X" if check_character(DIGITS) != "X" else "1"


@pytest.fixture
def offices(world_engine: Engine) -> Engine:
    with session_scope(world_engine) as session:
        create_account(session, "tto_fudan", PASSWORD, "tech_transfer", org="fudan")
        create_account(session, "wangfang", PASSWORD, "inventor", org="fudan",
                       display_name="王芳")  # fmt: skip
    return world_engine


def _submit(page: Any, form: str) -> None:
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


def _results(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Result)) or 0)


def _fill_result(page: Any, number: str, inventors: str) -> None:
    form = "form.step-add"
    page.click("#add-result summary")
    page.select_option(f"{form} [name=kind]", "patent")
    page.fill(f"{form} [name=title_zh]", "一种锂电池固态电解质界面改性方法")
    page.fill(f"{form} [name=title_en]", "Interface modification of solid electrolytes")
    page.fill(
        f"{form} [name=abstract_zh]", "通过原子层沉积在固态电解质表面形成缓冲层，降低界面阻抗。"
    )
    page.fill(f"{form} [name=application_number]", number)
    page.fill(f"{form} [name=ipc_codes]", "H01M 10/0562")
    page.fill(f"{form} [name=industry_code]", "C3841")
    page.fill(f"{form} [name=disclosed_on]", "2024-03-01")
    page.fill(f"{form} [name=inventors]", inventors)


def test_an_office_registers_empowers_licenses_and_pays(
    offices: Engine, world_server: str, browser_page: Any
) -> None:
    page = browser_page
    log_in(page, world_server, "tto_fudan")
    assert page.url.endswith("/transfer")
    # A wrong check character and shares adding to 90%: refused in Chinese, nothing stored.
    _fill_result(page, f"{DIGITS}.{WRONG}", "王芳:60:main;李强:30")
    _submit(page, "form.step-add")
    error = page.inner_text("main")
    assert "专利申请号" in error and "完成人" in error, error
    assert _results(offices) == 0
    page.goto(world_server + "/transfer")
    _fill_result(page, NUMBER, "王芳:60:main;李强:40")
    _submit(page, "form.step-add")
    assert re.search(r"/transfer/results/\d+\?done=result.add", page.url), page.url
    assert page.inner_text("#status") == "已披露（单列管理）"
    assert page.inner_text("#application-number") == NUMBER
    # The inventor's account, picked by name from the institution's inventor accounts.
    form = "form.step-link-inventor"
    page.fill(f"{form} [name=inventor]", "王芳")
    page.select_option(f"{form} [name=account]", label="王芳 (wangfang)")
    _submit(page, form)
    assert "已关联" in page.inner_text("#inventors")
    # 赋权: request, review, the checklist and agreement, the registration.
    page.fill("form.step-request [name=note]", "完成人申请赋予70%所有权")
    _submit(page, "form.step-request")
    assert "/transfer/empowerments/" in page.url
    _submit(page, "form.step-review")
    assert page.inner_text("#case-state") == "尽职调查中"
    form = "form.step-agree"
    page.select_option(f"{form} [name='checklist.pricing_method']", "agreement")
    page.fill(f"{form} [name='checklist.notice_days']", "15")
    for box in ("collective_decision", "conflict_of_interest_declared", "security_review",
                "inventors_consent"):  # fmt: skip
        page.check(f"{form} input[type=checkbox][name='checklist.{box}']")
    page.select_option(f"{form} [name=kind]", "co_ownership")
    page.fill(f"{form} [name=inventor_ownership_bp]", "7000")
    page.fill(f"{form} [name=licence_bp]", "7000")
    page.fill(f"{form} [name=transfer_bp]", "7000")
    page.fill(f"{form} [name=equity_bp]", "7000")
    page.fill(f"{form} [name=decision_rights]", "转化决策由完成人团队提出，单位备案")
    page.fill(f"{form} [name=costs]", "专利维持费按持有比例承担")
    page.fill(f"{form} [name=agreed_on]", "2024-04-01")
    _submit(page, form)
    assert page.inner_text("#case-state") == "已签协议"
    assert "集体决策" in page.inner_text("#checklist")
    page.fill("form.step-register [name=registration_number]", "CNIPA-2024-0001")
    page.fill("form.step-register [name=registered_on]", "2024-05-01")
    _submit(page, "form.step-register")
    assert page.inner_text("#case-state") == "已登记权属变更"
    page.click("main p a")  # back to the result
    page.wait_for_load_state()
    assert page.inner_text("#status") == "已赋权"
    # A licence and its upfront fee: 100,000 yuan less 2,000 yuan of costs.
    form = "form.step-create"
    page.select_option(f"{form} [name=kind]", "licence")
    page.fill(f"{form} [name=counterparty_name]", "上海新能源材料有限公司")
    page.fill(f"{form} [name=counterparty_uscc]", USCC_A)
    page.select_option(f"{form} [name=exclusive]", "false")
    page.fill(f"{form} [name=territory]", "中国大陆")
    page.fill(f"{form} [name=contract_amount_minor]", "50000000")
    page.fill(f"{form} [name=upfront_minor]", "10000000")
    page.fill(f"{form} [name=signed_on]", "2024-06-01")
    _submit(page, form)
    assert "/transfer/deals/" in page.url, page.inner_text("main")[:600]
    assert "50%" in page.inner_text("#minimum") and "70%" in page.inner_text("#minimum")
    form = "form.step-record"
    page.select_option(f"{form} [name=kind]", "upfront")
    page.fill(f"{form} [name=receipt]", "R-2024-001")
    page.fill(f"{form} [name=received_on]", "2024-06-10")
    page.fill(f"{form} [name=amount_minor]", "10000000")
    page.fill(f"{form} [name=costs_yuan]", "2000")
    _submit(page, form)
    row = page.inner_text("#incomes tbody tr")
    # Net 98,000.00; 70% to the inventors = 68,600.00; 王芳 60% = 41,160.00, 李强 40% = 27,440.00.
    for figure in ("98,000.00", "68,600.00", "41,160.00", "27,440.00"):
        assert figure in row, row
    _submit(page, "form.step-pay")
    assert "已发放" in page.inner_text("#incomes tbody tr")
    # The inventor reads it on their own page, read only.
    inventor = user_page(page, world_server, "wangfang")
    assert inventor.url.endswith("/transfer/mine")
    assert "41,160.00" in inventor.inner_text("#paid-total")
    assert "一种锂电池固态电解质界面改性方法" in inventor.inner_text("#my-results")
    assert inventor.query_selector("form.step") is None


@pytest.fixture
def listed_result(world_engine: Engine) -> None:
    draft, problems = check_result(
        kind="patent", title_zh="激光-电弧复合焊接熔池气孔抑制方法",
        title_en="Porosity suppression in laser-arc hybrid welding",
        abstract_zh="调控保护气流场，促进熔池气泡逸出，降低焊缝气孔率。",
        abstract_en="Shielding gas control lets bubbles escape the weld pool.",
        keywords="", ipc_codes="B23K 26/348", industry_code="C3311",
        application_number=NUMBER, disclosed_on=dt.date(2024, 3, 1), inventors="张伟:100:main",
    )  # fmt: skip
    assert draft is not None, problems
    with session_scope(world_engine) as session:
        register.add_result(session, "sjtu", draft, "tto-sjtu")


def test_an_enterprise_posts_a_demand_and_opens_a_match(
    listed_result: None, world_server: str, browser_page: Any
) -> None:
    page = browser_page
    log_in(page, world_server, "ent_a")
    page.goto(world_server + "/transfer/demands")
    page.click("#post-demand summary")
    form = "form.step-post"
    page.fill(f"{form} [name=title_zh]", "焊缝气孔问题")
    page.fill(f"{form} [name=title_en]", "Porosity in welds")
    page.fill(f"{form} [name=description_zh]", "车间焊出来的焊缝老有小孔眼，返工太多，寻求解决方法")
    page.fill(f"{form} [name=budget_yuan]", "500000")
    _submit(page, form)
    assert re.search(r"/transfer/demands/\d+\?done=demand.post", page.url), page.url
    first = page.locator("#matches li").first
    assert "激光-电弧复合焊接熔池气孔抑制方法" in first.inner_text()
    first.locator("a.match").click()
    page.wait_for_load_state()
    assert page.inner_text("#listed-title") == "激光-电弧复合焊接熔池气孔抑制方法"
    assert "上海交通大学" in page.inner_text("main")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pages_fit_a_phone(
    offices: Engine, listed_result: None, world_server: str, browser_page: Any, lang: str
) -> None:
    """At 390 px the page never scrolls sideways: wide tables scroll inside their card."""
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, world_server, "officer1")
    for path in ("/transfer", "/transfer/results/1", "/transfer/listing", "/transfer/indicators",
                 "/transfer/challenges", "/finance", "/finance/loans"):  # fmt: skip
        page.goto(f"{world_server}{path}?lang={lang}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
