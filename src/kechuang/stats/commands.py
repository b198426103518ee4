"""CLI: `kechuang report` (the annual report) and `kechuang stats list|show|import-products|
import-admissions|demo` (the indicator catalogue, biomedicine records, demo data).

Heavy imports happen inside the commands so that `kechuang --help` stays fast.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

stats_app = typer.Typer(
    help="Indicators: the catalogue, their values, biomedicine records.", no_args_is_help=True
)
out = Console()
err = Console(stderr=True)
BAD_INPUT = 2


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(BAD_INPUT)


def report(
    year: Annotated[int, typer.Option("--year", help="The report's year")],
    out_path: Annotated[Path, typer.Option("--out", help="The HTML file to write")],
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Also print it to this PDF")] = None,
) -> None:
    """Write the annual report for YEAR (bilingual HTML, self-contained; PDF optional)."""
    from kechuang.stats.report import build_html, write_pdf
    from kechuang.store.engine import make_engine

    if not out_path.parent.exists():
        raise _fail(f"{out_path.parent}: no such directory")
    started = time.perf_counter()
    engine = make_engine()
    try:
        html = build_html(engine, year)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    finally:
        engine.dispose()
    partial = out_path.with_name(out_path.name + ".partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(out_path)
    out.print(
        f"report: {out_path} ({len(html) // 1024} KiB) in {time.perf_counter() - started:.1f}s"
    )
    if pdf is not None:
        write_pdf(out_path, pdf)
        out.print(f"pdf: {pdf} in {time.perf_counter() - started:.1f}s")


@stats_app.command("list")
def list_indicators() -> None:
    """Every indicator of the catalogue with its source and unit."""
    from kechuang.stats.catalogue import catalogue

    table = Table("id", "指标", "indicator", "unit", "source", "breakdowns")
    for i in catalogue():
        table.add_row(i.id, i.name_zh, i.name_en, i.unit_en, i.source, ", ".join(i.breakdowns))
    out.print(table)


@stats_app.command("show")
def show(
    indicator: Annotated[str, typer.Argument(help="Indicator id (kechuang stats list)")],
    by: Annotated[str | None, typer.Option("--by", help="district, park or industry")] = None,
    year: Annotated[int | None, typer.Option("--year")] = None,
) -> None:
    """An indicator's definition and its values computed from the stored data."""
    from kechuang.stats.catalogue import get
    from kechuang.stats.compute import TOTAL
    from kechuang.stats.report import fmt, pct
    from kechuang.stats.service import key_label, results
    from kechuang.store.engine import make_engine

    try:
        ind = get(indicator)
    except KeyError:
        raise _fail(f"no indicator {indicator!r} (see kechuang stats list)") from None
    if by is not None and by not in ind.breakdowns:
        raise _fail(f"{indicator} has no breakdown {by!r} (has: {', '.join(ind.breakdowns)})")
    out.print(f"[bold]{ind.name_zh} · {ind.name_en}[/bold] ({ind.unit_zh} / {ind.unit_en})")
    out.print(ind.description_zh, highlight=False)
    out.print(ind.formula(by), highlight=False)
    engine = make_engine()
    try:
        found = results(engine)
    finally:
        engine.dispose()
    table = Table("year", by or "", "value", "YoY", "comparable")
    for v in found.values:
        if v.indicator != ind.id or v.dimension != (by or TOTAL):
            continue
        if year is not None and v.year != year:
            continue
        label = key_label(by, v.key, "zh") if by else ""
        table.add_row(
            str(v.year), label, fmt(v.value, ind.decimals), pct(v.growth), pct(v.comparable_growth)
        )
    out.print(table)


def _refused(exc: Exception) -> typer.Exit:
    from kechuang.stats.biomed import ImportRefused

    assert isinstance(exc, ImportRefused)
    table = Table(title="导入被拒绝 Import refused: nothing was stored")
    for name in ("row", "column", "value", "reason"):
        table.add_column(name, overflow="fold")
    for e in exc.errors:
        table.add_row(str(e.row), e.column, e.value, e.reason)
    err.print(table)
    return typer.Exit(BAD_INPUT)


@stats_app.command("import-products")
def import_products_cmd(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="products .csv")],
) -> None:
    """Import innovative drugs and devices (all rows or none; re-import changes nothing)."""
    from kechuang.stats.biomed import ImportRefused, import_products
    from kechuang.store.engine import make_engine

    engine = make_engine()
    try:
        count = import_products(engine, path)
    except ImportRefused as exc:
        raise _refused(exc) from None
    finally:
        engine.dispose()
    out.print(f"stored {count} product(s)")


@stats_app.command("import-admissions")
def import_admissions_cmd(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="admissions .csv")],
) -> None:
    """Import hospital admissions of stored products (all rows or none)."""
    from kechuang.stats.biomed import ImportRefused, import_admissions
    from kechuang.store.engine import make_engine

    engine = make_engine()
    try:
        count = import_admissions(engine, path)
    except ImportRefused as exc:
        raise _refused(exc) from None
    finally:
        engine.dispose()
    out.print(f"stored {count} admission(s)")


@stats_app.command("demo")
def demo(seed: Annotated[int, typer.Option("--seed")] = 2024) -> None:
    """Replace the biomedicine records with the synthetic demo set (drugs, devices, admissions)."""
    from kechuang.cultivation.service import panel
    from kechuang.stats.biomed_demo import load_demo
    from kechuang.store.engine import make_engine

    engine = make_engine()
    try:
        counts = load_demo(engine, panel(engine), seed)
    finally:
        engine.dispose()
    out.print(f"demo biomedicine: {counts.products} products, {counts.admissions} admissions")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.add_typer(stats_app, name="stats")
