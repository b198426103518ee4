"""One finance step taken from the API, a loan page form and the CLI: the same bounds, the same
audit row; a bank acts on its own loans only, on every surface; the loan page offers the lending
bank exactly the steps the loan's state allows.

The step is `finance.repay` (kechuang.finance.steps): JSON `amount_fen` on the API,
`amount_yuan` on the form and `--amount-yuan` on the command line, one input model behind all
three.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("KECHUANG_PASSWORD_HASH", "fast")

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kechuang.accounts.service import create_account
from kechuang.accounts.tables import AuditEntry
from kechuang.cli import app as cli_app
from kechuang.finance import loans
from kechuang.finance.schemas import MoneyIn
from kechuang.finance.tables import Loan, Repayment
from kechuang.store.engine import make_sessionmaker
from kechuang.web.app import create_app
from kechuang.workflow import clock
from kechuang.workflow.strings import from_strings
from tests.finance.conftest import INSURER, seed_enterprises, setup_funds
from tests.web.conftest import browser_page, serving  # noqa: F401 - the Chromium fixture

PASSWORD = "bank clerk password 42"
ICBC, BOC = "icbc-sh", "boc-sh"
runner = CliRunner()


@dataclass
class World:
    engine: Engine
    loans: list[int]  # three disbursed loans of ICBC
    app: Any

    def client(self, username: str) -> tuple[TestClient, str]:
        client = TestClient(self.app)
        response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
        assert response.status_code == 201, response.text
        return client, str(response.json()["csrf_token"])


def _disbursed(session: Any, uscc: str, ref: str) -> int:
    today = clock.today()
    app = loans.Application("performance-loan", uscc, ICBC, INSURER, ref, 1_000_000_00, 12,
                            "interest_only")  # fmt: skip
    loan = loans.apply(session, app, "icbc", today, 2024)
    loans.approve(session, loan.id, "icbc", today)
    loans.disburse(session, loan.id, "icbc", today)
    session.commit()
    return loan.id


@pytest.fixture
def world(engine: Engine, database_url: str, tmp_path: Path, monkeypatch: Any) -> World:
    monkeypatch.setenv("KECHUANG_DATABASE_URL", database_url)
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    usccs = seed_enterprises(engine, 3)
    with make_sessionmaker(engine)() as session:
        create_account(session, "icbc", PASSWORD, "bank", org=ICBC)
        create_account(session, "boc", PASSWORD, "bank", org=BOC)
        create_account(session, "picc", PASSWORD, "bank", org=INSURER)
        session.commit()
        setup_funds(session)
        ids = [_disbursed(session, uscc, f"L{n}") for n, uscc in enumerate(usccs)]
    return World(engine, ids, create_app(engine))


def _audit_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with make_sessionmaker(engine)() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "finance.repay").order_by(AuditEntry.id)
        ).all()
        return [(r.actor, r.action, r.subject_type, r.before, r.after) for r in rows]


def _repayments(engine: Engine) -> list[tuple[int, str, int]]:
    with make_sessionmaker(engine)() as session:
        rows = session.scalars(select(Repayment).order_by(Repayment.id)).all()
        return [(r.loan_id, r.bank_ref, r.principal_fen + r.interest_fen) for r in rows]


def _cli(*args: str) -> Any:
    return runner.invoke(cli_app, ["finance", *args])


def test_one_step_three_surfaces_one_kind_of_audit_row(world: World) -> None:
    api_loan, form_loan, cli_loan = world.loans
    client, csrf = world.client("icbc")
    api = client.post(f"/api/v1/finance/loans/{api_loan}/repayments",
                      json={"ref": "R1", "amount_fen": 1_234_56},
                      headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert api.status_code == 200, api.text
    assert api.json()["repayments"][0]["amount_fen"] == 1_234_56
    form = client.post(f"/finance/loans/{form_loan}/repayments",
                       data={"ref": "R1", "amount_yuan": "1,234.56", "csrf_token": csrf},
                       follow_redirects=False)  # fmt: skip
    assert form.status_code == 303, form.text
    assert form.headers["location"].startswith(f"/finance/loans/{form_loan}?done=finance.repay")
    cli = _cli("repay", str(cli_loan), "--ref", "R1", "--amount-yuan", "1234.56", "--by", "ICBC")
    assert cli.exit_code == 0, cli.output
    assert "finance.repay: done" in cli.output and "state: disbursed" in cli.output

    rows = _audit_rows(world.engine)
    assert len(rows) == 3
    # Identical apart from the subject: the same actor, action, states and validated input.
    assert rows[0] == rows[1] == rows[2]
    actor, action, kind, before, after = rows[0]
    assert (actor, action, kind, before) == (
        "icbc",
        "finance.repay",
        "loan",
        {"state": "disbursed"},
    )
    assert after == {
        "input": {"ref": "R1", "amount_fen": 1_234_56, "received_on": None},
        "state": "disbursed",
    }
    assert _repayments(world.engine) == [(loan, "R1", 1_234_56) for loan in world.loans]
    # The same reference with another amount: refused on the form's page, in its language.
    again = client.post(f"/finance/loans/{form_loan}/repayments?lang=en",
                        data={"ref": "R1", "amount_yuan": "1", "csrf_token": csrf},
                        follow_redirects=False)  # fmt: skip
    assert again.status_code == 409 and "had another amount" in again.text
    assert "text/html" in again.headers["content-type"]
    assert len(_audit_rows(world.engine)) == 3


@pytest.mark.parametrize(
    ("api_body", "form_fields", "cli_options", "named"),
    [
        ({"ref": "R1", "amount_fen": 0}, {"ref": "R1", "amount_yuan": "0"},
         ["--ref", "R1", "--amount-yuan", "0"], "amount"),
        ({"ref": "R1", "amount_fen": 10**13 + 1}, {"ref": "R1", "amount_yuan": "100000000000.01"},
         ["--ref", "R1", "--amount-yuan", "100000000000.01"], "amount"),
        ({"ref": "R" * 65, "amount_fen": 100}, {"ref": "R" * 65, "amount_yuan": "1"},
         ["--ref", "R" * 65, "--amount-yuan", "1"], "ref"),
        ({"ref": "R1", "amount_fen": 100, "on": "2020-01-01"},
         {"ref": "R1", "amount_yuan": "0.001"},
         ["--ref", "R1", "--amount-yuan", "0.001"], "amount"),
    ],
)  # fmt: skip
def test_bounds_are_the_same_on_every_surface(
    world: World,
    api_body: dict[str, Any],
    form_fields: dict[str, str],
    cli_options: list[str],
    named: str,
) -> None:
    loan_id = world.loans[0]
    client, csrf = world.client("icbc")
    api = client.post(f"/api/v1/finance/loans/{loan_id}/repayments", json=api_body,
                      headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert api.status_code == 422, api.text
    form = client.post(
        f"/finance/loans/{loan_id}/repayments",
        data={**form_fields, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert form.status_code == 422, form.text
    cli = _cli("repay", str(loan_id), *cli_options, "--by", "icbc")
    assert cli.exit_code == 2 and named in cli.output, cli.output
    assert _audit_rows(world.engine) == [] and _repayments(world.engine) == []


def test_a_bank_cannot_act_on_another_banks_loan_on_any_surface(world: World) -> None:
    loan_id = world.loans[0]
    for username in ("boc", "picc"):  # another lender; the loan's own insurer
        client, csrf = world.client(username)
        for path, body in ((f"/{loan_id}/repayments", {"ref": "X", "amount_fen": 100}),
                           (f"/{loan_id}/default", {}), (f"/{loan_id}/claim", {}),
                           (f"/{loan_id}/close", {"reason": "r"})):  # fmt: skip
            api = client.post(f"/api/v1/finance/loans{path}", json=body,
                              headers={"X-CSRF-Token": csrf})  # fmt: skip
            assert api.status_code == 404, (username, path, api.text)
            assert api.headers["content-type"] == "application/problem+json"
        form = client.post(f"/finance/loans/{loan_id}/repayments",
                           data={"ref": "X", "amount_yuan": "1", "csrf_token": csrf},
                           follow_redirects=False)  # fmt: skip
        assert form.status_code == 404, form.text
        cli = _cli("repay", str(loan_id), "--ref", "X", "--amount-yuan", "1", "--by", username)
        assert cli.exit_code == 2 and f"no loan {loan_id}" in cli.output, cli.output
    # Nor an officer on a live step, nor anyone without an account.
    cli = _cli("approve", str(loan_id), "--by", "nobody")
    assert cli.exit_code == 2 and "no active account" in cli.output
    assert _audit_rows(world.engine) == [] and _repayments(world.engine) == []
    with make_sessionmaker(world.engine)() as session:
        assert session.get(Loan, loan_id).state == "disbursed"  # type: ignore[union-attr]


def _offered(html: str) -> set[str]:
    return set(re.findall(r'class="step step-([a-z_-]+)', html))


def test_the_loan_page_offers_the_lending_bank_what_the_state_allows(world: World) -> None:
    loan_id = world.loans[0]
    icbc, _ = world.client("icbc")
    page = icbc.get(f"/finance/loans/{loan_id}")
    assert page.status_code == 200
    offered = _offered(page.text)
    # A disbursed loan: repayments, never approve, disburse, default, claim, refuse or close.
    assert "repay" in offered
    assert not offered & {"approve", "disburse", "default", "claim", "refuse", "close"}
    assert f'action="/finance/loans/{loan_id}/repayments"' in page.text
    assert 'name="amount_yuan"' in page.text and "登记还款" in page.text
    assert "Record a repayment" in icbc.get(f"/finance/loans/{loan_id}?lang=en").text
    # The insurer sees the loan but is offered nothing; another bank does not see it at all.
    picc, _ = world.client("picc")
    insurer_page = picc.get(f"/finance/loans/{loan_id}")
    assert insurer_page.status_code == 200 and _offered(insurer_page.text) == set()
    boc, _ = world.client("boc")
    assert boc.get(f"/finance/loans/{loan_id}").status_code == 404


def test_an_applied_loan_offers_approve_and_refuse(world: World) -> None:
    client, csrf = world.client("icbc")
    with make_sessionmaker(world.engine)() as session:
        uscc = session.get(Loan, world.loans[0]).uscc  # type: ignore[union-attr]
    applied = client.post("/api/v1/finance/loans",
                          json={"product_id": "performance-loan", "uscc": uscc,
                                "partner_org": INSURER, "bank_ref": "L9",
                                "principal_fen": 500_000_00, "term_months": 6,
                                "method": "interest_only", "facts_year": 2024},
                          headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert applied.status_code == 201, applied.text
    loan_id = applied.json()["id"]
    assert applied.json()["bank_org"] == ICBC
    offered = _offered(client.get(f"/finance/loans/{loan_id}").text)
    assert {"approve", "refuse"} <= offered
    assert not offered & {"disburse", "default", "claim", "close"}
    # A form step moves it; the page then offers the next step.
    form = client.post(f"/finance/loans/{loan_id}/approve", data={"csrf_token": csrf},
                       follow_redirects=False)  # fmt: skip
    assert form.status_code == 303, form.text
    after = client.get(form.headers["location"])
    assert 'id="done">已完成：审批通过</p>' in after.text
    offered = _offered(after.text)
    assert "disburse" in offered and "approve" not in offered
    # A bank applies in its own name only.
    other = client.post("/api/v1/finance/loans",
                        json={"product_id": "performance-loan", "uscc": uscc,
                              "partner_org": INSURER, "bank_ref": "L10", "bank_org": BOC,
                              "principal_fen": 500_000_00, "term_months": 6,
                              "method": "interest_only", "facts_year": 2024},
                        headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert other.status_code == 422 and "bank_org" in other.text


@given(fen=st.integers(min_value=-(10**14), max_value=10**14), grouped=st.booleans())
def test_yuan_typed_on_a_form_or_the_cli_is_the_apis_fen(fen: int, grouped: bool) -> None:
    # The form and the CLI read `amount_yuan` text; the API reads `amount_fen`. Both go through
    # MoneyIn: the same amount is accepted or refused alike, and accepted as the same fen.
    whole, part = divmod(abs(fen), 100)
    sign = "-" if fen < 0 else ""
    text = f"{sign}{whole:,}.{part:02d}" if grouped else f"{sign}{whole}.{part:02d}"
    typed: MoneyIn | None
    try:
        typed = MoneyIn.model_validate(from_strings(MoneyIn, {"ref": "R", "amount_yuan": text}))
    except ValidationError:
        typed = None
    try:
        sent: MoneyIn | None = MoneyIn.model_validate({"ref": "R", "amount_fen": fen})
    except ValidationError:
        sent = None
    assert typed == sent
    assert (sent is not None) == (0 < fen <= 10**13)


def test_a_bank_clerk_takes_steps_with_the_page_buttons(
    world: World,
    browser_page: Any,  # noqa: F811 - the fixture imported from tests.web.conftest
) -> None:
    page = browser_page
    loan_id = world.loans[0]
    with serving(world.app) as base:
        page.goto(base + "/login")
        page.fill("#username", "icbc")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_load_state()
        page.goto(f"{base}/finance/loans/{loan_id}")
        assert page.locator("form.step-approve").count() == 0
        repay = page.locator("form.step-repay")
        repay.locator('input[name="ref"]').fill("P1")
        repay.locator('input[name="amount_yuan"]').fill("1,234.56")
        repay.locator('button[type="submit"]').click()
        page.wait_for_load_state()
        assert page.locator("#done").inner_text() == "已完成：登记还款"
        assert "P1" in page.locator("#repayments").inner_text()
        assert "1,234.56" in page.locator("#repayments").inner_text()
        # A refusal is the error page in the page's language; nothing was recorded.
        page.goto(f"{base}/finance/loans/{loan_id}?lang=en")
        repay = page.locator("form.step-repay")
        repay.locator('input[name="ref"]').fill("P1")
        repay.locator('input[name="amount_yuan"]').fill("1")
        repay.locator('button[type="submit"]').click()
        page.wait_for_load_state()
        assert "another amount" in page.content()
    assert _repayments(world.engine) == [(loan_id, "P1", 1_234_56)]
