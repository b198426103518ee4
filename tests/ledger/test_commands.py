"""`kechuang db upgrade` creates the ledger; `kechuang ledger balance|entries` read it."""

from __future__ import annotations

import json

from sqlalchemy import inspect
from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.ledger import AccountType, open_account, post
from kechuang.store.engine import make_engine, session_scope

runner = CliRunner()


def _seed(url: str) -> None:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            open_account(session, "bank:treasury", AccountType.ASSET, name_zh="国库存款")
            open_account(session, "equity:city-appropriation", AccountType.EQUITY)
            open_account(session, "fund:compensation", AccountType.ASSET, min_balance_fen=0)
            post(
                session,
                "k1",
                [("bank:treasury", 123_456_789), ("equity:city-appropriation", -123_456_789)],
                kind="capital",
                description="拨款",
                reference="budget:2025",
            )
            post(
                session,
                "k2",
                [("fund:compensation", 5_000_000), ("bank:treasury", -5_000_000)],
                kind="fund_capital",
            )
    finally:
        engine.dispose()


def test_db_upgrade_creates_the_ledger_tables(store_env: str) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = make_engine(store_env)
    try:
        names = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"ledger_accounts", "ledger_entries", "ledger_postings"} <= names


def test_balance_shows_yuan_and_a_zero_trial_balance(store_env: str) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    _seed(store_env)
    result = runner.invoke(app, ["ledger", "balance"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "¥1,184,567.89" in result.output  # 1,234,567.89 in, 50,000.00 out to the fund
    assert "Trial balance: ¥0.00" in result.output

    result = runner.invoke(app, ["ledger", "balance", "--prefix", "fund:", "--json"])
    document = json.loads(result.output)
    assert document["trial_balance_fen"] == 0
    assert [(a["code"], a["balance_fen"], a["min_balance_fen"]) for a in document["accounts"]] == [
        ("fund:compensation", 5_000_000, 0)
    ]
    result = runner.invoke(app, ["ledger", "balance", "--account", "equity:city-appropriation"])
    assert "¥1,234,567.89" in result.output


def test_entries_filter_by_reference_and_limit(store_env: str) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    _seed(store_env)
    result = runner.invoke(app, ["ledger", "entries", "--reference", "budget:2025", "--json"])
    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.output)
    assert entry["idempotency_key"] == "k1" and entry["reference"] == "budget:2025"
    assert sum(p["amount_fen"] for p in entry["postings"]) == 0
    result = runner.invoke(app, ["ledger", "entries", "--limit", "1"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "fund:compensation" in result.output and "拨款" not in result.output


def test_bad_input_is_refused_with_exit_code_2(store_env: str) -> None:
    result = runner.invoke(app, ["ledger", "balance"])
    assert result.exit_code == 2 and "kechuang db upgrade" in result.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["ledger", "balance", "--account", "nope"]).exit_code == 2
    assert runner.invoke(app, ["ledger", "entries", "--account", "nope"]).exit_code == 2
    assert runner.invoke(app, ["ledger", "entries", "--reference", "12"]).exit_code == 2
