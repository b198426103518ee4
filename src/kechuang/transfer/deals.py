"""Deals on results: licence (exclusive or not, territory, upfront, milestones, royalty),
transfer, equity investment (shares in a company linked by USCC) and own implementation.

Amounts are kept in the contract currency's minor unit and in CNY fen at the day's rate.
A counterparty outside the mainland (country other than CN) is a technology export: the deal
is flagged `export_control = required` and no income is recorded on it until the check is
cleared with its licence or registration number (技术进出口管理条例).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kechuang.domain import uscc as uscc_code
from kechuang.http.labels import label
from kechuang.transfer import flows, fx, register
from kechuang.transfer.access import Actor
from kechuang.transfer.distribution import FULL_BP, OWN_IMPLEMENTATION_YEARS
from kechuang.transfer.errors import NotFound, TransferError
from kechuang.transfer.tables import Deal

KINDS = ("licence", "transfer", "equity_investment", "own_implementation")
HOME_COUNTRY = "CN"


@dataclass(frozen=True)
class DealDraft:
    kind: str
    counterparty_name: str
    signed_on: dt.date
    contract_amount_minor: int
    currency: str = "CNY"
    fx_rate: Decimal | None = None
    counterparty_uscc: str | None = None
    counterparty_country: str = HOME_COUNTRY
    exclusive: bool | None = None
    territory: str | None = None
    upfront_minor: int = 0
    milestones: list[dict[str, Any]] = field(default_factory=list)
    royalty_bp: int | None = None
    company_uscc: str | None = None
    company_name: str | None = None
    company_founded_on: dt.date | None = None
    shares: int | None = None
    reward_years: int | None = None


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_deal(draft: DealDraft) -> list[str]:
    """Every problem with a deal draft (empty when it is complete)."""
    problems = []
    if draft.kind not in KINDS:
        problems.append(f"kind: one of {', '.join(KINDS)}")
    if not draft.counterparty_name.strip():
        problems.append("counterparty_name: who the deal is with")
    country = draft.counterparty_country
    if not (len(country) == 2 and country.isascii() and country.isupper()):
        problems.append("counterparty_country: an ISO 3166 alpha-2 code such as CN, US, DE")
    domestic_party = country == HOME_COUNTRY and draft.kind in ("licence", "transfer")
    if domestic_party and not uscc_code.is_valid(draft.counterparty_uscc or ""):
        problems.append("counterparty_uscc: a domestic party is named by its valid USCC")
    try:
        fx.check_rate(draft.currency, draft.fx_rate)
    except fx.InvalidRate as exc:
        problems.append(f"fx_rate: {exc}")
    amounts: list[object] = [draft.contract_amount_minor, draft.upfront_minor]
    amounts += [m.get("amount_minor") for m in draft.milestones]
    if not all(_is_count(a) for a in amounts):
        problems.append("amounts: whole minor units (fen, cents), not negative")
    elif draft.upfront_minor + sum(m["amount_minor"] for m in draft.milestones) > (
        draft.contract_amount_minor
    ):
        problems.append("upfront and milestones exceed the contract amount")
    if any(not str(m.get("name", "")).strip() for m in draft.milestones):
        problems.append("milestones: each has a name")
    if draft.kind == "licence":
        if draft.exclusive is None:
            problems.append("exclusive: a licence is exclusive or non-exclusive")
        if not (draft.territory or "").strip():
            problems.append("territory: where the licence applies")
        if draft.royalty_bp is not None and not 0 <= draft.royalty_bp <= FULL_BP:
            problems.append("royalty_bp: 0 to 10000 basis points of sales")
    if draft.kind == "equity_investment":
        if not draft.company_uscc or not uscc_code.is_valid(draft.company_uscc):
            problems.append("company_uscc: the company invested in, by its valid USCC")
        if not (draft.company_name or "").strip():
            problems.append("company_name: the company invested in")
        if not _is_count(draft.shares) or not draft.shares:
            problems.append("shares: the shares (or registered capital in yuan) received")
    if draft.kind == "own_implementation":
        low, high = OWN_IMPLEMENTATION_YEARS
        if draft.reward_years is None or not low <= draft.reward_years <= high:
            problems.append(f"reward_years: operating profit is rewarded for {low} to {high} years")
    return problems


def create(session: Session, who: Actor, result_id: int, draft: DealDraft) -> Deal:
    result = register.get_result(session, who, result_id)
    who.act_for_institution(result.institution, f"result {result_id}")
    if result.status == "withdrawn":
        raise TransferError(f"result {result_id} is withdrawn", zh=f"成果 {result_id} 已撤回")
    problems = check_deal(draft)
    if problems:
        raise TransferError("deal refused: " + "; ".join(problems))
    rate = fx.check_rate(draft.currency, draft.fx_rate)
    foreign = draft.counterparty_country != HOME_COUNTRY
    deal = Deal(
        result_id=result_id, institution=result.institution, kind=draft.kind,
        counterparty_name=draft.counterparty_name.strip(),
        counterparty_uscc=draft.counterparty_uscc if not foreign else None,
        counterparty_country=draft.counterparty_country, exclusive=draft.exclusive,
        territory=draft.territory, currency=draft.currency, fx_rate=rate, fx_date=draft.signed_on,
        contract_amount_minor=draft.contract_amount_minor,
        contract_amount_fen=fx.to_fen(draft.contract_amount_minor, draft.currency, rate),
        upfront_minor=draft.upfront_minor, milestones=list(draft.milestones),
        royalty_bp=draft.royalty_bp, signed_on=draft.signed_on,
        export_control="required" if foreign else "not_required",
        company_uscc=draft.company_uscc, company_name=draft.company_name,
        company_founded_on=draft.company_founded_on, shares=draft.shares,
        reward_years=draft.reward_years, created_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    session.add(deal)
    session.flush()
    if result.status in ("disclosed", "empowered"):
        flows.fire(session, result, "transform", who.username, f"deal {deal.id} ({draft.kind})")
    return deal


def get(session: Session, who: Actor, deal_id: int) -> Deal:
    """The deal if the caller's institution made it, or the enterprise is party to it."""
    deal = session.get(Deal, deal_id)
    if deal is None:
        raise NotFound(f"no deal {deal_id} here", zh=f"没有转化合同 {deal_id}")
    party = who.is_enterprise and who.uscc in (deal.counterparty_uscc, deal.company_uscc)
    if not party:
        who.see_institution(deal.institution, f"deal {deal_id}")
    return deal


