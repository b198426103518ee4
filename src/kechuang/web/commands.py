"""CLI commands of kechuang.web: `kechuang serve`.

The client address (login limits, the audit log, sessions) is the TCP peer. Only a peer named
in KECHUANG_TRUSTED_PROXIES (or --trusted-proxies) may say who the real client is with
X-Forwarded-For; by default no peer may, since uvicorn would otherwise believe the header from
127.0.0.1 and let anyone on the machine pick the address their guesses are counted against.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import typer

ENV_TRUSTED_PROXIES = "KECHUANG_TRUSTED_PROXIES"


def parse_trusted_proxies(text: str) -> list[str]:
    """Comma-separated IP addresses or networks (10.0.0.0/8); ValueError names a bad one."""
    proxies = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(
                f"{ENV_TRUSTED_PROXIES}: {item!r} is not an IP address or network "
                "(name the proxies; '*' would trust every client)"
            ) from None
        proxies.append(item)
    return proxies


def server_options(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    quiet: bool = False,
    trusted_proxies: list[str] | None = None,
) -> dict[str, Any]:
    """uvicorn's settings for `kechuang serve` (everything but the app)."""
    proxies = trusted_proxies or []
    return {
        "host": host,
        "port": port,
        "workers": workers,
        "log_level": "warning" if quiet else "info",
        "access_log": not quiet,
        # Without a trusted proxy the forwarded headers are not read at all.
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": ",".join(proxies),
    }


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command."""

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on."),
        port: int = typer.Option(8000, help="Port to listen on."),
        workers: int = typer.Option(1, min=1, help="Worker processes (one per core at most)."),
        quiet: bool = typer.Option(False, help="No access log (for benchmarks)."),
        notices_every: int = typer.Option(
            30,
            min=0,
            max=3600,
            help="Deliver notices every N seconds while serving (0: leave it to "
            "`kechuang notices send`).",
        ),
        trusted_proxies: str = typer.Option(
            "",
            envvar=ENV_TRUSTED_PROXIES,
            help="Reverse proxies whose X-Forwarded-For is believed: comma-separated IP "
            "addresses or networks. Default: none.",
        ),
    ) -> None:
        """Serve the web app and the JSON API (http://HOST:PORT, API docs at /docs)."""
        import uvicorn

        from kechuang.accounts.throttle import ThrottleConfigError, ThrottleSettings
        from kechuang.notices.commands import senders as notice_senders

        try:
            proxies = parse_trusted_proxies(trusted_proxies)
            ThrottleSettings.from_environ()  # refuse bad login limits before listening
            # and bad mail settings (a SettingsError is a ValueError)
            channels = notice_senders() if notices_every else None
        except (ValueError, ThrottleConfigError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        # Loans move along their schedules at start-up and then daily (kechuang.finance.tick).
        from sqlalchemy.exc import SQLAlchemyError

        from kechuang.finance.tick import run, start_daily
        from kechuang.store.engine import make_engine

        try:
            ticked = run(make_engine())
            typer.echo(f"finance tick: {ticked.overdue} overdue, {len(ticked.defaulted)} defaulted")
        except SQLAlchemyError as exc:  # a store not created yet: the pages will say so
            typer.echo(f"finance tick skipped: {type(exc).__name__}", err=True)
        start_daily(make_engine())
        if channels is not None:
            from kechuang.notices.commands import start_every

            start_every(notices_every, *channels)
            typer.echo(f"notices: delivered every {notices_every} s")
        typer.echo(f"Kechuang on http://{host}:{port}")
        # An import string and a factory: each worker process builds its own app and engine.
        uvicorn.run(
            "kechuang.web.app:create_app",
            factory=True,
            **server_options(host, port, workers, quiet, proxies),
        )
