"""In a real browser, without logging in: the self-check gives the outcome and the gap for the
figures typed in, and a clear message naming the field when one is wrong."""

from __future__ import annotations

import io
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


def test_self_check_upload_of_a_bad_file_says_which_row_and_column(
    world_server: str, browser_page: Any
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["year", "district", "revenue"])
    book.active.append([2024, "310115", "十二万"])
    buffer = io.BytesIO()
    book.save(buffer)
    page = browser_page
    page.goto(world_server + "/self-check?lang=zh")
    page.set_input_files(
        "#sc-file",
        files=[{"name": "mine.xlsx", "mimeType": XLSX, "buffer": buffer.getvalue()}],
    )
    page.click("#selfcheck-upload-submit")
    page.wait_for_selector("#selfcheck-error")
    assert "第2行“营业收入”列（revenue）" in page.inner_text("#selfcheck-error")
    template = page.request.get(world_server + "/self-check/template.xlsx")
    assert template.ok and template.body()[:2] == b"PK"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