def clear_export(session: Session, who: Actor, deal_id: int, licence_number: str) -> Deal:
    """Record the export licence or registration that clears a foreign deal."""
    deal = get(session, who, deal_id)
    who.act_for_institution(deal.institution, f"deal {deal_id}")
    if deal.export_control != "required":
        raise TransferError(
            f"deal {deal_id} needs no export check ({deal.export_control})",
            zh=f"合同 {deal_id} 无需出口管制审查（{label('export_control', deal.export_control)}）",
        )
    if not licence_number.strip() or len(licence_number) > 64:
        raise TransferError(
            "the export licence or registration number (1 to 64 characters)",
            zh="须填写出口许可证号或登记号（1 至 64 字）",
        )
    deal.export_control = "cleared"
    deal.export_licence_number = licence_number.strip()
    flows.log(session, "deal", deal.id, "clear_export", "required", "cleared", who.username,
              licence_number)  # fmt: skip
    return deal


def list_deals(
    session: Session, who: Actor, *, limit: int = 50, offset: int = 0
) -> tuple[int, list[Deal]]:
    if who.is_enterprise:
        where = or_(Deal.counterparty_uscc == who.uscc, Deal.company_uscc == who.uscc)
    else:
        where = who.institution_filter(Deal.institution)
    total = session.scalar(select(func.count()).select_from(Deal).where(where)) or 0
    rows = session.scalars(select(Deal).where(where).order_by(Deal.id).limit(limit).offset(offset))
    return total, list(rows)
