"""Repayment schedules: equal instalments (等额本息) or interest-only (按月付息、到期还本).

Exact arithmetic: rates are Decimal, the level payment is solved with Fractions, every amount is
integer fen rounded half up, and the last instalment takes whatever principal is left, so the
principal parts always add up to the loan exactly.

Day count: `actual/365` (the default) charges each month's interest on the days actually elapsed
(rate x days / 365); `monthly` charges rate / 12 a month, the textbook annuity that
numpy-financial's pmt/ipmt/ppmt compute (the tests hold the two to each other).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

Method = Literal["equal_instalment", "interest_only"]
DayCount = Literal["actual/365", "monthly"]


@dataclass(frozen=True)
class Instalment:
    seq: int
    due_on: dt.date
    principal_fen: int
    interest_fen: int

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.interest_fen


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later, clipped to the month's end (31 Jan -> 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def round_half_up(value: Fraction) -> int:
    """The nearest whole number, halves away from zero (fen rounding of money)."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole = int(magnitude)
    return sign * (whole + (1 if magnitude - whole >= Fraction(1, 2) else 0))


def period_rates(
    start: dt.date, months: int, annual_rate: Decimal, day_count: DayCount
) -> list[tuple[dt.date, Fraction]]:
    """(due date, the period's rate) of each month."""
    rate = Fraction(annual_rate)
    out = []
    previous = start
    for k in range(1, months + 1):
        due = add_months(start, k)
        if day_count == "monthly":
            out.append((due, rate / 12))
        else:
            out.append((due, rate * (due - previous).days / 365))
        previous = due
    return out


def level_payment(principal_fen: int, rates: list[Fraction]) -> Fraction:
    """The constant payment that repays the principal over periods with these rates, exactly.

    The balance after the last period is P * prod(1 + r_k) - A * sum_j prod_{k > j}(1 + r_k) = 0.
    """
    growth = Fraction(1)
    for r in rates:
        growth *= 1 + r
    annuity = Fraction(0)
    tail = Fraction(1)
    for r in reversed(rates):
        annuity += tail
        tail *= 1 + r
    return principal_fen * growth / annuity


def build_schedule(
    principal_fen: int,
    annual_rate: Decimal,
    months: int,
    start: dt.date,
    method: Method,
    day_count: DayCount = "actual/365",
) -> list[Instalment]:
    """The instalments of a loan disbursed on `start`, one a month."""
    if principal_fen <= 0 or months <= 0:
        raise ValueError("a schedule needs a positive principal and at least one month")
    if annual_rate < 0:
        raise ValueError("the rate must not be negative")
    periods = period_rates(start, months, annual_rate, day_count)
    payment = (
        level_payment(principal_fen, [r for _, r in periods])
        if method == "equal_instalment"
        else None
    )
    outstanding = principal_fen
    schedule = []
    for seq, (due, rate) in enumerate(periods, start=1):
        interest = round_half_up(outstanding * rate)
        if seq == months:
            principal = outstanding
        elif payment is not None:
            principal = min(outstanding, round_half_up(payment) - interest)
        else:
            principal = 0
        outstanding -= principal
        schedule.append(Instalment(seq, due, principal, interest))
    return schedule


def total_interest_fen(schedule: list[Instalment]) -> int:
    return sum(i.interest_fen for i in schedule)
