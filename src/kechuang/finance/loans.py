"""The loan actions a bank, insurer or officer takes, with their rules.

Each action takes the actor and the day (`on`), checks the product's limits and the state
machine, changes the rows, logs the transition and posts its money to the ledger in the
caller's session; the caller commits. A refused action raises Refused (or IllegalTransition,
NotFound) and changes nothing.

`on` is the server's business day, which the caller takes from its clock; an officer's replay
of a past day passes `replayed_by` as well (kechuang.finance.dating has the rules). Either way
the day may not precede the loan's last recorded day, and every deadline (overdue, the default's
overdue days, the claim deadline) counts from these days, never from a repayment's or
recovery's `received_on`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import func, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kechuang.domain.uscc import InvalidUSCC, validate
from kechuang.domain.workdays import add_working_days
from kechuang.finance import books, capacity, dating, lifecycle
from kechuang.finance.compensation import split_loss, split_recovery
from kechuang.finance.errors import BadDay, NotFound, Refused
from kechuang.finance.facts import admit, history
from kechuang.finance.products import TIERS, Product, ProductError, get_product
from kechuang.finance.schedule import build_schedule, round_half_up
from kechuang.finance.tables import (
    Claim,
    ClaimEvent,
    Instalment,
    Loan,
    LoanEvent,
    Recovery,
    Repayment,
)
from kechuang.ledger.locking import begin_write
from kechuang.workflow.machines import check


@dataclass(frozen=True)
class Application:
    """What a bank submits for an enterprise."""

    product_id: str
    uscc: str
    bank_org: str
    partner_org: str
    bank_ref: str
    principal_fen: int
    term_months: int
    method: str
    tier: str | None = None
    annual_rate: Decimal | None = None


def product_of(loan: Loan) -> Product:
    return get_product(loan.product_id)


def locked_loan(session: Session, loan_id: int) -> Loan:
    """The loan, write-locked and re-read: a copy loaded before the lock may be stale."""
    begin_write(session)
    loan = session.scalars(
        select(Loan)
        .where(Loan.id == loan_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if loan is None:
        raise NotFound(f"no loan {loan_id}")
    return loan


def last_day(session: Session, loan: Loan) -> dt.date:
    """The loan's last recorded day: its application, a step, a repayment or a recovery."""
    days = union_all(
        select(LoanEvent.on.label("day")).where(LoanEvent.loan_id == loan.id),
        select(Repayment.recorded_on).where(Repayment.loan_id == loan.id),
        select(Recovery.recorded_on).where(Recovery.loan_id == loan.id),
        select(ClaimEvent.on)
        .join(Claim, Claim.id == ClaimEvent.claim_id)
        .where(Claim.loan_id == loan.id),
    ).subquery()
    latest = session.scalar(select(func.max(days.c.day)))
    return max(loan.applied_on, latest) if latest is not None else loan.applied_on


def _follow(session: Session, loan: Loan, on: dt.date, replayed_by: str | None) -> None:
    dating.follow(loan, f"loan {loan.id}", on, last_day(session, loan), replayed_by)


def _check_terms(product: Product, app: Application) -> None:
    limits = product.doc.limits
    if not limits.amount_min_fen <= app.principal_fen <= limits.amount_max_fen:
        raise Refused(
            f"product {product.id} lends {limits.amount_min_yuan}..{limits.amount_max_yuan} yuan "
            f"({limits.reference}); asked {Decimal(app.principal_fen) / 100} yuan",
            zh=f"产品 {product.id} 贷款金额为 {limits.amount_min_yuan}-{limits.amount_max_yuan} 元"
            f"（{limits.reference}）；申请 {Decimal(app.principal_fen) / 100} 元",
        )
    if not 1 <= app.term_months <= limits.term_months_max:
        raise Refused(f"product {product.id} has terms of 1..{limits.term_months_max} months",
                      zh=f"产品 {product.id} 期限为 1-{limits.term_months_max} 个月")  # fmt: skip
    if app.method not in product.doc.methods:
        raise Refused(
            f"product {product.id} repays by {', '.join(product.doc.methods)}",
            zh=f"产品 {product.id} 的还款方式为：{'、'.join(product.doc.methods)}",
        )
    if product.kind == "guarantee" and app.tier not in TIERS:
        raise Refused(
            f"product {product.id} shares risk by enterprise tier: {', '.join(TIERS)}",
            zh=f"产品 {product.id} 按企业分档分担风险，请选择分档：{'、'.join(TIERS)}",
        )
    for name, value in (("bank", app.bank_org), (product.counterparty, app.partner_org),
                        ("bank_ref", app.bank_ref)):  # fmt: skip
        if not value or not value.strip() or len(value) > 64:
            raise Refused(f"{name} is required (1..64 characters)",
                          zh=f"{name} 必须填写（1-64 个字符）")  # fmt: skip


