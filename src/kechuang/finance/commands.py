"""`kechuang finance ...`: the jobs a bank or an officer scripts.

The steps (apply, approve, refuse, disburse, repay, default, claim, recover, close, overdue,
`fund create`, `fof apply|decide|commit|call|invest|distribute|value`) are made from their
declarations in kechuang.finance.steps by the CLI adapter: options come from the same input
models as the API (amounts as `--<x>-yuan`), `--by` names the account that acts and its role
must be one the step allows, and every step is audited and committed once, or refused with exit
2 and nothing changed. Hand-written here: listings and reports (products, fund show,
indicators, fof returns), the file imports and the admission pre-screen.

Days (kechuang.finance.dating): a step happens today (China). `--on` replays a past day, for
one purpose: an officer entering history kept on paper (backfill, the demo). `import-loans`
replays the file's days the same way.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from kechuang.domain.spreadsheet import csv_row
from kechuang.finance import dating, fund_of_funds, importer, indicators
from kechuang.finance.errors import FinanceError
from kechuang.finance.products import ProductError, get_product, load_products
from kechuang.finance.steps import CLAIM_STEPS, FOF_STEPS, FUND_STEPS, LOAN_STEPS
from kechuang.ledger import LedgerError
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.workflow import clock
from kechuang.workflow.cli_adapter import add_step_commands

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
    "approve, refuse, disburse, repay, overdue, default, claim, recover, close and the fof "
    "steps. --by must name an active officer account; DAY may be neither in the future nor "
    "before the last recorded day; the overdue days before a default and the claim deadline are "
    "counted on the replayed days, so a replay never skips them; a loan or sub-fund that has "
    "had a live step takes no replay; each replay goes to the audit log with the real time. "
    "import-loans replays the file's days under the same rules.",
))  # fmt: skip
finance_app = typer.Typer(help=HELP, no_args_is_help=True)
fund_app = typer.Typer(help="Compensation funds and guarantee programmes.", no_args_is_help=True)
fof_app = typer.Typer(help="The future-industry fund of funds.", no_args_is_help=True)
finance_app.add_typer(fund_app, name="fund")
claims_app = typer.Typer(
    help="Compensation claims: the insurer or guarantor confirms, disputes and pays its part; "
    "an officer resolves a dispute, approves (the fund pays) or refuses.",
    no_args_is_help=True,
)
finance_app.add_typer(fof_app, name="fof")
finance_app.add_typer(claims_app, name="claims")
add_step_commands(finance_app, LOAN_STEPS)
add_step_commands(fund_app, FUND_STEPS)
add_step_commands(fof_app, FOF_STEPS)
add_step_commands(claims_app, CLAIM_STEPS)

BY = typer.Option(..., "--by", help="Who does this (recorded with the change).")


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


@finance_app.command("products")
def products_command() -> None:
    """The credit products, their limits and risk shares."""
    out = []
    for p in load_products().values():
        today = clock.today()
        shares = ({t: {k: str(v) for k, v in p.shares_on(today, t).items()}
                   for t in ("tier_a", "tier_b", "tier_c")} if p.kind == "guarantee"
                  else {k: str(v) for k, v in p.shares_on(today).items()})  # fmt: skip
        out.append({"id": p.id, "kind": p.kind, "title": p.doc.title.zh,
                    "document_number": p.doc.document_number, "fund": p.doc.fund.code,
                    "amount_yuan": [p.doc.limits.amount_min_yuan, p.doc.limits.amount_max_yuan],
                    "term_months_max": p.doc.limits.term_months_max,
                    "rate": str(p.doc.rate.annual), "shares": shares})  # fmt: skip
    _echo(out)


@fund_app.command("show")
def fund_show() -> None:
    """Every fund's size, limit, exposure, balance and usage."""
    with _session() as session:
        _echo(indicators.fund_usage(session))


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
        writer = csv.writer(handle)
        writer.writerow(["uscc", "outcome", "unmet"])
        writer.writerows(csv_row(row) for row in rows)
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


@fof_app.command("returns")
def fof_returns(sub_fund: int | None = typer.Argument(None)) -> None:
    """IRR, TVPI and DPI of a sub-fund or of the whole fund of funds."""
    with _session() as session:
        r = fund_of_funds.returns(session, sub_fund)
        _echo({"paid_in_fen": r.paid_in_fen, "distributed_fen": r.distributed_fen,
               "nav_fen": r.nav_fen, "irr": r.irr, "tvpi": r.tvpi, "dpi": r.dpi})  # fmt: skip


@finance_app.command("tick")
def tick_command() -> None:
    """Move loans to overdue and default as their schedules say (the daily job)."""
    from kechuang.finance.tick import run

    engine = make_engine()
    try:
        done = run(engine)
    finally:
        engine.dispose()
    typer.echo(
        f"{done.day}: {done.overdue} loan(s) fell overdue, {len(done.defaulted)} defaulted"
        + (f" ({', '.join(map(str, done.defaulted))})" if done.defaulted else "")
    )


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command."""
    app.add_typer(finance_app, name="finance")
