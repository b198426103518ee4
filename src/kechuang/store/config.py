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
