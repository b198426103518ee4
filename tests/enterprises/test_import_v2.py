"""`kechuang import` of the data contract's version 2 columns (award and contest ranks, honours,
the development score, 六基, titles held): stored as given, validated like every other column,
and optional, so that a version 1 file still imports with them unknown.

Every test runs on SQLite and on PostgreSQL (the store_env fixture).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kechuang.domain.panel import COLUMNS, VERSION_2_COLUMNS
from tests.enterprises.panels import valid_rows, write_csv, write_xlsx
from tests.enterprises.test_import import errors_of, facts, run_import

BAD_V2_CELLS = [
    ("award_national_rank", "-1", "at least 0"),
    ("award_national_rank", "1.5", "whole number"),
    ("award_provincial_rank", "第三", "not a whole number"),
    ("makers_china_rank", "-500", "at least 0"),
    ("tech_innovation_demo", "maybe", "not a boolean"),
    ("ip_demo_enterprise", "2", "not a boolean"),
    ("development_score", "100.01", "at most 100"),
    ("development_score", "-0.5", "at least 0"),
    ("development_score", "sixty", "not a number"),
    ("development_score", "60.1234567", "more than 6 decimals"),
    ("six_basics_or_key_link", "部分", "not a boolean"),
    ("is_tsme", "yes please", "not a boolean"),
    ("is_innovative_sme", "?", "not a boolean"),
    ("is_srdi_sme", "10", "not a boolean"),
]


def test_version_2_columns_are_the_contracts_last_ten() -> None:
    assert VERSION_2_COLUMNS == (
        "award_national_rank",
        "award_provincial_rank",
        "makers_china_rank",
        "tech_innovation_demo",
        "ip_demo_enterprise",
        "development_score",
        "six_basics_or_key_link",
        "is_tsme",
        "is_innovative_sme",
        "is_srdi_sme",
    )
    assert COLUMNS[-10:] == VERSION_2_COLUMNS


def test_version_2_values_are_stored_as_given(engine: Engine, tmp_path: Path) -> None:
    rows = valid_rows(4, years=[2024])
    rows[3].update(
        award_national_rank="2",
        award_provincial_rank="0",
        makers_china_rank="500",
        tech_innovation_demo="是",
        ip_demo_enterprise="1",
        development_score="49.99",
        six_basics_or_key_link="否",
        is_tsme="false",
        is_innovative_sme="true",
        is_srdi_sme="true",
    )
    assert run_import(write_csv(tmp_path / "v2.csv", rows))[0] == 0
    stored = facts(engine)[3]
    assert (stored["award_national_rank"], stored["award_provincial_rank"]) == (2, 0)
    assert stored["makers_china_rank"] == 500
    assert stored["tech_innovation_demo"] is True and stored["ip_demo_enterprise"] is True
    assert stored["development_score"] == Decimal("49.99")
    assert stored["six_basics_or_key_link"] is False
    assert (stored["is_tsme"], stored["is_innovative_sme"], stored["is_srdi_sme"]) == (
        False,
        True,
        True,
    )


def test_the_development_score_bounds_are_inclusive(engine: Engine, tmp_path: Path) -> None:
    rows = valid_rows(2, years=[2024])
    rows[0]["development_score"], rows[1]["development_score"] = "0", "100"
    assert run_import(write_csv(tmp_path / "bounds.csv", rows))[0] == 0
    assert [r["development_score"] for r in facts(engine)] == [Decimal(0), Decimal(100)]


@pytest.mark.parametrize(("column", "value", "reason"), BAD_V2_CELLS)
def test_a_bad_version_2_cell_is_refused_and_nothing_is_stored(
    engine: Engine,
    tmp_path: Path,
    column: str,
    value: str,
    reason: str,
) -> None:
    rows = valid_rows(3, years=[2024])
    rows[1][column] = value
    errors = errors_of(write_csv(tmp_path / "bad.csv", rows), tmp_path)
    assert [(e["row"], e["column"], e["value"]) for e in errors] == [("3", column, value)]
    assert reason in errors[0]["reason"]
    assert facts(engine) == []


def test_a_version_1_file_imports_with_the_version_2_facts_unknown(
    engine: Engine,
    tmp_path: Path,
) -> None:
    version_1 = [c for c in COLUMNS if c not in VERSION_2_COLUMNS]
    path = write_csv(tmp_path / "v1.csv", valid_rows(2), columns=version_1)
    assert run_import(path)[0] == 0
    for stored in facts(engine):
        assert all(stored[column] is None for column in VERSION_2_COLUMNS)


def test_an_empty_version_2_cell_is_unknown_not_zero(engine: Engine, tmp_path: Path) -> None:
    rows = valid_rows(1, years=[2024])
    rows[0]["award_provincial_rank"], rows[0]["is_srdi_sme"] = "", ""
    assert run_import(write_xlsx(tmp_path / "gaps.xlsx", rows))[0] == 0
    stored = facts(engine)[0]
    assert stored["award_provincial_rank"] is None and stored["is_srdi_sme"] is None
    assert stored["award_national_rank"] == 0
