"""`kechuang finance ...`: the jobs a bank or an officer scripts.

products, fund create/show, apply, approve, disburse, repay, overdue, default, claim, recover,
close, import-loans, import-repayments, prescreen, indicators, and `fof` for the fund of funds.
Each command is one transaction: it commits on success and changes nothing on a refusal
(exit 2 with the reason). Every step is written to the audit log.

Days (kechuang.finance.dating): a step happens today (China). `--on` is kept on the commands
that build a loan's, a fund's or a sub-fund's history, for one purpose: an officer replaying
history kept on paper (backfill, the demo). `import-loans` replays the file's days the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from kechuang.domain.money import InvalidAmount, format_yuan, parse_yuan
from kechuang.finance import capacity, dating, fund_of_funds, importer, indicators, loans
from kechuang.finance.errors import FinanceError
from kechuang.finance.products import ProductError, get_product, load_products
from kechuang.ledger import LedgerError
from kechuang.store.engine import make_engine, make_sessionmaker

BAD_INPUT = 2
err = Console(stderr=True)
# Paragraphs as single strings: rich re-wraps the help to the terminal and keeps hard newlines.
HELP = "\n\n".join((
    "Tech finance: risk-shared loans, guarantees, funds.",
    "Days: every step happens today (China); a bank never chooses its day. Money received "
    "earlier is recorded today with --received-on (repay, recover), kept beside the recorded "
    "day and never used to count a deadline.",
    "--on DAY replays a past day. It exists only for officers entering history kept on paper "
    "(loans, funds and sub-funds from before the platform; the demo), on fund create, apply, "
    "approve, disburse, repay, overdue, default, claim, recover, close and the fof steps. "
    "--by must name an active officer account; DAY may be neither in the future nor before "
    "the last recorded day; the overdue days before a default and the claim deadline are "
    "counted on the replayed days, so a replay never skips them; a loan or sub-fund that has "
    "had a live step takes no replay; each replay goes to the audit log with the real time. "
    "import-loans replays the file's days under the same rules.",
))  # fmt: skip
finance_app = typer.Typer(help=HELP, no_args_is_help=True)
fund_app = typer.Typer(help="Compensation funds and guarantee programmes.", no_args_is_help=True)
fof_app = typer.Typer(help="The future-industry fund of funds.", no_args_is_help=True)
finance_app.add_typer(fund_app, name="fund")
finance_app.add_typer(fof_app, name="fof")

BY = typer.Option(..., "--by", help="Who does this (recorded with the change).")
ON = typer.Option(
    None,
    "--on",
    help="Officers only: replay this past day, YYYY-MM-DD, from paper records (audited; "
    "see `kechuang finance --help`). Default: today in China.",
)
RECEIVED_ON = typer.Option(
    None, "--received-on", help="When the money was received, YYYY-MM-DD, if before today."
)


@dataclass(frozen=True)
class Day:
    """A step's day and, for a replay, the officer replaying it."""

    on: dt.date
    replayed_by: str | None = None


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        err.print(f"[red]{option} {text!r}: a date is YYYY-MM-DD[/red]")
        raise typer.Exit(BAD_INPUT) from None


def _day(session: Session, by: str, on: str | None) -> Day:
    """Today, or an officer's replay of a past day (refused for anyone else)."""
    if on is None:
        return Day(dating.today())
    day = _date(on, "--on")
    officer = dating.replay_officer(session, by)
    dating.check_not_future(day, "--on", dating.today())
    return Day(day, officer)


def _audit(
    session: Session, by: str, step: str, kind: str, subject: object, day: Day, **detail: Any
) -> None:
    dating.record_step(session, by, f"finance.{step}", kind, subject, day.on, day.replayed_by,
                       detail)  # fmt: skip


def _fen(text: str, what: str) -> int:
    try:
        return parse_yuan(text)
    except InvalidAmount as exc:
        err.print(f"[red]{what} {text!r}: {exc}[/red]")
        raise typer.Exit(BAD_INPUT) from None


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine()
    try:
        with make_sessionmaker(engine)() as session:
            try:
                yield session
                session.commit()
            except (FinanceError, LedgerError, ProductError) as exc:
                session.rollback()
                err.print(f"[red]{exc}[/red]")
                raise typer.Exit(BAD_INPUT) from None
    finally:
        engine.dispose()


