"""Ledger fixtures: a migrated database on each store, and a chart of accounts to post to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kechuang.ledger import AccountType, OwnerKind, open_account
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade

# Enough pooled connections for the concurrency tests' threads, each holding its own.
POOL_SIZE = 24
USCC = "91310000MA1K35XX3B"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=POOL_SIZE, max_overflow=0)
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_sessionmaker(engine)() as session:
        yield session


def open_chart(session: Session) -> None:
    """A small chart: a policy budget, the city's appropriation, an enterprise payable, the
    treasury's bank account, and a compensation fund that may never go negative."""
    open_account(
        session, "budget:first-above-scale-reward", AccountType.ASSET, name_zh="首次升规奖励预算"
    )
    open_account(session, "equity:city-appropriation", AccountType.EQUITY, name_zh="市级财政拨款")
    open_account(
        session, "expense:first-above-scale-reward", AccountType.EXPENSE, name_zh="首次升规奖励支出"
    )
    open_account(
        session,
        f"payable:enterprise:{USCC}",
        AccountType.LIABILITY,
        owner_kind=OwnerKind.ENTERPRISE,
        owner_id=USCC,
        name_zh="应付企业奖励",
    )
    open_account(session, "bank:treasury", AccountType.ASSET, name_zh="国库存款")
    open_account(
        session,
        "fund:compensation",
        AccountType.ASSET,
        name_zh="风险补偿资金",
        name_en="Compensation fund",
        min_balance_fen=0,
    )
    open_account(session, "expense:compensation", AccountType.EXPENSE, name_zh="代偿支出")
    session.commit()


@pytest.fixture
def chart(session: Session) -> Session:
    open_chart(session)
    return session
