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


# -- the bank: queue, repayment import, claim -------------------------------------------------


def _disbursed(world: World, ref: str) -> int:
    """A loan of the strong enterprise that icbc recorded, approved and disbursed (API)."""
    bank = Browser(world.app, "icbc")
    headers = {"X-CSRF-Token": bank.csrf}
    body = {"product_id": "performance-loan", "uscc": world.strong, "partner_org": INSURER,
            "bank_ref": ref, "principal_fen": 1_000_000_00, "term_months": 12,
            "method": "interest_only", "facts_year": 2024}  # fmt: skip
    created = bank.client.post("/api/v1/finance/loans", json=body, headers=headers)
    assert created.status_code == 201, created.text
    loan_id = int(created.json()["id"])
    for verb in ("approve", "disburse"):
        answer = bank.client.post(f"/api/v1/finance/loans/{loan_id}/{verb}", headers=headers)
        assert answer.status_code == 200, answer.text
    return loan_id


def _section(html: str, ident: str) -> str:
    found = re.search(rf'<section class="panel queue" id="{ident}">(.*?)</section>', html, re.S)
    assert found, ident
    return found.group(1)


def test_the_bank_works_its_queue_with_the_step_buttons(world: World) -> None:
    ent = Browser(world.app, "strong")
    ent.get("/finance/apply?product=performance-loan")
    ent.submit("apply", APPLICATION)
    bank = Browser(world.app, "icbc")
    page = bank.get("/finance/queue")
    assert "#" in _section(page, "queue-applied") and "step-approve" in _section(
        page, "queue-applied"
    )
    bank.submit("approve", {})
    assert 'id="state">已审批' in bank.page
    assert "step-disburse" in _section(bank.get("/finance/queue"), "queue-approved")
    bank.submit("disburse", {})
    assert "E-1" in _section(bank.get("/finance/queue"), "queue-disbursed")
    english = bank.get("/finance/queue?lang=en")
    assert "Import a repayment file" in english and "Disbursed" in english
    assert ">disbursed<" not in english and ">applied<" not in english  # labels, never codes
    # Nobody else has a queue: not the insurer, not the enterprise.
    Browser(world.app, "picc").get("/finance/queue", status=403)
    ent.get("/finance/queue", status=403)


def _upload(browser: Browser, name: str, content: bytes) -> Any:
    return browser.client.post(
        "/finance/repayments/import", data={"csrf_token": browser.csrf},
        files={"file": (name, content, "text/csv")},
    )  # fmt: skip


def _repayments(world: World) -> int:
    from kechuang.finance.tables import Repayment

    with make_sessionmaker(world.engine)() as session:
        return int(session.scalar(select(func.count()).select_from(Repayment)) or 0)


def test_a_repayment_file_with_a_bad_row_names_it_and_stores_nothing(world: World) -> None:
    _disbursed(world, "L1")
    world.clock.day = START.replace(day=20)
    bank = Browser(world.app, "icbc")
    head = "loan_ref,repayment_ref,received_on,amount_yuan\n"
    bad = head + "L1,R1,2025-03-19,1000.00\nL1,R2,2025-03-19,12x\nNOPE,R3,2025-03-19,5\n"
    answer = _upload(bank, "repayments.csv", bad.encode())
    assert answer.status_code == 422
    rows = re.findall(r'<tr class="bad-row"><td>(\d+)</td><td>([^<]*)</td>', answer.text)
    assert ("3", "amount_yuan") in rows, rows
    assert "未保存任何还款" in answer.text and _repayments(world) == 0
    # A row the rules refuse (a loan that is not the bank's) is named too, still nothing stored.
    answer = _upload(
        bank, "repayments.csv", (head + "L1,R1,2025-03-19,1000\nNOPE,R3,2025-03-19,5\n").encode()
    )
    assert answer.status_code == 422 and re.search(
        r"<td>3</td><td>loan_ref</td><td>NOPE</td>", answer.text
    )
    assert _repayments(world) == 0
    # Another bank's clerk cannot reach icbc's loans by their reference.
    with session_scope(world.engine) as session:
        create_account(session, "boc", PASSWORD, "bank", org="boc-sh")
    other = _upload(Browser(world.app, "boc"), "r.csv", (head + "L1,R9,2025-03-19,5\n").encode())
    assert other.status_code == 422 and _repayments(world) == 0
    wrong = _upload(bank, "repayments.txt", b"x")
    assert wrong.status_code == 422 and ".xlsx" in wrong.text
    good = _upload(bank, "repayments.csv", (head + "L1,R1,2025-03-19,1000.00\n").encode())
    assert good.status_code == 200 and 'id="imported"' in good.text and _repayments(world) == 1


def test_the_claim_form_shows_the_split_to_the_fen_before_it_is_confirmed(world: World) -> None:
    import datetime as dt

    from kechuang.finance import loans
    from kechuang.finance.tables import Claim

    loan_id = _disbursed(world, "L7")
    world.clock.day = dt.date(2025, 4, 10)
    with make_sessionmaker(world.engine)() as session:
        loans.mark_overdue(session, world.clock(), "officer")
        session.commit()
    world.clock.day = dt.date(2025, 7, 2)
    bank = Browser(world.app, "icbc")
    bank.get(f"/finance/loans/{loan_id}")
    bank.submit("default", {})
    page = bank.get(f"/finance/loans/{loan_id}")
    parts = {p: int(f) for p, f in re.findall(r'data-party="(\w+)" data-fen="(\d+)"', page)}
    loss = int(re.search(r'id="claim-loss" data-fen="(\d+)"', page).group(1))  # type: ignore[union-attr]
    assert sum(parts.values()) == loss == 1_000_000_00 and set(parts) >= {"bank", "insurer"}
    assert "代偿分摊预览" in page and "保险公司" in page
    bank.submit("claim", {})
    with make_sessionmaker(world.engine)() as session:
        claim = session.scalars(select(Claim).where(Claim.loan_id == loan_id)).one()
        assert {k: int(v) for k, v in claim.parts.items()} == parts
    # The insurer sees the loan and its part, and no preview or buttons.
    insurer = Browser(world.app, "picc").get(f"/finance/loans/{loan_id}")
    assert (
        'id="claim"' in insurer and "claim-preview" not in insurer and "step-claim" not in insurer
    )


@pytest.mark.parametrize("path", ["/finance/apply", "/finance/queue"])
def test_the_new_pages_need_a_login(world: World, path: str) -> None:
    answer = TestClient(world.app, follow_redirects=False).get(path)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")


def test_the_upload_needs_the_csrf_token_and_a_bank(world: World) -> None:
    _disbursed(world, "L1")
    csv = b"loan_ref,repayment_ref,received_on,amount_yuan\nL1,R1,2025-03-03,1\n"
    bank = Browser(world.app, "icbc")
    forged = bank.client.post("/finance/repayments/import", data={"csrf_token": "forged"},
                              files={"file": ("r.csv", csv, "text/csv")})  # fmt: skip
    assert forged.status_code == 403
    for username in ("picc", "strong"):
        assert _upload(Browser(world.app, username), "r.csv", csv).status_code == 403
    assert _repayments(world) == 0
