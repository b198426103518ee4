"""CLI commands of kechuang.accounts: `kechuang accounts create|list|passwd|unlock|demo`."""

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


@accounts_app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[str, typer.Option("--role", help="officer, enterprise, bank, ...")],
    uscc: Annotated[str | None, typer.Option("--uscc", help="Enterprise accounts: USCC")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Bank/office organisation")] = None,
    name: Annotated[str, typer.Option("--name", help="Display name")] = "",
    password: Annotated[
        str, typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create an account (the password is asked for unless --password is given)."""
    from kechuang.accounts.passwords import WeakPasswordError
    from kechuang.accounts.service import AccountError, create_account
    from kechuang.store.engine import session_scope

    try:
        with session_scope(_engine()) as session:
            create_account(
                session,
                username,
                password,
                role,
                display_name=name,
                uscc=uscc,
                org=org,
                actor="cli",
            )
    except WeakPasswordError as exc:
        raise _fail(f"{exc.en}\n{exc.zh}") from None
    except AccountError as exc:
        raise _fail(str(exc)) from None
    out.print(f"created {username} ({role})")


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


@accounts_app.command("passwd")
def passwd(
    username: Annotated[str, typer.Argument(help="Login name")],
    password: Annotated[
        str, typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Set an account's password (ends its open sessions)."""
    from kechuang.accounts.passwords import WeakPasswordError
    from kechuang.accounts.service import AccountError, set_password
    from kechuang.store.engine import session_scope

    try:
        with session_scope(_engine()) as session:
            set_password(session, username, password, actor="cli")
    except WeakPasswordError as exc:
        raise _fail(f"{exc.en}\n{exc.zh}") from None
    except AccountError as exc:
        raise _fail(str(exc)) from None
    out.print(f"password of {username} changed")


@accounts_app.command("unlock")
def unlock_(username: Annotated[str, typer.Argument(help="Login name")]) -> None:
    """Unlock an account locked by failed logins, so its owner can log in at once (audited)."""
    from kechuang.accounts.service import AccountError, unlock
    from kechuang.store.engine import session_scope

    try:
        with session_scope(_engine()) as session:
            was_locked = unlock(session, username, actor="cli")
    except AccountError as exc:
        raise _fail(str(exc)) from None
    out.print(f"{username} unlocked" if was_locked else f"{username} was not locked")


@accounts_app.command("demo")
def demo() -> None:
    """Create the demo accounts once and print their passwords (shown only this time)."""
    from kechuang.accounts.demo import create_demo_accounts

    created = create_demo_accounts(_engine())
    if not created:
        out.print("demo accounts exist already (kechuang accounts passwd NAME to reset one)")
        return
    table = Table(title="Demo accounts 演示账号 — passwords are shown only once")
    for column in ("username", "password", "role", "uscc / org"):
        table.add_column(column)
    for a in created:
        table.add_row(a.username, a.password, a.role, a.uscc or a.org or "")
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command."""
    app.add_typer(accounts_app, name="accounts")
