"""Fund capacity: a fund of size S with leverage k may back at most S x k of loan principal.

Exposure counts the principal still at risk: approved loans at their principal, disbursed and
overdue loans at their outstanding principal, defaulted loans (their claim filed or not) at the
defaulted principal until they are compensated. Approval checks capacity while holding the fund
row's write lock, so two approvals at once cannot both squeeze into the last room.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kechuang.finance import books
from kechuang.finance.errors import NotFound, Refused
from kechuang.finance.tables import FinanceFund, Loan
from kechuang.ledger import balance
from kechuang.ledger.locking import begin_write

AT_RISK = ("approved", "disbursed", "overdue", "defaulted", "claimed")


@dataclass(frozen=True)
class Capacity:
    code: str
    size_fen: int
    leverage: Decimal
    limit_fen: int
    exposure_fen: int
    balance_fen: int

    @property
    def room_fen(self) -> int:
        return max(0, self.limit_fen - self.exposure_fen)

    @property
    def usage(self) -> Decimal:
        """Exposure as a share of the limit (0 if the limit is 0)."""
        if not self.limit_fen:
            return Decimal(0)
        return (Decimal(self.exposure_fen) / Decimal(self.limit_fen)).quantize(Decimal("0.0001"))


def create_fund(
    session: Session,
    code: str,
    name_zh: str,
    name_en: str,
    size_fen: int,
    leverage: Decimal,
    actor: str,
    on: dt.date,
) -> FinanceFund:
    """Set up a fund (idempotent by code) and pay its size in through the ledger."""
    if size_fen < 0 or leverage <= 0:
        raise Refused("a fund has a size >= 0 and a leverage > 0",
                      zh="资金规模不能为负，放大倍数必须大于 0")  # fmt: skip
    fund = session.scalars(select(FinanceFund).where(FinanceFund.code == code)).one_or_none()
    if fund is None:
        fund = FinanceFund(code=code, name_zh=name_zh, name_en=name_en, size_fen=size_fen,
                           leverage=str(leverage), created_at=dt.datetime.now(dt.UTC))  # fmt: skip
        session.add(fund)
        session.flush()
    elif fund.size_fen != size_fen or Decimal(fund.leverage) != leverage:
        raise Refused(
            f"fund {code} exists with size {fund.size_fen} fen, leverage {fund.leverage}",
            zh=f"资金 {code} 已存在：规模 {fund.size_fen} 分，放大倍数 {fund.leverage}",
        )
    books.open_fund(session, code, name_zh, name_en)
    if size_fen:
        books.capitalise_fund(session, code, size_fen, "initial", on, actor)
    return fund


def lock_fund(session: Session, code: str) -> FinanceFund:
    """The fund row, write-locked until the transaction ends."""
    begin_write(session)
    fund = session.scalars(
        select(FinanceFund).where(FinanceFund.code == code).with_for_update()
    ).one_or_none()
    if fund is None:
        raise NotFound(f"no fund {code}: create it first (kechuang finance fund create)",
                       zh=f"没有资金 {code}：请先创建（kechuang finance fund create）")  # fmt: skip
    return fund


def exposure_fen(session: Session, code: str) -> int:
    at_risk = case(
        (Loan.state == "approved", Loan.principal_fen),
        (Loan.state.in_(("defaulted", "claimed")), func.coalesce(Loan.defaulted_fen, 0)),
        else_=Loan.outstanding_fen,
    )
    total = session.scalar(
        select(func.coalesce(func.sum(at_risk), 0)).where(
            Loan.fund_code == code, Loan.state.in_(AT_RISK)
        )
    )
    return int(total or 0)


def capacity(session: Session, fund: FinanceFund) -> Capacity:
    leverage = Decimal(fund.leverage)
    limit = int(fund.size_fen * Fraction(leverage))
    return Capacity(fund.code, fund.size_fen, leverage, limit, exposure_fen(session, fund.code),
                    balance(session, books.fund_account(fund.code)))  # fmt: skip


def reserve(session: Session, code: str, principal_fen: int) -> Capacity:
    """Refuse unless the fund can back `principal_fen` more; holds the fund's lock."""
    fund = lock_fund(session, code)
    now = capacity(session, fund)
    if now.exposure_fen + principal_fen > now.limit_fen:
        raise Refused(
            f"fund {code} is full: backing {principal_fen} fen more would take its exposure to "
            f"{now.exposure_fen + principal_fen} fen, above its limit of {now.limit_fen} fen "
            f"(size {fund.size_fen} fen x leverage {fund.leverage})",
            zh=f"资金 {code} 额度已满：再担保 {principal_fen} 分将使在保余额达 "
            f"{now.exposure_fen + principal_fen} 分，超过上限 {now.limit_fen} 分"
            f"（规模 {fund.size_fen} 分 × 放大倍数 {fund.leverage}）",
        )
    return now
