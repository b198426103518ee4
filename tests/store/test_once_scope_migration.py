"""Migration 0015 (once scope) on a store that already paid twice, on both stores.

Runs get the once scope of the pack version they screened; open and paid awards get claims, the
first per scope winning (a paid award before an open one, then the earlier run); the duplicate
holds no claim, so its payment will be refused; ended awards and non-paying policies hold none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from alembic import command
from sqlalchemy import Engine, MetaData, insert, select

from kechuang.store.engine import make_engine
from kechuang.store.migrate import alembic_config, upgrade

NOW = dt.datetime(2025, 5, 6, 9, 30, tzinfo=dt.UTC)
X, Y, Z = "91310115MA1000001X", "91310115MA1000002X", "91310115MA1000003X"


def _run(run_id: int, policy_id: str, version: str) -> dict[str, Any]:
    return {"id": run_id, "policy_id": policy_id, "policy_version": version, "policy_hash": "h",
            "year": 2024, "overrides": {}, "batch_count": 1, "snapshot_sha256": "s",
            "allocation": "pro_rata", "state": "approved", "started_by": "o", "started_at": NOW,
            "loaded_rows": 0, "counts": {}, "eligible_fen": 0, "allocated_fen": 0,
            "notice_provisional": False, "confirm_provisional": False}  # fmt: skip


def _award(award_id: int, run_id: int, uscc: str, state: str) -> dict[str, Any]:
    return {"id": award_id, "run_id": run_id, "uscc": uscc, "name": "n", "eligible_fen": 1,
            "allocated_fen": 1, "state": state}  # fmt: skip


def _old_rows(engine: Engine) -> None:
    """Two runs of the one-off reward sharing enterprises (X paid in the first and confirmed
    in the second), and a run of a policy that pays nothing, at revision 0008."""
    meta = MetaData()
    meta.reflect(engine)
    runs, awards = meta.tables["screening_runs"], meta.tables["screening_awards"]
    with engine.begin() as conn:
        conn.execute(insert(runs), [
            _run(1, "first-above-scale-reward", "2024.1"),
            _run(2, "first-above-scale-reward", "2024.1"),
            _run(3, "tsme-2017", "2017.1")])  # fmt: skip
        conn.execute(insert(awards), [
            _award(10, 1, X, "paid"), _award(11, 1, Y, "confirmed"), _award(12, 1, Z, "lapsed"),
            _award(20, 2, X, "confirmed"), _award(21, 2, Y, "proposed"),
            _award(30, 3, X, "proposed")])  # fmt: skip


def test_claims_of_a_store_that_paid_twice_go_to_the_first(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0014")
        _old_rows(engine)
        upgrade(engine)
        meta = MetaData()
        meta.reflect(engine)
        runs, claims = meta.tables["screening_runs"], meta.tables["screening_once_claims"]
        with engine.connect() as conn:
            scopes = {r.id: (r.once_scope, r.scope_key) for r in conn.execute(select(runs))}
            held = {(c.uscc, c.award_id, c.state) for c in conn.execute(select(claims))}
        assert scopes == {1: ("ever", "ever"), 2: ("ever", "ever"), 3: (None, None)}
        assert held == {(X, 10, "paid"), (Y, 11, "live")}

        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0014")
        meta = MetaData()
        meta.reflect(engine)
        assert "screening_once_claims" not in meta.tables
        assert "scope_key" not in meta.tables["screening_runs"].c
    finally:
        engine.dispose()


def test_the_scopes_written_into_0015_are_the_shipped_packs() -> None:
    """The migration spells out the pack's once scopes (the store does not import policies):
    every paying policy of the pack is there, with the same scope and period start."""
    from importlib import import_module

    from kechuang.policies.pack import load_pack

    shipped = import_module("kechuang.store.migrations.versions.0015_once_scope").SHIPPED_ONCE
    for policy in load_pack().policies:
        if policy.benefit is None:
            continue
        once = policy.benefit.once.value
        start = policy.effective_from.isoformat() if once == "per_period" else None
        assert shipped[policy.id] == (once, start), policy.id
