"""The 赋权 pilot as the city reports it: pilot units, financing of companies founded on results,
and the indicators per institution and year.

Indicators (per institution and year): pilot unit or not; results empowered (赋权 registered in
the year) and of which full ownership; deals and the transformation amount (contract amounts in
fen of licences, transfers and equity investments signed in the year); companies founded
(equity investments into a company founded in the year); financing those companies raised in
the year; the inventors' reward distributed in the year.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import case, extract, func, select
from sqlalchemy.orm import Session

from kechuang.transfer import deals
from kechuang.transfer.access import Actor
from kechuang.transfer.errors import TransferError
from kechuang.transfer.tables import Deal, DealIncome, Empowerment, Financing, PilotUnit

TRANSFORMING = ("licence", "transfer", "equity_investment")


def set_pilot_unit(
    session: Session, who: Actor, institution: str, name_zh: str, name_en: str, since_year: int
) -> PilotUnit:
    if who.role not in ("officer", "admin"):
        raise TransferError(
            "pilot units are designated by an officer", zh="试点单位由科委工作人员认定"
        )
    if not institution or not name_zh.strip() or not name_en.strip():
        raise TransferError(
            "a pilot unit has an organisation code and names in zh and en",
            zh="试点单位须有单位代码和中英文名称",
        )
    row = session.get(PilotUnit, institution) or PilotUnit(institution=institution)
    row.name_zh, row.name_en, row.since_year = name_zh.strip(), name_en.strip(), since_year
    session.add(row)
    session.flush()
    return row


def record_financing(
    session: Session, who: Actor, deal_id: int, round_name: str, amount_fen: int, raised_on: dt.date
) -> Financing:
    """Financing raised by the company of an equity deal (reported by the office)."""
    deal = deals.get(session, who, deal_id)
    who.act_for_institution(deal.institution, f"deal {deal_id}")
    if deal.kind != "equity_investment":
        raise TransferError(
            "financing is recorded for a company founded by equity investment",
            zh="只有作价投资新设的公司才登记融资",
        )
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise TransferError("amount_fen: a positive whole number of fen", zh="金额须为正数")
    if not round_name.strip() or len(round_name) > 32:
        raise TransferError(
            "round_name: e.g. 天使轮, A轮 (1 to 32 characters)",
            zh="轮次名称，如 天使轮、A轮（1 至 32 字）",
        )
    row = Financing(
        deal_id=deal.id, institution=deal.institution, round_name=round_name.strip(),
        amount_fen=amount_fen, raised_on=raised_on,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


@dataclass
class Indicators:
    institution: str
    year: int
    pilot_unit: bool = False
    results_empowered: int = 0
    full_ownership: int = 0
    deals: int = 0
    transformation_amount_fen: int = 0
    companies_founded: int = 0
    financing_raised_fen: int = 0
    inventors_reward_fen: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def indicators(session: Session, who: Actor, year: int | None = None) -> list[Indicators]:
    """The indicators of every institution the caller may see, per year (or one year)."""
    table: dict[tuple[str, int], Indicators] = {}

    def row(institution: str, y: Any) -> Indicators:
        key = (institution, int(y))
        if key not in table:
            table[key] = Indicators(institution, int(y))
        return table[key]

    def rows(query: Any, date_column: Any) -> Any:
        year_of = extract("year", date_column)
        query = query.where(date_column.is_not(None)).group_by(query.selected_columns[0], year_of)
        if year is not None:
            query = query.where(year_of == year)
        return session.execute(query.add_columns(year_of))

    empowered = select(
        Empowerment.institution,
        func.count(),
        func.sum(case((Empowerment.agreement_kind == "ownership", 1), else_=0)),
    ).where(Empowerment.state == "registered", who.institution_filter(Empowerment.institution))
    for inst, count, full, y in rows(empowered, Empowerment.registered_on):
        r = row(inst, y)
        r.results_empowered, r.full_ownership = int(count), int(full or 0)
    signed = select(Deal.institution, func.count(), func.sum(Deal.contract_amount_fen)).where(
        Deal.kind.in_(TRANSFORMING), who.institution_filter(Deal.institution)
    )
    for inst, count, amount, y in rows(signed, Deal.signed_on):
        r = row(inst, y)
        r.deals, r.transformation_amount_fen = int(count), int(amount or 0)
    founded = select(Deal.institution, func.count()).where(
        Deal.kind == "equity_investment", who.institution_filter(Deal.institution)
    )
    for inst, count, y in rows(founded, Deal.company_founded_on):
        row(inst, y).companies_founded = int(count)
    raised = select(Financing.institution, func.sum(Financing.amount_fen)).where(
        who.institution_filter(Financing.institution)
    )
    for inst, amount, y in rows(raised, Financing.raised_on):
        row(inst, y).financing_raised_fen = int(amount or 0)
    rewarded = (
        select(Deal.institution, func.sum(DealIncome.inventors_fen))
        .join(Deal, Deal.id == DealIncome.deal_id)
        .where(who.institution_filter(Deal.institution))
    )
    for inst, amount, y in rows(rewarded, DealIncome.received_on):
        row(inst, y).inventors_reward_fen = int(amount or 0)
    pilots = session.execute(
        select(PilotUnit.institution, PilotUnit.since_year).where(
            who.institution_filter(PilotUnit.institution)
        )
    ).all()
    since: dict[str, int] = {inst: int(first) for inst, first in pilots}
    for (inst, y), r in table.items():
        r.pilot_unit = inst in since and since[inst] <= y
    if year is not None:
        for inst, first in since.items():
            if first <= year:
                row(inst, year).pilot_unit = True
    return sorted(table.values(), key=lambda r: (r.year, r.institution))


def totals(rows: list[Indicators]) -> dict[int, dict[str, int]]:
    """City totals per year, with the number of pilot units."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        for name, value in r.as_dict().items():
            if name in ("institution", "year"):
                continue
            out[r.year][name] += int(value)
    return {y: dict(v) for y, v in sorted(out.items())}
