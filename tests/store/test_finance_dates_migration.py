"""Migration 0010 (finance days) keeps what rows written before it knew, on both stores.

A repayment's old single day becomes its received and recorded day, the recording moment is its
ledger entry's posting time, every loan and sub-fund counts as live from its application (no
replay may rewrite it), and the downgrade gives the old columns back.
"""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import Engine, MetaData, insert, select

from kechuang.store.engine import make_engine
from kechuang.store.migrate import alembic_config, upgrade

APPLIED = dt.date(2025, 3, 3)
PAID = dt.date(2025, 4, 3)
POSTED = dt.datetime(2025, 4, 3, 9, 30, tzinfo=dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite gives naive datetimes back; they were stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _old_rows(engine: Engine) -> None:
    """A loan with a repayment and a recovery, a sub-fund with a call and a valuation, at 0008."""
    meta = MetaData()
    meta.reflect(engine)
    t = meta.tables
    loan = {"id": 1, "product_id": "performance-loan", "product_version": "1", "fund_code": "f",
            "uscc": "91310115MA1000000X", "enterprise_name": "某公司", "bank_org": "icbc-sh",
            "partner_org": "picc-sh", "bank_ref": "L1", "principal_fen": 100, "annual_rate": "0.04",
            "term_months": 3, "method": "interest_only", "state": "compensated",
            "applied_on": APPLIED, "admission_year": 2024, "admission_outcome": "eligible",
            "admission": {}, "premium_fen": 0, "outstanding_fen": 0, "ever_overdue": True,
            "claim_deadline_provisional": False, "created_by": "icbc"}  # fmt: skip
    entry = {"occurred_at": POSTED, "posted_at": POSTED, "kind": "k", "description": ""}
    with engine.begin() as conn:
        conn.execute(insert(t["finance_loans"]), loan)
        conn.execute(insert(t["finance_repayments"]), {
            "loan_id": 1, "bank_ref": "R1", "paid_on": PAID, "principal_fen": 0,
            "interest_fen": 1, "recorded_by": "icbc"})  # fmt: skip
        conn.execute(insert(t["finance_recoveries"]), {
            "loan_id": 1, "bank_ref": "C1", "recovered_on": PAID, "amount_fen": 1,
            "parts": {"bank": 1}, "recorded_by": "icbc"})  # fmt: skip
        conn.execute(insert(t["ledger_entries"]), [
            {**entry, "idempotency_key": "finance:loan:1:repayment:R1"},
            {**entry, "idempotency_key": "fof:call:k1"}])  # fmt: skip
        conn.execute(insert(t["fof_sub_funds"]), {
            "id": 1, "name": "n", "manager": "m", "industry": "AI", "target_size_fen": 10,
            "requested_fen": 5, "criteria": {}, "score": "80", "state": "approved",
            "applied_on": APPLIED})  # fmt: skip
        conn.execute(insert(t["fof_flows"]), [
            {"key": "k1", "sub_fund_id": 1, "kind": "capital_call", "on": PAID, "amount_fen": 5,
             "recorded_by": "o"},
            {"key": "v1", "sub_fund_id": 1, "kind": "valuation", "on": PAID, "amount_fen": 5,
             "recorded_by": "o"}])  # fmt: skip


def test_rows_before_0010_keep_their_days_and_become_live(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0008")
        _old_rows(engine)
        before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        upgrade(engine)
        meta = MetaData()
        meta.reflect(engine)
        t = meta.tables
        with engine.connect() as conn:
            repayment = conn.execute(select(t["finance_repayments"])).mappings().one()
            recovery = conn.execute(select(t["finance_recoveries"])).mappings().one()
            loan = conn.execute(select(t["finance_loans"])).mappings().one()
            sub_fund = conn.execute(select(t["fof_sub_funds"])).mappings().one()
            flows = {r["key"]: r for r in conn.execute(select(t["fof_flows"])).mappings()}
        assert (repayment["received_on"], repayment["recorded_on"]) == (PAID, PAID)
        assert _aware(repayment["recorded_at"]) == POSTED and repayment["replayed_by"] is None
        # No ledger entry to vouch for it: the migration's own moment.
        assert recovery["received_on"] == PAID and _aware(recovery["recorded_at"]) >= before
        assert loan["live_since"] == APPLIED and sub_fund["live_since"] == APPLIED
        assert _aware(flows["k1"]["recorded_at"]) == POSTED
        assert _aware(flows["v1"]["recorded_at"]) >= before

        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0008")
        meta = MetaData()
        meta.reflect(engine)
        assert {"paid_on"} <= set(meta.tables["finance_repayments"].c.keys())
        assert "received_on" not in meta.tables["finance_recoveries"].c
        with engine.connect() as conn:
            assert conn.scalar(select(meta.tables["finance_repayments"].c.paid_on)) == PAID
    finally:
        engine.dispose()
