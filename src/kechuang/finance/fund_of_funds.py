"""The future-industry fund of funds (未来产业母基金): sub-funds, commitments, calls, returns.

A sub-fund applies and is scored against the published criteria (CRITERIA: weights and what each
measures; the pass mark); an approved sub-fund receives a commitment (认缴) of at most
MAX_FUND_SHARE of its target size, capital calls (实缴) up to the commitment, reports its
investments into enterprises (by USCC) and pays distributions back. Cash moves through the
ledger (`fof:cash` has a floor of 0: the fund cannot call out money it has not got).
Returns use pyxirr: IRR over the dated calls and distributions with the latest NAV as a final
value, TVPI = (distributions + NAV) / paid-in, DPI = distributions / paid-in.

Days follow kechuang.finance.dating: a flow is dated by the server's day unless an officer
replays a past one (`replayed_by`), never before the sub-fund's last recorded day, and no replay
once the sub-fund has a live step.

ILLUSTRATIVE: the criteria, weights and pass mark model the kind of published scoring a
government fund of funds uses; the 50% cap on the fund's share is as given in issue 7.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pyxirr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.domain.uscc import InvalidUSCC, validate
from kechuang.finance import dating
from kechuang.finance.errors import NotFound, Refused
from kechuang.finance.tables import FofFlow, SubFund
from kechuang.ledger import AccountType, OwnerKind, open_account, post
from kechuang.ledger.locking import begin_write

MAX_FUND_SHARE = Decimal("0.5")
PASS_MARK = Decimal(70)
# id: (weight, zh, en) — each criterion is scored 0..100 by the review panel.
CRITERIA: dict[str, tuple[Decimal, str, str]] = {
    "team": (Decimal("0.30"), "管理团队业绩与稳定性", "Team track record and stability"),
    "industry_fit": (Decimal("0.25"), "投向未来产业的契合度", "Fit with the future industries"),
    "fundraising": (Decimal("0.20"), "社会资本募集进度", "Progress raising private capital"),
    "local_investment": (Decimal("0.15"), "返投本市的承诺", "Commitment to invest in the city"),
    "governance": (Decimal("0.10"), "治理与风控", "Governance and risk control"),
}
FOF_CASH = "fof:cash"
FOF_CAPITAL = "fof:capital"
FOF_GAINS = "fof:gains"


def sub_fund_account(sub_fund_id: int) -> str:
    return f"fof:sub_fund:{sub_fund_id}"


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12, tzinfo=dt.timezone(dt.timedelta(hours=8))))


def open_books(session: Session) -> None:
    open_account(session, FOF_CASH, AccountType.ASSET, name_zh="未来产业母基金 资金",
                 name_en="Fund of funds cash", owner_kind=OwnerKind.FUND,
                 owner_id="fund-of-funds", min_balance_fen=0)  # fmt: skip
    open_account(session, FOF_CAPITAL, AccountType.EQUITY, owner_kind=OwnerKind.FUND,
                 owner_id="fund-of-funds")  # fmt: skip
    open_account(session, FOF_GAINS, AccountType.INCOME, owner_kind=OwnerKind.FUND,
                 owner_id="fund-of-funds")  # fmt: skip


def capitalise(session: Session, amount_fen: int, key: str, on: dt.date, actor: str) -> None:
    """The city pays money into the fund of funds."""
    open_books(session)
    post(session, f"fof:capital:{key}", [(FOF_CASH, amount_fen), (FOF_CAPITAL, -amount_fen)],
         "fof_capital", "母基金出资到位", reference=("fund", "fund-of-funds"),
         created_by=actor, occurred_at=_moment(on))  # fmt: skip


def score(criteria: dict[str, int]) -> Decimal:
    """The weighted score of a sub-fund's criteria (each 0..100), to two decimals."""
    missing = sorted(set(CRITERIA) - set(criteria))
    unknown = sorted(set(criteria) - set(CRITERIA))
    if missing or unknown:
        raise Refused(f"criteria must be exactly {', '.join(CRITERIA)} (missing {missing}, "
                      f"unknown {unknown})",
                      zh=f"评分项须恰为 {'、'.join(CRITERIA)}"
                         f"（缺少 {missing}，多出 {unknown}）")  # fmt: skip
    for name, value in criteria.items():
        if not isinstance(value, int) or not 0 <= value <= 100:
            raise Refused(f"criterion {name} is scored 0..100, got {value!r}",
                          zh=f"评分项 {name} 须为 0-100 的整数，收到 {value!r}")  # fmt: skip
    total = sum(CRITERIA[name][0] * criteria[name] for name in CRITERIA)
    return Decimal(total).quantize(Decimal("0.01"))