def _echo(document: Any) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def _loan_json(loan: Any) -> dict[str, Any]:
    return {"id": loan.id, "product_id": loan.product_id, "uscc": loan.uscc,
            "bank_org": loan.bank_org, "partner_org": loan.partner_org, "bank_ref": loan.bank_ref,
            "state": loan.state, "principal_fen": loan.principal_fen,
            "outstanding_fen": loan.outstanding_fen, "premium_fen": loan.premium_fen,
            "admission_outcome": loan.admission_outcome,
            "claim_deadline": loan.claim_deadline}  # fmt: skip


@finance_app.command("products")
def products_command() -> None:
    """The credit products, their limits and risk shares."""
    out = []
    for p in load_products().values():
        today = dt.date.today()
        shares = ({t: {k: str(v) for k, v in p.shares_on(today, t).items()}
                   for t in ("tier_a", "tier_b", "tier_c")} if p.kind == "guarantee"
                  else {k: str(v) for k, v in p.shares_on(today).items()})  # fmt: skip
        out.append({"id": p.id, "kind": p.kind, "title": p.doc.title.zh,
                    "document_number": p.doc.document_number, "fund": p.doc.fund.code,
                    "amount_yuan": [p.doc.limits.amount_min_yuan, p.doc.limits.amount_max_yuan],
                    "term_months_max": p.doc.limits.term_months_max,
                    "rate": str(p.doc.rate.annual), "shares": shares})  # fmt: skip
    _echo(out)


@fund_app.command("create")
def fund_create(
    product: str = typer.Option(..., "--product", help="The product whose fund this is."),
    size: str = typer.Option(..., "--size", help="Size in yuan."),
    leverage: str = typer.Option("10", "--leverage", help="Loans backed per yuan of fund."),
    by: str = BY,
    on: str | None = ON,
) -> None:
    """Set up the product's fund and pay its size in (idempotent)."""
    try:
        ref = get_product(product).doc.fund
        lev = Decimal(leverage)
    except (ProductError, InvalidOperation) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(BAD_INPUT) from None
    with _session() as session:
        day = _day(session, by, on)
        fund = capacity.create_fund(session, ref.code, ref.name_zh, ref.name_en,
                                    _fen(size, "--size"), lev, by, day.on)  # fmt: skip
        _audit(session, by, "fund_create", "fund", fund.code, day, size_fen=fund.size_fen)
        typer.echo(f"fund {fund.code}: {format_yuan(fund.size_fen)} x {fund.leverage}")


@fund_app.command("show")
def fund_show() -> None:
    """Every fund's size, limit, exposure, balance and usage."""
    with _session() as session:
        _echo(indicators.fund_usage(session))


@finance_app.command("apply")
def apply_command(
    product: str = typer.Option(..., "--product"),
    uscc: str = typer.Option(..., "--uscc"),
    bank: str = typer.Option(..., "--bank", help="The lending bank's organisation code."),
    partner: str = typer.Option(..., "--partner", help="The insurer or guarantor."),
    ref: str = typer.Option(..., "--ref", help="The bank's loan reference."),
    amount: str = typer.Option(..., "--amount", help="Principal in yuan."),
    months: int = typer.Option(..., "--months"),
    method: str = typer.Option("equal_instalment", "--method"),
    tier: str | None = typer.Option(None, "--tier", help="tier_a|tier_b|tier_c (guarantees)."),
    year: int | None = typer.Option(None, "--year", help="Facts year (default: last year)."),
    by: str = BY,
    on: str | None = ON,
) -> None:
    """Record an application, pre-screened by the admission rule (explanation printed)."""
    app = loans.Application(product, uscc, bank, partner, ref, _fen(amount, "--amount"), months,
                            method, tier)  # fmt: skip
    with _session() as session:
        day = _day(session, by, on)
        loan = loans.apply(session, app, by, day.on, year, replayed_by=day.replayed_by)
        _audit(session, by, "apply", "loan", loan.id, day)
        _echo({**_loan_json(loan), "explanation": loan.admission["text_zh"]})


