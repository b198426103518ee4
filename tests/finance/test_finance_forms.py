"""Finance through the page forms, as a browser posts them (issue 20, section 2), on both stores.

An enterprise sees every loan product with the admission rule's explanation on its own facts and
applies from the form of the declared `finance.apply` step; it cannot apply for another
enterprise. Each form is the one the page offers (its action and fields read from the page).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kechuang.accounts.service import create_account
from kechuang.finance.tables import Loan
from kechuang.store.engine import make_sessionmaker, session_scope
from kechuang.web.app import create_app
from tests.finance.conftest import BANK, INSURER, START, seed_enterprises, setup_funds
from tests.web.conftest import PASSWORD, Clock, login


class Browser:
    """A signed-in client that posts the forms a page offers, by their step's class."""

    def __init__(self, app: Any, username: str) -> None:
        self.client = TestClient(app, follow_redirects=True)
        self.csrf = login(self.client, username)
        self.page = ""

    def get(self, url: str, status: int = 200) -> str:
        answer = self.client.get(url)
        assert answer.status_code == status, (url, answer.status_code, answer.text[:300])
        self.page = answer.text
        return self.page

    def action(self, verb: str) -> str:
        found = re.search(
            rf'<form method="post" action="([^"]+)" class="step step-{verb}\b', self.page
        )
        assert found, f"no {verb} form on the page"
        return found.group(1)

    def hidden(self, verb: str) -> dict[str, str]:
        """The hidden fields of the page's form of `verb` (what a browser posts with them)."""
        form = re.search(rf'class="step step-{verb}\b.*?</form>', self.page, re.S)
        assert form, f"no {verb} form on the page"
        found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(0))
        return dict(found)

    def submit(self, verb: str, fields: dict[str, str], status: int = 200) -> Any:
        data = {**self.hidden(verb), "csrf_token": self.csrf, **fields}
        answer = self.client.post(self.action(verb), data=data)
        error = re.search(r"<section class=\"panel error\">(.*?)</section>", answer.text, re.S)
        assert answer.status_code == status, (verb, answer.status_code, error and error.group(1))
        self.page = answer.text
        return answer


@dataclass
class World:
    app: Any
    engine: Engine
    clock: Clock
    strong: str  # meets the admission rule
    weak: str  # does not

    def loans(self) -> int:
        with make_sessionmaker(self.engine)() as session:
            return int(session.scalar(select(func.count()).select_from(Loan)) or 0)


@pytest.fixture
def world(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    strong, weak = seed_enterprises(engine, 2, failing=(1,))
    with session_scope(engine) as session:
        create_account(session, "icbc", PASSWORD, "bank", org=BANK)
        create_account(session, "picc", PASSWORD, "insurer", org=INSURER)
        create_account(session, "strong", PASSWORD, "enterprise", uscc=strong)
        create_account(session, "weak", PASSWORD, "enterprise", uscc=weak)
    with make_sessionmaker(engine)() as session:
        setup_funds(session)
    app = create_app(engine)
    clock = Clock()
    clock.day = START
    app.state.clock = clock
    yield World(app, engine, clock, strong, weak)


APPLICATION = {"bank_org": BANK, "partner_org": INSURER, "bank_ref": "E-1",
               "principal_yuan": "1,000,000", "term_months": "12",
               "method": "equal_instalment"}  # fmt: skip


def test_an_enterprise_sees_its_admission_explained_and_applies(world: World) -> None:
    ent = Browser(world.app, "strong")
    page = ent.get("/finance/apply")
    assert 'id="product-performance-loan"' in page and "符合准入条件" in page
    assert "✓" in page  # each condition of the rule, as the rules engine explains it
    ent.get("/finance/apply?product=performance-loan")
    answer = ent.submit("apply", APPLICATION)
    loan_id = int(answer.url.path.rstrip("/").split("/")[-1])
    assert 'id="state">已申请' in ent.page, ent.page
    with make_sessionmaker(world.engine)() as session:
        loan = session.get(Loan, loan_id)
        assert loan is not None and loan.uscc == world.strong and loan.bank_org == BANK
        assert loan.principal_fen == 1_000_000_00 and loan.created_by == "strong"
    # The bank it applied to sees it; the page in English with ?lang=en.
    assert f'href="/finance/loans/{loan_id}"' in Browser(world.app, "icbc").get("/finance/loans")
    english = ent.get("/finance/apply?lang=en")
    assert "Meets the admission rule" in english and "Conditions" in english


def test_the_gap_is_named_for_an_enterprise_that_does_not_meet_the_rule(world: World) -> None:
    page = Browser(world.app, "weak").get("/finance/apply")
    assert "暂不符合准入条件" in page and "差" in page and "即可" in page
    assert "申请此产品" not in page


def test_an_enterprise_applies_for_itself_only_and_nothing_is_stored(world: World) -> None:
    ent = Browser(world.app, "strong")
    ent.get("/finance/apply?product=performance-loan")
    before = world.loans()
    forged = ent.client.post(
        ent.action("apply"),
        data={"csrf_token": ent.csrf, **APPLICATION, "product_id": "performance-loan",
              "uscc": world.weak},
    )  # fmt: skip
    assert forged.status_code == 403 and "本企业" in forged.text
    body = {
        "product_id": "performance-loan",
        "uscc": world.weak,
        "partner_org": INSURER,
        "bank_ref": "E-2",
        "principal_fen": 100_000_00,
        "term_months": 12,
        "bank_org": BANK,
    }
    api = ent.client.post("/api/v1/finance/loans", headers={"X-CSRF-Token": ent.csrf}, json=body)
    assert api.status_code == 403 and api.headers["content-type"] == "application/problem+json"
    no_bank = dict(APPLICATION, bank_org="")
    ent.get("/finance/apply?product=performance-loan")
    ent.submit("apply", no_bank, 422)
    assert world.loans() == before


@pytest.mark.parametrize("username", ["icbc", "picc"])
def test_only_enterprises_reach_the_apply_page(world: World, username: str) -> None:
    Browser(world.app, username).get("/finance/apply", status=403)
