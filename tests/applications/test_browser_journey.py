"""In Debian's Chromium, the whole way of a project application: the enterprise applies on the
form the policy makes (an attestation, the budget plan and three milestones, evidence uploaded),
an officer returns it once and it is resubmitted, the panel of three scores in the experts' own
accounts, the decision is published and approved by a second officer, and the first milestone
is accepted and paid through the ledger. Then the HNTE round's page shows its score sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kechuang.applications import payments
from kechuang.ledger.queries import balance
from kechuang.store.engine import make_sessionmaker
from tests.applications.conftest import PASSWORD, PDF, World
from tests.applications.test_projects import MARKS, open_project_round
from tests.web.conftest import browser_page, serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser_page"]


def as_user(first: Any, base: str, username: str) -> Any:
    page = first.context.browser.new_context().new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    return page


def submit_step(page: Any, css: str, fields: dict[str, str] | None = None) -> None:
    form = page.locator(css).first
    for name, value in (fields or {}).items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_project_from_the_form_to_the_first_payment(
    world: World, browser_page: Any, tmp_path: Path
) -> None:
    round_id = open_project_round(world)
    with serving(world.app) as base:
        ent = as_user(browser_page, base, "ent_a")
        ent.goto(f"{base}/applications/rounds/{round_id}")
        assert "技术创新性" in ent.inner_text("main")
        submit_step(ent, "form.step-apply")
        assert "/applications/" in ent.url
        application_url = ent.url.split("?")[0]
        assert "请确认" in ent.inner_text("#missing")
        submit_step(ent, "form.step-attest")
        submit_step(
            ent,
            "form.step-plan",
            {
                "budget_yuan": "8,000,000",
                "requested_yuan": "3,000,000",
                "matching_yuan": "3,000,000",
            },
        )
        for seq, (due, amount) in enumerate(
            (
                ("2025-06-30", "1,000,000.01"),
                ("2025-09-30", "999,999.99"),
                ("2025-12-31", "1,000,000.00"),
            ),
            start=1,
        ):
            submit_step(
                ent,
                "form.step-milestone",
                {"title": f"里程碑{seq}", "due_on": due, "amount_yuan": amount},
            )
        assert ent.locator("#complete").count() == 1, ent.inner_text("#precheck")
        submit_step(ent, "form.step-submit")
        assert "SB" in ent.inner_text("#receipt")

        officer = as_user(browser_page, base, "officer1")
        officer.goto(application_url)
        submit_step(officer, "form.step-return", {"reasons": "请补充项目预算说明"})
        assert "已退回" in officer.inner_text("#state")

        ent.goto(application_url)
        assert "请补充项目预算说明" in ent.inner_text("#versions")
        submit_step(ent, "form.step-submit")
        assert ent.inner_text("#receipt").endswith("-2")

        officer.goto(application_url)
        submit_step(officer, "form.step-accept")
        submit_step(officer, "form.step-assign")
        assert "专家评审中" in officer.inner_text("#state")
        names = [
            n.lower() for n in officer.locator("#panel tbody td:first-child").all_inner_texts()
        ]
        assert len(names) == 3

        for expert, (innovation, impact) in zip(sorted(names), MARKS.values(), strict=True):
            page = as_user(browser_page, base, expert)
            page.goto(f"{base}/expert")
            page.locator("#seats a").first.click()
            page.wait_for_load_state()
            submit_step(page, "form.step-accept")
            for item, points in (("innovation", innovation), ("impact", impact)):
                submit_step(
                    page,
                    f"#item-{item} form.step-score",
                    {"points": str(points), "comment": "方案可行，评分如上"},
                )
            assert str(innovation) in page.inner_text("#item-innovation")
            submit_step(page, "form.step-submit")
            assert "已提交评分" in page.inner_text("#state")
            page.context.close()

        officer.goto(application_url)
        submit_step(officer, "form.step-close")
        assert "80" in officer.inner_text("#final")
        assert "通过" in officer.inner_text("#decision h2")
        submit_step(officer, "form.step-publish")
        assert "公示中" in officer.inner_text("#state")

        world.clock.advance(10)
        reviewer = as_user(browser_page, base, "officer2")
        reviewer.goto(application_url)
        submit_step(reviewer, "form.step-approve")
        assert "已决定" in reviewer.inner_text("#state")
        assert "¥3,000,000.00" in reviewer.inner_text("#grant")
        submit_step(reviewer, "#milestone-1 form.step-pay")
        assert "已验收拨付" in reviewer.inner_text("#milestone-1")

        ent.goto(application_url + "?lang=en")
        assert "accepted and paid" in ent.inner_text("#milestone-1")
        assert "granted" in ent.inner_text("#decision")

    application_id = int(application_url.rsplit("/", 1)[1])
    with make_sessionmaker(world.engine)() as session:
        assert balance(session, payments.TREASURY) == -100_000_001
        assert -balance(session, payments.grant_code(application_id)) == 199_999_999


def test_hnte_questions_answered_and_evidence_uploaded(
    world: World, browser_page: Any, tmp_path: Path
) -> None:
    evidence = tmp_path / "field.pdf"
    evidence.write_bytes(PDF)
    renamed_zip = tmp_path / "bomb.pdf"
    renamed_zip.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with serving(world.app) as base:
        ent = as_user(browser_page, base, "ent_a")
        ent.goto(f"{base}/applications/rounds/{world.round_id}")
        submit_step(ent, "form.step-apply")
        application_url = ent.url.split("?")[0]
        for condition in ("supported_field", "innovation_capability"):
            submit_step(
                ent, f"#q-{condition} form.step-answer", {"text": "核心技术属于电子信息领域"}
            )
            ent.set_input_files(f"#q-{condition} form.upload input[type=file]", str(evidence))
            ent.locator(f"#q-{condition} form.upload button").click()
            ent.wait_for_load_state()
            assert "field.pdf" in ent.inner_text(f"#q-{condition}")
        assert ent.locator("#complete").count() == 1, ent.inner_text("#precheck")
        ent.set_input_files("#q-supported_field form.upload input[type=file]", str(renamed_zip))
        ent.locator("#q-supported_field form.upload button").click()
        ent.wait_for_load_state()
        assert "压缩包" in ent.inner_text("main")  # refused, in Chinese, nothing stored
        ent.goto(application_url)
        assert "bomb.pdf" not in ent.inner_text("#questions")
        submit_step(ent, "form.step-submit")
        assert ent.inner_text("#receipt").endswith("-1")