def _step(name: str, action: Any, help_text: str) -> None:
    def command(loan_id: int = typer.Argument(...), by: str = BY, on: str | None = ON) -> None:
        with _session() as session:
            day = _day(session, by, on)
            loan = action(session, loan_id, by, day.on, replayed_by=day.replayed_by)
            _audit(session, by, name, "loan", loan_id, day)
            _echo(_loan_json(loan))

    command.__doc__ = help_text
    finance_app.command(name)(command)


_step("approve", loans.approve, "The bank approves (refused when the fund is full).")
_step("disburse", loans.disburse, "Pay out: schedule, premium or fee, ledger entries.")
_step("default", loans.declare_default, "Declare a loan overdue long enough in default.")


@finance_app.command("claim")
def claim_command(loan_id: int = typer.Argument(...), by: str = BY, on: str | None = ON) -> None:
    """Claim compensation: the loss split by the loan's risk shares, paid through the ledger."""
    with _session() as session:
        day = _day(session, by, on)
        claim = loans.claim(session, loan_id, by, day.on, replayed_by=day.replayed_by)
        _audit(session, by, "claim", "loan", loan_id, day)
        _echo({"loan_id": loan_id, "loss_fen": claim.loss_fen, "parts": claim.parts})


@finance_app.command("repay")
def repay_command(
    loan_id: int = typer.Argument(...),
    ref: str = typer.Option(..., "--ref", help="The bank's repayment reference."),
    amount: str = typer.Option(..., "--amount", help="Yuan."),
    received_on: str | None = RECEIVED_ON,
    by: str = BY,
    on: str | None = ON,
) -> None:
    """Record a repayment (idempotent by --ref)."""
    received = _date(received_on, "--received-on") if received_on else None
    with _session() as session:
        day = _day(session, by, on)
        r = loans.repay(session, loan_id, ref, _fen(amount, "--amount"), by, day.on,
                        received_on=received, replayed_by=day.replayed_by)  # fmt: skip
        _audit(session, by, "repay", "loan", loan_id, day, received_on=str(r.received_on))
        _echo({"loan_id": loan_id, "principal_fen": r.principal_fen,
               "interest_fen": r.interest_fen, "received_on": r.received_on})  # fmt: skip


@finance_app.command("recover")
def recover_command(
    loan_id: int = typer.Argument(...),
    ref: str = typer.Option(..., "--ref"),
    amount: str = typer.Option(..., "--amount", help="Yuan."),
    received_on: str | None = RECEIVED_ON,
    by: str = BY,
    on: str | None = ON,
) -> None:
    """Money recovered from a defaulted enterprise, shared back in the claim's shares."""
    received = _date(received_on, "--received-on") if received_on else None
    with _session() as session:
        day = _day(session, by, on)
        r = loans.recover(session, loan_id, ref, _fen(amount, "--amount"), by, day.on,
                          received_on=received, replayed_by=day.replayed_by)  # fmt: skip
        _audit(session, by, "recover", "loan", loan_id, day, received_on=str(r.received_on))
        _echo({"loan_id": loan_id, "amount_fen": r.amount_fen, "parts": r.parts,
               "received_on": r.received_on})  # fmt: skip


@finance_app.command("close")
def close_command(
    loan_id: int = typer.Argument(...), reason: str = typer.Option(..., "--reason"),
    by: str = BY, on: str | None = ON,
) -> None:  # fmt: skip
    """Close a compensated loan when recovery has ended."""
    with _session() as session:
        day = _day(session, by, on)
        loan = loans.close(session, loan_id, by, day.on, reason, replayed_by=day.replayed_by)
        _audit(session, by, "close", "loan", loan_id, day)
        _echo(_loan_json(loan))


