"""The workflow actions on a run, with their rules; the CLI and the web API call these.

Every action takes the acting person (`actor`) and the day it happens (`on`, default today in
China), checks its rules and the state machine, changes the rows, logs the transition and posts
to the ledger in the caller's session. The caller commits (except `pay`, which commits each
payment on its own so that a crash half-way leaves every finished payment in place).
A refused action raises Refused (or IllegalTransition) and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kechuang.domain.uscc import InvalidUSCC, validate
from kechuang.domain.workdays import add_working_days
from kechuang.screening import books, notices, once, workflow
from kechuang.screening.errors import NotFound, Refused
from kechuang.screening.locking import locked_award, locked_run
from kechuang.screening.tables import Award, BankAccount, Objection, ScreeningRun
from kechuang.workflow import clock, machines

CHINA = ZoneInfo("Asia/Shanghai")
DEFAULT_NOTICE_DAYS = 5
DEFAULT_CONFIRM_DAYS = 10
DECISIONS = ("upheld", "rejected")
ACCOUNT_NUMBER = re.compile(r"^[0-9]{8,32}$")


def today() -> dt.date:
    """The business day when a caller names none: the platform's clock (kechuang.workflow)."""
    return clock.today()


def _need(text: str | None, what: str) -> str:
    if text is None or not text.strip():
        raise Refused(f"{what} is required")
    return text.strip()


def same_person(a: str | None, b: str | None) -> bool:
    """Whether two actor names name one person: compared as NFKC text, case-folded, trimmed,
    so that `OFFICER2`, ` officer2 ` and the full-width `ｏｆｆｉｃｅｒ２` are officer2."""
    if a is None or b is None:
        return False
    return _person_key(a) == _person_key(b)


def _person_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().strip()


def award_in_run(session: Session, run_id: int, uscc: str) -> Award:
    """The award of `uscc` in the run, locked for this transaction; NotFound if there is none."""
    award = session.scalars(
        select(Award).where(Award.run_id == run_id, Award.uscc == uscc)
    ).one_or_none()
    if award is None:
        raise NotFound(f"run {run_id} has no award for {uscc}")
    return locked_award(session, award.id)


def notice_days_of(run: ScreeningRun) -> int:
    """The policy's `notice_days` parameter if it has one, else the default of 5."""
    from kechuang.policies.source import current_pack

    try:
        policy = current_pack().get(run.policy_id, run.year)
    except LookupError:
        return DEFAULT_NOTICE_DAYS
    value = policy.parameter_values(run.year).get("notice_days")
    return (
        int(value)
        if isinstance(value, int) and not isinstance(value, bool)
        else DEFAULT_NOTICE_DAYS
    )


def publish(
    session: Session,
    run_id: int,
    actor: str,
    on: dt.date | None = None,
    notice_days: int | None = None,
) -> ScreeningRun:
    """公示: the run's proposed awards go on public notice for N working days."""
    on = on or today()
    run = locked_run(session, run_id)
    machines.check(workflow.RUN, run, "publish")
    days = notice_days if notice_days is not None else notice_days_of(run)
    if days < 1:
        raise Refused("a notice period is at least one working day")
    end = add_working_days(on, days)
    run.published_by = actor
    run.published_on = on
    run.notice_days = days
    run.notice_ends_on = end.day
    run.notice_provisional = end.provisional
    note = f"公示 {on} 起 {days} 个工作日，至 {end.day}" + (
        "（日历未发布，暂定）" if end.provisional else ""
    )
    machines.fire(session, run, workflow.RUN, "publish", actor, note)
    notices.queue_publication(session, run)
    return run


@dataclass(frozen=True)
class Objector:
    """Who objects: an enterprise by USCC, or a member of the public by name and contact."""

    uscc: str | None = None
    name: str | None = None
    contact: str | None = None


