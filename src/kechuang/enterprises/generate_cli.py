"""`kechuang generate`: write a synthetic Shanghai enterprise panel (see enterprises.generator)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kechuang.domain.periods import InvalidYears, parse_years

# Below this many enterprises a run takes about a second; a bar would only flicker.
PROGRESS_FROM = 200_000


def register(app: typer.Typer) -> None:
    """Add the `generate` command to the `kechuang` command."""

    @app.command("generate")
    def generate(
        enterprises: int = typer.Option(..., "--enterprises", "-n", help="Number of enterprises."),
        years: str = typer.Option(
            "2022-2024", "--years", help="A year or a range, e.g. 2022-2024."
        ),
        seed: int = typer.Option(1, "--seed", help="Same seed, same file."),
        out: Path = typer.Option(..., "--out", help="Output file: .parquet, .csv or .xlsx."),
    ) -> None:
        """Generate a synthetic Shanghai enterprise panel in the data contract's format."""
        # Imported here so that `kechuang --help` does not pay for numpy and pyarrow.
        from kechuang.enterprises.generator import GeneratorError, write_panel

        err = Console(stderr=True)
        try:
            year_list = parse_years(years)
        except InvalidYears as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
        if seed < 0:
            err.print("[red]error:[/red] the seed must be a non-negative integer")
            raise typer.Exit(2)
        show = enterprises >= PROGRESS_FROM
        progress = Progress(
            TextColumn("generating"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=not show,
        )
        with progress:
            task = progress.add_task("generate", total=enterprises)
            try:
                written = write_panel(
                    out,
                    enterprises,
                    year_list,
                    seed,
                    on_chunk=lambda done: progress.update(task, completed=done),
                )
            except GeneratorError as exc:
                err.print(f"[red]error:[/red] {exc}")
                raise typer.Exit(2) from exc
        err.print(
            f"wrote {written.rows:,} rows ({written.enterprises:,} enterprises × "
            f"{years}) to {written.path}"
        )
