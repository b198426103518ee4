"""A result from disclosure through 赋权 to a licence, a foreign licence and an equity deal, with
the inventors' payouts checked to the fen against the rule (on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.ledger import balance, trial_balance
from kechuang.ledger.tables import LedgerEntry
from kechuang.transfer import deals, empowerment, flows, income, register
from kechuang.transfer.deals import DealDraft
from kechuang.transfer.distribution import BelowStatutoryMinimum, Rule
from kechuang.transfer.due_diligence import Agreement, Incomplete
from kechuang.transfer.errors import IllegalTransition, TransferError
from kechuang.transfer.income import IncomeDraft
from tests.transfer.conftest import FUDAN, add_patent, make_uscc

CHECKLIST = {
    "pricing_method": "agreement",
    "notice_days": 15,
    "collective_decision": True,
    "conflict_of_interest_declared": True,
    "security_review": True,
    "inventors_consent": True,
}
AGREEMENT = Agreement(
    kind="co_ownership", inventor_ownership_bp=7_000, term_years=None, licence_bp=8_000,
    transfer_bp=7_000, equity_bp=7_000, decision_rights="转化决策由完成人团队提出，学校备案",
    costs="专利维持费由双方按持有比例承担",
)  # fmt: skip


def _names(session: Session, income_id: int) -> dict[str, int]:
    names = {i.id: i.name for i in register.inventors_of(session, 1)}
    return {names[p.inventor_id]: p.amount_fen for p in income.payouts_of(session, income_id)}


def test_disclosure_to_licence_and_equity(session: Session) -> None:
    result = add_patent(session)
    with pytest.raises(BelowStatutoryMinimum):
        register.set_rule(session, "fudan", Rule(licence_bp=4_999))
    register.set_rule(session, "fudan", Rule(licence_bp=7_000, transfer_bp=7_000, equity_bp=7_000))
    session.commit()

    # 赋权: request, review, agree (the checklist and the written terms), register.
    case = empowerment.request(session, FUDAN, result.id, "完成人申请赋予70%所有权")
    with pytest.raises(IllegalTransition, match="requested: cannot agree"):
        empowerment.agree(session, FUDAN, case.id, CHECKLIST, AGREEMENT, dt.date(2024, 5, 1))
    empowerment.start_review(session, FUDAN, case.id)
    with pytest.raises(Incomplete, match="notice_days"):
        empowerment.agree(
            session, FUDAN, case.id, {**CHECKLIST, "notice_days": 7}, AGREEMENT,
            dt.date(2024, 5, 1),
        )  # fmt: skip
    with pytest.raises(Incomplete, match="licence_bp"):
        low = Agreement(**{**AGREEMENT.__dict__, "licence_bp": 6_000})
        empowerment.agree(session, FUDAN, case.id, CHECKLIST, low, dt.date(2024, 5, 1))
    empowerment.agree(session, FUDAN, case.id, CHECKLIST, AGREEMENT, dt.date(2024, 5, 1))
    empowerment.register_change(session, FUDAN, case.id, "CNIPA-2024-0518-001", dt.date(2024, 6, 1))
    session.commit()
    assert result.status == "empowered"
    assert [e.to_state for e in flows.history(session, "empowerment", case.id)] == [
        "requested", "under_review", "agreed", "registered",
    ]  # fmt: skip

    # A domestic exclusive licence; income net of costs, inventors' 80% by the agreement.
    licence = deals.create(
        session, FUDAN, result.id,
        DealDraft(
            kind="licence", counterparty_name="上海联影智能医疗科技有限公司",
            counterparty_uscc=make_uscc(7), exclusive=True, territory="中国大陆",
            signed_on=dt.date(2024, 7, 1), contract_amount_minor=100_000_000,
            upfront_minor=30_000_001,
            milestones=[{"name": "取得医疗器械注册证", "amount_minor": 50_000_000}],
            royalty_bp=300,
        ),
    )  # fmt: skip
    assert result.status == "transformed" and licence.export_control == "not_required"
    upfront = IncomeDraft("upfront", "BOC-20240705-01", dt.date(2024, 7, 5), 30_000_001,
                          costs_fen=1_234_567)  # fmt: skip
    paid_in = income.record(session, FUDAN, licence.id, upfront)
    session.commit()
    # net 28,765,434 fen; 80% = 23,012,347.2 rounds up to 23,012,348 (never below the share);
    # 50/30/20 by largest remainder: 11,506,174 / 6,903,704.4 / 4,602,469.6 -> +1 to 李强.
    assert (paid_in.net_fen, paid_in.share_bp, paid_in.inventors_fen) == (28_765_434, 8_000,
                                                                          23_012_348)  # fmt: skip
    assert _names(session, paid_in.id) == {"张伟": 11_506_174, "王芳": 6_903_704, "李强": 4_602_470}
    again = income.record(session, FUDAN, licence.id, upfront)
    assert again.id == paid_in.id
    entries = session.scalars(select(LedgerEntry.idempotency_key)).all()
    assert sorted(entries) == sorted(
        [f"transfer:{k}:{paid_in.id}" for k in ("income", "costs", "reward")]
    )

    # A foreign licence: the export gate holds income until the check is cleared.
    foreign = deals.create(
        session, FUDAN, result.id,
        DealDraft(
            kind="licence", counterparty_name="Acme Imaging Inc.", counterparty_country="US",
            exclusive=False, territory="North America", currency="USD",
            fx_rate=Decimal("7.1234"), signed_on=dt.date(2024, 8, 1),
            contract_amount_minor=10_000_000,
        ),
    )  # fmt: skip
    assert foreign.export_control == "required"
    royalty = IncomeDraft("royalty", "WIRE-0901", dt.date(2024, 9, 1), 1_234_567,
                          fx_rate=Decimal("7.1087"))  # fmt: skip
    with pytest.raises(TransferError, match="export"):
        income.record(session, FUDAN, foreign.id, royalty)
    deals.clear_export(session, FUDAN, foreign.id, "2024SH-TE-0088")
    wired = income.record(session, FUDAN, foreign.id, royalty)
    session.commit()
    expected_fen = int((Decimal("12345.67") * Decimal("7.1087") * 100).quantize(
        Decimal(1), rounding=ROUND_HALF_UP))  # fmt: skip
    assert wired.amount_fen == expected_fen == 8_776_166 and wired.fx_rate == Decimal("7.1087")
    assert (
        sum(_names(session, wired.id).values())
        == wired.inventors_fen
        == -(-expected_fen * 8_000 // 10_000)
    )

    # Equity investment: 70% of shares and of their valuation go to the inventors.
    company = make_uscc(42)
    equity = deals.create(
        session, FUDAN, result.id,
        DealDraft(
            kind="equity_investment", counterparty_name="上海肺影科技有限公司",
            company_uscc=company, company_name="上海肺影科技有限公司",
            company_founded_on=dt.date(2024, 10, 8), shares=1_000_000,
            signed_on=dt.date(2024, 10, 8), contract_amount_minor=500_000_000,
        ),
    )  # fmt: skip
    stake = income.record(
        session, FUDAN, equity.id,
        IncomeDraft("equity", "SH-CERT-001", dt.date(2024, 10, 20), 500_000_000, shares=1_000_000),
    )  # fmt: skip
    session.commit()
    shares = {p.inventor_id: p.shares for p in income.payouts_of(session, stake.id)}
    assert sorted(shares.values()) == [140_000, 210_000, 350_000]
    assert _names(session, stake.id) == {
        "张伟": 175_000_000,
        "王芳": 105_000_000,
        "李强": 70_000_000,
    }
    assert balance(session, f"transfer:equity:fudan:{company}") == 500_000_000

    # Pay the cash rewards once; the payables are then settled and the books balance.
    assert income.pay(session, FUDAN, paid_in.id) is True
    assert income.pay(session, FUDAN, paid_in.id) is False
    session.commit()
    zhang = next(i for i in register.inventors_of(session, result.id) if i.name == "张伟")
    assert income.owed_to(session, "fudan", zhang.id) == _names(session, wired.id)["张伟"]
    assert balance(session, f"transfer:shares:fudan:{zhang.id}") == -175_000_000
    assert trial_balance(session) == 0


def test_own_implementation_and_refusals(session: Session) -> None:
    result = add_patent(session, inventors="赵敏:100:main")
    case = empowerment.request(session, FUDAN, result.id, "")
    with pytest.raises(TransferError, match="already has"):
        empowerment.request(session, FUDAN, result.id, "")
    empowerment.start_review(session, FUDAN, case.id)
    empowerment.reject(session, FUDAN, case.id, "涉及国家安全，不予赋权")
    with pytest.raises(IllegalTransition, match="rejected"):
        empowerment.start_review(session, FUDAN, case.id)

    own = deals.create(
        session, FUDAN, result.id,
        DealDraft(kind="own_implementation", counterparty_name="本单位自行实施",
                  signed_on=dt.date(2024, 1, 1), contract_amount_minor=0, reward_years=3),
    )  # fmt: skip
    with pytest.raises(TransferError, match="reward_years"):
        deals.create(
            session, FUDAN, result.id,
            DealDraft(kind="own_implementation", counterparty_name="x",
                      signed_on=dt.date(2024, 1, 1), contract_amount_minor=0, reward_years=6),
        )  # fmt: skip
    profit = income.record(
        session, FUDAN, own.id,
        IncomeDraft("operating_profit", "FY2024", dt.date(2025, 3, 31), 123_456_789, year_index=1),
    )  # fmt: skip
    assert profit.inventors_fen == 6_172_840  # 5% of 123,456,789 = 6,172,839.45, rounded up
    with pytest.raises(TransferError, match="outside the 3 rewarded years"):
        income.record(
            session, FUDAN, own.id,
            IncomeDraft("operating_profit", "FY2027", dt.date(2028, 3, 31), 1, year_index=4),
        )  # fmt: skip
    with pytest.raises(TransferError, match="kind"):
        income.record(session, FUDAN, own.id,
                      IncomeDraft("royalty", "R", dt.date(2025, 1, 1), 1))  # fmt: skip
    with pytest.raises(TransferError, match="domestic party"):
        deals.create(
            session, FUDAN, result.id,
            DealDraft(kind="transfer", counterparty_name="无代码公司",
                      signed_on=dt.date(2024, 1, 1), contract_amount_minor=1),
        )  # fmt: skip
    session.commit()
    assert [e.to_state for e in flows.history(session, "result", result.id)] == [
        "disclosed", "transformed",
    ]  # fmt: skip