def apply(
    session: Session,
    name: str,
    manager: str,
    industry: str,
    target_size_fen: int,
    requested_fen: int,
    criteria: dict[str, int],
    on: dt.date,
    *,
    replayed_by: str | None = None,
) -> SubFund:
    """A sub-fund's application, scored; the fund's share may not exceed half of it."""
    if target_size_fen <= 0 or requested_fen <= 0:
        raise Refused("target size and requested commitment are positive amounts",
                      zh="目标规模与申请出资须为正数")  # fmt: skip
    if requested_fen > target_size_fen * MAX_FUND_SHARE:
        raise Refused(f"the fund of funds takes at most {MAX_FUND_SHARE:.0%} of a sub-fund",
                      zh=f"母基金出资不超过子基金规模的 {MAX_FUND_SHARE:.0%}")  # fmt: skip
    if not name.strip() or not manager.strip():
        raise Refused("a sub-fund has a name and a manager", zh="子基金须有名称和管理人")
    row = SubFund(name=name.strip(), manager=manager.strip(), industry=industry,
                  target_size_fen=target_size_fen, requested_fen=requested_fen,
                  criteria=dict(criteria), score=str(score(criteria)), state="applied",
                  applied_on=on, live_since=None if replayed_by else on)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def _sub_fund(session: Session, sub_fund_id: int) -> SubFund:
    begin_write(session)
    row = session.scalars(
        select(SubFund)
        .where(SubFund.id == sub_fund_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no sub-fund {sub_fund_id}", zh=f"没有子基金 {sub_fund_id}")
    return row


def decide(session: Session, sub_fund_id: int, approve: bool, actor: str) -> SubFund:
    row = _sub_fund(session, sub_fund_id)
    if row.state != "applied":
        raise Refused(f"sub-fund {sub_fund_id} is {row.state}: already decided",
                      zh=f"子基金 {sub_fund_id} 已决策（{row.state}）")  # fmt: skip
    if approve and Decimal(row.score) < PASS_MARK:
        raise Refused(
            f"sub-fund {sub_fund_id} scored {row.score}, below the pass mark {PASS_MARK}",
            zh=f"子基金 {sub_fund_id} 评分 {row.score}，低于通过线 {PASS_MARK}",
        )
    row.state = "approved" if approve else "rejected"
    row.decided_by = actor
    return row


def total(session: Session, sub_fund_id: int, kind: str) -> int:
    value = session.scalar(
        select(func.coalesce(func.sum(FofFlow.amount_fen), 0)).where(
            FofFlow.sub_fund_id == sub_fund_id, FofFlow.kind == kind
        )
    )
    return int(value or 0)


def _flow(
    session: Session,
    row: SubFund,
    kind: str,
    key: str,
    amount_fen: int,
    on: dt.date,
    actor: str,
    uscc: str | None = None,
    replayed_by: str | None = None,
) -> tuple[FofFlow, bool]:
    found = session.scalars(select(FofFlow).where(FofFlow.key == key)).one_or_none()
    if found is not None:
        if (found.kind, found.amount_fen, found.sub_fund_id) != (kind, amount_fen, row.id):
            raise Refused(f"key {key} was already used for another flow",
                          zh=f"幂等键 {key} 已用于另一笔记录")  # fmt: skip
        return found, False
    if amount_fen <= 0:
        raise Refused("an amount is positive", zh="金额须为正数")
    latest = session.scalar(select(func.max(FofFlow.on)).where(FofFlow.sub_fund_id == row.id))
    last = max(row.applied_on, latest) if latest is not None else row.applied_on
    dating.follow(row, f"sub-fund {row.id}", on, last, replayed_by)
    flow = FofFlow(key=key, sub_fund_id=row.id, kind=kind, on=on, amount_fen=amount_fen,
                   uscc=uscc, recorded_by=actor, recorded_at=dating.now(),
                   replayed_by=replayed_by)  # fmt: skip
    session.add(flow)
    session.flush()
    return flow, True


def commit(
    session: Session,
    sub_fund_id: int,
    amount_fen: int,
    key: str,
    on: dt.date,
    actor: str,
    *,
    replayed_by: str | None = None,
) -> FofFlow:
    """认缴: total commitments stay within half of the sub-fund's target size."""
    row = _sub_fund(session, sub_fund_id)
    if row.state != "approved":
        raise Refused(f"sub-fund {sub_fund_id} is {row.state}: only approved sub-funds",
                      zh=f"子基金 {sub_fund_id} 当前为 {row.state}："
                         "仅已批准的子基金可认缴")  # fmt: skip
    if total(session, row.id, "commitment") + amount_fen > row.target_size_fen * MAX_FUND_SHARE:
        raise Refused(f"commitments would exceed {MAX_FUND_SHARE:.0%} of the sub-fund's size",
                      zh=f"认缴将超过子基金规模的 {MAX_FUND_SHARE:.0%}")  # fmt: skip
    return _flow(session, row, "commitment", key, amount_fen, on, actor, None, replayed_by)[0]


def call(
    session: Session,
    sub_fund_id: int,
    amount_fen: int,
    key: str,
    on: dt.date,
    actor: str,
    *,
    replayed_by: str | None = None,
) -> FofFlow:
    """实缴: paid from the fund's cash (never below zero), at most the commitment."""
    row = _sub_fund(session, sub_fund_id)
    if total(session, row.id, "capital_call") + amount_fen > total(session, row.id, "commitment"):
        raise Refused("capital calls would exceed the commitment", zh="实缴将超过认缴额")
    flow, created = _flow(session, row, "capital_call", key, amount_fen, on, actor, None,
                          replayed_by)  # fmt: skip
    if created:
        open_books(session)
        open_account(session, sub_fund_account(row.id), AccountType.ASSET,
                     owner_kind=OwnerKind.FUND, owner_id=f"sub-fund-{row.id}")  # fmt: skip
        post(session, f"fof:call:{key}",
             [(sub_fund_account(row.id), amount_fen), (FOF_CASH, -amount_fen)],
             "fof_capital_call", f"实缴 {row.name}", reference=("sub_fund", row.id),
             created_by=actor, occurred_at=_moment(on))  # fmt: skip
    return flow


def invest(
    session: Session,
    sub_fund_id: int,
    uscc: str,
    amount_fen: int,
    key: str,
    on: dt.date,
    actor: str,
    *,
    replayed_by: str | None = None,
) -> FofFlow:
    """The sub-fund reports an investment into an enterprise (its own money; no FoF cash)."""
    try:
        code = validate(uscc)
    except InvalidUSCC as exc:
        raise Refused(str(exc)) from None
    row = _sub_fund(session, sub_fund_id)
    if row.state != "approved":
        raise Refused(f"sub-fund {sub_fund_id} is {row.state}",
                      zh=f"子基金 {sub_fund_id} 当前为 {row.state}，不能登记投资")  # fmt: skip
    return _flow(session, row, "investment", key, amount_fen, on, actor, code, replayed_by)[0]


def distribute(
    session: Session,
    sub_fund_id: int,
    amount_fen: int,
    key: str,
    on: dt.date,
    actor: str,
    *,
    replayed_by: str | None = None,
) -> FofFlow:
    """A distribution back to the fund: first returns the capital paid in, the rest is gain."""
    row = _sub_fund(session, sub_fund_id)
    flow, created = _flow(session, row, "distribution", key, amount_fen, on, actor, None,
                          replayed_by)  # fmt: skip
    if created:
        carrying = total(session, row.id, "capital_call") - (
            total(session, row.id, "distribution") - amount_fen
        )
        back = max(0, min(amount_fen, carrying))
        lines = [(FOF_CASH, amount_fen)]
        if back:
            lines.append((sub_fund_account(row.id), -back))
        if amount_fen - back:
            lines.append((FOF_GAINS, -(amount_fen - back)))
        post(session, f"fof:distribution:{key}", lines, "fof_distribution",
             f"分配 {row.name}", reference=("sub_fund", row.id), created_by=actor,
             occurred_at=_moment(on))  # fmt: skip
    return flow


def value(
    session: Session,
    sub_fund_id: int,
    nav_fen: int,
    key: str,
    on: dt.date,
    actor: str,
    *,
    replayed_by: str | None = None,
) -> FofFlow:
    """The fund's share of the sub-fund's net asset value on a date (no cash)."""
    row = _sub_fund(session, sub_fund_id)
    return _flow(session, row, "valuation", key, nav_fen, on, actor, None, replayed_by)[0]


@dataclass(frozen=True)
class Returns:
    paid_in_fen: int
    distributed_fen: int
    nav_fen: int
    irr: Decimal | None
    tvpi: Decimal | None
    dpi: Decimal | None


def returns(session: Session, sub_fund_id: int | None = None) -> Returns:
    """IRR, TVPI and DPI of one sub-fund, or of the whole fund of funds."""
    query = select(FofFlow).order_by(FofFlow.on, FofFlow.id)
    if sub_fund_id is not None:
        query = query.where(FofFlow.sub_fund_id == sub_fund_id)
    flows = list(session.scalars(query))
    paid = sum(f.amount_fen for f in flows if f.kind == "capital_call")
    distributed = sum(f.amount_fen for f in flows if f.kind == "distribution")
    latest: dict[int, FofFlow] = {}
    for f in flows:
        if f.kind == "valuation":
            latest[f.sub_fund_id] = f
    nav = sum(f.amount_fen for f in latest.values())
    if not paid:
        return Returns(0, distributed, nav, None, None, None)
    dates: list[dt.date] = []
    amounts: list[Decimal] = []
    for f in flows:
        if f.kind in ("capital_call", "distribution"):
            dates.append(f.on)
            sign = -1 if f.kind == "capital_call" else 1
            amounts.append(Decimal(sign * f.amount_fen) / 100)
    if nav:
        dates.append(max(f.on for f in latest.values()))
        amounts.append(Decimal(nav) / 100)
    irr_value = pyxirr.xirr(dates, amounts) if any(a > 0 for a in amounts) else None
    irr = Decimal(str(round(irr_value, 6))) if irr_value is not None else None
    tvpi = (Decimal(distributed + nav) / Decimal(paid)).quantize(Decimal("0.0001"))
    dpi = (Decimal(distributed) / Decimal(paid)).quantize(Decimal("0.0001"))
    return Returns(paid, distributed, nav, irr, tvpi, dpi)
