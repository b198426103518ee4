"""Demo accounts for `make run`: two officers, an enterprise that the demo data makes eligible
for first-above-scale-reward, a bank, a tech-transfer office, an analyst and an admin.

The enterprise is found by screening the stored panel's snapshot with the policy itself (the
DuckDB engine), so the demo login always has a reward to see.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from kechuang.accounts.service import create_account
from kechuang.accounts.tables import Account
from kechuang.engines import duckdb_cursor
from kechuang.enterprises.snapshot import snapshot_path, write_snapshot
from kechuang.enterprises.tables import annual_facts
from kechuang.store.engine import session_scope

DEMO_POLICY = "first-above-scale-reward"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    display_name: str
    uscc: str | None = None
    org: str | None = None


def latest_year(engine: Engine) -> int | None:
    with engine.connect() as conn:
        year = conn.scalar(select(func.max(annual_facts.c.year)))
    return int(year) if year is not None else None


def eligible_enterprise(engine: Engine, policy_id: str = DEMO_POLICY) -> tuple[str, int] | None:
    """The first (by USCC) enterprise eligible for policy_id in the latest stored year."""
    from kechuang.engines.duckdb import screen
    from kechuang.policies.source import current_pack

    year = latest_year(engine)
    if year is None:
        return None
    panel = snapshot_path()
    if not panel.exists():
        write_snapshot(engine)
    policy = current_pack().get(policy_id, year)
    with tempfile.TemporaryDirectory(prefix="kechuang-demo-") as work:
        out = Path(work) / "results.parquet"
        screen(panel, year, [policy], out, check=False)
        row = duckdb_cursor.fetchone(
            f"SELECT uscc FROM read_parquet('{out}') WHERE outcome = 'eligible' "
            "ORDER BY uscc LIMIT 1"
        )
    return (str(row[0]), year) if row else None


def demo_accounts(uscc: str | None) -> list[DemoAccount]:
    def pw() -> str:
        return secrets.token_urlsafe(9)

    accounts = [
        DemoAccount("officer1", pw(), "officer", "科委 张科长 (officer1)"),
        DemoAccount("officer2", pw(), "officer", "科委 李处长 (officer2)"),
        DemoAccount("bank1", pw(), "bank", "示例银行 (bank1)", org="demo-bank"),
        DemoAccount("tto1", pw(), "tech_transfer", "示例大学技术转移中心", org="demo-university"),
        DemoAccount("analyst1", pw(), "analyst", "统计分析 (analyst1)"),
        DemoAccount("admin", pw(), "admin", "系统管理员 (admin)"),
    ]
    if uscc:
        accounts.insert(2, DemoAccount("enterprise1", pw(), "enterprise", "示范企业", uscc=uscc))
    return accounts


def create_demo_accounts(engine: Engine) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet; returns those created (with passwords)."""
    found = eligible_enterprise(engine)
    wanted = demo_accounts(found[0] if found else None)
    created: list[DemoAccount] = []
    with session_scope(engine) as session:
        existing = set(session.scalars(select(Account.username)).all())
        for demo in wanted:
            if demo.username in existing:
                continue
            create_account(
                session,
                demo.username,
                demo.password,
                demo.role,
                display_name=demo.display_name,
                uscc=demo.uscc,
                org=demo.org,
                actor="make-run",
            )
            created.append(demo)
    return created
