"""Golden tests of above-scale-shanghai-2022: the national 规模以上 thresholds plus Shanghai's
公共管理、社会保障和社会组织 (section S) at 年营业收入1000万元及以上; the national policy leaves
S out.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.policies.conftest import rows
from tests.policies.test_above_scale_2019 import (
    MAIN_BUSINESS,
    SERVICES,
    main_business_panel,
    services_panel,
)

ID = "above-scale-shanghai-2022"
FEN = Decimal("0.01")


# Said once as data in golden_cases/above-scale-shanghai-2022.yaml (run by test_workbench_golden.py,
# attached by `seed`): section s is above scale at ten million.


def test_the_national_policy_still_leaves_section_s_out(check) -> None:
    check(
        "above-scale-2019", services_panel("S9421", Decimal(50_000_000)), "ineligible", ["in_scope"]
    )


@pytest.mark.parametrize(("code", "threshold"), MAIN_BUSINESS + SERVICES)
def test_every_national_threshold_is_kept(check, code: str, threshold: int) -> None:
    build = main_business_panel if (code, threshold) in MAIN_BUSINESS else services_panel
    check(ID, build(code, Decimal(threshold)), "eligible")
    check(ID, build(code, Decimal(threshold) - FEN), "ineligible", ["meets_threshold"])


def test_outside_the_scope_and_qualification_trades(check) -> None:
    check(ID, rows(industry_code="J6621"), "ineligible", ["in_scope"])
    check(ID, rows(industry_code="E4710", revenue="1"), "manual_review")
