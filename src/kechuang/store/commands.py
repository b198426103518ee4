"""CLI commands of kechuang.store."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command."""
