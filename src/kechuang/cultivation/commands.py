"""CLI: `kechuang cultivation tiers|moves|watch|incubators|import-certificates|demo`.

Heavy imports happen inside the commands so that `kechuang --help` stays fast.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from kechuang.cultivation.tiers import TierFiles

cultivation_app = typer.Typer(
    help="Enterprise cultivation: tiers, moves, the watch list, incubators.", no_args_is_help=True
)
out = Console()
err = Console(stderr=True)
BAD_INPUT = 2


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(BAD_INPUT)


def _files() -> tuple[Engine, TierFiles]:
    from kechuang.cultivation.service import tier_files
    from kechuang.store.engine import make_engine

    engine = make_engine()
    return engine, tier_files(engine)


@cultivation_app.command("tiers")
def tiers(year: Annotated[int | None, typer.Option("--year")] = None) -> None:
    """The funnel: holders, enterprises at or above and pending review, per rung and year."""
    from kechuang.cultivation import ladder, transitions

    engine, files = _files()
    engine.dispose()
    table = Table("year", "rung", "梯级", "holders", "at or above", "pending")
    for row in transitions.funnel(files):
        if year is None or row.year == year:
            rung = ladder.by_id()[row.rung]
            table.add_row(
                str(row.year),
                row.rung,
                rung.label_zh,
                f"{row.holders:,}",
                f"{row.at_or_above:,}",
                f"{row.pending:,}",
            )
    out.print(table)


@cultivation_app.command("moves")
def moves(
    year: Annotated[int, typer.Option("--year")],
    limit: Annotated[int, typer.Option("--limit", help="Losses to list")] = 20,
) -> None:
    """Who moved up, who fell out of a label between YEAR-1 and YEAR, and why."""
    from kechuang.cultivation import transitions

    engine, files = _files()
    engine.dispose()
    if year - 1 not in files.years or year not in files.years:
        raise _fail(f"need facts for {year - 1} and {year} (stored: {list(files.years)})")
    m = transitions.moves(files, year, loss_limit=limit)
    out.print(f"compared {m.compared:,}: up {m.up:,}, down {m.down:,}, unchanged {m.same:,}")
    table = Table("uscc", "name", "label", "reasons")
    for loss in m.losses:
        table.add_row(loss.uscc, loss.name, loss.label, "; ".join(r.text_zh for r in loss.reasons))
    out.print(table)


@cultivation_app.command("watch")
def watch(
    year: Annotated[int, typer.Option("--year")],
    limit: Annotated[int, typer.Option("--limit")] = 30,
) -> None:
    """Enterprises closest to the next rung, with the gap the explain engine finds."""
    from kechuang.cultivation import service
    from kechuang.cultivation import watch as watching

    engine, files = _files()
    try:
        items = watching.watch_list(files, service.panel(engine), year, limit)
    finally:
        engine.dispose()
    table = Table("uscc", "name", "tier", "next", "condition", "gap")
    for i in items:
        table.add_row(i.uscc, i.name, i.tier or "", i.next_rung, i.condition_zh, i.gap_zh)
    out.print(table)


@cultivation_app.command("incubators")
def incubators(year: Annotated[int, typer.Option("--year")]) -> None:
    """Incubators: tenants at year end, graduates, graduates on the ladder, over the limit."""
    from kechuang.cultivation import incubation

    engine, files = _files()
    try:
        views = incubation.tenants(engine, files, dt.date(year, 12, 31))
        rows = incubation.by_incubator(engine, views, year)
    finally:
        engine.dispose()
    table = Table("code", "incubator", "tenants", "graduated", "on ladder", "over limit")
    for r in rows:
        table.add_row(
            r.code,
            r.name_zh,
            str(r.incubating),
            str(r.graduated_in_year),
            str(r.graduates_with_tier),
            str(r.over_limit),
        )
    out.print(table)


@cultivation_app.command("import-certificates")
def import_certificates(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="certificates .csv")],
) -> None:
    """Import certificates (uscc,label,certificate_no,valid_from,valid_to,issuer): all or none."""
    from kechuang.cultivation.certificates import ImportRefused
    from kechuang.cultivation.certificates import import_certificates as load
    from kechuang.store.engine import make_engine

    engine = make_engine()
    try:
        count = load(engine, path)
    except ImportRefused as exc:
        err.print(str(exc), highlight=False)
        raise typer.Exit(BAD_INPUT) from None
    finally:
        engine.dispose()
    out.print(f"stored {count} certificate(s)")


@cultivation_app.command("demo")
def demo(seed: Annotated[int, typer.Option("--seed")] = 2024) -> None:
    """Replace the demo certificates, incubators and tenants with a synthetic set."""
    from kechuang.cultivation.demo import load_demo
    from kechuang.cultivation.service import panel
    from kechuang.store.engine import make_engine

    engine = make_engine()
    try:
        counts = load_demo(engine, panel(engine), seed)
    finally:
        engine.dispose()
    out.print(
        f"demo cultivation: {counts.certificates} certificates, {counts.incubators} incubators, "
        f"{counts.tenants} tenants"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(cultivation_app, name="cultivation")
