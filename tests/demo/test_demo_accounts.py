"""`make run`'s demo accounts belong to the organisations that own the demo records: each one
signs in to a page full of its own work (issue 20, part 1).

The demo is seeded as `make run` does it (pillars, then accounts) on a small population; each
account is then asked, through the app, for its own landing page and its records.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kechuang.accounts.auth_pages import home_of
from kechuang.accounts.demo import create_demo_accounts
from kechuang.accounts.service import create_account
from kechuang.accounts.tables import Account
from kechuang.demo.pillars import seed_pillars
from kechuang.finance.tables import Loan
from kechuang.screening.tables import Award, ScreeningRun
from kechuang.store.engine import make_engine, make_sessionmaker, session_scope
from kechuang.store.migrate import upgrade
from kechuang.transfer.tables import Demand
from kechuang.web.app import create_app
from tests.demo.test_pillars import _population

PASSWORD = "demo-pass-0123"


def _login(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> object:
    tmp = tmp_path_factory.mktemp("demo-accounts")
    engine = make_engine(f"sqlite:///{tmp / 'kc.db'}")
    upgrade(engine)
    _population(engine, tmp)
    seed_pillars(engine, seed=7, loans=24, results=12)
    created = create_demo_accounts(engine)
    with session_scope(engine) as session:  # known passwords for the test
        from kechuang.accounts.passwords import hash_password

        for account in session.scalars(select(Account)):
            account.password_hash = hash_password(PASSWORD, (account.username,))
    yield engine, {a.username: a for a in created}
    engine.dispose()


def test_every_demo_organisation_has_an_account(demo: object) -> None:
    _, created = demo  # type: ignore[misc]
    roles = {a.role for a in created.values()}
    assert {"enterprise", "bank", "insurer", "guarantor", "tech_transfer", "inventor"} <= roles
    assert {"enterprise1", "enterprise2", "tto1", "tto2", "insurer1", "guarantor1"} <= set(created)
    assert created["tto1"].org != created["tto2"].org


def test_the_enterprises_have_awards_loans_and_demands(demo: object) -> None:
    engine, created = demo  # type: ignore[misc]
    with make_sessionmaker(engine)() as session:
        for name in ("enterprise1", "enterprise2"):
            uscc = created[name].uscc
            assert session.scalar(select(Award.id).where(Award.uscc == uscc, Award.state == "paid"))
            assert session.scalar(select(Loan.id).where(Loan.uscc == uscc))
            assert session.scalar(select(Demand.id).where(Demand.uscc == uscc))
        # The bank lent to the first demo enterprise.
        bank = created["bank1"].org
        assert session.scalar(
            select(Loan.id).where(Loan.uscc == created["enterprise1"].uscc, Loan.bank_org == bank)
        )


@pytest.mark.parametrize(
    ("username", "home", "api", "minimum"),
    [
        ("bank1", "/finance", "/api/v1/finance/loans", 1),
        ("insurer1", "/finance/partner", "/api/v1/finance/partner/loans", 1),
        ("guarantor1", "/finance/partner", "/api/v1/finance/partner/loans", 1),
        ("tto1", "/transfer", "/api/v1/transfer/results", 1),
        ("tto2", "/transfer", "/api/v1/transfer/results", 1),
        ("enterprise1", "/me", "/api/v1/transfer/demands", 1),
        ("enterprise2", "/me", "/api/v1/finance/loans", 1),
    ],
)
def test_each_account_lands_on_its_own_work(
    demo: object, username: str, home: str, api: str, minimum: int
) -> None:
    engine, _ = demo  # type: ignore[misc]
    with TestClient(create_app(engine)) as client:
        headers = _login(client, username)
        answer = client.get(api, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items = body["items"] if isinstance(body, dict) else body
        assert len(items) >= minimum
        role = client.get("/api/v1/me", headers=headers).json()["role"]
        assert home_of(role) == home
        assert client.get(home, headers=headers).status_code == 200


def test_an_account_without_an_organisation_is_refused_for_the_new_roles(demo: object) -> None:
    engine, _ = demo  # type: ignore[misc]
    with make_sessionmaker(engine)() as session:
        for role in ("insurer", "guarantor", "inventor"):
            with pytest.raises(ValueError, match="needs --org"):
                create_account(session, f"x-{role}", PASSWORD, role)


# Codes as stored that no page may show. In English, the states that are English words are
# shown capitalised as labels ("Disbursed"), so only codes that are not words are checked there.
NOT_WORDS = (
    r"performance-loan|tech-guarantee-2024|equal_instalment|interest_only|compensation_fund|"
    r"national_fund|icbc-sh|boc-sh|ccb-sh|abc-sh|picc-sh|cpic-sh|sh-smb-guarantee|"
    r"sh-tech-guarantee|equity_investment|co_ownership|tech_transfer|3101[0-9]{2}"
)
STATE_WORDS = (
    r"applied|refused|approved|disbursed|overdue|repaid|defaulted|compensated|disclosed|empowered"
)
RAW = {
    "zh": re.compile(rf"\b({NOT_WORDS}|{STATE_WORDS})\b"),
    "en": re.compile(rf"\b({NOT_WORDS})\b"),
}
PAGES = {
    "bank1": ("/finance", "/finance/loans", "/finance/loans/{bank_loan}"),
    "insurer1": ("/finance/partner",),
    "guarantor1": ("/finance/partner",),
    "enterprise1": (
        "/me",
        "/me/benefits",
        "/finance/loans",
        "/transfer/demands",
        "/transfer/demands/{demand}",
        "/transfer/challenges",
    ),
    "officer1": (
        "/finance",
        "/finance/loans",
        "/transfer",
        "/transfer/indicators",
        "/officer/runs",
        "/officer/runs/{run}",
        "/dashboard",
        "/cultivation",
    ),
    "tto1": ("/transfer", "/transfer/results/{result}", "/transfer/deals/{deal}"),
    "inventor1": ("/transfer/mine",),
}


def _ids(engine: Any, created: dict[str, Any]) -> dict[str, int]:
    from kechuang.transfer.tables import Deal, Result

    with make_sessionmaker(engine)() as session:
        bank = created["bank1"].org
        return {
            "bank_loan": session.scalar(
                select(Loan.id).where(Loan.bank_org == bank).order_by(Loan.state, Loan.id)
            ),
            "demand": session.scalar(
                select(Demand.id).where(Demand.uscc == created["enterprise1"].uscc)
            ),
            "result": session.scalar(select(Result.id).where(Result.institution == "fudan")),
            "deal": session.scalar(select(Deal.id).where(Deal.institution == "fudan")),
            "run": session.scalar(select(ScreeningRun.id).order_by(ScreeningRun.id)),
        }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_shows_a_raw_status_product_or_district_code(demo: object, lang: str) -> None:
    engine, created = demo  # type: ignore[misc]
    ids = _ids(engine, created)
    visible = re.compile(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", re.S)
    found: list[tuple[str, str, str]] = []
    app = create_app(engine)
    for username, paths in PAGES.items():
        if username not in created:
            continue
        with TestClient(app) as client:
            headers = _login(client, username)
            for path in paths:
                page = client.get(path.format(**ids), params={"lang": lang}, headers=headers)
                assert page.status_code == 200, (username, path, page.status_code)
                text = visible.sub(" ", page.text)
                found += [
                    (username, path, text[max(0, m.start() - 40) : m.end() + 10])
                    for m in RAW[lang].finditer(text)
                ]
    assert not found, "\n".join(map(repr, found[:40]))


def test_the_demo_inventor_is_linked_and_reads_their_own_results_and_payouts(demo: object) -> None:
    from kechuang.transfer.tables import Inventor

    engine, created = demo  # type: ignore[misc]
    assert "inventor1" in created
    with make_sessionmaker(engine)() as session:
        account_id = session.scalar(select(Account.id).where(Account.username == "inventor1"))
        linked = session.scalars(select(Inventor).where(Inventor.account_id == account_id)).all()
    assert len(linked) == 1 and linked[0].name == created["inventor1"].display_name
    with TestClient(create_app(engine)) as client:
        page = client.get("/transfer/mine", headers=_login(client, "inventor1")).text
    assert "登记簿中没有您的成果" not in page and "尚无奖酬" not in page
    # Running the demo again links nothing twice.
    create_demo_accounts(engine)
    with make_sessionmaker(engine)() as session:
        count = session.scalars(select(Inventor.id).where(Inventor.account_id.is_not(None))).all()
    assert len(count) == 1
