"""The officers' finance pages and the insurer's claim forms, as a browser posts them, on both
stores (issue 20: the whole job in the browser).

A default leads to a claim the bank files from its page; the insurer confirms and pays from its
own page, each form beside its part to the fen; the officer sees the fund's capacity and floor
and the claim waiting with its split, and approves it: the three parts sum to the loss. The
fund of funds is worked from its page, every step a form. The bank records a recovery and
closes the loan from its queue. Refusals come back in the page's language.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from kechuang.accounts.service import create_account
from kechuang.finance import loans
from kechuang.finance.tables import Claim, FofFlow, Loan, SubFund
from kechuang.store.engine import make_sessionmaker, session_scope
from tests.finance.conftest import compensated
from tests.finance.test_finance_forms import Browser, World, _disbursed, world  # noqa: F401
from tests.web.conftest import PASSWORD

CRITERIA = (
    '{"team": 90, "industry_fit": 85, "fundraising": 80, "local_investment": 75, "governance": 80}'
)


def _parts(html: str, claim_id: int) -> dict[str, int]:
    table = re.search(rf'id="claim-parts-{claim_id}">(.*?)</table>', html, re.S)
    assert table, f"no split of claim {claim_id} on the page"
    return {p: int(f) for p, f in re.findall(r'data-party="(\w+)" data-fen="(\d+)"', table[1])}


def _defaulted(world: World, ref: str = "L7") -> int:  # noqa: F811
    loan_id = _disbursed(world, ref)
    world.clock.day = dt.date(2025, 4, 10)
    with make_sessionmaker(world.engine)() as session:
        loans.mark_overdue(session, world.clock(), "officer")
        session.commit()
    world.clock.day = dt.date(2025, 7, 2)
    return loan_id


def _officer(world: World) -> Browser:  # noqa: F811
    with session_scope(world.engine) as session:
        create_account(session, "wang", PASSWORD, "officer")
    return Browser(world.app, "wang")


def test_a_default_leads_to_a_claim_the_insurer_and_the_fund_pay_to_the_fen(world: World) -> None:  # noqa: F811
    loan_id = _defaulted(world)
    bank = Browser(world.app, "icbc")
    bank.get(f"/finance/loans/{loan_id}")
    bank.submit("default", {})
    bank.submit("claim", {})
    assert 'id="state">已申请代偿' in bank.page
    with make_sessionmaker(world.engine)() as session:
        claim_id = session.scalars(select(Claim.id)).one()
    # The insurer: its claims on its own page, the split beside the forms.
    insurer = Browser(world.app, "picc")
    page = insurer.get("/finance/partner")
    parts = _parts(page, claim_id)
    assert sum(parts.values()) == 1_000_000_00 and parts["insurer"] == 450_000_00
    assert "step-pay" not in page  # pay only once confirmed
    insurer.submit("confirm", {})
    assert 'data-state="confirmed"' in insurer.page and "确认分担" in insurer.page
    insurer.submit("pay", {})
    assert 'data-state="partner_paid"' in insurer.page
    # The officer: capacity and floor, the claim waiting with its split, then approve.
    officer = _officer(world)
    page = officer.get("/officer/finance/fund")
    assert 'id="fund-capacity"' in page and "底线" in page and "可支付" in page
    assert _parts(page, claim_id) == parts
    assert officer.action("approve") == f"/finance/claims/{claim_id}/approve"
    officer.submit("approve", {})
    assert 'data-state="paid"' in officer.page
    with make_sessionmaker(world.engine)() as session:
        claim = session.get(Claim, claim_id)
        loan = session.get(Loan, loan_id)
        assert claim is not None and loan is not None and loan.state == "compensated"
        assert {k: int(v) for k, v in claim.parts.items()} == parts
    assert "fund-cash" in officer.get("/officer/finance/fund?lang=en")
    assert "Capacity and floor" in officer.page


def test_a_dispute_needs_its_reason_in_the_pages_language(world: World) -> None:  # noqa: F811
    loan_id = _defaulted(world)
    with make_sessionmaker(world.engine)() as session:
        loans.declare_default(session, loan_id, "icbc", world.clock())
        loans.claim(session, loan_id, "icbc", world.clock())
        session.commit()
    insurer = Browser(world.app, "picc")
    insurer.get("/finance/partner")
    answer = insurer.submit("dispute", {"reason": " "}, status=422)
    assert "理由" in answer.text
    insurer.get("/finance/partner?lang=en")
    answer = insurer.submit("dispute", {"reason": " "}, status=422)
    assert "reason" in answer.text and "理由" not in answer.text.split("<main")[-1]
    insurer.get("/finance/partner")
    insurer.submit("dispute", {"reason": "贷后检查记录缺失"})
    officer = _officer(world)
    page = officer.get("/officer/finance/fund")
    assert "贷后检查记录缺失" in page and "step-resolve" in page and "step-approve" not in page


def test_the_bank_records_a_recovery_and_closes_the_loan_from_its_queue(world: World) -> None:  # noqa: F811
    loan_id = _defaulted(world)
    with make_sessionmaker(world.engine)() as session:
        loans.declare_default(session, loan_id, "icbc", world.clock())
        compensated(session, loan_id, world.clock(), actor="icbc")
        session.commit()
    bank = Browser(world.app, "icbc")
    bank.get("/finance/queue")
    bank.submit("recover", {"ref": "C1", "amount_yuan": "100,000"})
    assert "C1" in bank.get(f"/finance/loans/{loan_id}")
    bank.get("/finance/queue")
    bank.submit("close", {"reason": "追偿程序终结"})
    assert 'id="state">已核销结案' in bank.page


def test_the_fund_of_funds_is_worked_from_its_page(world: World) -> None:  # noqa: F811
    officer = _officer(world)
    page = officer.get("/officer/finance/fof")
    assert 'id="indicators"' in page and 'id="npl-ratio"' in page
    officer.submit("capitalise", {"amount_yuan": "500,000,000", "key": "y2025"})
    assert 'id="fof-cash">500,000,000.00' in officer.page or "500,000,000" in officer.page
    officer.submit("apply", {"name": "浦东未来产业子基金", "manager": "浦东科创投",
                             "industry": "人工智能", "target_size_yuan": "1,000,000,000",
                             "requested_yuan": "200,000,000",
                             "criteria": CRITERIA})  # fmt: skip
    with make_sessionmaker(world.engine)() as session:
        sub_fund_id = session.scalars(select(SubFund.id)).one()
    assert f'id="sub-fund-{sub_fund_id}"' in officer.page
    officer.submit("decide", {"approve": "true"})
    flows = [("commit", "200,000,000"), ("call", "50,000,000"), ("distribute", "10,000,000"),
             ("value", "45,000,000")]  # fmt: skip
    for verb, amount in flows:
        officer.submit(verb, {"amount_yuan": amount, "key": f"k-{verb}"})
    officer.submit("invest", {"amount_yuan": "20,000,000", "key": "k-invest",
                              "uscc": world.strong})  # fmt: skip
    with make_sessionmaker(world.engine)() as session:
        kinds = sorted(session.scalars(select(FofFlow.kind)))
    assert kinds == sorted(["commitment", "capital_call", "distribution", "valuation",
                            "investment"])  # fmt: skip
    assert "TVPI" in officer.get("/officer/finance/fof")


def test_only_officers_reach_the_officer_finance_pages(world: World) -> None:  # noqa: F811
    for username in ("icbc", "picc", "strong"):
        for path in ("/officer/finance/fund", "/officer/finance/fof"):
            Browser(world.app, username).get(path, status=403)