def apply(
    session: Session,
    app: Application,
    actor: str,
    on: dt.date,
    year: int | None = None,
    *,
    replayed_by: str | None = None,
) -> Loan:
    """Record an application, pre-screened by the product's admission rule on the stored facts.

    An enterprise that does not meet the rule is recorded as `refused`, with the explanation;
    bad terms (amount, term, method) are refused outright and nothing is stored.
    """
    try:
        product = get_product(app.product_id)
        uscc = validate(app.uscc)
    except (ProductError, InvalidUSCC) as exc:
        raise Refused(str(exc)) from None
    _check_terms(product, app)
    single_cap = product.doc.limits.amount_max_fen
    open_total = sum(
        session.scalars(
            select(Loan.principal_fen).where(
                Loan.uscc == uscc, Loan.product_id == product.id,
                Loan.state.in_(("applied", *capacity.AT_RISK)),
            )
        )
    )  # fmt: skip
    begin_write(session)
    taken = session.scalars(
        select(Loan.id).where(Loan.bank_org == app.bank_org.strip(),
                              Loan.bank_ref == app.bank_ref.strip())
    ).first()  # fmt: skip
    if taken is not None:
        raise Refused(
            f"bank {app.bank_org} already recorded loan {app.bank_ref} (loan {taken})",
            zh=f"银行 {app.bank_org} 已登记贷款编号 {app.bank_ref}（贷款 {taken}）",
        )
    if open_total + app.principal_fen > single_cap:
        raise Refused(
            f"enterprise {uscc} would owe {open_total + app.principal_fen} fen under {product.id}, "
            f"above its single-enterprise cap of {single_cap} fen ({product.doc.limits.reference})",
            zh=f"企业 {uscc} 在 {product.id} 下的贷款将达 {open_total + app.principal_fen} 分，"
            f"超过单户上限 {single_cap} 分（{product.doc.limits.reference}）",
        )
    year = year if year is not None else on.year - 1
    admission = admit(session.connection(), product.admission, uscc, year)
    if admission is None:
        if not history(session.connection(), uscc, 1990, year + 1):
            raise NotFound(f"no enterprise {uscc} in the store")
        raise Refused(f"enterprise {uscc} has no stored facts for {year}: import them first",
                      zh=f"企业 {uscc} 没有 {year} 年度数据，请先导入")  # fmt: skip
    facts = admission.verdict
    district = None
    name = uscc
    rows = history(session.connection(), uscc, year, year)
    if year in rows:
        district, name = rows[year].get("district"), str(rows[year].get("name") or uscc)
    rate = app.annual_rate if app.annual_rate is not None else product.doc.rate.annual
    loan = Loan(
        product_id=product.id, product_version=product.doc.version,
        fund_code=product.doc.fund.code, uscc=uscc, enterprise_name=name, district=district,
        tier=app.tier, bank_org=app.bank_org.strip(), partner_org=app.partner_org.strip(),
        bank_ref=app.bank_ref.strip(), principal_fen=app.principal_fen, annual_rate=str(rate),
        term_months=app.term_months, method=app.method, state="applied", applied_on=on,
        admission_year=year, admission_outcome=facts.outcome.value,
        admission=admission.as_json(), premium_fen=0, outstanding_fen=0, ever_overdue=False,
        claim_deadline_provisional=False, created_by=actor,
        live_since=None if replayed_by else on,
    )  # fmt: skip
    try:
        # A savepoint: the same reference sent twice at once refuses the second, not the session.
        with session.begin_nested():
            session.add(loan)
    except IntegrityError:
        raise Refused(
            f"bank {app.bank_org} already recorded loan {app.bank_ref}",
            zh=f"银行 {app.bank_org} 已登记贷款编号 {app.bank_ref}",
        ) from None
    if admission.outcome != "eligible":
        unmet = ", ".join(facts.unmet) or admission.outcome
        lifecycle.fire(session, loan, "refuse", actor, on, f"准入规则未满足 admission: {unmet}",
                       replayed_by)  # fmt: skip
    return loan


