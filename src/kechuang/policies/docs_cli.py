"""`kechuang policy-docs`: (re)write the reference pages under docs/policies, or check them.

`make docs` runs it; CI runs it with `--check`, which writes nothing and exits 1 listing every
page that is missing, different or no longer generated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kechuang.policies.reference import pages
from kechuang.policies.source import current_pack


def differences(out: Path, wanted: dict[str, str]) -> list[str]:
    """What `--check` reports: pages missing or different, and stale generated pages."""
    problems = []
    for name, text in sorted(wanted.items()):
        path = out / name
        if not path.exists():
            problems.append(f"missing: {path}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"out of date: {path}")
    if out.exists():
        for path in sorted(out.glob("*.md")):
            if path.name not in wanted:
                problems.append(f"no longer generated: {path}")
    return problems


def write(out: Path, wanted: dict[str, str]) -> list[Path]:
    """Write every page (only those that changed) and remove stale .md pages; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in sorted(wanted.items()):
        path = out / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    for path in sorted(out.glob("*.md")):
        if path.name not in wanted:
            path.unlink()
    return written


def policy_docs(
    out: Annotated[Path, typer.Option("--out", help="Directory of the reference pages.")] = Path(
        "docs/policies"
    ),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if any page is not current.")
    ] = False,
) -> None:
    """Generate the Markdown reference page of every policy version (docs/policies)."""
    wanted = pages(current_pack().policies)
    if check:
        problems = differences(out, wanted)
        for problem in problems:
            typer.echo(problem, err=True)
        if problems:
            typer.echo("run `make docs` (kechuang policy-docs) and commit the pages", err=True)
            raise typer.Exit(1)
        typer.echo(f"{len(wanted)} policy pages are current in {out}")
        return
    written = write(out, wanted)
    typer.echo(f"{len(wanted)} pages in {out} ({len(written)} written)")


def register(app: typer.Typer) -> None:
    app.command("policy-docs")(policy_docs)
