"""Portfolio indicators as the city reports them, overall and by product, bank and district.

enterprises served (distinct USCCs with a disbursed loan), loans, credit granted (principal
disbursed), outstanding (principal still owed: current and overdue loans, and defaulted loans
not yet compensated, their claim filed or not), non-performing balance (overdue and defaulted;
overdue counts as non-performing, which is conservative) and the NPL ratio, compensation paid
by each party on claims the fund has paid, net of recoveries, and each fund's usage. Every
query can be limited to what a caller may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.orm import Session

from kechuang.finance.capacity import capacity
from kechuang.finance.tables import Claim, FinanceFund, Loan, Recovery

DIMENSIONS: dict[str, ColumnElement[Any]] = {
    "product": Loan.product_id.expression,
    "bank": Loan.bank_org.expression,
    "district": Loan.district.expression,
}
DISBURSED = ("disbursed", "overdue", "repaid", "defaulted", "claimed", "compensated", "closed")


@dataclass
class Row:
    key: str | None
    enterprises: int = 0
    loans: int = 0
    granted_fen: int = 0
    outstanding_fen: int = 0
    npl_fen: int = 0
    compensation_fen: dict[str, int] = field(default_factory=dict)

    @property
    def npl_ratio(self) -> Decimal:
        if not self.outstanding_fen:
            return Decimal(0)
        return (Decimal(self.npl_fen) / Decimal(self.outstanding_fen)).quantize(Decimal("0.0001"))

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "enterprises": self.enterprises, "loans": self.loans,
                "granted_fen": self.granted_fen, "outstanding_fen": self.outstanding_fen,
                "npl_fen": self.npl_fen, "npl_ratio": str(self.npl_ratio),
                "compensation_fen": self.compensation_fen}  # fmt: skip


def _outstanding() -> ColumnElement[Any]:
    return case(
        (Loan.state.in_(("disbursed", "overdue")), Loan.outstanding_fen),
        (Loan.state.in_(("defaulted", "claimed")), func.coalesce(Loan.defaulted_fen, 0)),
        else_=0,
    )


def _npl() -> ColumnElement[Any]:
    return case(
        (Loan.state == "overdue", Loan.outstanding_fen),
        (Loan.state.in_(("defaulted", "claimed")), func.coalesce(Loan.defaulted_fen, 0)),
        else_=0,
    )


def table(
    session: Session, by: str | None = None, where: ColumnElement[bool] | None = None
) -> list[Row]:
    """One row overall (by=None) or one per product, bank or district."""
    where = where if where is not None else true()
    key = DIMENSIONS[by] if by else None
    columns = [
        func.count(func.distinct(Loan.uscc)),
        func.count(),
        func.coalesce(func.sum(Loan.principal_fen), 0),
        func.coalesce(func.sum(_outstanding()), 0),
        func.coalesce(func.sum(_npl()), 0),
    ]
    query = select(*([key] if key is not None else []), *columns).where(
        where, Loan.state.in_(DISBURSED)
    )
    if key is not None:
        query = query.group_by(key).order_by(key)
    rows: dict[str | None, Row] = {}
    for record in session.execute(query):
        values = list(record)
        name = values.pop(0) if key is not None else None
        enterprises, count, granted, outstanding, npl = (int(v) for v in values)
        rows[name] = Row(name, enterprises, count, granted, outstanding, npl)
    _add_compensation(session, rows, key, where)
    return list(rows.values()) or [Row(None)]


def _add_compensation(
    session: Session,
    rows: dict[str | None, Row],
    key: ColumnElement[Any] | None,
    where: ColumnElement[bool],
) -> None:
    # Parts are JSON per claim: summed here, in Python (claims are few next to loans).
    grouped = key if key is not None else Loan.id
    for source, sign in ((Claim, 1), (Recovery, -1)):
        query = select(grouped, source.parts).join(Loan, Loan.id == source.loan_id).where(where)
        if source is Claim:  # a claim counts once the fund has paid it (the parties paid first)
            query = query.where(Claim.state == "paid")
        for name, parts in session.execute(query):
            row = rows.setdefault(name if key is not None else None, Row(name))
            for party, fen in parts.items():
                row.compensation_fen[party] = row.compensation_fen.get(party, 0) + sign * int(fen)


def fund_usage(session: Session) -> list[dict[str, Any]]:
    out = []
    for fund in session.scalars(select(FinanceFund).order_by(FinanceFund.code)):
        c = capacity(session, fund)
        out.append({"code": c.code, "name_zh": fund.name_zh, "name_en": fund.name_en,
                    "size_fen": c.size_fen, "leverage": str(c.leverage),
                    "limit_fen": c.limit_fen, "exposure_fen": c.exposure_fen,
                    "balance_fen": c.balance_fen, "usage": str(c.usage)})  # fmt: skip
    return out


def report(
    session: Session, where: ColumnElement[bool] | None = None, with_funds: bool = True
) -> dict[str, Any]:
    """Everything the portfolio page shows, as JSON-ready data."""
    dimensions: list[tuple[str, str | None]] = [("total", None)]
    dimensions += [(name, name) for name in DIMENSIONS]
    out: dict[str, Any] = {
        name: [r.as_json() for r in table(session, by, where)] for name, by in dimensions
    }
    out["funds"] = fund_usage(session) if with_funds else []
    return out
