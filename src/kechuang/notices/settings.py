"""Delivery settings from the environment: the SMTP server and the retry policy.

KECHUANG_SMTP_HOST        the server (no host: email deliveries wait, and say why)
KECHUANG_SMTP_PORT        default 25, 587 with starttls, 465 with tls
KECHUANG_SMTP_SECURITY    none | starttls | tls (default starttls)
KECHUANG_SMTP_USER / KECHUANG_SMTP_PASSWORD   log in when a user is given
KECHUANG_SMTP_FROM        the sender address (default noreply@kechuang.localhost)
KECHUANG_SMTP_CAFILE      a CA bundle to verify the server with (default: the system's)
KECHUANG_PUBLIC_URL       the address links in messages point to (default http://127.0.0.1:8000)
KECHUANG_NOTICE_MAX_ATTEMPTS   attempts before a delivery is dead (default 5)
KECHUANG_NOTICE_BACKOFF        seconds before the first retry, doubled each time (default 60)
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Security = Literal["none", "starttls", "tls"]
SECURITIES: tuple[Security, ...] = ("none", "starttls", "tls")
DEFAULT_PORTS: dict[Security, int] = {"none": 25, "starttls": 587, "tls": 465}
MAX_BACKOFF = dt.timedelta(hours=6)


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names it."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: Security = "starttls"
    username: str | None = None
    password: str | None = None
    sender: str = "noreply@kechuang.localhost"
    cafile: str | None = None
    timeout_seconds: float = 20.0


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff: dt.timedelta = dt.timedelta(seconds=60)

    def wait_after(self, attempts: int) -> dt.timedelta:
        """How long after the `attempts`-th failed attempt the next one is made."""
        wait: dt.timedelta = self.backoff * (2 ** max(0, attempts - 1))
        return min(wait, MAX_BACKOFF)


def _int(env: Mapping[str, str], name: str, default: int, least: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} is a whole number, not {raw!r}") from None
    if value < least:
        raise SettingsError(f"{name} is at least {least}, not {value}")
    return value


def smtp_from(env: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """The SMTP settings, or None when no server is configured."""
    env = os.environ if env is None else env
    host = env.get("KECHUANG_SMTP_HOST", "").strip()
    if not host:
        return None
    security = env.get("KECHUANG_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
    if security not in SECURITIES:
        raise SettingsError(
            f"KECHUANG_SMTP_SECURITY is one of {', '.join(SECURITIES)}, not {security!r}"
        )
    checked: Security = security
    port = _int(env, "KECHUANG_SMTP_PORT", DEFAULT_PORTS[checked], 1)
    if port > 65535:
        raise SettingsError(f"KECHUANG_SMTP_PORT is at most 65535, not {port}")
    return SmtpSettings(
        host=host,
        port=port,
        security=checked,
        username=env.get("KECHUANG_SMTP_USER") or None,
        password=env.get("KECHUANG_SMTP_PASSWORD") or None,
        sender=env.get("KECHUANG_SMTP_FROM") or "noreply@kechuang.localhost",
        cafile=env.get("KECHUANG_SMTP_CAFILE") or None,
    )


def retry_from(env: Mapping[str, str] | None = None) -> RetryPolicy:
    env = os.environ if env is None else env
    return RetryPolicy(
        max_attempts=_int(env, "KECHUANG_NOTICE_MAX_ATTEMPTS", 5, 1),
        backoff=dt.timedelta(seconds=_int(env, "KECHUANG_NOTICE_BACKOFF", 60, 1)),
    )


def public_url(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (env.get("KECHUANG_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")