@finance_app.command("overdue")
def overdue_command(
    bank: str | None = typer.Option(None, "--bank"), by: str = BY, on: str | None = ON
) -> None:
    """Mark loans with an instalment unpaid past its due date overdue.

    A replay (--on) judges only loans whose whole history so far is replayed.
    """
    with _session() as session:
        day = _day(session, by, on)
        moved = loans.mark_overdue(session, day.on, by, bank, replayed_by=day.replayed_by)
        _audit(session, by, "overdue", "loans", bank or "*", day, moved=moved)
        typer.echo(f"{moved} loan(s) fell overdue")


def _import(kind: str, path: Path, bank: str, by: str) -> None:
    engine = make_engine()
    today = dating.today()
    try:
        with make_sessionmaker(engine)() as session:
            try:
                if kind == "loans":
                    # The file's days are replayed history: an officer's job.
                    officer = dating.replay_officer(session, by)
                    report = importer.import_loans(session, path, bank, officer, today)
                else:
                    report = importer.import_repayments(session, path, bank, by, today)
            except (importer.ImportFileError, FinanceError) as exc:
                err.print(f"[red]{exc}[/red]")
                raise typer.Exit(BAD_INPUT) from None
            if not report.ok:
                session.rollback()
                for e in report.errors:
                    err.print(f"row {e.row}, {e.column} = {e.value!r}: {e.reason}")
                err.print(f"[red]{len(report.errors)} error(s): nothing was stored[/red]")
                raise typer.Exit(BAD_INPUT)
            dating.record_step(session, by, f"finance.import_{kind}", "file", path.name, today,
                               detail={"bank_org": bank, "stored": report.stored})  # fmt: skip
            session.commit()
            typer.echo(f"{report.stored} {kind} stored")
    finally:
        engine.dispose()


@finance_app.command("import-loans")
def import_loans_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False),
    bank: str = typer.Option(..., "--bank"),
    by: str = BY,
) -> None:
    """Replay a bank's loans with the file's days (officers only; CSV/xlsx).

    Every bad row is reported and nothing is stored then.
    """
    _import("loans", path, bank, by)


@finance_app.command("import-repayments")
def import_repayments_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False),
    bank: str = typer.Option(..., "--bank"),
    by: str = BY,
) -> None:
    """Record a bank's repayments today (CSV/xlsx), atomically; received_on is each one's day."""
    _import("repayments", path, bank, by)


@finance_app.command("prescreen")
def prescreen_command(
    product: str = typer.Option(..., "--product"),
    year: int = typer.Option(..., "--year"),
    out: Path = typer.Option(..., "--out", help="CSV of uscc, outcome, unmet."),
) -> None:
    """Every stored enterprise against the product's admission rule (compiled to SQL)."""
    from kechuang.enterprises.snapshot import snapshot_path, write_snapshot
    from kechuang.finance.facts import prescreen

    try:
        rule = get_product(product).admission
    except ProductError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(BAD_INPUT) from None
    path = snapshot_path()
    if not path.exists():
        engine = make_engine()
        try:
            write_snapshot(engine)
        finally:
            engine.dispose()
    rows = prescreen(path, rule, year)
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write("uscc,outcome,unmet\n")
        for uscc, outcome, unmet in rows:
            handle.write(f"{uscc},{outcome},{unmet}\n")
    eligible = sum(1 for _, o, _ in rows if o == "eligible")
    typer.echo(f"{eligible} of {len(rows)} enterprises meet {rule.id}: {out}")


@finance_app.command("indicators")
def indicators_command(
    bank: str | None = typer.Option(None, "--bank", help="Only this bank's loans."),
) -> None:
    """Portfolio indicators: overall and by product, bank and district; fund usage."""
    from kechuang.finance.tables import Loan

    with _session() as session:
        where = Loan.bank_org == bank if bank else None
        _echo(indicators.report(session, where, with_funds=bank is None))