def lodge_objection(
    session: Session,
    run_id: int,
    uscc: str,
    objector: Objector,
    reason: str,
    actor: str,
    on: dt.date | None = None,
) -> Objection:
    """An objection to the award of `uscc`, lodged during the notice period."""
    on = on or today()
    reason = _need(reason, "the reason of an objection")
    run = locked_run(session, run_id)
    if run.state != "published":
        raise Refused(f"run {run_id} is {run.state}: objections are taken while it is published")
    assert run.notice_ends_on is not None and run.published_on is not None
    if not run.published_on <= on <= run.notice_ends_on:
        raise Refused(
            f"run {run_id}: the notice period is {run.published_on} to {run.notice_ends_on}; "
            f"an objection on {on} is outside it"
        )
    if objector.uscc:
        try:
            objector_uscc: str | None = validate(objector.uscc)
        except InvalidUSCC as exc:
            raise Refused(f"objector: {exc}") from None
    elif objector.name and objector.contact:
        objector_uscc = None
    else:
        raise Refused("an objector is an enterprise (its USCC) or a person (name and contact)")
    award = award_in_run(session, run_id, uscc)
    key = objection_key(award.id, objector_uscc or f"{objector.name}|{objector.contact}", reason)
    same = session.scalars(select(Objection).where(Objection.idempotency_key == key)).first()
    if same is not None:  # a repeated submission: the objection already lodged, unchanged
        return same
    if award.state != "proposed":
        raise Refused(f"the award of {uscc} in run {run_id} is {award.state}: no objection to it")
    objection = Objection(
        run_id=run_id,
        award_id=award.id,
        objector_uscc=objector_uscc,
        objector_name=objector.name,
        objector_contact=objector.contact,
        reason=reason,
        lodged_on=on,
        recorded_by=_need(actor, "who records the objection (--by)"),
        idempotency_key=key,
    )
    try:
        with session.begin_nested():
            session.add(objection)
            session.flush()
    except IntegrityError:  # the same submission committed meanwhile: that one is the objection
        return session.scalars(select(Objection).where(Objection.idempotency_key == key)).one()
    if objector_uscc is not None:
        notices.queue(
            session,
            award,
            f"objection_received:{objection.id}",
            notices.objection_received_text(run, award, objection.id),
            to=objector_uscc,
        )
    return objection


def objection_key(award_id: int, objector: str, reason: str) -> str:
    """The idempotency key of an objection: who objects to which award for what reason, the
    reason compared as NFKC text with its white space collapsed."""
    text = " ".join(unicodedata.normalize("NFKC", reason).split())
    who = _person_key(objector)
    return hashlib.sha256(f"{award_id}\x1f{who}\x1f{text}".encode()).hexdigest()


def decide_objection(
    session: Session, objection_id: int, decision: str, reason: str, actor: str
) -> Objection:
    """An officer upholds (the award is withdrawn) or rejects an objection, with reasons."""
    reason = _need(reason, "the reason of a decision")
    if decision not in DECISIONS:
        raise Refused(f"a decision is {' or '.join(DECISIONS)}, not {decision!r}")
    objection = session.get(Objection, objection_id)
    if objection is None:
        raise NotFound(f"no objection {objection_id}")
    run = locked_run(session, objection.run_id)
    session.refresh(objection)
    if objection.decision is not None:
        raise Refused(
            f"objection {objection_id} was already {objection.decision} by {objection.decided_by}"
        )
    if run.state != "published":
        raise Refused(f"run {run.id} is {run.state}: objections are decided while it is published")
    objection.decision = decision
    objection.decided_by = _need(actor, "who decides (--by)")
    objection.decided_at = dt.datetime.now(dt.UTC)
    objection.decision_reason = reason
    award = locked_award(session, objection.award_id)
    if decision == "upheld" and award.state == "proposed":
        # (another upheld objection may have withdrawn it already)
        machines.fire(
            session, award, workflow.AWARD, "withdraw", actor, f"objection {objection_id}: {reason}"
        )
        notices.queue(session, award, "withdrawn", notices.withdrawn_text(run, award, reason))
    if objection.objector_uscc is not None:
        notices.queue(
            session,
            award,
            f"objection_decided:{objection_id}",
            notices.objection_decided_text(run, award, objection_id, decision, reason),
            to=objection.objector_uscc,
        )
    return objection


