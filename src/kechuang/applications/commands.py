"""CLI of kechuang.applications: one command per declared step
(`kechuang applications application submit 3 --by ent_a`), and `list` for the queue."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

applications_app = typer.Typer(
    help="申报 applications, formal review, expert panels, decisions and milestone payments.",
    no_args_is_help=True,
)
out = Console()
SUBJECT_HELP = {
    "round": "Rounds of applications (申报批次)",
    "expert": "The expert pool",
    "application": "Applications: apply, answer, attach, submit; review, panel, decision",
    "assignment": "An expert's panel seat: accept, decline, declare, score, submit",
    "milestone": "A project's milestones: accept and pay, or fail and claw back",
}


@applications_app.command("list")
def list_command(
    state: Annotated[str | None, typer.Option("--state", help="Only this state")] = None,
) -> None:
    """The applications with their state and receipt number (the officers' queue)."""
    from sqlalchemy import select

    from kechuang.applications.tables import Application
    from kechuang.store.engine import make_engine, make_sessionmaker

    engine = make_engine()
    try:
        with make_sessionmaker(engine)() as session:
            query = select(Application).order_by(Application.id)
            if state:
                query = query.where(Application.state == state)
            rows = list(session.scalars(query))
    finally:
        engine.dispose()
    table = Table(title="申报 Applications")
    for name in ("id", "round", "uscc", "state", "version", "receipt", "outcome"):
        table.add_column(name)
    for a in rows:
        table.add_row(
            str(a.id),
            str(a.round_id),
            a.uscc,
            a.state,
            str(a.version),
            a.receipt_no or "",
            a.outcome or "",
        )
    out.print(table)


@applications_app.command("demo")
def demo_command(
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the demo's scores")] = 17,
) -> None:
    """Demo data for `make run`: expert accounts, an HNTE and a project round with
    applications at every stage (re-runnable: nothing is added twice)."""
    from kechuang.applications.demo import seed as seed_demo
    from kechuang.store.engine import make_engine

    engine = make_engine()
    try:
        created = seed_demo(engine, seed)
    finally:
        engine.dispose()
    for account in created:
        out.print(f"expert account {account.username}  password {account.password}")
    out.print("applications demo: an HNTE round and a project round, every stage")


def register(app: typer.Typer) -> None:
    from kechuang.applications.steps import STEPS
    from kechuang.workflow.cli_adapter import add_step_groups

    add_step_groups(applications_app, STEPS, SUBJECT_HELP)
    app.add_typer(applications_app, name="applications")
