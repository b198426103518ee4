"""Notice fixtures: the screening store (SQLite, PostgreSQL) with its constructed population, a
published run of first-above-scale-reward, and a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kechuang.screening import service
from kechuang.screening.runs import start_run
from tests.screening.conftest import engine, session

__all__ = ["engine", "session"]
POLICY = "first-above-scale-reward"
PUBLISHED = dt.date(2025, 9, 26)  # notice ends 2025-10-10 (National Day holiday)


@dataclass
class Inbox:
    """What the SMTP server received: (recipients, parsed message)."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content = envelope.content  # type: ignore[attr-defined]
        message = message_from_bytes(content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))  # type: ignore[attr-defined]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A local SMTP server on a free port, not started (a test starts it when it wants)."""
    server = SmtpServer(free_port(), Inbox())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def published(engine: Engine, session: Session) -> int:
    """A run of the reward (5 eligible, 4,000,000 yuan each after pro-rating), on notice."""
    run_id = start_run(engine, POLICY, 2024, "officer-li", sets=[f"{POLICY}.amount=5000000"])
    service.publish(session, run_id, "officer-li", on=PUBLISHED)
    session.commit()
    return run_id
