"""CLI commands of kechuang.web: `kechuang serve`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command."""

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on."),
        port: int = typer.Option(8000, help="Port to listen on."),
        workers: int = typer.Option(1, min=1, help="Worker processes (one per core at most)."),
        quiet: bool = typer.Option(False, help="No access log (for benchmarks)."),
    ) -> None:
        """Serve the web app and the JSON API (http://HOST:PORT, API docs at /docs)."""
        import uvicorn

        typer.echo(f"Kechuang on http://{host}:{port}")
        # An import string and a factory: each worker process builds its own app and engine.
        uvicorn.run(
            "kechuang.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning" if quiet else "info",
            access_log=not quiet,
        )
