"""The channels a delivery goes out on: email over SMTP, and SMS behind an interface.

No SMS gateway is reachable from here, so the SMS implementation writes each message to the
log (`kechuang.notices.sms`); a real gateway implements `SmsGateway` and is passed instead.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from kechuang.notices.settings import SmtpSettings


class DeliveryFailed(Exception):
    """A channel could not take the message now (worth another attempt later)."""


class EmailSender(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class SmtpSender:
    """Sends one plain-text UTF-8 email per call over SMTP (STARTTLS or TLS when configured)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.cafile)

    def send(self, to: str, subject: str, body: str) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"] = s.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=s.sender.rpartition("@")[2] or None)
        message.set_content(body, charset="utf-8")
        try:
            if s.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout_seconds, context=self._context()
                )
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
            with client:
                if s.security == "starttls":
                    client.starttls(context=self._context())
                if s.username:
                    client.login(s.username, s.password or "")
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


class NoSmtp:
    """Email when no server is configured: every attempt fails and says so."""

    def send(self, to: str, subject: str, body: str) -> None:
        raise DeliveryFailed("no SMTP server configured (KECHUANG_SMTP_HOST)")


class LoggingSms:
    """SMS written to the log, with the messages kept for whoever inspects them."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger("kechuang.notices.sms")
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.logger.info("SMS to %s: %s", phone, text)
        self.sent.append((phone, text))
