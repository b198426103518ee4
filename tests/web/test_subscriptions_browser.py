"""In a real browser: a subscribed enterprise receives an email (aiosmtpd) when a policy it
meets is published, opens the link and reads its reasons (and the gap, where there is one)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.test_browser_e2e import log_in
from tests.web.test_subscriptions_web import BASE, POLICY, publish_policy, smtp  # noqa: F401

pytestmark = pytest.mark.browser


def test_subscription_email_leads_to_the_reasons(
    world_server: str,
    world_app: Any,
    browser_page: Any,
    smtp: Any,  # noqa: F811
) -> None:
    page = browser_page
    log_in(page, world_server, "ent_a")
    page.goto(world_server + "/me/notices?lang=zh")
    page.fill("#subscription-form input[name=email]", "cfo@a.example.cn")
    page.check("#subscription-form input[name=own_eligibility]")
    page.click("#subscription-submit")
    page.wait_for_selector("#flash")
    assert "订阅已保存" in page.inner_text("#flash")

    [(to, message)] = publish_policy(world_app, smtp)
    assert to == ["cfo@a.example.cn"]
    link = re.search(r"查看详情：(\S+)", message.get_content())
    assert link is not None
    page.goto(world_server + link.group(1).removeprefix(BASE))
    text = page.inner_text("main")
    assert POLICY in page.url and "评价年度营业收入达到1000万元及以上" in text
