"""CLI commands of kechuang.transfer: `kechuang transfer import|match|indicators|check-number`.

Heavy imports (jieba, the store) happen inside the commands so `kechuang --help` stays fast.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kechuang.domain.money import format_yuan

transfer_app = typer.Typer(
    help="Achievement transformation: results register, matching, pilot indicators.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)
BAD_INPUT = 2


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(BAD_INPUT)


@transfer_app.command("import")
def import_file(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".csv or .xlsx")],
    institution: Annotated[str, typer.Option("--institution", help="Organisation code")],
    by: Annotated[str, typer.Option("--by", help="Who imports (for the history)")] = "cli",
) -> None:
    """Import results into an institution's register: all rows or none."""
    from kechuang.store.engine import make_engine, make_sessionmaker
    from kechuang.transfer.importer import ImportRefused, import_results

    engine = make_engine()
    try:
        with make_sessionmaker(engine)() as session:
            ids = import_results(session, institution, path, by)
    except ImportRefused as exc:
        table = Table(title="导入被拒绝 Import refused: nothing was stored")
        for name in ("row", "column", "value", "reason"):
            table.add_column(name, overflow="fold")
        for p in exc.problems:
            table.add_row(str(p.row), p.column, p.value, p.reason)
        err.print(table)
        raise typer.Exit(BAD_INPUT) from None
    finally:
        engine.dispose()
    out.print(f"imported {len(ids)} result(s) into {institution}'s register")


@transfer_app.command("match")
def match(
    text: Annotated[str, typer.Argument(help="A demand in your own words (zh, or en)")],
    ipc: Annotated[str, typer.Option("--ipc", help="IPC classes, e.g. 'A61K; G06T'")] = "",
    industry: Annotated[str | None, typer.Option("--industry", help="GB/T 4754 code")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50)] = 5,
    lang: Annotated[str, typer.Option("--lang", help="zh, or en: the English listing")] = "zh",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Match a demand against the listed results: the needs each answers, why, the evidence."""
    from kechuang.store.engine import make_engine, make_sessionmaker
    from kechuang.transfer import ipc as ipc_codes
    from kechuang.transfer.demands import listing_index

    if lang not in ("zh", "en"):
        raise _fail(f"--lang: zh or en, not {lang!r}")
    try:
        codes = [str(c) for c in ipc_codes.parse_list(ipc)]
    except ipc_codes.InvalidIpc as exc:
        raise _fail(str(exc)) from None
    engine = make_engine()
    try:
        with make_sessionmaker(engine)() as session:
            found = listing_index(session, lang).search(
                text, ipc_codes=codes, industry_code=industry, k=k
            )
    finally:
        engine.dispose()
    if as_json:
        out.print_json(json.dumps([asdict(m) for m in found], ensure_ascii=False))
        return
    for rank, m in enumerate(found, start=1):
        out.print(f"{rank}. [bold]{m.title}[/bold] (result {m.id}, score {m.score:.2f})")
        out.print(f"     {m.explanation(lang)}", highlight=False)
        for reason in m.reasons:
            out.print(f"     {reason}")


@transfer_app.command("indicators")
def indicators(
    year: Annotated[int | None, typer.Option("--year", min=2000, max=2100)] = None,
) -> None:
    """The 赋权 pilot indicators per institution and year."""
    from kechuang.store.engine import make_engine, make_sessionmaker
    from kechuang.transfer.access import Actor
    from kechuang.transfer.pilot import indicators as compute

    engine = make_engine()
    try:
        with make_sessionmaker(engine)() as session:
            rows = compute(session, Actor("cli", "analyst"), year)
    finally:
        engine.dispose()
    table = Table(title="赋权试点指标 Pilot indicators")
    heads = ("year", "institution", "pilot", "empowered", "full", "deals", "amount", "companies",
             "financing", "reward")  # fmt: skip
    for head in heads:
        table.add_column(head, justify="right" if head not in ("institution",) else "left")
    for r in rows:
        table.add_row(
            str(r.year), r.institution, "✓" if r.pilot_unit else "", str(r.results_empowered),
            str(r.full_ownership), str(r.deals), format_yuan(r.transformation_amount_fen),
            str(r.companies_founded), format_yuan(r.financing_raised_fen),
            format_yuan(r.inventors_reward_fen),
        )  # fmt: skip
    out.print(table)


@transfer_app.command("check-number")
def check_number(number: Annotated[str, typer.Argument(help="e.g. ZL201710601862.3")]) -> None:
    """Validate a Chinese patent application number and its check digit."""
    from kechuang.transfer.patent_number import InvalidPatentNumber, parse

    try:
        parsed = parse(number)
    except InvalidPatentNumber as exc:
        raise _fail(str(exc)) from None
    out.print(f"{parsed} valid: {parsed.kind}, filed {parsed.year}")


def register(app: typer.Typer) -> None:
    app.add_typer(transfer_app, name="transfer")
