"""In a real browser: the start page (the public portal) shows the counts and switches language."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_status_page_shows_counts_and_switches_language(
    live_server: str, browser_page: Any
) -> None:
    page = browser_page
    page.goto(live_server + "/")
    assert page.inner_text("#count-enterprises") == "3"
    assert "政策库" in page.inner_text("main")
    page.click("#lang-switch")
    page.wait_for_url("**/?lang=en")
    assert "Policy library" in page.inner_text("main")


def test_status_page_fits_a_phone_screen(live_server: str, browser_page: Any) -> None:
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server + "/")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375
