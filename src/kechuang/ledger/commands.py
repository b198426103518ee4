"""CLI commands of kechuang.ledger: `kechuang ledger balance` and `kechuang ledger entries`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from kechuang.domain.money import format_yuan
from kechuang.ledger.errors import LedgerError
from kechuang.ledger.queries import AccountBalance, EntryView, balances, entries, trial_balance
from kechuang.ledger.rules import Reference
from kechuang.ledger.tables import LedgerPosting
from kechuang.store.engine import make_engine, make_sessionmaker

BAD_INPUT = 2
out = Console()
err = Console(stderr=True)
ledger_app = typer.Typer(help="The ledger: balances and journal entries.", no_args_is_help=True)


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine()
    try:
        if not inspect(engine).has_table(LedgerPosting.__tablename__):
            err.print("[red]the ledger tables are missing: run `kechuang db upgrade`[/red]")
            raise typer.Exit(BAD_INPUT)
        with make_sessionmaker(engine)() as session:
            yield session
    except LedgerError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(BAD_INPUT) from exc
    finally:
        engine.dispose()


def _balance_json(row: AccountBalance) -> dict[str, object]:
    return {
        "code": row.code,
        "type": row.type.value,
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "owner_kind": row.owner_kind,
        "owner_id": row.owner_id,
        "min_balance_fen": row.min_balance_fen,
        "balance_fen": row.balance_fen,
        "normal_balance_fen": row.normal_balance_fen,
    }


def _balance_table(rows: list[AccountBalance]) -> Table:
    table = Table(title="账户余额 Account balances", show_footer=True)
    debit_total = sum(r.balance_fen for r in rows if r.balance_fen > 0)
    credit_total = -sum(r.balance_fen for r in rows if r.balance_fen < 0)
    table.add_column("账户 Account", footer="合计 Total", overflow="fold")
    table.add_column("名称 Name", overflow="fold")
    table.add_column("类型 Type")
    amount = {"justify": "right", "no_wrap": True}
    table.add_column("借方 Debit", footer=format_yuan(debit_total), **amount)  # type: ignore[arg-type]
    table.add_column("贷方 Credit", footer=format_yuan(credit_total), **amount)  # type: ignore[arg-type]
    table.add_column("下限 Floor", **amount)  # type: ignore[arg-type]
    for r in rows:
        table.add_row(
            r.code,
            r.name_zh,
            r.type.value,
            format_yuan(r.balance_fen) if r.balance_fen > 0 else "",
            format_yuan(-r.balance_fen) if r.balance_fen < 0 else "",
            format_yuan(r.min_balance_fen) if r.min_balance_fen is not None else "",
        )
    return table


@ledger_app.command("balance")
def balance_command(
    account: str | None = typer.Option(None, "--account", help="One account, by code."),
    prefix: str | None = typer.Option(None, "--prefix", help="Accounts whose code starts so."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Account balances (debit and credit columns) and the trial balance of the whole journal."""
    if account and prefix:
        err.print("[red]give --account or --prefix, not both[/red]")
        raise typer.Exit(BAD_INPUT)
    with _session() as session:
        rows = balances(session, prefix=account or prefix)
        if account:
            rows = [r for r in rows if r.code == account]
            if not rows:
                err.print(f"[red]unknown ledger account: {account}[/red]")
                raise typer.Exit(BAD_INPUT)
        trial = trial_balance(session)
    if as_json:
        document = {"accounts": [_balance_json(r) for r in rows], "trial_balance_fen": trial}
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        out.print(_balance_table(rows))
        colour = "green" if trial == 0 else "red"
        out.print(f"试算平衡 Trial balance: [{colour}]{format_yuan(trial)}[/{colour}]")
    if trial != 0:
        err.print("[red]the journal does not balance: the ledger is corrupt[/red]")
        raise typer.Exit(1)


def _entry_json(entry: EntryView) -> dict[str, object]:
    return {
        "id": entry.id,
        "idempotency_key": entry.idempotency_key,
        "occurred_at": entry.occurred_at.isoformat(),
        "posted_at": entry.posted_at.isoformat(),
        "kind": entry.kind,
        "description": entry.description,
        "reference": str(entry.reference) if entry.reference else None,
        "created_by": entry.created_by,
        "postings": [
            {"account": p.account_code, "amount_fen": p.amount_fen} for p in entry.postings
        ],
    }


@ledger_app.command("entries")
def entries_command(
    reference: str | None = typer.Option(
        None, "--reference", help="Only entries about this, as TYPE:ID (e.g. screening_run:12)."
    ),
    account: str | None = typer.Option(None, "--account", help="Only entries touching it."),
    limit: int = typer.Option(50, "--limit", min=1, help="The most recent N entries."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Journal entries with their postings, oldest first."""
    try:
        ref = Reference.parse(reference) if reference else None
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(BAD_INPUT) from exc
    with _session() as session:
        found = entries(session, reference=ref, account=account, limit=limit)
    if as_json:
        typer.echo(json.dumps([_entry_json(e) for e in found], ensure_ascii=False, indent=2))
        return
    table = Table(title="分录 Journal entries")
    table.add_column("#", justify="right")
    table.add_column("日期 Date", no_wrap=True)
    table.add_column("摘要 About", overflow="fold")
    table.add_column("账户 Account", overflow="fold")
    table.add_column("借方 Debit", justify="right", no_wrap=True)
    table.add_column("贷方 Credit", justify="right", no_wrap=True)
    for e in found:
        about = " · ".join(x for x in (e.kind, str(e.reference or ""), e.description) if x)
        # One row per posting; the entry's own columns only on its first row.
        for n, p in enumerate(e.postings):
            first = n == 0
            table.add_row(
                str(e.id) if first else "",
                e.occurred_at.strftime("%Y-%m-%d") if first else "",
                about if first else "",
                p.account_code,
                format_yuan(p.amount_fen) if p.amount_fen > 0 else "",
                format_yuan(-p.amount_fen) if p.amount_fen < 0 else "",
                end_section=n == len(e.postings) - 1,
            )
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command."""
    app.add_typer(ledger_app, name="ledger")
