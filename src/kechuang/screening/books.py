"""The run's money in the ledger: accounts, the entry of each workflow step, reconciliation.

Accounts of run R (asset unless said):
  screening:run:R:appropriation  equity     the city's appropriation for the run
  screening:run:R:budget         floor 0    budget not yet committed
  screening:run:R:committed      floor 0    committed to approved awards, not yet paid
  screening:run:R:payable:USCC   liability  owed to the enterprise once it confirmed its account
  screening:run:R:receivable:USCC           to recover from the enterprise after a clawback
  expense:screening:POLICY       expense    what the policy has cost

Entries (idempotency key screening:run:R[:USCC]:STEP, so every step posts at most once):
  approval   fund     Dr budget       Cr appropriation   the budget (or the allocated total)
  approval   commit   Dr committed    Cr budget          each approved award
  confirm    payable  Dr expense      Cr payable         the enterprise confirmed its account
  pay        pay      Dr payable      Cr committed       money leaves for the enterprise
  lapse      release  Dr budget       Cr committed       the commitment returns to the budget
  pay        exclude  Dr payable      Cr expense         not paid: its once scope was paid under
                      Dr budget       Cr committed       another award; both entries undone
  clawback   clawback Dr receivable   Cr expense         the payment is voided, to be recovered
The floors make over-commitment and paying more than was committed impossible.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.ledger import AccountType, OwnerKind, balances, entries, open_account, post
from kechuang.screening.tables import Award, ScreeningRun

COMMITTED_STATES = ("approved", "confirmed", "paid", "clawed_back")
PAID_STATES = ("paid", "clawed_back")


def run_code(run_id: int, name: str) -> str:
    return f"screening:run:{run_id}:{name}"


def expense_code(policy_id: str) -> str:
    return f"expense:screening:{policy_id}"


def key(run_id: int, step: str, uscc: str | None = None) -> str:
    """The idempotency key of a step: run id + uscc + step."""
    return f"screening:run:{run_id}:{uscc}:{step}" if uscc else f"screening:run:{run_id}:{step}"


def _reference(run: ScreeningRun) -> tuple[str, str]:
    return ("screening_run", str(run.id))


def open_run_accounts(session: Session, run: ScreeningRun) -> None:
    name = f"{run.policy_id} {run.year} #{run.id}"
    open_account(
        session,
        run_code(run.id, "appropriation"),
        AccountType.EQUITY,
        name_zh=f"财政拨款 {name}",
        name_en=f"Appropriation {name}",
    )
    open_account(
        session,
        run_code(run.id, "budget"),
        AccountType.ASSET,
        min_balance_fen=0,
        name_zh=f"可用预算 {name}",
        name_en=f"Available budget {name}",
    )
    open_account(
        session,
        run_code(run.id, "committed"),
        AccountType.ASSET,
        min_balance_fen=0,
        name_zh=f"已承诺资金 {name}",
        name_en=f"Committed funds {name}",
    )
    open_account(
        session,
        expense_code(run.policy_id),
        AccountType.EXPENSE,
        name_zh=f"政策兑现支出 {run.policy_id}",
        name_en=f"Benefits paid {run.policy_id}",
    )


def _payable(session: Session, run: ScreeningRun, uscc: str) -> str:
    code = run_code(run.id, f"payable:{uscc}")
    open_account(
        session,
        code,
        AccountType.LIABILITY,
        owner_kind=OwnerKind.ENTERPRISE,
        owner_id=uscc,
        name_zh=f"应付企业奖励 {uscc}",
        name_en=f"Payable to {uscc}",
    )
    return code


def _receivable(session: Session, run: ScreeningRun, uscc: str) -> str:
    code = run_code(run.id, f"receivable:{uscc}")
    open_account(
        session,
        code,
        AccountType.ASSET,
        owner_kind=OwnerKind.ENTERPRISE,
        owner_id=uscc,
        name_zh=f"应追回奖励 {uscc}",
        name_en=f"Clawback due from {uscc}",
    )
    return code


def fund(session: Session, run: ScreeningRun, amount_fen: int, actor: str) -> None:
    if amount_fen <= 0:
        return
    post(
        session,
        key(run.id, "fund"),
        [
            (run_code(run.id, "budget"), amount_fen),
            (run_code(run.id, "appropriation"), -amount_fen),
        ],
        "screening_fund",
        f"run {run.id} budget",
        reference=_reference(run),
        created_by=actor,
    )


def commit(session: Session, run: ScreeningRun, awards: Iterable[Award], actor: str) -> None:
    # Posted in USCC order: two transactions never wait on each other's keys in a cycle.
    for award in sorted(awards, key=lambda a: a.uscc):
        post(
            session,
            key(run.id, "commit", award.uscc),
            [
                (run_code(run.id, "committed"), award.allocated_fen),
                (run_code(run.id, "budget"), -award.allocated_fen),
            ],
            "screening_commit",
            f"run {run.id} commit {award.uscc}",
            reference=_reference(run),
            created_by=actor,
        )


def make_payable(session: Session, run: ScreeningRun, award: Award, actor: str) -> None:
    post(
        session,
        key(run.id, "payable", award.uscc),
        [
            (expense_code(run.policy_id), award.allocated_fen),
            (_payable(session, run, award.uscc), -award.allocated_fen),
        ],
        "screening_payable",
        f"run {run.id} payable {award.uscc}",
        reference=_reference(run),
        created_by=actor,
    )


def pay(session: Session, run: ScreeningRun, award: Award, actor: str) -> bool:
    """Post the payment; False if its key was already posted (paid before: nothing moves)."""
    result = post(
        session,
        key(run.id, "pay", award.uscc),
        [
            (_payable(session, run, award.uscc), award.allocated_fen),
            (run_code(run.id, "committed"), -award.allocated_fen),
        ],
        "screening_payment",
        f"run {run.id} pay {award.uscc}",
        reference=_reference(run),
        created_by=actor,
    )
    return result.created


def release(session: Session, run: ScreeningRun, award: Award, actor: str) -> None:
    post(
        session,
        key(run.id, "release", award.uscc),
        [
            (run_code(run.id, "budget"), award.allocated_fen),
            (run_code(run.id, "committed"), -award.allocated_fen),
        ],
        "screening_release",
        f"run {run.id} release {award.uscc}",
        reference=_reference(run),
        created_by=actor,
    )


def exclude(session: Session, run: ScreeningRun, award: Award, actor: str, reason: str) -> None:
    """Undo a confirmed award that may not be paid: its payable and its commitment."""
    post(
        session,
        key(run.id, "exclude", award.uscc),
        [
            (_payable(session, run, award.uscc), award.allocated_fen),
            (expense_code(run.policy_id), -award.allocated_fen),
            (run_code(run.id, "budget"), award.allocated_fen),
            (run_code(run.id, "committed"), -award.allocated_fen),
        ],
        "screening_exclude",
        f"run {run.id} exclude {award.uscc}: {reason}",
        reference=_reference(run),
        created_by=actor,
    )


def claw_back(session: Session, run: ScreeningRun, award: Award, actor: str, reason: str) -> None:
    post(
        session,
        key(run.id, "clawback", award.uscc),
        [
            (_receivable(session, run, award.uscc), award.allocated_fen),
            (expense_code(run.policy_id), -award.allocated_fen),
        ],
        "screening_clawback",
        f"run {run.id} clawback {award.uscc}: {reason}",
        reference=_reference(run),
        created_by=actor,
    )


def _sum(session: Session, run_id: int, states: Iterable[str]) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(Award.allocated_fen), 0)).where(
            Award.run_id == run_id, Award.state.in_(list(states))
        )
    )
    return int(total or 0)


def funded_fen(run: ScreeningRun, approved_total_fen: int) -> int:
    """What approval appropriates: the run's budget, or the approved total when it has none."""
    return run.budget_fen if run.budget_fen is not None else approved_total_fen