def approve(
    session: Session,
    run_id: int,
    actor: str,
    on: dt.date | None = None,
    confirm_days: int = DEFAULT_CONFIRM_DAYS,
) -> ScreeningRun:
    """Four-eyes approval after the notice period: awards are approved and the budget committed."""
    on = on or today()
    run = locked_run(session, run_id)
    machines.check(workflow.RUN, run, "approve")
    if same_person(actor, run.published_by):
        raise Refused(
            f"run {run_id} was published by {run.published_by}: another officer approves it "
            "(four-eyes)"
        )
    assert run.notice_ends_on is not None
    if on <= run.notice_ends_on:
        raise Refused(
            f"run {run_id} is on public notice until {run.notice_ends_on}: approve after it ends"
        )
    open_objections = session.scalar(
        select(func.count())
        .select_from(Objection)
        .where(Objection.run_id == run_id, Objection.decision.is_(None))
    )
    if open_objections:
        raise Refused(
            f"run {run_id} has {open_objections} undecided objection(s): decide them first"
        )
    if confirm_days < 1:
        raise Refused("the confirmation period is at least one working day")
    proposed = session.scalars(
        select(Award).where(Award.run_id == run_id, Award.state == "proposed").order_by(Award.uscc)
    ).all()
    funded = [a for a in proposed if a.allocated_fen > 0]
    for award in proposed:
        if award.allocated_fen > 0:
            machines.fire(session, award, workflow.AWARD, "approve", actor, "run approved")
        else:
            machines.fire(
                session, award, workflow.AWARD, "leave_unfunded", actor, "budget exhausted"
            )
    deadline = add_working_days(on, confirm_days)
    run.approved_by = actor
    run.approved_on = on
    run.confirm_days = confirm_days
    run.confirm_by = deadline.day
    run.confirm_provisional = deadline.provisional
    machines.fire(
        session,
        run,
        workflow.RUN,
        "approve",
        actor,
        f"bank accounts to be confirmed by {deadline.day}",
    )
    books.open_run_accounts(session, run)
    books.fund(session, run, books.funded_fen(run, sum(a.allocated_fen for a in funded)), actor)
    books.commit(session, run, funded, actor)
    for award in funded:
        notices.queue(session, award, "confirm", notices.confirm_text(run, award))
    _close_if_settled(session, run, actor)
    return run


def confirm_account(
    session: Session,
    run_id: int,
    uscc: str,
    account_name: str,
    bank: str,
    account_number: str,
    actor: str,
    on: dt.date | None = None,
) -> Award:
    """The enterprise confirms the account to be paid into, within the confirmation period."""
    on = on or today()
    number = re.sub(r"[\s-]", "", account_number or "")
    if not ACCOUNT_NUMBER.match(number):
        raise Refused("an account number is 8 to 32 digits")
    run = locked_run(session, run_id)
    award = award_in_run(session, run_id, uscc)
    machines.check(workflow.AWARD, award, "confirm")
    assert run.confirm_by is not None
    if on > run.confirm_by:
        raise Refused(
            f"the confirmation period of run {run_id} ended on {run.confirm_by}: the award lapses"
        )
    session.add(
        BankAccount(
            award_id=award.id,
            account_name=_need(account_name, "the account name"),
            bank=_need(bank, "the bank"),
            account_number=number,
            confirmed_by=actor,
            confirmed_on=on,
            confirmed_at=dt.datetime.now(dt.UTC),
        )
    )
    machines.fire(session, award, workflow.AWARD, "confirm", actor, f"account at {bank}")
    books.make_payable(session, run, award, actor)
    return award


def lapse(session: Session, run_id: int, actor: str, as_of: dt.date | None = None) -> list[Award]:
    """Awards still unconfirmed after the confirmation period lapse; commitments are released."""
    as_of = as_of or today()
    run = locked_run(session, run_id)
    if run.state != "approved":
        raise Refused(f"run {run_id} is {run.state}: awards lapse only in an approved run")
    assert run.confirm_by is not None
    if as_of <= run.confirm_by:
        raise Refused(
            f"run {run_id}: bank accounts may be confirmed until {run.confirm_by}; nothing lapses "
            f"as of {as_of}"
        )
    awards = session.scalars(
        select(Award).where(Award.run_id == run_id, Award.state == "approved").order_by(Award.uscc)
    ).all()
    for award in awards:
        machines.fire(
            session, award, workflow.AWARD, "lapse", actor, f"no bank account by {run.confirm_by}"
        )
        books.release(session, run, award, actor)
    _close_if_settled(session, run, actor)
    return list(awards)


