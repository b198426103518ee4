"""In Debian's Chromium: an officer who starts the same run twice is asked, in the page's
language, which run it repeats and why; with a reason the second run shows every enterprise it
leaves out and why; withdrawing the first run is one form away."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.test_browser_e2e import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def start(page: Any, reason: str = "") -> None:
    page.select_option("#run-policy", "first-above-scale-reward")
    page.select_option("#run-year", "2024")
    page.fill("#run-reason", reason)
    page.click("#start-run-submit")


def test_a_repeated_run_asks_why_and_shows_who_it_leaves_out(
    world_server: str, browser_page: Any
) -> None:
    officer = browser_page
    log_in(officer, world_server, "officer1")
    start(officer)
    officer.wait_for_url("**/officer/runs/*", timeout=60_000)
    first = officer.url.split("?")[0]
    first_id = first.rsplit("/", 1)[1]

    officer.goto(world_server + "/officer/runs")
    start(officer)
    officer.wait_for_selector("#start-error")
    refused = officer.inner_text("#start-error")
    assert f"#{first_id}" in refused and "请填写理由" in refused and "已筛查" in refused

    officer.goto(world_server + "/officer/runs?lang=en")
    start(officer)
    officer.wait_for_selector("#start-error")
    assert "Give the reason for another run" in officer.inner_text("#start-error")

    officer.goto(world_server + "/officer/runs?lang=zh")
    start(officer, "更正数据后复核")
    officer.wait_for_url("**/officer/runs/*", timeout=60_000)
    assert f"#{first_id}" in officer.inner_text("#run-repeats")
    assert officer.inner_text("#run-excluded") == "2"
    reasons = officer.locator("#results .excluded").all_inner_texts()
    assert reasons == [f"已在批次 #{first_id} 有在办奖励，按政策只享受一次"] * 2

    officer.goto(first)
    officer.fill("form.step-withdraw textarea[name=reason]", "导入数据有误")
    officer.click("form.step-withdraw button[type=submit]")
    officer.wait_for_selector("#flash")
    assert "已撤销" in officer.inner_text("#run-state")
