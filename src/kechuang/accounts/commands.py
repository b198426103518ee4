"""CLI commands of kechuang.accounts: `kechuang accounts create|passwd|unlock` (declared steps,
accounts.steps), `list`, `bootstrap-admin` and `demo`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

accounts_app = typer.Typer(help="Accounts and roles of the web app.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _engine() -> Engine:
    from kechuang.store.engine import make_engine

    return make_engine()


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(2)


@accounts_app.command("bootstrap-admin")
def bootstrap_admin(
    username: Annotated[str, typer.Argument(help="Login name of the first admin")],
    password: Annotated[
        str, typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create the first admin of a new installation (refused once any admin exists); every
    later account is created by an admin (`kechuang accounts create ... --by ADMIN`)."""
    from sqlalchemy import select

    from kechuang.accounts.passwords import WeakPasswordError
    from kechuang.accounts.service import AccountError, create_account
    from kechuang.accounts.tables import Account
    from kechuang.store.engine import session_scope

    try:
        with session_scope(_engine()) as session:
            if session.scalar(select(Account.id).where(Account.role == "admin").limit(1)):
                raise AccountError("an admin exists already: ask an admin to create accounts")
            create_account(session, username, password, "admin", actor="bootstrap")
    except WeakPasswordError as exc:
        raise _fail(f"{exc.en}\n{exc.zh}") from None
    except AccountError as exc:
        raise _fail(str(exc)) from None
    out.print(f"created the first admin, {username}")


@accounts_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
) -> None:
    """List accounts (never their passwords)."""
    import json

    from kechuang.accounts.service import list_accounts
    from kechuang.store.engine import session_scope

    with session_scope(_engine()) as session:
        rows = [
            (a.username, a.role, a.display_name, a.uscc or "", a.org or "", a.active)
            for a in list_accounts(session)
        ]
    if as_json:
        for r in rows:
            keys = ("username", "role", "display_name", "uscc", "org", "active")
            typer.echo(json.dumps(dict(zip(keys, r, strict=True)), ensure_ascii=False))
        return
    table = Table()
    for column in ("username", "role", "name", "uscc", "org", "active"):
        table.add_column(column)
    for r in rows:
        table.add_row(*[str(x) for x in r])
    out.print(table)


@accounts_app.command("demo")
def demo() -> None:
    """Create the demo accounts once and print their passwords (shown only this time)."""
    from kechuang.accounts.demo import create_demo_accounts

    created = create_demo_accounts(_engine())
    if not created:
        out.print(
            "demo accounts exist already (kechuang accounts passwd NAME --by ADMIN to reset one)"
        )
        return
    table = Table(title="Demo accounts 演示账号 — passwords are shown only once")
    from kechuang.accounts.auth_pages import home_of

    for column in ("username", "password", "role", "uscc / org", "lands on"):
        table.add_column(column)
    for a in created:
        table.add_row(a.username, a.password, a.role, a.uscc or a.org or "", home_of(a.role))
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command: the declared steps (create,
    passwd, unlock, each `--by` an admin) beside list, bootstrap-admin and demo."""
    from kechuang.accounts.steps import STEPS
    from kechuang.workflow.cli_adapter import add_step_commands

    add_step_commands(accounts_app, STEPS)
    app.add_typer(accounts_app, name="accounts")
