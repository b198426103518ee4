"""CLI commands of kechuang.store: `kechuang db upgrade` and `kechuang db status`."""

from __future__ import annotations

import typer
from rich.console import Console
from sqlalchemy import func, inspect, select

from kechuang.store.engine import make_engine
from kechuang.store.migrate import status, upgrade
from kechuang.store.registry import load_all_tables

console = Console()
db_app = typer.Typer(help="The database: migrations and status.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command() -> None:
    """Apply every pending migration (safe to re-run)."""
    engine = make_engine()
    try:
        upgrade(engine)
        console.print(f"database at {status(engine).head}: {engine.url!r}")
    finally:
        engine.dispose()


@db_app.command("status")
def status_command() -> None:
    """Show the database URL, its migration revision and the row counts of its tables."""
    engine = make_engine()
    try:
        state = status(engine)
        console.print(f"database: {engine.url!r}")
        console.print(f"revision: {state.current or '(none)'} (head {state.head})")
        if not state.up_to_date:
            console.print("[yellow]migrations pending: run `kechuang db upgrade`[/yellow]")
        present = set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            for table in load_all_tables().sorted_tables:
                if table.name in present:
                    count = connection.execute(select(func.count()).select_from(table)).scalar()
                    console.print(f"  {table.name}: {count} rows")
        if not state.up_to_date:
            raise typer.Exit(1)
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command."""
    app.add_typer(db_app, name="db")
