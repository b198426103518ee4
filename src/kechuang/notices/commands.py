"""`kechuang notices`: deliver the outbox (once, or every N seconds), list and re-queue dead
deliveries, and set an enterprise's channels."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from kechuang.domain.uscc import InvalidUSCC, validate
from kechuang.notices import delivery, matching, preferences, qualify, subscriptions
from kechuang.notices.channels import EmailSender, LoggingSms, NoSmtp, SmtpSender
from kechuang.notices.settings import SettingsError, public_url, retry_from, smtp_from
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.workflow.errors import Refusal

BAD_INPUT = 2
out = Console()
err = Console(stderr=True)
notices_app = typer.Typer(
    help="Notices: deliver the outbox by email and SMS, dead letters, channels.",
    no_args_is_help=True,
)


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine()
    try:
        with make_sessionmaker(engine)() as session:
            yield session
    except (Refusal, SettingsError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(BAD_INPUT) from exc
    finally:
        engine.dispose()


def send_once(session: Session, email: EmailSender, sms: LoggingSms) -> delivery.Report:
    """One pass of the sender: tell each enterprise of new policies it qualifies for (inbox),
    dispatch the outbox, tell subscribers of new policies, then attempt every delivery that is
    due."""
    base = public_url()
    conn = session.connection()
    qualify.tell_qualified(
        session,
        matching.current_policies(dt.date.today().year),
        qualify.screen_store(session.get_bind()),  # type: ignore[arg-type]
        qualify.verdict_in_store(conn),
        base,
    )
    dispatched = delivery.dispatch(session, base)
    conn = session.connection()
    subscriptions.announce_policies(
        session,
        matching.current_policies(dt.date.today().year),
        lambda uscc, policy: matching.verdict_on_facts(conn, uscc, policy),
        base,
    )
    subscriptions.announce_runs(session, matching.published_runs(session), matching.policy_of, base)
    report = delivery.deliver_due(session, email, sms, retry_from())
    return delivery.Report(dispatched, report.sent, report.retried, report.dead)


def senders() -> tuple[EmailSender, LoggingSms]:
    """The channels from the environment (SettingsError names a bad setting)."""
    settings = smtp_from()
    retry_from()
    return (SmtpSender(settings) if settings else NoSmtp()), LoggingSms()


def start_every(
    seconds: int, email: EmailSender, sms: LoggingSms, stop: threading.Event | None = None
) -> threading.Thread:
    """The sender's pass every `seconds` in a daemon thread, so that notices arrive while
    `kechuang serve` runs without a second command (the caller reads the channels' settings
    first, `senders`); a failed pass is logged and the next one tries again. Setting `stop`
    ends the loop and closes its connections."""
    stopped = stop if stop is not None else threading.Event()
    log = logging.getLogger("kechuang.notices")

    def loop() -> None:
        engine = make_engine()
        try:
            while not stopped.is_set():
                try:
                    with make_sessionmaker(engine)() as session:
                        send_once(session, email, sms)
                except Exception:  # a pass must never stop the server's sender
                    log.exception("notices: the sender's pass failed; trying again")
                stopped.wait(seconds)
        finally:
            engine.dispose()

    thread = threading.Thread(target=loop, name="notices-sender", daemon=True)
    thread.start()
    return thread


@notices_app.command("send")
def send(
    every: int = typer.Option(
        0, "--every", min=0, max=3600, help="Repeat every N seconds (0: one pass and stop)"
    ),
) -> None:
    """Deliver the outbox: queue each message on its enterprise's channels, send what is due."""
    try:
        email, sms = senders()
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(BAD_INPUT) from exc
    if isinstance(email, NoSmtp):
        err.print("[yellow]KECHUANG_SMTP_HOST is not set: email deliveries fail and retry[/yellow]")
    while True:
        with _session() as session:
            r = send_once(session, email, sms)
        out.print(
            f"dispatched {r.dispatched} · sent {r.sent} · to retry {r.retried} · dead {r.dead}"
        )
        if not every:
            return
        time.sleep(every)


@notices_app.command("dead")
def dead() -> None:
    """Deliveries that failed every attempt."""
    with _session() as session:
        total, rows = delivery.dead_letters(session, 100, 0)
        table = Table(title=f"投递失败 Dead letters ({total})")
        for column in ("id", "uscc", "channel", "address", "attempts", "last error"):
            table.add_column(column)
        for d in rows:
            table.add_row(
                str(d.id), d.uscc, d.channel, d.address, str(d.attempts), d.last_error or ""
            )
        out.print(table)


@notices_app.command("retry")
def retry(delivery_id: int = typer.Argument(..., min=1)) -> None:
    """Queue a dead delivery again, with a fresh count of attempts."""
    with _session() as session:
        delivery.requeue(session, delivery_id, dt.datetime.now(dt.UTC))
        session.commit()
        out.print(f"delivery {delivery_id} queued again")


@notices_app.command("channels")
def channels(
    uscc: str = typer.Argument(..., help="The enterprise's USCC"),
    email: str = typer.Option("", help="Email address"),
    phone: str = typer.Option("", help="Mobile number"),
    email_on: bool = typer.Option(False, "--email-on/--email-off"),
    sms_on: bool = typer.Option(False, "--sms-on/--sms-off"),
    by: str = typer.Option(..., "--by", help="Who sets it (recorded)"),
) -> None:
    """Set an enterprise's channels (as the enterprise asked, e.g. by letter)."""
    try:
        uscc = validate(uscc)
    except InvalidUSCC as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(BAD_INPUT) from exc
    with _session() as session:
        c = preferences.choose(session, uscc, email, phone, email_on, sms_on, by)
        session.commit()
        out.print(
            f"{uscc}: email {'on' if c.email_on else 'off'}, sms {'on' if c.sms_on else 'off'}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(notices_app, name="notices")