def withdraw_run(session: Session, run_id: int, reason: str, actor: str) -> ScreeningRun:
    """Abandon a run before approval (e.g. screened on wrong data): its proposed awards are
    withdrawn, their once scopes released, and enterprises told if it was published."""
    reason = _need(reason, "the reason of a withdrawal")
    run = locked_run(session, run_id)
    was_published = run.state == "published"
    machines.fire(session, run, workflow.RUN, "withdraw", actor, reason)
    awards = session.scalars(
        select(Award).where(Award.run_id == run_id, Award.state == "proposed").order_by(Award.uscc)
    ).all()
    for award in awards:
        machines.fire(
            session, award, workflow.AWARD, "withdraw", actor, f"run {run_id} withdrawn: {reason}"
        )
        if was_published:
            notices.queue(
                session, award, "withdrawn", notices.run_withdrawn_text(run, award, reason)
            )
    return run


@dataclass(frozen=True)
class PayResult:
    paid: int
    paid_fen: int
    waiting: int  # approved awards still without a confirmed account
    excluded: int = 0  # confirmed awards not paid: their once scope was paid under another award


def pay(session: Session, run_id: int, actor: str, value_date: dt.date | None = None) -> PayResult:
    """Pay every confirmed award of the run once; re-running (or racing) pays nothing more.

    `value_date` is the day the disbursement is booked (default today in China): reports count
    the money in that day's year. It may not precede the run's approval.
    """
    value_date = value_date or today()
    run = session.get(ScreeningRun, run_id)
    if run is None:
        raise NotFound(f"no screening run {run_id}")
    if run.state not in ("approved", "closed"):
        raise workflow.RUN.refusal(run, run.state, "pay", workflow.RUN.allowed(run.state))
    if run.approved_on is not None and value_date < run.approved_on:
        raise Refused(
            f"run {run_id} was approved on {run.approved_on}: a payment's value date "
            f"({value_date}) is not before it"
        )
    ids = session.scalars(
        select(Award.id)
        .where(Award.run_id == run_id, Award.state == "confirmed")
        .order_by(Award.uscc)
    ).all()
    session.rollback()
    paid = paid_fen = excluded = 0
    for award_id in ids:
        try:
            award = locked_award(session, award_id)
            if award.state != "confirmed":  # another process paid it meanwhile
                session.rollback()
                continue
            run = session.get(ScreeningRun, run_id)
            assert run is not None
            # The once scope first, in the payment's transaction: the database refuses a second
            # paid claim, so two payments in one scope cannot both commit, whatever the timing.
            holder = once.settle(session, run, award)
            if holder is not None:
                why = (
                    f"once scope {run.scope_key} of {run.policy_id} is {holder.state} under "
                    f"award {holder.award_id} of run {holder.run_id}"
                )
                machines.fire(session, award, workflow.AWARD, "exclude", actor, why)
                books.exclude(session, run, award, actor, why)
                notices.queue(session, award, "excluded", notices.excluded_text(run, award))
                session.commit()
                excluded += 1
                continue
            if books.pay(session, run, award, actor):
                paid += 1
                paid_fen += award.allocated_fen
            machines.fire(session, award, workflow.AWARD, "pay", actor, "payment instructed")
            award.paid_at = dt.datetime.now(dt.UTC)
            award.value_date = value_date
            notices.queue(session, award, "paid", notices.paid_text(run, award))
            session.commit()
        except BaseException:
            session.rollback()
            raise
    run = locked_run(session, run_id)
    _close_if_settled(session, run, actor)
    waiting = session.scalar(
        select(func.count())
        .select_from(Award)
        .where(Award.run_id == run_id, Award.state == "approved")
    )
    session.commit()
    return PayResult(paid, paid_fen, int(waiting or 0), excluded)


def claw_back(session: Session, run_id: int, uscc: str, reason: str, actor: str) -> Award:
    """A later finding voids a paid award: it is clawed back and the ledger reversed."""
    reason = _need(reason, "the reason of a clawback")
    run = locked_run(session, run_id)
    award = award_in_run(session, run_id, uscc)
    machines.fire(session, award, workflow.AWARD, "claw_back", actor, reason)
    books.claw_back(session, run, award, actor, reason)
    notices.queue(session, award, "clawback", notices.clawback_text(run, award, reason))
    return award


def _close_if_settled(session: Session, run: ScreeningRun, actor: str) -> None:
    if run.state != "approved":
        return
    open_awards = session.scalar(
        select(func.count())
        .select_from(Award)
        .where(Award.run_id == run.id, Award.state.in_(("approved", "confirmed")))
    )
    if not open_awards:
        machines.fire(session, run, workflow.RUN, "close", actor, "every award is settled")
