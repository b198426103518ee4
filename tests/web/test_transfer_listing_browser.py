"""The cross-border listing in Debian's Chromium: an enterprise reads the listing in English,
describes its problem in its own words and sees which result answers it and why; the same in
Chinese after the language switch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine

from kechuang.store.engine import session_scope
from kechuang.transfer import register
from kechuang.transfer.drafts import check_result
from tests.web.test_browser_e2e import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RESULTS = (
    ("激光-电弧复合焊接熔池气孔抑制方法", "Porosity suppression in laser-arc hybrid welding",
     "调控保护气流场，促进熔池气泡逸出，降低焊缝气孔率。",
     "Shielding gas control lets bubbles escape the weld pool, cutting porosity in welds.",
     "B23K 26/348", "202310123456.6"),
    ("激光-电弧复合焊接焊缝视觉跟踪系统", "Visual seam tracking for laser-arc hybrid welding",
     "结构光传感器实时提取坡口，引导焊枪沿焊缝运动，解决焊偏问题。",
     "A structured-light sensor steers the torch along the seam so welds stay on it.",
     "B23K 26/044", "202310123457.X"),
)  # fmt: skip


@pytest.fixture
def listed(world_engine: Engine) -> None:
    from kechuang.transfer.patent_number import check_character

    with session_scope(world_engine) as session:
        for title, title_en, abstract, summary, codes, number in RESULTS:
            digits = number.split(".")[0]
            draft, problems = check_result(
                kind="patent", title_zh=title, title_en=title_en, abstract_zh=abstract,
                abstract_en=summary, keywords="", ipc_codes=codes, industry_code="C3311",
                application_number=f"{digits}.{check_character(digits)}",
                disclosed_on=dt.date(2024, 3, 1), inventors="张伟:100:main",
            )  # fmt: skip
            assert draft is not None, problems
            register.add_result(session, "sjtu", draft, "tto-sjtu")


def test_an_enterprise_finds_the_answer_in_english_and_in_chinese(
    listed: None, world_server: str, browser_page: Any
) -> None:
    page = browser_page
    log_in(page, world_server, "ent_a")
    page.goto(world_server + "/transfer/listing?lang=en")
    table = page.inner_text("#listing-table")
    assert "Porosity suppression in laser-arc hybrid welding" in table
    assert "cutting porosity in welds" in table and "Fabricated metal" not in table
    page.fill("#q", "Our welds are full of tiny holes on X-ray and we keep reworking them")
    page.click("#listing-search button")
    page.wait_for_load_state()
    first = page.inner_text("#matches li:first-child")
    assert first.startswith("Porosity suppression in laser-arc hybrid welding"), first
    assert "You mention" in first and "this result addresses" in first
    page.click("text=中文")
    page.wait_for_load_state()
    page.fill("#q", "车间焊出来的焊缝老有小孔眼，返工太多")
    page.click("#listing-search button")
    page.wait_for_load_state()
    first = page.inner_text("#matches li:first-child")
    assert first.startswith("激光-电弧复合焊接熔池气孔抑制方法") and "您提到" in first, first
