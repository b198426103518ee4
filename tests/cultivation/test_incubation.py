"""Incubators: the limits as dated parameters, checks of each stay, outcomes linked to tiers."""

from __future__ import annotations

import datetime as dt

from kechuang.cultivation import incubation
from kechuang.cultivation.service import tier_files
from tests.stats.world import World


def test_months_between() -> None:
    assert incubation.months_between(dt.date(2020, 1, 31), dt.date(2020, 2, 29)) == 0
    assert incubation.months_between(dt.date(2020, 1, 15), dt.date(2022, 1, 15)) == 24
    assert incubation.months_between(dt.date(2020, 1, 15), dt.date(2022, 1, 14)) == 23


def test_limits_in_force() -> None:
    limits = incubation.limits_on(dt.date(2024, 12, 31))
    assert (
        limits.max_age_at_entry_months,
        limits.max_incubation_months,
        limits.max_incubation_months_long,
    ) == (24, 48, 60)
    assert "C27" in limits.long_limit_industries


def test_tenant_checks_and_outcomes(world_env: World) -> None:
    files = tier_files(world_env.engine)
    views = incubation.tenants(world_env.engine, files, dt.date(2024, 12, 31))
    assert views
    for v in views:
        assert v.over_age_at_entry == (
            v.age_at_entry_months is not None and v.age_at_entry_months > 24
        )
        assert v.over_incubation_limit == (v.incubation_months > v.limit_months)
        long = v.industry_code is not None and v.industry_code.startswith(("C27", "C358"))
        if long:
            assert v.limit_months == 60
        assert v.status == (
            "graduated" if v.graduated_on else "left" if v.left_on else "incubating"
        )
    outcomes = incubation.outcomes(views)
    assert sum(outcomes.get("graduated", {}).values()) == sum(1 for v in views if v.graduated_on)
    rows = incubation.by_incubator(world_env.engine, views, 2024)
    assert sum(r.graduated_in_year for r in rows) == sum(
        1 for v in views if v.graduated_on and v.graduated_on.year == 2024
    )
