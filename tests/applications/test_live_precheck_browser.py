"""In Debian's Chromium: as the enterprise types an answer on its draft, the pre-check runs again
(htmx, debounced) and the question leaves the list of what is missing, before anything is
saved; reloading the page shows the stored state again."""

from __future__ import annotations

from typing import Any

import pytest

from tests.applications.conftest import World
from tests.applications.test_browser_journey import as_user
from tests.web.conftest import browser_page, serving

pytestmark = [pytest.mark.browser]
__all__ = ["browser_page"]
QUESTION = "请说明：核心技术属于《国家重点支持的高新技术领域》"


def test_the_pre_check_follows_the_typing_without_saving(world: World, browser_page: Any) -> None:
    with serving(world.app) as base:
        ent = as_user(browser_page, base, "ent_a")
        ent.goto(f"{base}/applications/rounds/{world.round_id}?lang=zh")
        ent.locator("form.step-apply button[type=submit]").click()
        ent.wait_for_load_state()
        assert QUESTION in ent.inner_text("#missing")
        answer = ent.locator("#q-supported_field textarea[name=text]")
        answer.press_sequentially("电子信息", delay=20)
        ent.wait_for_selector("#precheck-live")
        assert QUESTION not in ent.inner_text("#missing")
        ent.reload()
        assert QUESTION in ent.inner_text("#missing")  # typed, never saved