def reconcile(session: Session, run: ScreeningRun) -> list[str]:
    """Differences between the run's awards and its ledger accounts, to the fen (empty if none)."""
    found = {b.code: b.balance_fen for b in balances(session, prefix=run_code(run.id, ""))}
    problems: list[str] = []

    def expect(code: str, wanted: int) -> None:
        have = found.get(code, 0)
        if have != wanted:
            problems.append(f"{code}: ledger {have} fen, awards say {wanted} fen")

    committed_ever = _sum(session, run.id, COMMITTED_STATES)
    if run.state in ("approved", "closed"):
        funded = -found.get(run_code(run.id, "appropriation"), 0)
        expect(run_code(run.id, "budget"), funded - committed_ever)
    expect(run_code(run.id, "committed"), _sum(session, run.id, ("approved", "confirmed")))
    awards = session.scalars(select(Award).where(Award.run_id == run.id)).all()
    for award in awards:
        owed = award.allocated_fen if award.state == "confirmed" else 0
        expect(run_code(run.id, f"payable:{award.uscc}"), -owed)
        due = award.allocated_fen if award.state == "clawed_back" else 0
        expect(run_code(run.id, f"receivable:{award.uscc}"), due)
    paid = sum(
        p.amount_fen
        for e in entries(session, reference=_reference(run), kind="screening_payment")
        for p in e.postings
        if p.amount_fen > 0
    )
    if paid != _sum(session, run.id, PAID_STATES):
        problems.append(
            f"payments: ledger {paid} fen, awards say {_sum(session, run.id, PAID_STATES)} fen"
        )
    return problems
