"""Working days follow the published holiday schedule and say when they had to guess."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kechuang.domain.workdays import add_working_days, is_workday, working_days_between


def test_national_day_holiday_is_not_a_working_day() -> None:
    assert not is_workday(dt.date(2026, 10, 1))


def test_adjusted_weekend_is_a_working_day() -> None:
    # 2026-10-10 is a Saturday worked in exchange for the National Day holiday (调休).
    assert is_workday(dt.date(2026, 10, 10))


def test_five_working_days_from_a_friday_end_the_next_friday() -> None:
    deadline = add_working_days(dt.date(2026, 11, 20), 5)
    assert deadline.day == dt.date(2026, 11, 27)
    assert not deadline.provisional


def test_notice_across_national_day_skips_the_holiday() -> None:
    # Published Tuesday 29 September 2026; 1-7 October are holidays (8 Oct too in 2026's schedule
    # per chinese-calendar), so five working days end well after the week.
    deadline = add_working_days(dt.date(2026, 9, 29), 5)
    assert deadline.day > dt.date(2026, 10, 8)
    assert working_days_between(dt.date(2026, 9, 29), deadline.day) == 5


def test_a_year_without_a_published_schedule_is_marked_provisional() -> None:
    deadline = add_working_days(dt.date(2026, 12, 28), 10)
    assert deadline.provisional
    assert deadline.day.year == 2027


@given(st.dates(dt.date(2020, 1, 1), dt.date(2026, 6, 30)), st.integers(0, 40))
def test_add_and_count_working_days_agree(start: dt.date, days: int) -> None:
    deadline = add_working_days(start, days)
    assert working_days_between(start, deadline.day) == days
    assert days == 0 or is_workday(deadline.day)
