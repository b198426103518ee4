"""Schedules: exact to the fen, checked against numpy-financial's annuity functions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.finance.schedule import add_months, build_schedule

START = dt.date(2025, 1, 31)


@pytest.mark.parametrize(("rate", "months"), [("0.0435", 12), ("0.06", 36), ("0.0395", 6)])
def test_equal_instalments_match_numpy_financial(rate: str, months: int) -> None:
    principal = 1_234_567_89
    schedule = build_schedule(
        principal, Decimal(rate), months, START, "equal_instalment", "monthly"
    )
    r = float(Decimal(rate) / 12)
    payment = npf.pmt(r, months, -principal)
    for row in schedule:
        # Each month is rounded to the fen, so the balance drifts from the float annuity by at
        # most half a fen a month; the last instalment takes the drift (the principal is exact).
        drift = 1 + row.seq // 2
        assert abs(row.interest_fen - npf.ipmt(r, row.seq, months, -principal)) <= drift
        assert abs(row.principal_fen - npf.ppmt(r, row.seq, months, -principal)) <= drift
        if row.seq < months:
            assert abs(row.total_fen - payment) <= 1
    assert sum(row.principal_fen for row in schedule) == principal


def test_actual_365_interest_only_charges_the_days_elapsed() -> None:
    schedule = build_schedule(1_000_000_00, Decimal("0.0365"), 3, START, "interest_only")
    assert [row.due_on for row in schedule] == [
        dt.date(2025, 2, 28), dt.date(2025, 3, 31), dt.date(2025, 4, 30),
    ]  # fmt: skip
    # 28, 31 and 30 days at 3.65% / 365 = 0.01% a day on 1,000,000 yuan: 100 yuan a day.
    assert [row.interest_fen for row in schedule] == [2_800_00, 3_100_00, 3_000_00]
    assert [row.principal_fen for row in schedule] == [0, 0, 1_000_000_00]


def test_actual_365_equal_instalments_are_close_to_the_monthly_annuity() -> None:
    principal = 500_000_00
    actual = build_schedule(principal, Decimal("0.05"), 12, START, "equal_instalment")
    monthly = npf.pmt(0.05 / 12, 12, -principal)
    for row in actual[:-1]:
        assert abs(row.total_fen - monthly) / monthly < Decimal("0.01")
    assert len({row.total_fen for row in actual[:-1]}) == 1  # level payment


def test_add_months_clips_to_the_end_of_the_month() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 11, 30), 3) == dt.date(2026, 2, 28)


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(1, 10**12),
    rate=st.decimals(Decimal("0"), Decimal("0.2"), places=4),
    months=st.integers(1, 60),
    method=st.sampled_from(["equal_instalment", "interest_only"]),
)
def test_principal_parts_always_add_up(
    principal: int, rate: Decimal, months: int, method: str
) -> None:
    schedule = build_schedule(principal, rate, months, START, method)  # type: ignore[arg-type]
    assert sum(row.principal_fen for row in schedule) == principal
    assert all(row.principal_fen >= 0 and row.interest_fen >= 0 for row in schedule)