def approve(
    session: Session, loan_id: int, actor: str, on: dt.date, *, replayed_by: str | None = None
) -> Loan:
    """The bank approves: refused if the product's fund has no room left for the principal."""
    loan = locked_loan(session, loan_id)
    check(lifecycle.LOAN, loan, "approve")
    capacity.reserve(session, loan.fund_code, loan.principal_fen)
    _follow(session, loan, on, replayed_by)
    loan.approved_on = on
    lifecycle.fire(session, loan, "approve", actor, on, "银行审批通过", replayed_by)
    return loan


def refuse(
    session: Session,
    loan_id: int,
    actor: str,
    on: dt.date,
    reason: str,
    *,
    replayed_by: str | None = None,
) -> Loan:
    loan = locked_loan(session, loan_id)
    if not reason.strip():
        raise Refused("a refusal gives its reason", zh="拒绝须写明理由")
    check(lifecycle.LOAN, loan, "refuse")
    _follow(session, loan, on, replayed_by)
    lifecycle.fire(session, loan, "refuse", actor, on, reason, replayed_by)
    return loan


def _partner_charge_fen(product: Product, loan: Loan, interest_fen: int) -> int:
    if product.doc.premium is not None:
        premium = product.doc.premium
        base = loan.principal_fen + (
            interest_fen if premium.base == "principal_plus_interest" else 0
        )
        return round_half_up(base * Fraction(premium.rate))
    assert product.doc.guarantee is not None
    fee = Fraction(product.doc.guarantee.fee_rate) * loan.term_months / 12
    return round_half_up(loan.principal_fen * fee)


def disburse(
    session: Session, loan_id: int, actor: str, on: dt.date, *, replayed_by: str | None = None
) -> Loan:
    """Pay out the loan: schedule, shares fixed, premium or fee charged, all in the ledger."""
    loan = locked_loan(session, loan_id)
    check(lifecycle.LOAN, loan, "disburse")
    _follow(session, loan, on, replayed_by)
    product = product_of(loan)
    schedule = build_schedule(loan.principal_fen, Decimal(loan.annual_rate), loan.term_months,
                              on, loan.method)  # type: ignore[arg-type]  # fmt: skip
    session.add_all(
        Instalment(loan_id=loan.id, seq=i.seq, due_on=i.due_on, principal_fen=i.principal_fen,
                   interest_fen=i.interest_fen, paid_principal_fen=0, paid_interest_fen=0)
        for i in schedule
    )  # fmt: skip
    shares = product.shares_on(on, loan.tier)
    loan.shares = {party: str(share) for party, share in shares.items()}
    loan.disbursed_on = on
    loan.outstanding_fen = loan.principal_fen
    loan.premium_fen = _partner_charge_fen(product, loan, sum(i.interest_fen for i in schedule))
    loan.premium_paid_on = on
    kind = "premium" if product.kind == "risk_shared_loan" else "guarantee_fee"
    loan.charge_kind = kind
    books.open_org(session, loan.bank_org, "bank")
    books.open_org(session, loan.partner_org, product.counterparty)
    books.open_loan(session, loan.id, loan.bank_org)
    books.disburse(session, loan.id, loan.bank_org, loan.principal_fen, on, actor)
    if loan.premium_fen:
        books.partner_charge(session, loan.id, loan.partner_org, loan.premium_fen, kind, on, actor)
    lifecycle.fire(session, loan, "disburse", actor, on, f"放款 {loan.principal_fen} fen",
                   replayed_by)  # fmt: skip
    return loan


def instalments(session: Session, loan_id: int) -> list[Instalment]:
    return list(
        session.scalars(
            select(Instalment).where(Instalment.loan_id == loan_id).order_by(Instalment.seq)
        )
    )


def _received(
    on: dt.date, received_on: dt.date | None, floors: list[tuple[dt.date | None, str, str]]
) -> dt.date:
    """The day money was received: not after the day it is recorded, not before its floors."""
    received = received_on or on
    if received > on:
        raise BadDay(
            f"received_on {received} is after the day it is recorded ({on}): "
            "money cannot be received in the future",
            zh=f"到账日 {received} 晚于登记日 {on}：不能登记未来到账的款项",
        )
    for floor, what, what_zh in floors:
        if floor is not None and received < floor:
            raise BadDay(f"received_on {received} is before {what} ({floor})",
                         zh=f"到账日 {received} 早于{what_zh}（{floor}）")  # fmt: skip
    return received


