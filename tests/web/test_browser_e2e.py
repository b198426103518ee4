"""End to end in Debian's Chromium: an officer screens and publishes, another officer approves,
the enterprise sees its reward and the reason, confirms its account, the payment shows in both
views; the what-if page draws its figure; the language switch works; pages fit a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import PASSWORD, USCC_A

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()


def user_page(first: Any, base: str, username: str) -> Any:
    """A page in a fresh browser context (its own cookies), logged in as username."""
    page = first.context.browser.new_context().new_page()
    log_in(page, base, username)
    return page


def test_screening_to_payment_in_the_browser(
    world_server: str, world_app: Any, browser_page: Any
) -> None:
    officer = browser_page
    log_in(officer, world_server, "officer1")
    assert officer.url.endswith("/officer/runs")
    officer.select_option("#run-policy", "first-above-scale-reward")
    officer.select_option("#run-year", "2024")
    officer.click("#start-run-submit")
    # The job page polls with htmx and moves on to the run when screening is done.
    officer.wait_for_url("**/officer/runs/*", timeout=60_000)
    assert "已筛查" in officer.inner_text("#run-state")
    officer.click("form.step-publish button[type=submit]")
    officer.wait_for_selector("#flash")
    assert "公示中" in officer.inner_text("#run-state")

    world_app.state.clock.advance(30)  # the notice period passes
    reviewer = user_page(officer, world_server, "officer2")
    reviewer.goto(officer.url.split("?")[0])
    reviewer.click("form.step-approve button[type=submit]")
    reviewer.wait_for_selector("#flash")
    assert "已审核" in reviewer.inner_text("#run-state"), reviewer.inner_text("#flash")

    enterprise = user_page(officer, world_server, "ent_a")
    assert enterprise.url.endswith(f"/enterprises/{USCC_A}")
    awards = enterprise.inner_text("#my-awards")
    assert "¥200,000.00" in awards and "已审核" in awards
    reward = enterprise.locator("#group-eligible .verdict", has_text="首次升规奖励")
    reward.locator("summary").click()
    reward.locator(".explanation").wait_for()
    explanation = reward.locator(".explanation").inner_text()
    assert "✓" in explanation
    assert "1000万元" in explanation  # the cited clause and condition
    enterprise.goto(f"{world_server}/enterprises/{USCC_A}/benefits")
    enterprise.fill("form.step-confirm input[name=account_name]", "示例企业")
    enterprise.fill("form.step-confirm input[name=bank]", "示例银行上海分行")
    enterprise.fill("form.step-confirm input[name=account_number]", "6222000011112222")
    enterprise.click("form.step-confirm button[type=submit]")
    assert "账户已确认" in enterprise.inner_text("#flash")

    officer.reload()
    officer.click("form.step-pay button[type=submit]")
    officer.wait_for_selector("#flash")
    assert "拨付" in officer.inner_text(".steps") and "¥200,000.00" in officer.inner_text(".steps")
    paid_row = officer.locator("#awards tr", has_text=USCC_A)
    assert "已拨付" in paid_row.inner_text()

    enterprise.reload()
    assert "已拨付" in enterprise.inner_text("main")
    assert enterprise.locator("[id^=paid-at-]").count() == 1


def test_what_if_returns_a_figure(world_server: str, browser_page: Any) -> None:
    page = browser_page
    log_in(page, world_server, "analyst1")
    page.goto(world_server + "/officer/whatif?policy_id=first-above-scale-reward&year=2024")
    page.fill("#param-amount", "500000")
    page.click("#whatif-submit")
    page.wait_for_selector("#whatif-figure", timeout=60_000)
    assert "2 → 2" in page.inner_text("#whatif-count")
    assert "¥600,000.00" in page.inner_text("#whatif-money")  # 2 × (500,000 − 200,000)
    page.wait_for_selector("#whatif-figure .chart svg")


def test_language_switch_and_phone_width(world_server: str, browser_page: Any) -> None:
    page = browser_page
    log_in(page, world_server, "officer1")
    page.goto(world_server + "/policies")
    assert "政策库" in page.inner_text("main h1")
    page.click("#lang-switch")
    page.wait_for_url("**lang=en")
    assert "Policy library" in page.inner_text("main h1")
    page.goto(world_server + "/officer/runs")
    assert "Screening runs" in page.inner_text("main h1")  # remembered in a cookie
    page.set_viewport_size({"width": 375, "height": 740})
    for path in ("/policies", "/officer/runs", "/dashboard", f"/enterprises/{USCC_A}"):
        page.goto(world_server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
