"""The finance API and pages: who sees which loan (access), problem+json errors, pagination.

A lender sees the loans it lends, an insurer or guarantor those whose risk it shares, an
enterprise its own, officials everything; anyone else gets 404 for a loan and an empty list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kechuang.accounts.service import create_account
from kechuang.finance import capacity
from kechuang.store.engine import make_engine, make_sessionmaker, session_scope
from kechuang.store.migrate import upgrade
from kechuang.web.app import create_app
from tests.finance.conftest import seed_enterprises

PASSWORD = "correct horse battery staple 42"
ON = dt.date(2025, 3, 3)
ACCOUNTS = {
    "officer": ("officer", None, None),
    "analyst": ("analyst", None, None),
    "icbc": ("bank", None, "icbc-sh"),
    "boc": ("bank", None, "boc-sh"),
    "picc": ("bank", None, "picc-sh"),
    "shcg": ("bank", None, "shcg"),
    "stranger": ("bank", None, "nobody-bank"),
    # Partners in their own roles: an insurer sees the loans it insures, a guarantor its
    # guarantees; the same organisation in the other role sees nothing.
    "picc_insurer": ("insurer", None, "picc-sh"),
    "shcg_guarantor": ("guarantor", None, "shcg"),
    "picc_guarantor": ("guarantor", None, "picc-sh"),
    "shcg_insurer": ("insurer", None, "shcg"),
}


@dataclass
class World:
    app: Any
    usccs: list[str]
    loans: dict[str, int]

    def client(self, username: str) -> TestClient:
        client = TestClient(self.app)
        response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
        assert response.status_code == 201, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        return client


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("finance-api")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KECHUANG_VAR_DIR", str(tmp / "var"))
        engine: Engine = make_engine(f"sqlite:///{tmp / 'finance.db'}")
        upgrade(engine)
        usccs = seed_enterprises(engine, 3)
        with session_scope(engine) as session:
            for username, (role, uscc, org) in ACCOUNTS.items():
                create_account(session, username, PASSWORD, role, uscc=uscc, org=org)
            create_account(session, "ent_a", PASSWORD, "enterprise", uscc=usccs[0])
            create_account(session, "ent_b", PASSWORD, "enterprise", uscc=usccs[1])
        with make_sessionmaker(engine)() as session:
            for code in ("sh-compensation-fund", "national-guarantee-programme"):
                capacity.create_fund(session, code, code, code, 10_000_000_00, Decimal(10),
                                     "officer", ON)  # fmt: skip
            session.commit()
        app = create_app(engine)
        app.state.clock = lambda: ON
        world = World(app, usccs, {})
        icbc, boc = world.client("icbc"), world.client("boc")
        a = icbc.post("/api/v1/finance/loans", json={
            "product_id": "performance-loan", "uscc": usccs[0], "partner_org": "picc-sh",
            "bank_ref": "ICBC-1", "principal_fen": 1_000_000_00, "term_months": 12,
            "method": "equal_instalment", "facts_year": 2024})  # fmt: skip
        assert a.status_code == 201, a.text
        b = boc.post("/api/v1/finance/loans", json={
            "product_id": "tech-guarantee-2024", "uscc": usccs[1], "partner_org": "shcg",
            "bank_ref": "BOC-1", "principal_fen": 2_000_000_00, "term_months": 12,
            "method": "interest_only", "tier": "tier_b", "facts_year": 2024})  # fmt: skip
        assert b.status_code == 201, b.text
        world.loans = {"icbc": a.json()["id"], "boc": b.json()["id"]}
        for client, loan_id in ((icbc, world.loans["icbc"]), (boc, world.loans["boc"])):
            for step in ("approve", "disburse"):
                response = client.post(f"/api/v1/finance/loans/{loan_id}/{step}", json={})
                assert response.status_code == 200, response.text
        yield world
        engine.dispose()


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize(
    ("username", "sees"),
    [("officer", {"icbc", "boc"}), ("analyst", {"icbc", "boc"}), ("icbc", {"icbc"}),
     ("picc", {"icbc"}), ("boc", {"boc"}), ("shcg", {"boc"}), ("stranger", set()),
     ("ent_a", {"icbc"}), ("ent_b", {"boc"}), ("picc_insurer", {"icbc"}),
     ("shcg_guarantor", {"boc"}), ("picc_guarantor", set()), ("shcg_insurer", set())],
)  # fmt: skip
def test_each_party_sees_only_its_loans(world: World, username: str, sees: set[str]) -> None:
    client = world.client(username)
    assert _ids(client.get("/api/v1/finance/loans")) == {world.loans[k] for k in sees}
    for key, loan_id in world.loans.items():
        api = client.get(f"/api/v1/finance/loans/{loan_id}")
        page = client.get(f"/finance/loans/{loan_id}")
        if key in sees:
            assert api.status_code == 200 and api.json()["schedule"]
            assert page.status_code == 200 and "还款计划" in page.text
        else:
            assert api.status_code == 404
            assert api.headers["content-type"] == "application/problem+json"
            assert page.status_code == 404
    listing = client.get("/finance/loans")
    assert listing.status_code == 200
    for key, loan_id in world.loans.items():
        assert (f'href="/finance/loans/{loan_id}"' in listing.text) == (key in sees)


@pytest.mark.parametrize(
    "username", ["picc", "boc", "stranger", "ent_a", "officer", "picc_insurer", "shcg_guarantor"]
)
def test_only_the_lending_bank_moves_its_loan(world: World, username: str) -> None:
    client = world.client(username)
    response = client.post(f"/api/v1/finance/loans/{world.loans['icbc']}/repayments",
                           json={"ref": "X", "amount_fen": 100})  # fmt: skip
    assert response.status_code in (403, 404), response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_indicators_are_scoped_and_the_officer_page_has_charts(world: World) -> None:
    officer = world.client("officer").get("/api/v1/finance/indicators").json()
    assert officer["total"][0]["loans"] == 2 and officer["funds"]
    icbc = world.client("icbc").get("/api/v1/finance/indicators").json()
    assert icbc["total"][0]["loans"] == 1 and icbc["total"][0]["granted_fen"] == 1_000_000_00
    assert icbc["funds"] == []
    assert world.client("ent_a").get("/api/v1/finance/indicators").status_code == 403
    with make_sessionmaker(world.app.state.engine)() as session:
        from kechuang.finance import fund_of_funds as fof

        criteria = {"team": 90, "industry_fit": 80, "fundraising": 70, "local_investment": 70,
                    "governance": 70}  # fmt: skip
        fof.apply(session, "量子一号", "某创投", "量子", 100_000_00, 50_000_00, criteria, ON)
        session.commit()
    page = world.client("officer").get("/finance")
    assert page.status_code == 200 and "量子一号" in page.text
    assert 'id="chart-product"' in page.text and "echarts.min.js" in page.text
    assert world.client("ent_a").get("/finance").status_code == 403
    assert "量子一号" not in world.client("icbc").get("/finance").text
    # An insurer's portfolio is the loans it insures, without the funds.
    picc = world.client("picc_insurer")
    insured = picc.get("/api/v1/finance/indicators").json()
    assert insured["total"][0]["loans"] == 1 and insured["funds"] == []
    assert picc.get("/finance").status_code == 200 and "量子一号" not in picc.get("/finance").text


def test_refusals_are_problems_with_the_reason(world: World) -> None:
    icbc = world.client("icbc")
    loan_id = world.loans["icbc"]
    again = icbc.post(f"/api/v1/finance/loans/{loan_id}/approve?lang=en", json={})
    assert again.status_code == 409 and "allowed now" in again.json()["detail"]
    assert again.json()["type"].endswith("illegal-transition")
    zh = icbc.post(f"/api/v1/finance/loans/{loan_id}/approve?lang=zh", json={}).json()["detail"]
    assert "已放款" in zh and "不能审批通过" in zh
    too_big = icbc.post("/api/v1/finance/loans", json={
        "product_id": "performance-loan", "uscc": world.usccs[2], "partner_org": "picc-sh",
        "bank_ref": "ICBC-2", "principal_fen": 20_000_000_00, "term_months": 12,
        "method": "equal_instalment", "facts_year": 2024})  # fmt: skip
    assert too_big.status_code == 409 and "贷款金额为" in too_big.json()["detail"]
    invalid = icbc.post("/api/v1/finance/loans", json={"product_id": "x"})
    assert invalid.status_code == 422 and invalid.json()["errors"]
    page = icbc.get("/api/v1/finance/loans", params={"limit": 1})
    assert page.json()["limit"] == 1 and "links" in page.json()


def test_products_are_listed_with_their_cited_shares(world: World) -> None:
    products = world.client("ent_a").get("/api/v1/finance/products").json()
    shares = {p["id"]: p["shares"] for p in products}
    assert shares["performance-loan"] == {"compensation_fund": "0.25", "insurer": "0.45",
                                          "bank": "0.30"}  # fmt: skip
    assert shares["tech-guarantee-2024"]["tier_a"]["national_fund"] == "0.40"


def test_a_bank_imports_loans_atomically(world: World, tmp_path: Path) -> None:
    from kechuang.finance.importer import import_loans

    good = (f"ICBC-9,performance-loan,{world.usccs[2]},picc-sh,500000,12,interest_only,"
            "2025-03-01,2025-03-03")  # fmt: skip
    bad = f"ICBC-10,performance-loan,{world.usccs[2][:-1]}X,picc-sh,-5,0,monthly,2025-13-01,"
    from kechuang.finance.importer import LOAN_COLUMNS

    header = ",".join(LOAN_COLUMNS)
    path = tmp_path / "loans.csv"
    path.write_text(f"{header}\n{good}\n{bad}\n", encoding="utf-8")
    with make_sessionmaker(world.app.state.engine)() as session:
        report = import_loans(session, path, "icbc-sh", "officer", ON)
        assert not report.ok and report.stored == 0
        bad_columns = {e.column for e in report.errors if e.row == 3}
        assert {
            "uscc",
            "principal_yuan",
            "term_months",
            "applied_on",
            "disbursed_on",
        } <= bad_columns
        path.write_text(f"{header}\n{good}\n", encoding="utf-8")
        report = import_loans(session, path, "icbc-sh", "officer", ON)
        assert report.ok and report.stored == 1
        session.rollback()  # nothing committed: the caller commits
