"""Where the data lives: the database URL and the var/ directory."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATABASE_URL = "KECHUANG_DATABASE_URL"
ENV_VAR_DIR = "KECHUANG_VAR_DIR"


def var_dir() -> Path:
    """The directory for the SQLite file, snapshots and other local state (created on demand)."""
    path = Path(os.environ.get(ENV_VAR_DIR, "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """KECHUANG_DATABASE_URL if set, else the SQLite file var/kechuang.db."""
    url = os.environ.get(ENV_DATABASE_URL)
    if url:
        return url
    return f"sqlite:///{var_dir() / 'kechuang.db'}"


def libpq_uri(url: str) -> str | None:
    """The libpq connection URI of a PostgreSQL URL (`postgresql[+driver]://...`, as
    SQLAlchemy spells it), None for any other database. Only the scheme changes: the rest
    is already a libpq URI, percent-encoded alike, so psycopg can connect without
    SQLAlchemy's import (a few tenths of a second of a command's start)."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.split("+", 1)[0] != "postgresql":
        return None
    return f"postgresql://{rest}"
