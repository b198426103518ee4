"""Recording the same receipt from two sessions at once stores one income and pays once."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kechuang.ledger.tables import LedgerEntry
from kechuang.store.engine import make_sessionmaker
from kechuang.transfer import deals, income
from kechuang.transfer.deals import DealDraft
from kechuang.transfer.income import IncomeDraft
from kechuang.transfer.tables import DealIncome, Payout
from tests.transfer.conftest import FUDAN, add_patent, make_uscc


def test_same_receipt_twice_at_once(engine: Engine, session: Session) -> None:
    result = add_patent(session)
    deal = deals.create(session, FUDAN, result.id, DealDraft(
        kind="transfer", counterparty_name="买方", counterparty_uscc=make_uscc(5),
        signed_on=dt.date(2024, 7, 1), contract_amount_minor=9_999_999))  # fmt: skip
    session.commit()
    draft = IncomeDraft("price", "SLIP-1", dt.date(2024, 7, 2), 9_999_999)
    barrier = threading.Barrier(2)
    ids: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with make_sessionmaker(engine)() as own:
                barrier.wait()
                ids.append(income.record(own, FUDAN, deal.id, draft).id)
                own.commit()
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len(set(ids)) == 1
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(DealIncome)) == 1
    assert session.scalar(select(func.count()).select_from(Payout)) == 3
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 2  # income, reward
