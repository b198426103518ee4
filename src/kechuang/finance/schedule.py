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
    return _div_half_up(value.numerator, value.denominator)


def _div_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator (denominator > 0) rounded half away from zero, in integers."""
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    return sign * (quotient + (1 if 2 * remainder >= denominator else 0))


def period_rates(
    start: dt.date, months: int, annual_rate: Decimal, day_count: DayCount
) -> tuple[list[dt.date], list[int], int]:
    """Due dates, and each month's rate as numerator k_i over one common denominator D.

    Integers throughout (a month's growth factor is (D + k_i) / D), so a schedule is exact and
    fast: no float, and no Fraction normalisation in the loop.
    """
    rate = Fraction(annual_rate)
    dues = [add_months(start, k) for k in range(1, months + 1)]
    if day_count == "monthly":
        return dues, [rate.numerator] * months, rate.denominator * 12
    days = [(due - before).days for before, due in zip([start, *dues[:-1]], dues, strict=True)]
    return dues, [rate.numerator * d for d in days], rate.denominator * 365


def level_payment(principal_fen: int, numerators: list[int], denominator: int) -> Fraction:
    """The constant payment that repays the principal over periods with these rates, exactly.

    With g_i = (D + k_i) / D the balance after the last period is
    P * prod(g_i) - A * sum_j prod_{i > j}(g_i) = 0; multiplying through by D^m leaves integers:
    A = P * prod(D + k_i) / sum_j (prod_{i > j}(D + k_i) * D^j).
    """
    months = len(numerators)
    growth = 1
    for k in numerators:
        growth *= denominator + k
    annuity = 0
    tail = 1  # prod_{i > j}(D + k_i), for j from the last month down
    power = denominator**months  # D^j
    for j in range(months, 0, -1):
        annuity += tail * power
        tail *= denominator + numerators[j - 1]
        power //= denominator
    return Fraction(principal_fen * growth, annuity)


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
    dues, numerators, denominator = period_rates(start, months, annual_rate, day_count)
    payment = (
        round_half_up(level_payment(principal_fen, numerators, denominator))
        if method == "equal_instalment"
        else None
    )
    outstanding = principal_fen
    schedule = []
    for seq, (due, k) in enumerate(zip(dues, numerators, strict=True), start=1):
        interest = _div_half_up(outstanding * k, denominator)
        if seq == months:
            principal = outstanding
        elif payment is not None:
            principal = min(outstanding, max(0, payment - interest))
        else:
            principal = 0
        outstanding -= principal
        schedule.append(Instalment(seq, due, principal, interest))
    return schedule


def total_interest_fen(schedule: list[Instalment]) -> int:
    return sum(i.interest_fen for i in schedule)
