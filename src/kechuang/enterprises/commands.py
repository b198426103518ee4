"""CLI commands of kechuang.enterprises: `kechuang import PANEL` and `kechuang snapshot`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from kechuang.domain import text as clean
from kechuang.enterprises import importer
from kechuang.enterprises.readers import PanelFileError
from kechuang.enterprises.snapshot import stored_rows, write_snapshot
from kechuang.store.engine import make_engine
from kechuang.store.migrate import upgrade

BAD_INPUT = 2
err = Console(stderr=True)
out = Console()


class _RichProgress(importer.Progress):
    """Shows each stage of an import as a rich progress bar on stderr."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def start(self, stage: str, total: int | None) -> None:
        if self._task is not None:
            task = self._progress.tasks[-1]
            self._progress.update(self._task, completed=task.total or task.completed)
        self._task = self._progress.add_task(stage, total=total)

    def update(self, completed: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=completed)

    def advance(self, amount: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )


def _print_errors(refused: importer.ImportRefused, errors_file: Path | None) -> None:
    table = Table(title=f"{refused.count} bad cells — nothing was stored", title_justify="left")
    for column in ("row", "column", "value", "reason"):
        table.add_column(column, overflow="fold")
    for e in refused.errors:
        # A refused control character is shown as <U+XXXX>, not sent to the terminal.
        value = "" if e.value is None else clean.visible(e.value)
        table.add_row(str(e.row), e.column, value, e.reason)
    err.print(table)
    rest = refused.count - len(refused.errors)
    if rest > 0:
        where = f"all of them are in {errors_file}" if errors_file else "use --errors FILE"
        err.print(f"… and {rest} more ({where})")


def import_command(
    panel: Path = typer.Argument(..., help="Panel file: .csv (UTF-8), .xlsx or .parquet"),
    errors: Path | None = typer.Option(
        None, "--errors", help="Write every bad cell to this CSV (row, column, value, reason)"
    ),
) -> None:
    """Validate and import an enterprise panel; a file with a bad row is refused whole (exit 2)."""
    engine = make_engine()
    try:
        upgrade(engine)
        errors_handle = errors.open("w", encoding="utf-8", newline="") if errors else None
        try:
            with _progress() as bars:
                progress = _RichProgress(bars)
                result = importer.import_panel(
                    panel, engine, errors_out=errors_handle, progress=progress
                )
                progress.start("writing snapshot", stored_rows(engine))
                path, rows = write_snapshot(engine, advance=progress.advance)
        except PanelFileError as exc:
            err.print(f"[red]refused:[/red] {exc}")
            raise typer.Exit(BAD_INPUT) from None
        except importer.ImportRefused as refused:
            _print_errors(refused, errors)
            raise typer.Exit(BAD_INPUT) from None
        finally:
            if errors_handle:
                errors_handle.close()
    finally:
        engine.dispose()
    years = f"{result.years[0]}-{result.years[-1]}" if result.years else "-"
    out.print(
        f"imported batch {result.batch_id}: {result.rows} rows, "
        f"{result.enterprises} enterprises, years {years}"
    )
    if result.extra_columns:
        out.print(f"extra columns kept: {', '.join(result.extra_columns)}")
    out.print(f"snapshot: {path} ({rows} rows)")


def snapshot_command(
    out_path: Path | None = typer.Option(None, "--out", help="Default: var/panel.parquet"),
) -> None:
    """Rebuild the Parquet snapshot of the stored panel that screening reads."""
    engine = make_engine()
    try:
        with _progress() as bars:
            task = bars.add_task("writing snapshot", total=stored_rows(engine))
            path, rows = write_snapshot(engine, out_path, advance=lambda n: bars.advance(task, n))
    finally:
        engine.dispose()
    out.print(f"snapshot: {path} ({rows} rows)")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command."""
    app.command("import")(import_command)
    app.command("snapshot")(snapshot_command)
