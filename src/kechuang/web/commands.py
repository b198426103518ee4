"""CLI commands of kechuang.web: `kechuang serve`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command."""

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on."),
        port: int = typer.Option(8000, help="Port to listen on."),
    ) -> None:
        """Serve the web app and the JSON API (http://HOST:PORT, API docs at /docs)."""
        import uvicorn

        from kechuang.web.app import create_app

        typer.echo(f"Kechuang on http://{host}:{port}")
        uvicorn.run(create_app(), host=host, port=port, log_level="info")
