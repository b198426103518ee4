"""Every transfer page fits a 390 px phone for each party that reads it (issue 20): the page
never scrolls sideways (wide tables scroll inside their card), in Chinese and in English.

The transfer world is the access tests' (a result with its inventors, one linked to an inventor
account, a 赋权 case, a licence with an income; an enterprise's demand and challenge answered
by the office), made through the API; each party then opens its pages in Chromium at 390 px.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kechuang.accounts.service import create_account
from kechuang.store.engine import session_scope
from tests.web.conftest import PASSWORD, USCC_A, login
from tests.web.test_access import ANSWER, CHALLENGE, DEMAND, RESULT, T
from tests.web.test_browser_e2e import log_in, user_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {
    "tto_a": (
        "/transfer", "/transfer/results/{result_id}", "/transfer/empowerments/{case_id}",
        "/transfer/deals/{deal_id}", "/transfer/demands/{demand_id}",
        "/transfer/challenges/{challenge_id}", "/transfer/indicators", "/transfer/listing",
    ),
    "ent_a": (
        "/transfer/demands", "/transfer/demands/{demand_id}", "/transfer/challenges",
        "/transfer/challenges/{challenge_id}", "/transfer/deals/{deal_id}",
        "/transfer/listing/{result_id}",
    ),
    "zhangwei": ("/transfer/mine",),
    "officer1": ("/transfer", "/transfer/results/{result_id}", "/transfer/indicators"),
}  # fmt: skip


def _ok(answer: Any) -> dict[str, Any]:
    assert answer.status_code in (200, 201), answer.text
    return dict(answer.json())


@pytest.fixture
def transfer_world(world_engine: Engine, world_app: Any) -> dict[str, int]:
    with session_scope(world_engine) as session:
        create_account(session, "tto_a", PASSWORD, "tech_transfer", org="fudan")
        create_account(session, "zhangwei", PASSWORD, "inventor", org="fudan",
                       display_name="张伟")  # fmt: skip
    tto, enterprise = TestClient(world_app), TestClient(world_app)
    tto.headers["X-CSRF-Token"] = login(tto, "tto_a")
    enterprise.headers["X-CSRF-Token"] = login(enterprise, "ent_a")
    result_id = _ok(tto.post(f"{T}/results", json=RESULT))["id"]
    _ok(tto.post(f"{T}/results/{result_id}/inventor-account",
                 json={"inventor": "张伟", "account": "zhangwei"}))  # fmt: skip
    case_id = _ok(tto.post(f"{T}/results/{result_id}/empowerments", json={"note": "n"}))["id"]
    deal = {"kind": "licence", "counterparty_name": "上海某某智能影像科技有限公司",
            "counterparty_uscc": USCC_A, "exclusive": False, "territory": "中国大陆",
            "contract_amount_minor": 10_000_000, "signed_on": "2024-07-01"}  # fmt: skip
    deal_id = _ok(tto.post(f"{T}/results/{result_id}/deals", json=deal))["id"]
    income = {"kind": "upfront", "receipt": "R-1", "received_on": "2024-07-02",
              "amount_minor": 1_000_000}  # fmt: skip
    income_id = _ok(tto.post(f"{T}/deals/{deal_id}/incomes", json=income))["id"]
    _ok(tto.post(f"{T}/incomes/{income_id}/payment"))
    demand_id = _ok(enterprise.post(f"{T}/demands", json=DEMAND))["id"]
    challenge_id = _ok(enterprise.post(f"{T}/challenges", json=CHALLENGE))["id"]
    _ok(tto.post(f"{T}/challenges/{challenge_id}/answers", json=ANSWER))
    return {"result_id": result_id, "case_id": case_id, "deal_id": deal_id,
            "demand_id": demand_id, "challenge_id": challenge_id}  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_transfer_page_fits_a_390_px_phone_for_each_party(
    transfer_world: dict[str, int], world_server: str, browser_page: Any, lang: str
) -> None:
    wide: list[tuple[str, str, int]] = []
    for username, paths in PAGES.items():
        page = user_page(browser_page, world_server, username)
        page.set_viewport_size({"width": 390, "height": 844})
        for path in paths:
            answer = page.goto(f"{world_server}{path.format(**transfer_world)}?lang={lang}")
            assert answer is not None and answer.status == 200, (username, path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide.append((username, path, width))
        page.context.close()
    assert not wide, wide
    log_in(browser_page, world_server, "zhangwei")  # the inventor lands on their own page
    assert browser_page.url.endswith("/transfer/mine")
    assert RESULT["title_zh"] in browser_page.inner_text("#my-results")
