"""Screening-run benchmark: screen, store and publish a run of N enterprises, SQLite and PostgreSQL.

Per store, with a fresh database and var/ directory: `kechuang import` of a generated panel
(N enterprises × 2022-2024, seed 7; measured but not part of the run), then the whole processes
`kechuang runs start --policy first-above-scale-reward --year 2024` (screen the snapshot in
DuckDB, store N results, create the awards) and `kechuang runs publish` (公示 with the outbox).
PostgreSQL runs when KECHUANG_TEST_POSTGRES_URL is set or a local server answers, in a schema of
its own that is dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.harness import Measurement, kechuang, measure

TITLE = "runs"
POLICY = "first-above-scale-reward"
LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_base() -> str | None:
    base = os.environ.get("KECHUANG_TEST_POSTGRES_URL") or LOCAL_POSTGRES
    try:
        engine = create_engine(base, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception:  # no server: the PostgreSQL half is skipped, not failed
        return None
    return base


@contextmanager
def _postgres_schema(base: str) -> Iterator[str]:
    schema = f"bench_runs_{secrets.token_hex(4)}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield (
            make_url(base)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def _stores(work: Path) -> Iterator[tuple[str, str]]:
    yield "sqlite", f"sqlite:///{work / 'sqlite' / 'kechuang.db'}"
    base = _postgres_base()
    if base is not None:
        with _postgres_schema(base) as url:
            yield "postgresql", url


def _eligible(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM screening_awards")).scalar_one()
    engine.dispose()
    return int(count)


def run(size: int) -> list[Measurement]:
    work = Path(tempfile.mkdtemp(prefix="kechuang-bench-runs-"))
    panel = work / "panel.parquet"
    measure(
        "generate",
        kechuang("generate", "--enterprises", str(size), "--years", "2022-2024", "--seed", "7",
                 "--out", str(panel)),
    )  # fmt: skip
    rows: list[Measurement] = []
    for store, url in _stores(work):
        var = work / f"var-{store}"
        env = {"KECHUANG_DATABASE_URL": url, "KECHUANG_VAR_DIR": str(var)}
        rows.append(measure(f"{store}: import {size:,} × 3 years", kechuang("import", str(panel)),
                            "setup, not part of the run", env))  # fmt: skip
        # `--by` names an account: the demo officers (setup, not measured).
        measure(f"{store}: demo accounts", kechuang("accounts", "demo"), "setup", env)
        start = measure(
            f"{store}: runs start {size:,}",
            kechuang("runs", "start", "--policy", POLICY, "--year", "2024", "--by", "officer1"),
            "screen (DuckDB) + store results + awards",
            env,
        )
        publish = measure(
            f"{store}: runs publish",
            kechuang("runs", "publish", "1", "--by", "officer1"),
            "公示 + outbox",
            env,
        )
        eligible = _eligible(url)
        start.note += f"; {eligible:,} eligible"
        publish.note += f"; {eligible:,} notifications"
        total = Measurement(
            f"{store}: screen, store and publish {size:,}",
            start.seconds + publish.seconds,
            max(start.peak_mb, publish.peak_mb),
            "start + publish",
        )
        rows += [start, publish, total]
    return rows
