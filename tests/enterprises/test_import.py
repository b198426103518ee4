"""`kechuang import`: whole-file validation, atomic storage, upserts and the snapshot.

Every test runs on SQLite and on PostgreSQL (see the database_url fixture).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.domain.panel import COLUMNS
from kechuang.enterprises.snapshot import panel_arrow_schema
from kechuang.enterprises.tables import ImportBatch, annual_facts, enterprises
from kechuang.store.registry import load_all_tables
from tests.enterprises.panels import (
    text_table,
    uscc_for,
    valid_row,
    valid_rows,
    write_csv,
    write_parquet,
    write_xlsx,
)

runner = CliRunner()


def run_import(path: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["import", str(path), *extra])
    return result.exit_code, result.output


def facts(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as connection:
        rows = connection.execute(select(annual_facts).order_by("uscc", "year")).mappings()
        return [dict(r) for r in rows]


def table_contents(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    from sqlalchemy import inspect

    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return {
            t.name: sorted(map(tuple, connection.execute(select(t))), key=repr)
            for t in load_all_tables().sorted_tables
            if t.name in present
        }


def errors_of(path: Path, tmp_path: Path) -> list[dict[str, str]]:
    report = tmp_path / "errors.csv"
    code, output = run_import(path, "--errors", str(report))
    assert code == 2, output
    with report.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_good_csv_is_stored_as_one_batch(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "panel.csv", valid_rows(5))
    code, output = run_import(path)
    assert code == 0, output
    stored = facts(engine)
    assert len(stored) == 10
    first = stored[0]
    assert first["revenue_fen"] == 1_000_000_050
    assert first["cost_expense_total_fen"] == 800_000_001
    assert first["market_share"] == Decimal("0.125")
    assert first["is_hnte"] is True and first["major_accident"] is False
    with engine.connect() as connection:
        batch = connection.execute(select(ImportBatch.__table__)).mappings().one()
        assert batch["file_name"] == "panel.csv"
        assert batch["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert batch["row_count"] == 10 and batch["enterprise_count"] == 5
        assert batch["years"] == [2023, 2024]
        company = connection.execute(select(enterprises).limit(1)).mappings().one()
        assert company["founded_on"] == dt.date(2015, 6, 1)
        assert company["mainland_resident"] is True


def test_csv_with_utf8_bom_is_read(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", valid_rows(2), bom=True)
    code, output = run_import(path)
    assert code == 0, output
    assert len(facts(engine)) == 4


def test_xlsx_first_sheet_with_typed_cells_is_read(engine: Engine, tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [dict(r) for r in valid_rows(3)]
    rows[0]["revenue"] = 12345678.5  # a number cell
    rows[0]["employees"] = 60
    rows[0]["founded_on"] = dt.datetime(2015, 6, 1)  # a date cell
    rows[0]["is_hnte"] = True
    path = write_xlsx(tmp_path / "panel.xlsx", rows)
    code, output = run_import(path)
    assert code == 0, output
    stored = facts(engine)
    assert len(stored) == 6
    assert stored[0]["revenue_fen"] == 1234567850 and stored[0]["employees"] == 60


def test_xlsx_row_numbers_are_the_sheet_rows(engine: Engine, tmp_path: Path) -> None:
    rows = valid_rows(3)
    rows[4]["district"] = "999999"
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    assert [(e["row"], e["column"]) for e in errors_of(path, tmp_path)] == [("6", "district")]


def test_parquet_in_the_snapshot_schema_is_read(engine: Engine, tmp_path: Path) -> None:
    rows = valid_rows(3)
    for row in rows:
        row["mainland_resident"], row["major_accident"] = "true", "false"
    table = text_table(rows).cast(panel_arrow_schema())
    code, output = run_import(write_parquet(tmp_path / "panel.parquet", table))
    assert code == 0, output
    assert facts(engine)[0]["revenue_fen"] == 1_000_000_050


def test_parquet_float_amount_with_two_decimals_is_accepted(engine: Engine, tmp_path: Path) -> None:
    table = text_table(valid_rows(1, years=[2024]))
    table = table.set_column(
        table.schema.get_field_index("revenue"), "revenue", pa.array([12345678.5], pa.float64())
    )
    code, output = run_import(write_parquet(tmp_path / "float.parquet", table))
    assert code == 0, output
    assert facts(engine)[0]["revenue_fen"] == 1234567850


def test_parquet_float_amount_finer_than_a_fen_is_refused(engine: Engine, tmp_path: Path) -> None:
    table = text_table(valid_rows(1, years=[2024]))
    table = table.set_column(
        table.schema.get_field_index("revenue"), "revenue", pa.array([0.1 + 0.2], pa.float64())
    )
    errors = errors_of(write_parquet(tmp_path / "float.parquet", table), tmp_path)
    assert [(e["row"], e["column"]) for e in errors] == [("2", "revenue")]
    assert "more precise than a fen" in errors[0]["reason"]


BAD_CELLS = [
    ("uscc", "91310115000000001X", "check digit"),
    ("uscc", "9131011500000", "18 characters"),
    ("name", "", "required"),
    ("year", "1989", "outside 1990"),
    ("year", str(dt.date.today().year + 1), "outside 1990"),
    ("year", "twenty", "not a year"),
    ("district", "110105", "not a Shanghai district"),
    ("industry_code", "Z1234", "not a GB/T 4754-2017 code"),
    ("industry_code", "C7320", "belongs to section M"),
    ("founded_on", "2020/01/01", "YYYY-MM-DD"),
    ("founded_on", "2025-01-01", "after the end"),
    ("mainland_resident", "maybe", "not a boolean"),
    ("employees", "1.5", "whole number"),
    ("employees", "-1", "at least 0"),
    ("st_staff", "100000", "must not exceed employees"),
    ("rd_staff", "100000", "must not exceed employees"),
    ("revenue", "1.234", "more precise than a fen"),
    ("revenue", "-5", "at least 0"),
    ("revenue", "lots", "not an amount"),
    ("main_business_revenue", "99999999999", "must not exceed revenue"),
    ("rd_expense_domestic", "99999999999", "must not exceed rd_expense"),
    ("hightech_revenue", "99999999999", "must not exceed revenue"),
    ("market_share", "1.5", "at most 1"),
    ("market_share", "0.1234567", "more than 6 decimals"),
    ("listed_board", "纳斯达克", "not one of"),
    ("is_hnte", "yes please", "not a boolean"),
]


@pytest.mark.parametrize(("column", "value", "reason"), BAD_CELLS)
def test_each_kind_of_bad_cell_is_refused_with_row_column_value_and_reason(
    engine: Engine, tmp_path: Path, column: str, value: str, reason: str
) -> None:
    rows = valid_rows(3, years=[2024])
    rows[1][column] = value
    errors = errors_of(write_csv(tmp_path / "bad.csv", rows), tmp_path)
    assert len(errors) == 1, errors
    assert errors[0]["row"] == "3" and errors[0]["column"] == column
    assert errors[0]["value"] == value
    assert reason in errors[0]["reason"]
    assert facts(engine) == []


def test_st_staff_above_employees_is_refused(engine: Engine, tmp_path: Path) -> None:
    row = valid_row(0)
    row["employees"], row["st_staff"], row["rd_staff"] = "10", "11", "3"
    errors = errors_of(write_csv(tmp_path / "bad.csv", [row]), tmp_path)
    assert [(e["column"], e["reason"]) for e in errors] == [
        ("st_staff", "must not exceed employees")
    ]


def test_empty_cell_is_unknown_not_zero(engine: Engine, tmp_path: Path) -> None:
    row = valid_row(0)
    row["rd_expense"] = ""
    row["is_hnte"] = ""
    assert run_import(write_csv(tmp_path / "p.csv", [row]))[0] == 0
    stored = facts(engine)[0]
    assert stored["rd_expense_fen"] is None and stored["is_hnte"] is None
    assert stored["rd_expense_domestic_fen"] == 110_000_000  # no bound to compare with


def test_missing_required_columns_are_listed(engine: Engine, tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c not in ("revenue", "district")]
    path = write_csv(tmp_path / "p.csv", valid_rows(1), columns=columns)
    code, output = run_import(path)
    assert code == 2
    assert "missing required columns: district, revenue" in output


def test_optional_columns_may_be_missing(engine: Engine, tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c not in ("park", "market_share", "valuation")]
    path = write_csv(tmp_path / "p.csv", valid_rows(1), columns=columns)
    assert run_import(path)[0] == 0
    assert facts(engine)[0]["market_share"] is None


def test_extra_columns_are_kept(engine: Engine, tmp_path: Path) -> None:
    rows = valid_rows(1, years=[2024])
    rows[0]["联系人"] = "张三"
    rows[0]["notes"] = ""
    path = write_csv(tmp_path / "p.csv", rows, columns=[*COLUMNS, "联系人", "notes"])
    assert run_import(path)[0] == 0
    assert facts(engine)[0]["extra"] == {"联系人": "张三"}


def test_a_bad_file_changes_nothing_in_the_database(engine: Engine, tmp_path: Path) -> None:
    assert run_import(write_csv(tmp_path / "good.csv", valid_rows(4)))[0] == 0
    before = table_contents(engine)
    snapshot = tmp_path / "var" / "panel.parquet"
    snapshot_bytes = snapshot.read_bytes()
    rows = valid_rows(6)
    rows[0]["revenue"] = "777"  # would be an update...
    rows[-1]["st_staff"] = "999999"  # ...but the last row is bad
    assert run_import(write_csv(tmp_path / "bad.csv", rows))[0] == 2
    assert table_contents(engine) == before
    assert snapshot.read_bytes() == snapshot_bytes


def test_sqlite_file_is_byte_unchanged_by_a_refused_import(store_env: str, tmp_path: Path) -> None:
    if not store_env.startswith("sqlite"):
        pytest.skip("a file-level check")
    assert run_import(write_csv(tmp_path / "good.csv", valid_rows(2)))[0] == 0
    db = Path(store_env.removeprefix("sqlite:///"))
    before = db.read_bytes()
    rows = valid_rows(3)
    rows[2]["uscc"] = "not a code"
    assert run_import(write_csv(tmp_path / "bad.csv", rows))[0] == 2
    assert db.read_bytes() == before


def test_every_bad_row_is_reported_and_the_errors_file_has_all(
    engine: Engine, tmp_path: Path
) -> None:
    rows = valid_rows(300, years=[2024])
    for row in rows[:250]:
        row["employees"] = "many"
    path = write_csv(tmp_path / "bad.csv", rows)
    report = tmp_path / "errors.csv"
    code, output = run_import(path, "--errors", str(report))
    assert code == 2
    assert "250 bad cells" in output
    assert "50 more" in output
    with report.open(encoding="utf-8") as handle:
        errors = list(csv.DictReader(handle))
    assert [int(e["row"]) for e in errors] == list(range(2, 252))


def test_duplicate_uscc_and_year_in_a_file_is_refused(engine: Engine, tmp_path: Path) -> None:
    rows = valid_rows(3, years=[2024])
    rows.append(dict(rows[1]))
    errors = errors_of(write_csv(tmp_path / "dup.csv", rows), tmp_path)
    assert [(e["row"], e["column"]) for e in errors] == [("5", "uscc, year")]
    assert "as row 3" in errors[0]["reason"]


def test_reimport_updates_facts_and_never_duplicates(engine: Engine, tmp_path: Path) -> None:
    assert run_import(write_csv(tmp_path / "a.csv", valid_rows(3)))[0] == 0
    rows = valid_rows(4)
    rows[0].update(revenue="42", main_business_revenue="42", hightech_revenue="0")
    assert run_import(write_csv(tmp_path / "b.csv", rows))[0] == 0
    stored = facts(engine)
    assert len(stored) == 8
    assert stored[0]["revenue_fen"] == 4200
    batches = {r["batch_id"] for r in stored}
    assert len(batches) == 1  # every row was last written by the second import


def test_latest_year_wins_for_static_attributes(engine: Engine, tmp_path: Path) -> None:
    new, old = valid_row(0, 2024), valid_row(0, 2023)
    new["name"], old["name"] = "新名称有限公司", "旧名称有限公司"
    assert run_import(write_csv(tmp_path / "a.csv", [old, new]))[0] == 0
    assert run_import(write_csv(tmp_path / "b.csv", [old]))[0] == 0  # an older year, later
    with engine.connect() as connection:
        company = connection.execute(select(enterprises)).mappings().one()
    assert company["name"] == "新名称有限公司" and company["attributes_year"] == 2024


def test_snapshot_has_the_contract_columns_and_types(engine: Engine, tmp_path: Path) -> None:
    assert run_import(write_csv(tmp_path / "a.csv", valid_rows(3)))[0] == 0
    table = pq.read_table(tmp_path / "var" / "panel.parquet")
    assert table.schema.names == list(COLUMNS)
    assert table.schema.equals(panel_arrow_schema())
    first = table.slice(0, 1).to_pylist()[0]
    assert first["uscc"] == uscc_for(0)
    assert first["revenue"] == Decimal("10000000.50")
    assert first["market_share"] == Decimal("0.125000")
    assert table.num_rows == 6


def test_snapshot_command_rebuilds_the_file(engine: Engine, tmp_path: Path) -> None:
    assert run_import(write_csv(tmp_path / "a.csv", valid_rows(2)))[0] == 0
    snapshot = tmp_path / "var" / "panel.parquet"
    snapshot.unlink()
    result = runner.invoke(app, ["snapshot"])
    assert result.exit_code == 0, result.output
    assert pq.read_table(snapshot).num_rows == 4


def test_unknown_file_type_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "panel.json"
    path.write_text("{}")
    code, output = run_import(path)
    assert code == 2 and "unknown file type" in output
