"""The fund of funds: scoring, the 50% cap, calls within commitments, returns against pyxirr."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import pyxirr
from sqlalchemy.orm import Session

from kechuang.finance import fund_of_funds as fof
from kechuang.finance.errors import Refused
from kechuang.ledger import FloorBreached, balance, trial_balance
from tests.finance.conftest import make_uscc

GOOD = {"team": 90, "industry_fit": 85, "fundraising": 70, "local_investment": 80,
        "governance": 75}  # fmt: skip
D = dt.date


def test_a_sub_fund_is_scored_capped_called_and_returns_are_computed(session: Session) -> None:
    assert fof.score(GOOD) == Decimal("81.75")  # 27 + 21.25 + 14 + 12 + 7.5
    with pytest.raises(Refused, match="50%"):
        fof.apply(session, "超额", "M", "AI", 100_000_00, 50_000_01, GOOD, D(2024, 1, 1))
    weak = fof.apply(session, "弱", "M", "AI", 100_000_00, 10_000_00,
                     {**GOOD, "team": 10, "industry_fit": 10}, D(2024, 1, 1))  # fmt: skip
    with pytest.raises(Refused, match="pass mark"):
        fof.decide(session, weak.id, True, "officer")
    sub = fof.apply(session, "未来产业一号", "某创投", "量子", 1_000_000_00, 400_000_00, GOOD,
                    D(2024, 1, 1))  # fmt: skip
    fof.decide(session, sub.id, True, "officer")
    fof.commit(session, sub.id, 400_000_00, "c1", D(2024, 2, 1), "officer")
    with pytest.raises(Refused, match="50%"):
        fof.commit(session, sub.id, 100_000_01, "c2", D(2024, 2, 1), "officer")
    session.commit()
    with pytest.raises(FloorBreached):  # no money in the fund yet
        fof.call(session, sub.id, 200_000_00, "k1", D(2024, 3, 1), "officer")
    session.rollback()
    fof.capitalise(session, 1_000_000_00, "y2024", D(2024, 1, 2), "officer")
    fof.call(session, sub.id, 200_000_00, "k1", D(2024, 3, 1), "officer")
    fof.call(session, sub.id, 200_000_00, "k1", D(2024, 3, 1), "officer")  # replay: no second call
    fof.invest(session, sub.id, make_uscc(7), 250_000_00, "i1", D(2024, 6, 1), "officer")
    fof.call(session, sub.id, 100_000_00, "k2", D(2025, 3, 1), "officer")
    with pytest.raises(Refused, match="commitment"):
        fof.call(session, sub.id, 100_000_01, "k3", D(2025, 4, 1), "officer")
    fof.distribute(session, sub.id, 120_000_00, "d1", D(2025, 12, 1), "officer")
    fof.value(session, sub.id, 330_000_00, "v1", D(2026, 6, 30), "officer")
    r = fof.returns(session, sub.id)
    assert (r.paid_in_fen, r.distributed_fen, r.nav_fen) == (300_000_00, 120_000_00, 330_000_00)
    assert r.tvpi == Decimal("1.5000") and r.dpi == Decimal("0.4000")
    expected = pyxirr.xirr([D(2024, 3, 1), D(2025, 3, 1), D(2025, 12, 1), D(2026, 6, 30)],
                           [-200_000, -100_000, 120_000, 330_000])  # fmt: skip
    assert r.irr is not None and abs(float(r.irr) - expected) < 1e-6
    assert balance(session, fof.FOF_CASH) == 1_000_000_00 - 300_000_00 + 120_000_00
    assert trial_balance(session) == 0
