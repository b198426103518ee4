"""Demo accounts for `make run`: one account per demo organisation that owns demo records.

Two officers, an analyst and an admin; two enterprises with an award, a loan and a demand; the
bank that lent to the first of them; the insurer and the guarantor with the most demo loans; the
tech-transfer offices of two demo institutions (fudan, sjtu) and an inventor of one of fudan's
paid results. Each is found in the stored demo records (`kechuang demo pillars` runs first), so
every login lands on a page full of its own work. Without those records (a bare store) the
enterprise is the first one the policy screens eligible (the DuckDB engine) and the
organisations are the demo's first bank, insurer and guarantor.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from kechuang.accounts.service import create_account
from kechuang.accounts.tables import Account
from kechuang.engines import duckdb_cursor
from kechuang.enterprises.snapshot import snapshot_path, write_snapshot
from kechuang.enterprises.tables import annual_facts
from kechuang.http.labels import label
from kechuang.store.engine import session_scope

DEMO_POLICY = "first-above-scale-reward"
# The demo organisations' codes (kechuang.demo.pillars seeds records for them).
DEMO_BANK, DEMO_INSURER, DEMO_GUARANTOR = "icbc-sh", "picc-sh", "sh-smb-guarantee"
DEMO_OFFICES = (
    ("tto1", "fudan", "复旦大学技术转移中心"),
    ("tto2", "sjtu", "上海交通大学先进产业技术研究院"),
)


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


def demo_enterprises(engine: Engine, wanted: int = 2) -> list[str]:
    """Enterprises with a paid demo award and a demo loan (by USCC), then those with an award."""
    from kechuang.finance.tables import Loan
    from kechuang.screening.tables import Award, ScreeningRun

    with session_scope(engine) as session:
        awarded = select(Award.uscc).join(ScreeningRun, ScreeningRun.id == Award.run_id).where(
            ScreeningRun.policy_id == DEMO_POLICY, Award.state == "paid"
        )  # fmt: skip
        borrowers = set(session.scalars(select(Loan.uscc).where(Loan.uscc.in_(awarded))))
        paid = sorted(set(session.scalars(awarded)))
    chosen = [u for u in paid if u in borrowers][:wanted]
    return chosen + [u for u in paid if u not in chosen][: wanted - len(chosen)]


def _busiest(engine: Engine, column: Any, where: Any, fallback: str) -> str:
    """The organisation with the most rows (ties: by code), or the fallback when none."""
    from kechuang.finance.tables import Loan

    with session_scope(engine) as session:
        row = session.execute(
            select(column, func.count()).select_from(Loan).where(where).group_by(column)
            .order_by(func.count().desc(), column).limit(1)
        ).first()  # fmt: skip
    return str(row[0]) if row else fallback


def demo_orgs(engine: Engine, enterprises: list[str]) -> dict[str, str]:
    """The bank, insurer and guarantor whose demo records the accounts will see."""
    from kechuang.finance.products import load_products
    from kechuang.finance.tables import Loan

    products = load_products().values()
    insured = [p.id for p in products if p.counterparty == "insurer"]
    guaranteed = [p.id for p in products if p.counterparty == "guarantor"]
    bank = _busiest(engine, Loan.bank_org, Loan.uscc.in_(enterprises[:1]), "")
    return {
        "bank": bank or _busiest(engine, Loan.bank_org, Loan.id.is_not(None), DEMO_BANK),
        "insurer": _busiest(engine, Loan.partner_org, Loan.product_id.in_(insured), DEMO_INSURER),
        "guarantor": _busiest(
            engine, Loan.partner_org, Loan.product_id.in_(guaranteed), DEMO_GUARANTOR
        ),
    }


def demo_inventor(engine: Engine, institution: str) -> tuple[int, str] | None:
    """The id and name of an inventor record of `institution` who has been paid a reward
    (first by id)."""
    from kechuang.transfer.tables import Inventor, Payout, Result

    with session_scope(engine) as session:
        row = session.execute(
            select(Inventor.id, Inventor.name).join(Payout, Payout.inventor_id == Inventor.id)
            .join(Result, Result.id == Inventor.result_id)
            .where(Result.institution == institution, Payout.amount_fen > 0)
            .order_by(Inventor.id).limit(1)
        ).first()  # fmt: skip
    return None if row is None else (int(row[0]), str(row[1]))


def link_demo_inventor(engine: Engine, inventor_id: int, username: str = "inventor1") -> None:
    """Link the demo inventor record to its account (what the office does with the step
    result.link-inventor), unless the account is already linked."""
    from kechuang.transfer.tables import Inventor

    with session_scope(engine) as session:
        account_id = session.scalar(select(Account.id).where(Account.username == username))
        if account_id is None or session.scalar(
            select(Inventor.id).where(Inventor.account_id == account_id)
        ):
            return
        record = session.get(Inventor, inventor_id)
        if record is not None and record.account_id is None:
            record.account_id = account_id


def demo_accounts(
    usccs: list[str], orgs: dict[str, str] | None = None, inventor: str | None = None
) -> list[DemoAccount]:
    def pw() -> str:
        return secrets.token_urlsafe(9)

    orgs = orgs or {"bank": DEMO_BANK, "insurer": DEMO_INSURER, "guarantor": DEMO_GUARANTOR}
    accounts = [
        DemoAccount("officer1", pw(), "officer", "科委 张科长 (officer1)"),
        DemoAccount("officer2", pw(), "officer", "科委 李处长 (officer2)"),
        *(
            DemoAccount(f"enterprise{n}", pw(), "enterprise", f"示范企业{n}", uscc=uscc)
            for n, uscc in enumerate(usccs, start=1)
        ),
        DemoAccount("bank1", pw(), "bank", f"{label('org', orgs['bank'])} (bank1)",
                    org=orgs["bank"]),
        DemoAccount("insurer1", pw(), "insurer", f"{label('org', orgs['insurer'])} (insurer1)",
                    org=orgs["insurer"]),
        DemoAccount("guarantor1", pw(), "guarantor",
                    f"{label('org', orgs['guarantor'])} (guarantor1)", org=orgs["guarantor"]),
        *(DemoAccount(name, pw(), "tech_transfer", display, org=org)
          for name, org, display in DEMO_OFFICES),
        DemoAccount("analyst1", pw(), "analyst", "统计分析 (analyst1)"),
        DemoAccount("admin", pw(), "admin", "系统管理员 (admin)"),
    ]  # fmt: skip
    if inventor:
        # The inventor's account, linked to the record of the same name (link_demo_inventor).
        accounts.insert(-2, DemoAccount("inventor1", pw(), "inventor", inventor,
                                        org=DEMO_OFFICES[0][1]))  # fmt: skip
    return accounts


def create_demo_accounts(engine: Engine) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet; returns those created (with passwords)."""
    usccs = demo_enterprises(engine)
    if not usccs:
        found = eligible_enterprise(engine)
        usccs = [found[0]] if found else []
    inventor = demo_inventor(engine, "fudan")
    wanted = demo_accounts(usccs, demo_orgs(engine, usccs), inventor[1] if inventor else None)
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
    if inventor is not None:
        link_demo_inventor(engine, inventor[0])
    return created
