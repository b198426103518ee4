"""In a real browser, without logging in: the self-check gives the outcome and the gap for the
figures typed in, and a clear message naming the field when one is wrong."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_self_check_in_the_browser(world_server: str, browser_page: Any) -> None:
    page = browser_page
    page.goto(world_server + "/?lang=zh")
    page.fill("#selfcheck-form input[name=year]", "2024")
    page.fill("#sc-industry_code", "M7320")
    page.fill("#sc-district", "310115")
    page.fill("#sc-revenue", "8000000")
    page.fill("#sc-revenue_prev", "5000000")
    page.click("#selfcheck-submit")
    page.wait_for_selector("#selfcheck-results")
    reward = page.inner_text("#result-first-above-scale-reward")
    assert "暂不符合" in reward and "¥2,000,000" in reward

    page.fill("#sc-revenue", "abc")
    page.click("#selfcheck-submit")
    page.wait_for_selector("#selfcheck-error")
    assert "营业收入（元）：“abc”不是金额" in page.inner_text("#selfcheck-error")
