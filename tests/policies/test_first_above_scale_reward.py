"""Golden tests of first-above-scale-reward (免申即享, illustrative amounts).

Section M's threshold is 10,000,000 yuan of revenue (国统字〔2019〕101号, "及以上"): at or above
it in the evaluation year and below it the year before pays the reward. One version (2026.2)
with two dated amounts: 200,000 yuan from 2024, 300,000 yuan from 2026, each with its reference.
"""

from __future__ import annotations

import pytest

from tests.policies.conftest import rows

ID = "first-above-scale-reward"
THRESHOLD = "10000000.00"
JUST_BELOW = "9999999.99"


def crossing(
    latest: str = THRESHOLD, before: str = JUST_BELOW, years=(2023, 2024), **facts
) -> list[dict]:
    last, previous = years[-1], years[-2]
    return rows(
        years=years,
        base={"revenue": before, "main_business_revenue": 0, "hightech_revenue": 0},
        by_year={last: {"revenue": latest, **facts}, previous: {"revenue": before}},
    )


# Said once as data in golden_cases/first-above-scale-reward.yaml (run by test_workbench_golden.py,
# attached by `seed`): crossing exactly pays the reward.


# Said once as data in golden_cases/first-above-scale-reward.yaml (run by test_workbench_golden.py,
# attached by `seed`): one fen short this year.


# Said once as data in golden_cases/first-above-scale-reward.yaml (run by test_workbench_golden.py,
# attached by `seed`): already above scale last year.


# Said once as data in golden_cases/first-above-scale-reward.yaml (run by test_workbench_golden.py,
# attached by `seed`): only section m.


def test_no_row_for_the_year_before_is_unknown(check) -> None:
    panel = rows(years=(2024,), revenue=THRESHOLD, main_business_revenue=0, hightech_revenue=0)
    check(ID, panel, "unknown", [], benefit=None)


def test_missing_revenue_last_year_is_unknown(check) -> None:
    check(ID, crossing(before=None), "unknown", [], benefit=None)


def test_2025_still_pays_the_2024_amount(check) -> None:
    check(ID, crossing(years=(2024, 2025)), "eligible", benefit=200000, year=2025, version="2026.2")


def test_2026_pays_the_amended_amount(check) -> None:
    check(ID, crossing(years=(2025, 2026)), "eligible", benefit=300000, year=2026, version="2026.2")


def test_each_dated_amount_cites_its_own_reference() -> None:
    import datetime as dt

    from tests.policies.conftest import pack_policy

    amount = pack_policy(ID, 2026).parameters["amount"]
    assert [v.effective_from for v in amount.values] == [dt.date(2024, 1, 1), dt.date(2026, 1, 1)]
    assert "2024" in amount.reference_on(dt.date(2025, 12, 31))
    assert "2026" in amount.reference_on(dt.date(2026, 12, 31))


@pytest.mark.parametrize("amount", [250000, "123456.78"])
def test_what_if_amount(check, amount) -> None:
    from fractions import Fraction

    check(ID, crossing(), "eligible", benefit=amount, overrides={"amount": Fraction(str(amount))})
