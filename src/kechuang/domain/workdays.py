"""Working days (工作日) in mainland China, for notice periods and deadlines.

chinese-calendar knows the State Council's holiday schedule and the adjusted working
weekends (调休) for the years it has data for. A year it does not know yet (the schedule is
published late each year) is counted Monday to Friday, and the answer says it is provisional,
so that a deadline is never silently wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Deadline:
    """The date reached, and whether any day counted lies in a year without a published schedule."""

    day: dt.date
    provisional: bool


def _is_workday(day: dt.date) -> tuple[bool, bool]:
    """(is a working day, known from the published schedule)."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


def is_workday(day: dt.date) -> bool:
    return _is_workday(day)[0]


def add_working_days(start: dt.date, days: int) -> Deadline:
    """The date `days` working days after `start` (start itself not counted).

    A notice published on a Friday with a 5-working-day period ends on the following Friday
    when no holiday intervenes.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day, provisional, counted = start, False, 0
    while counted < days:
        day += ONE_DAY
        working, known = _is_workday(day)
        provisional = provisional or not known
        if working:
            counted += 1
    return Deadline(day, provisional)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        if _is_workday(day)[0]:
            count += 1
    return count
