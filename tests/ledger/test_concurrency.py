"""Real concurrency on both stores: threads, each with its own connection and session, post at once.

PostgreSQL runs them truly in parallel (READ COMMITTED); SQLite serialises writers, and the ledger
must neither fail with "database is locked" nor let a reader's stale snapshot decide a write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kechuang.ledger import (
    AccountType,
    FloorBreached,
    PostResult,
    balance,
    open_account,
    post,
    trial_balance,
)
from kechuang.ledger.tables import LedgerEntry
from kechuang.store.engine import make_sessionmaker
from tests.ledger.conftest import POOL_SIZE, USCC

PAYABLE = f"payable:enterprise:{USCC}"


def _all_at_once(
    engine: Engine, jobs: list[Callable[[Session], PostResult]]
) -> list[PostResult | BaseException]:
    """Run each job in its own thread and session, released together by a barrier."""
    assert len(jobs) <= POOL_SIZE
    barrier = threading.Barrier(len(jobs))
    sessions = make_sessionmaker(engine)

    def run(job: Callable[[Session], PostResult]) -> PostResult | BaseException:
        with sessions() as session:
            # Check the connection out before the barrier so that all start on equal terms.
            session.connection()
            barrier.wait(timeout=30)
            try:
                result = job(session)
                session.commit()
                return result
            except Exception as exc:
                session.rollback()
                return exc

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _entry_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0


@pytest.mark.parametrize("threads", [2, 16])
def test_threads_posting_the_same_key_at_once_create_exactly_one_entry(
    engine: Engine, chart: Session, threads: int
) -> None:
    def pay(session: Session) -> PostResult:
        return post(
            session,
            f"run:7:pay:{USCC}",
            [(PAYABLE, 250_000_00), ("bank:treasury", -250_000_00)],
            kind="payment",
            reference="screening_run:7",
        )

    results = _all_at_once(engine, [pay] * threads)
    assert all(isinstance(r, PostResult) for r in results), results
    created = [r for r in results if isinstance(r, PostResult) and r.created]
    assert len(created) == 1
    assert {r.entry_id for r in results if isinstance(r, PostResult)} == {created[0].entry_id}
    chart.expire_all()
    assert _entry_count(chart) == 1
    assert balance(chart, "bank:treasury") == -250_000_00
    assert trial_balance(chart) == 0


def test_a_second_writer_waiting_on_an_uncommitted_key_gets_the_winner_entry(
    engine: Engine, chart: Session
) -> None:
    """Deterministic race: the loser blocks (unique index / write lock) until the winner commits."""
    lines = [(PAYABLE, 100), ("bank:treasury", -100)]
    winner = make_sessionmaker(engine)()
    first = post(winner, "race", lines, kind="payment")
    started = threading.Event()

    def loser() -> PostResult:
        with make_sessionmaker(engine)() as session:
            started.set()
            result = post(session, "race", lines, kind="payment")
            session.commit()
            return result

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(loser)
        started.wait(timeout=10)
        # Give the loser time to reach the lock it waits on, then let the winner commit.
        threading.Event().wait(0.5)
        assert not pending.done()
        winner.commit()
        winner.close()
        second = pending.result(timeout=30)
    assert first.created and not second.created
    assert second.entry_id == first.entry_id
    chart.expire_all()
    assert _entry_count(chart) == 1


def test_paying_a_run_twice_from_parallel_workers_pays_each_enterprise_once(
    engine: Engine, chart: Session
) -> None:
    keys = [f"run:9:pay:{n:03d}" for n in range(12)]

    def worker(order: int) -> Callable[[Session], PostResult]:
        def pay_all(session: Session) -> PostResult:
            last = None
            # Workers walk the list in different orders to interleave as much as possible.
            for key in keys[order:] + keys[:order]:
                last = post(session, key, [(PAYABLE, 1_00), ("bank:treasury", -1_00)], "payment")
                session.commit()
            assert last is not None
            return last

        return pay_all

    results = _all_at_once(engine, [worker(n) for n in range(8)])
    assert all(isinstance(r, PostResult) for r in results), results
    chart.expire_all()
    assert _entry_count(chart) == len(keys)
    assert balance(chart, "bank:treasury") == -len(keys) * 1_00
    assert trial_balance(chart) == 0


def test_concurrent_claims_never_take_a_floored_fund_below_its_floor(
    engine: Engine, chart: Session
) -> None:
    post(
        chart,
        "fund:capital",
        [("fund:compensation", 1_000_000), ("equity:city-appropriation", -1_000_000)],
        kind="fund_capital",
    )
    chart.commit()

    def claim(n: int) -> Callable[[Session], PostResult]:
        def run(session: Session) -> PostResult:
            return post(
                session,
                f"claim:{n}",
                [("expense:compensation", 100_000), ("fund:compensation", -100_000)],
                kind="compensation",
                reference=("loan", n),
            )

        return run

    results = _all_at_once(engine, [claim(n) for n in range(20)])
    succeeded = [r for r in results if isinstance(r, PostResult)]
    refused = [r for r in results if isinstance(r, FloorBreached)]
    assert len(succeeded) == 10 and all(r.created for r in succeeded)
    assert len(refused) == 10, [r for r in results if not isinstance(r, PostResult | FloorBreached)]
    chart.expire_all()
    assert balance(chart, "fund:compensation") == 0
    assert balance(chart, "expense:compensation") == 1_000_000
    assert trial_balance(chart) == 0


def test_opposite_transfers_between_floored_funds_at_once_neither_deadlock_nor_breach(
    engine: Engine, chart: Session
) -> None:
    open_account(chart, "fund:guarantee", AccountType.ASSET, min_balance_fen=0)
    for fund in ("fund:compensation", "fund:guarantee"):
        post(
            chart,
            f"capital:{fund}",
            [(fund, 50_000), ("equity:city-appropriation", -50_000)],
            "capital",
        )
    chart.commit()

    def transfer(n: int) -> Callable[[Session], PostResult]:
        source, target = (
            ("fund:compensation", "fund:guarantee")
            if n % 2
            else ("fund:guarantee", "fund:compensation")
        )

        def run(session: Session) -> PostResult:
            return post(session, f"transfer:{n}", [(target, 10_000), (source, -10_000)], "transfer")

        return run

    results = _all_at_once(engine, [transfer(n) for n in range(16)])
    assert all(isinstance(r, PostResult | FloorBreached) for r in results), results
    chart.expire_all()
    assert balance(chart, "fund:compensation") >= 0 and balance(chart, "fund:guarantee") >= 0
    assert balance(chart, "fund:compensation") + balance(chart, "fund:guarantee") == 100_000
    assert trial_balance(chart) == 0


def test_threads_opening_the_same_account_at_once_open_it_once(
    engine: Engine, chart: Session
) -> None:
    def open_it(session: Session) -> PostResult:
        account = open_account(
            session, "payable:enterprise:X", "liability", owner_kind="enterprise"
        )
        return PostResult(account.id, created=False)

    results = _all_at_once(engine, [open_it] * 8)
    assert all(isinstance(r, PostResult) for r in results), results
    assert len({r.entry_id for r in results if isinstance(r, PostResult)}) == 1
