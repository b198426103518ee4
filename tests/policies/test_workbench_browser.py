"""The acceptance journey in Debian's Chromium: from the text of a new city reward (section M,
revenue growth of at least 20% and above 5,000,000 yuan, 100,000 yuan each, budget 5,000,000 pro
rata), officer1 writes the policy in the workbench (the live check points at a typo by line and
column), adds three golden cases in the table (rows are facts, columns years), simulates (the
charts are drawn), submits; officer2 sends it back with a comment on a line, officer1 answers in
the thread and resubmits; officer2 approves and publishes; officer1 starts a run of exactly that
version and downloads the 公示 list. Each step's time is printed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from kechuang.domain.uscc import mask
from kechuang.policies import service
from kechuang.store.engine import make_sessionmaker
from kechuang.web.app import create_app
from tests.policies.workbench_helpers import CASES, REWARD
from tests.web.conftest import (  # noqa: F401 - fixtures
    USCC_A,
    USCC_B,
    Clock,
    browser_page,
    engine,
    serving,
    world_engine,
)
from tests.web.test_browser_e2e import log_in, user_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# The reward's second and third conditions, as the officer types them into the form.
FORM_CONDITIONS = [
    ("growth", "营业收入增长20%及以上", "Revenue grew by at least 20%", "第二条（二）",
     "ratio(revenue, years_ago(revenue, 1)) - 1 >= min_growth"),
    ("revenue_above", "营业收入超过500万元", "Revenue above 5 million yuan", "第二条（三）",
     "revenue > min_revenue"),
]  # fmt: skip


@pytest.fixture
def seeded_server(world_engine: Engine) -> Iterator[str]:  # noqa: F811
    with make_sessionmaker(world_engine)() as session:
        service.seed(session)
        session.commit()
    app = create_app(world_engine)
    app.state.clock = Clock()
    with serving(app) as url:
        yield url


class Stopwatch:
    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.laps: list[tuple[str, float]] = []

    def lap(self, what: str) -> None:
        now = time.perf_counter()
        self.laps.append((what, now - self.last))
        self.last = now

    def report(self) -> str:
        lines = [f"  {what:<40} {seconds:6.2f} s" for what, seconds in self.laps]
        total = self.last - self.start
        return "\n".join([*lines, f"  {'total (machine time)':<40} {total:6.2f} s"])


def _state(page: Any) -> str:
    return str(page.get_attribute("#state", "data-state"))


def test_author_review_publish_run_and_download(
    seeded_server: str,
    browser_page: Any,  # noqa: F811
    tmp_path: Any,
) -> None:
    base = seeded_server
    clock = Stopwatch()
    officer = browser_page
    log_in(officer, base, "officer1")
    officer.goto(base + "/officer/policies")

    # Typing a typo: the live check names the line and column and suggests the name.
    typo = REWARD.replace("revenue > min_revenue", "revenue > min_revenu")
    officer.fill("#new-source", typo)
    error = officer.locator("#check-result .field-error")
    error.wait_for()
    line = next(n for n, text in enumerate(typo.splitlines(), 1) if "min_revenu\n" in text + "\n")
    assert f"第{line}行" in error.inner_text() and "min_revenue" in error.inner_text()
    # The text with its first condition only; the other two are written in the form.
    first = REWARD[: REWARD.index("  - id: growth")] + REWARD[REWARD.index("benefit:") :]
    officer.fill("#new-source", first)
    officer.locator("#check-result p.ok").wait_for()
    officer.click("#new-draft button[type=submit]")
    officer.wait_for_url("**/officer/policies/versions/*")
    version_url = officer.url.split("?")[0]
    assert _state(officer) == "draft"
    clock.lap("write the policy (live-checked)")
    _conditions_through_the_form(officer, version_url, clock)

    for index, (name, facts, outcome, fen) in enumerate(CASES):
        form = officer.locator("form.step-add-case")
        form.locator("input[name=name]").fill(name)
        form.locator("input[name=year]").fill("2024")
        table = form.locator("#golden-table")
        if index == 0:  # a year and a fact more, then fewer: the table grows and shrinks
            form.locator("[data-golden-add-year]").click()
            form.locator("[data-golden-add-row]").click()
            assert table.locator("thead .golden-year").count() == 3
            assert table.locator("tbody tr").count() == 3
            form.locator("[data-golden-remove-year]").click()
            table.locator("tbody tr").nth(2).locator("[data-golden-remove-row]").click()
        # Rows are the facts the policy reads (industry_code, revenue); columns 2023 and 2024.
        assert table.locator("thead .golden-year").count() == 2
        for row, fact in enumerate(("industry_code", "revenue")):
            assert table.locator("tbody tr").nth(row).locator("select").input_value() == fact
            for column, year in enumerate(("2023", "2024")):
                cell = table.locator("tbody tr").nth(row).locator(".golden-cell").nth(column)
                cell.fill(facts[year][fact])
        form.locator("select[name=outcome]").select_option(outcome)
        if fen is not None:
            form.locator("input[name=benefit_yuan]").fill(f"{fen // 100}")
        form.locator("button[type=submit]").click()
        officer.wait_for_url("**done=policy-version.add-case**")
    rows = officer.locator("#cases tbody tr")
    assert rows.count() == 3
    assert all(rows.nth(i).get_attribute("data-passed") == "true" for i in range(3))
    clock.lap("three golden cases (both evaluators)")

    officer.locator("form.step-simulate input[name=year]").fill("2024")
    officer.click("#step-simulate")
    officer.wait_for_url("**done=policy-version.simulate**")
    outcomes = officer.inner_text("#simulation-outcomes")
    assert "符合" in outcomes and officer.locator("#simulation-download").count() == 1
    officer.locator("#chart-outcomes svg").first.wait_for()  # drawn by ECharts
    officer.locator("#chart-districts svg").first.wait_for()
    clock.lap("simulate against the version in force")

    officer.click("#step-submit")
    officer.wait_for_url("**done=policy-version.submit**")
    assert _state(officer) == "in_review"
    clock.lap("submit for review")

    reviewer = user_page(officer, base, "officer2")
    reviewer.goto(version_url)
    assert "+id: city-growth-reward" in reviewer.inner_text("#diff")
    # Sent back with a comment on a line; the author answers in the thread and resubmits.
    send_back = reviewer.locator("form.step-send-back")
    send_back.locator("[name=reason]").fill("请注明第三条的出处")
    send_back.locator("[name=line]").fill("3")
    reviewer.click("#step-send-back")
    reviewer.wait_for_url("**done=policy-version.send-back**")
    assert _state(reviewer) == "draft"
    officer.goto(version_url)
    thread = officer.locator("#review-thread article").first
    thread.locator("textarea[name=body]").fill("已注明：示例〔2024〕1号")
    thread.locator("button[type=submit]").click()
    officer.wait_for_url("**done=policy-version.comment**")
    officer.click("#step-submit")
    officer.wait_for_url("**done=policy-version.submit**")
    said = officer.inner_text("#review-thread")
    assert "请注明第三条的出处" in said and "已注明" in said and "重新提交" in said
    clock.lap("sent back with a comment, answered, resubmitted")
    reviewer.goto(version_url)
    reviewer.fill("form.step-approve textarea[name=comment], form.step-approve input[name=comment]",
                  "金额、门槛与文件一致")  # fmt: skip
    reviewer.click("#step-approve")
    reviewer.wait_for_url("**done=policy-version.approve**")
    assert _state(reviewer) == "approved"
    reviewer.click("#step-publish")
    reviewer.wait_for_url("**done=policy-version.publish**")
    assert _state(reviewer) == "published"
    assert reviewer.locator("#immutable").count() == 1
    clock.lap("second officer approves and publishes")

    officer.goto(base + "/officer/runs")
    option = officer.locator("#run-policy option", has_text="科技服务业企业成长奖励")
    assert "v2024.1" in option.inner_text()
    officer.select_option("#run-policy", "city-growth-reward")
    officer.select_option("#run-year", "2024")
    officer.click("#start-run-submit")
    officer.wait_for_url("**/officer/runs/*", timeout=60_000)
    officer.click("form.step-publish button[type=submit]")
    officer.wait_for_selector("#flash")
    clock.lap("run the published version and publish 公示")
    with officer.expect_download() as download:
        officer.click("#export-notice")
    notice = tmp_path / "notice.xlsx"
    download.value.save_as(notice)
    clock.lap("download the 公示 list")

    sheet = load_workbook(notice).active
    assert sheet is not None
    listed = [row[2] for row in list(sheet.iter_rows(values_only=True))[2:] if row[2]]
    assert sorted(listed) == sorted([mask(USCC_A), mask(USCC_B)])
    print("\nThe officers' steps, elapsed:\n" + clock.report())


def _conditions_through_the_form(officer: Any, version_url: str, clock: Stopwatch) -> None:
    """officer1 writes the reward's second and third conditions in the form tab: each
    expression field is checked as typed (a typo is named at line:column with the suggestion),
    each save is a revision, and the YAML tab and the preview show them; the form fits a phone."""
    officer.click("#tab-form")
    officer.wait_for_url("**tab=form**")
    for index, (cid, zh, en, clause, expr) in enumerate(FORM_CONDITIONS, start=1):
        form = officer.locator("#form-conditions")
        for key, value in (("id", cid), ("label_zh", zh), ("label_en", en), ("clause", clause)):
            form.locator(f"input[name='c{index}.{key}']").fill(value)
        field = form.locator(f"input[name='c{index}.expr']")
        field.fill(expr.replace("min_", "min"))  # a typo: the field's own check names it
        error = officer.locator(f"#chk-c{index}-expr .field-error")
        error.wait_for()
        assert "第1行" in error.inner_text() and "did you mean 'min_" in error.inner_text()
        field.fill(expr)
        officer.locator(f"#chk-c{index}-expr.ok").wait_for()
        form.locator("#save-conditions").click()
        officer.wait_for_url("**done=policy-version.section**")
    officer.click("#tab-yaml")
    assert f"expr: {FORM_CONDITIONS[-1][4]}" in officer.input_value("#source")
    assert officer.locator("#preview li").count() == 3
    clock.lap("two conditions through the form")
    size = officer.viewport_size
    officer.set_viewport_size({"width": 390, "height": 844})
    for lang in ("en", "zh"):  # Chinese last: the language is remembered
        officer.goto(f"{version_url}?tab=form&lang={lang}")
        # The form fits a phone: nothing of it reaches past the screen's edge or scrolls it
        # sideways (its tables of dated values scroll inside their card).
        right, inner, outer = officer.evaluate(
            "(() => { const f = document.querySelector('#authoring');"
            " return [f.getBoundingClientRect().right, f.scrollWidth, f.clientWidth]; })()"
        )
        assert right <= 390 and inner <= outer, (lang, right, inner, outer)
    officer.set_viewport_size(size)
    officer.goto(version_url)
    clock.lap("the form on a 390 px phone (en, zh)")