@fof_app.command("apply")
def fof_apply(
    name: str = typer.Option(..., "--name"),
    manager: str = typer.Option(..., "--manager"),
    industry: str = typer.Option(..., "--industry"),
    size: str = typer.Option(..., "--size", help="Target size in yuan."),
    request: str = typer.Option(..., "--request", help="Commitment asked of the fund, yuan."),
    criteria: str = typer.Option(..., "--criteria", help='JSON, e.g. {"team": 80, ...}'),
    by: str = BY,
    on: str | None = ON,
) -> None:
    """A sub-fund's application, scored against the published criteria."""
    try:
        scores = json.loads(criteria)
    except json.JSONDecodeError as exc:
        err.print(f"[red]--criteria: {exc}[/red]")
        raise typer.Exit(BAD_INPUT) from None
    except RecursionError:  # the decoder recurses once per level
        err.print("[red]--criteria: nested too deeply; give an object of scores[/red]")
        raise typer.Exit(BAD_INPUT) from None
    with _session() as session:
        day = _day(session, by, on)
        row = fund_of_funds.apply(session, name, manager, industry, _fen(size, "--size"),
                                  _fen(request, "--request"), scores, day.on,
                                  replayed_by=day.replayed_by)  # fmt: skip
        _audit(session, by, "fof_apply", "sub_fund", row.id, day)
        _echo({"id": row.id, "score": row.score, "state": row.state})


@fof_app.command("decide")
def fof_decide(
    sub_fund: int = typer.Argument(...), approve: bool = typer.Option(..., "--approve/--reject"),
    by: str = BY,
) -> None:  # fmt: skip
    """Approve (score at or above the pass mark) or reject a sub-fund."""
    with _session() as session:
        typer.echo(fund_of_funds.decide(session, sub_fund, approve, by).state)


def _fof_flow(name: str, action: Any, help_text: str) -> None:
    def command(
        sub_fund: int = typer.Argument(...),
        amount: str = typer.Option(..., "--amount", help="Yuan."),
        key: str = typer.Option(..., "--key", help="Idempotency key of this flow."),
        by: str = BY,
        on: str | None = ON,
    ) -> None:
        with _session() as session:
            day = _day(session, by, on)
            flow = action(session, sub_fund, _fen(amount, "--amount"), key, day.on, by,
                          replayed_by=day.replayed_by)  # fmt: skip
            _audit(session, by, f"fof_{name}", "sub_fund", sub_fund, day, key=flow.key)
            typer.echo(f"{flow.kind} {format_yuan(flow.amount_fen)} ({flow.key})")

    command.__doc__ = help_text
    fof_app.command(name)(command)


_fof_flow("commit", fund_of_funds.commit, "认缴: commit to an approved sub-fund (<= 50% of it).")
_fof_flow("call", fund_of_funds.call, "实缴: pay a capital call (up to the commitment).")
_fof_flow("distribute", fund_of_funds.distribute, "A distribution back to the fund.")
_fof_flow("value", fund_of_funds.value, "The fund's share of the sub-fund's NAV on a date.")


@fof_app.command("invest")
def fof_invest(
    sub_fund: int = typer.Argument(...),
    uscc: str = typer.Option(..., "--uscc"),
    amount: str = typer.Option(..., "--amount", help="Yuan."),
    key: str = typer.Option(..., "--key"),
    by: str = BY,
    on: str | None = ON,
) -> None:
    """A sub-fund's investment into an enterprise."""
    with _session() as session:
        day = _day(session, by, on)
        fund_of_funds.invest(session, sub_fund, uscc, _fen(amount, "--amount"), key, day.on, by,
                             replayed_by=day.replayed_by)  # fmt: skip
        _audit(session, by, "fof_invest", "sub_fund", sub_fund, day, key=key)
        typer.echo("recorded")


@fof_app.command("returns")
def fof_returns(sub_fund: int | None = typer.Argument(None)) -> None:
    """IRR, TVPI and DPI of a sub-fund or of the whole fund of funds."""
    with _session() as session:
        r = fund_of_funds.returns(session, sub_fund)
        _echo({"paid_in_fen": r.paid_in_fen, "distributed_fen": r.distributed_fen,
               "nav_fen": r.nav_fen, "irr": r.irr, "tvpi": r.tvpi, "dpi": r.dpi})  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command."""
    app.add_typer(finance_app, name="finance")
