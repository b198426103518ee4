"""`kechuang demo pillars`: seed payments, tech loans and transfer deals for the demo."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    demo_app = typer.Typer(help="Demo data for the dashboard and the annual report.")
    app.add_typer(demo_app, name="demo")

    @demo_app.command("pillars")
    def pillars(
        seed: int = typer.Option(2024, "--seed", help="Random seed (deterministic records)."),
        loans: int = typer.Option(300, "--loans", help="How many loans to seed at most."),
        results: int = typer.Option(36, "--results", help="How many transfer results to seed."),
    ) -> None:
        """Policy payments, tech loans and transfer deals through the services (re-runnable)."""
        from kechuang.demo.pillars import seed_pillars
        from kechuang.store.engine import make_engine

        engine = make_engine()
        try:
            summary = seed_pillars(engine, seed=seed, loans=loans, results=results)
        finally:
            engine.dispose()
        for line in summary.lines():
            typer.echo(line)