def repay(
    session: Session,
    loan_id: int,
    bank_ref: str,
    amount_fen: int,
    actor: str,
    on: dt.date,
    *,
    received_on: dt.date | None = None,
    replayed_by: str | None = None,
) -> Repayment:
    """A repayment, applied to the instalments in order (interest first, then principal).

    Recorded on `on`; `received_on` (default `on`) is the day the bank says it received the
    money: kept beside it, never counted for lateness. An instalment is late when it is recorded
    as paid after its due date, so a back-dated receipt cannot undo an overdue.
    Idempotent by the bank's reference: the same reference again returns the first record.
    """
    loan = locked_loan(session, loan_id)
    found = session.scalars(
        select(Repayment).where(Repayment.loan_id == loan_id, Repayment.bank_ref == bank_ref)
    ).one_or_none()
    if found is not None:
        if found.principal_fen + found.interest_fen != amount_fen:
            raise Refused(f"repayment {bank_ref} of loan {loan_id} had another amount",
                          zh=f"贷款 {loan_id} 的还款 {bank_ref} 已按另一金额登记")  # fmt: skip
        if received_on is not None and received_on != found.received_on:
            raise Refused(
                f"repayment {bank_ref} of loan {loan_id} was received on {found.received_on}",
                zh=f"贷款 {loan_id} 的还款 {bank_ref} 已登记到账日为 {found.received_on}",
            )
        return found
    if loan.state not in ("disbursed", "overdue"):
        raise Refused(f"loan {loan_id} is {loan.state}: it takes no repayments",
                      zh=f"贷款 {loan_id} 当前状态不能登记还款")  # fmt: skip
    if amount_fen <= 0:
        raise Refused("a repayment is a positive amount", zh="还款金额须为正数")
    previous = session.scalar(
        select(func.max(Repayment.received_on)).where(Repayment.loan_id == loan_id)
    )
    received = _received(on, received_on, [
        (loan.disbursed_on, "the loan's disbursement", "贷款发放日"),
        (previous, "the repayment it follows, received", "上一笔还款的到账日"),
    ])  # fmt: skip
    _follow(session, loan, on, replayed_by)
    left = amount_fen
    principal = interest = 0
    rows = instalments(session, loan_id)
    for row in rows:
        for field, due in (("interest", row.interest_fen), ("principal", row.principal_fen)):
            paid_attr = f"paid_{field}_fen"
            owed = due - getattr(row, paid_attr)
            take = min(owed, left)
            if take > 0:
                setattr(row, paid_attr, getattr(row, paid_attr) + take)
                left -= take
                if field == "interest":
                    interest += take
                else:
                    principal += take
        if (
            row.paid_on is None
            and row.paid_principal_fen == row.principal_fen
            and (row.paid_interest_fen == row.interest_fen)
        ):
            # The recorded day, not received_on: the due date is a deadline.
            row.paid_on = on
            if on > row.due_on:
                loan.ever_overdue = True
                loan.overdue_year = loan.overdue_year or row.due_on.year
    if left > 0:
        raise Refused(f"loan {loan_id} owes {amount_fen - left} fen; {left} fen too much",
                      zh=f"贷款 {loan_id} 尚欠 {amount_fen - left} 分，多出 {left} 分")  # fmt: skip
    repayment = Repayment(loan_id=loan_id, bank_ref=bank_ref, received_on=received,
                          principal_fen=principal, interest_fen=interest, recorded_by=actor,
                          recorded_on=on, recorded_at=dating.now(),
                          replayed_by=replayed_by)  # fmt: skip
    session.add(repayment)
    loan.outstanding_fen -= principal
    books.repayment(session, loan.id, loan.bank_org, bank_ref, principal, interest, received,
                    actor)  # fmt: skip
    if all(r.paid_on is not None for r in rows):
        loan.settled_on, loan.settled_year = on, on.year
        lifecycle.fire(session, loan, "settle", actor, on, "本息结清", replayed_by)
    elif loan.state == "overdue" and not _past_due(rows, on):
        lifecycle.fire(session, loan, "cure", actor, on, "逾期已补还", replayed_by)
    return repayment


def _past_due(rows: list[Instalment], as_of: dt.date) -> list[Instalment]:
    return [r for r in rows if r.paid_on is None and r.due_on < as_of]


def mark_overdue(
    session: Session,
    as_of: dt.date,
    actor: str,
    bank_org: str | None = None,
    *,
    replayed_by: str | None = None,
) -> int:
    """Loans with an instalment unpaid after its due date fall overdue; how many did.

    A replay (an officer's past `as_of`) judges only loans whose whole history is replayed and
    recorded no later than `as_of`; live loans follow the server's clock.
    """
    query = select(Loan.id).where(Loan.state == "disbursed")
    if bank_org is not None:
        query = query.where(Loan.bank_org == bank_org)
    if replayed_by is not None:
        query = query.where(Loan.live_since.is_(None))
    moved = 0
    for loan_id in session.scalars(query.order_by(Loan.id)).all():
        loan = locked_loan(session, loan_id)
        late = _past_due(instalments(session, loan_id), as_of)
        if loan.state != "disbursed" or not late or as_of < last_day(session, loan):
            continue
        _follow(session, loan, as_of, replayed_by)
        loan.ever_overdue = True
        loan.overdue_year = loan.overdue_year or late[0].due_on.year
        lifecycle.fire(session, loan, "fall_overdue", actor, as_of,
                       f"第{late[0].seq}期 {late[0].due_on} 未还", replayed_by)  # fmt: skip
        moved += 1
    return moved


def declare_default(
    session: Session, loan_id: int, actor: str, on: dt.date, *, replayed_by: str | None = None
) -> Loan:
    """After the product's overdue days, the loan defaults; the claim deadline starts."""
    loan = locked_loan(session, loan_id)
    check(lifecycle.LOAN, loan, "declare_default")
    product = product_of(loan)
    late = _past_due(instalments(session, loan_id), on)
    days = product.doc.default_after_overdue_days.value
    if not late or (on - late[0].due_on).days < days:
        raise Refused(
            f"loan {loan_id} defaults after {days} days overdue "
            f"({product.doc.default_after_overdue_days.reference})",
            zh=f"贷款 {loan_id} 逾期满 {days} 天方可认定违约"
            f"（{product.doc.default_after_overdue_days.reference}）",
        )
    _follow(session, loan, on, replayed_by)
    deadline = add_working_days(on, product.doc.claim_deadline_working_days.value)
    loan.defaulted_on = on
    loan.defaulted_fen = loan.outstanding_fen
    loan.claim_deadline = deadline.day
    loan.claim_deadline_provisional = deadline.provisional
    lifecycle.fire(session, loan, "declare_default", actor, on,
                   f"逾期{(on - late[0].due_on).days}天；代偿申请截止 {deadline.day}",
                   replayed_by)  # fmt: skip
    return loan


def orgs_of(loan: Loan, product: Product) -> dict[str, str]:
    return {"bank": loan.bank_org, product.counterparty: loan.partner_org}


def claim_parts(loan: Loan) -> dict[str, int]:
    """Each party's part of a defaulted loan's loss, in the loan's shares, to the fen: what a
    claim pays (and what the claim form shows before it is confirmed)."""
    assert loan.defaulted_fen is not None
    shares = {party: Decimal(s) for party, s in (loan.shares or {}).items()}
    return split_loss(loan.defaulted_fen, shares)


def claim(
    session: Session, loan_id: int, actor: str, on: dt.date, *, replayed_by: str | None = None
) -> Claim:
    """The bank files its compensation claim: the defaulted principal split by the loan's shares
    (kechuang.finance.claims takes it on: the partner confirms and pays, the fund pays). A claim
    an officer refused is filed again with the same split."""
    from kechuang.finance import claims  # claims drives the loan through this module

    loan = locked_loan(session, loan_id)
    check(lifecycle.LOAN, loan, "file_claim")
    assert loan.claim_deadline is not None and loan.defaulted_fen is not None
    if on > loan.claim_deadline:
        reference = product_of(loan).doc.claim_deadline_working_days.reference
        raise Refused(
            f"loan {loan_id}: compensation had to be claimed by {loan.claim_deadline} "
            f"({reference})",
            zh=f"贷款 {loan_id}：代偿须于 {loan.claim_deadline} 前申请（{reference}）",
        )
    _follow(session, loan, on, replayed_by)
    parts = claim_parts(loan)
    row = claims.of_loan(session, loan_id)
    if row is None:
        row = Claim(loan_id=loan_id, claimed_on=on, loss_fen=loan.defaulted_fen, parts=parts,
                    claimed_by=actor, state="filed")  # fmt: skip
        session.add(row)
        session.flush()
        reason = f"申请代偿 {parts}"
    else:
        claims.fire(session, row, "refile", actor, on, f"重新申请代偿 {parts}")
        row.claimed_on, row.claimed_by, row.parts = on, actor, parts
        row.decision_reason = None
        reason = f"重新申请代偿 {parts}"
    lifecycle.fire(session, loan, "file_claim", actor, on, reason, replayed_by)
    return row


def recover(
    session: Session,
    loan_id: int,
    bank_ref: str,
    amount_fen: int,
    actor: str,
    on: dt.date,
    *,
    received_on: dt.date | None = None,
    replayed_by: str | None = None,
) -> Recovery:
    """Money recovered from the enterprise, shared back in the claim's shares (idempotent).

    Recorded on `on`; `received_on` (default `on`) is when it came back, not before the claim
    or the recovery it follows.
    """
    loan = locked_loan(session, loan_id)
    found = session.scalars(
        select(Recovery).where(Recovery.loan_id == loan_id, Recovery.bank_ref == bank_ref)
    ).one_or_none()
    if found is not None:
        if found.amount_fen != amount_fen:
            raise Refused(
                f"recovery {bank_ref} of loan {loan_id} was recorded with another amount",
                zh=f"贷款 {loan_id} 的追偿 {bank_ref} 已按另一金额登记",
            )
        if received_on is not None and received_on != found.received_on:
            raise Refused(
                f"recovery {bank_ref} of loan {loan_id} was received on {found.received_on}"
            )
        return found
    if loan.state != "compensated":
        raise Refused(f"loan {loan_id} is {loan.state}: recoveries follow compensation",
                      zh=f"贷款 {loan_id} 尚未代偿，不能登记追偿回收")  # fmt: skip
    claimed = session.scalars(select(Claim).where(Claim.loan_id == loan_id)).one()
    earlier = list(session.scalars(select(Recovery).where(Recovery.loan_id == loan_id)))
    received = _received(on, received_on, [
        (claimed.claimed_on, "the compensation claim", "代偿申请日"),
        (max((r.received_on for r in earlier), default=None), "the recovery it follows, received",
         "上一笔追偿款的到账日"),
    ])  # fmt: skip
    _follow(session, loan, on, replayed_by)
    open_parts = dict(claimed.parts)
    for prior in earlier:
        for party, part in prior.parts.items():
            open_parts[party] -= part
    shares = {party: Decimal(s) for party, s in (loan.shares or {}).items()}
    try:
        parts = split_recovery(amount_fen, shares, open_parts)
    except ValueError as exc:
        raise Refused(f"loan {loan_id}: {exc}",
                      zh=f"贷款 {loan_id}：追偿金额超过尚未收回的损失") from None  # fmt: skip
    row = Recovery(loan_id=loan_id, bank_ref=bank_ref, received_on=received, amount_fen=amount_fen,
                   parts=parts, recorded_by=actor, recorded_on=on, recorded_at=dating.now(),
                   replayed_by=replayed_by)  # fmt: skip
    session.add(row)
    product = product_of(loan)
    books.recovery(session, loan.id, loan.fund_code, orgs_of(loan, product), parts,
                   product.fund_party, bank_ref, received, actor)  # fmt: skip
    return row


def close(
    session: Session,
    loan_id: int,
    actor: str,
    on: dt.date,
    reason: str,
    *,
    replayed_by: str | None = None,
) -> Loan:
    """Recoveries are finished: the loan is closed with what is still lost written off."""
    loan = locked_loan(session, loan_id)
    if not reason.strip():
        raise Refused("closing a loan gives its reason", zh="结案须写明理由")
    check(lifecycle.LOAN, loan, "close")
    _follow(session, loan, on, replayed_by)
    lifecycle.fire(session, loan, "close", actor, on, reason, replayed_by)
    return loan
