"""The synthetic Shanghai population (`kechuang generate`, enterprises.generator).

A few thousand enterprises keep these fast; the 1,000,000-enterprise run is in bench/generate.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.domain import district, industry, uscc
from kechuang.domain.panel import BY_NAME, COLUMNS, FIELDS, Kind
from kechuang.enterprises import boundaries, names
from kechuang.enterprises.generator import (
    TWO_CHARACTER_NAMES,
    GeneratorError,
    generate_batches,
    write_panel,
)
from kechuang.enterprises.snapshot import panel_arrow_schema

YEARS = [2022, 2023, 2024]
N = 3000
runner = CliRunner()


@pytest.fixture(scope="module")
def panel() -> pa.Table:
    return pa.Table.from_batches(list(generate_batches(N, YEARS, seed=7)))


@pytest.fixture(scope="module")
def rows(panel: pa.Table) -> list[dict[str, object]]:
    records: list[dict[str, object]] = panel.to_pylist()
    return records


def _org_code_check(body: str) -> str:
    """GB 11714-1997: weights 3 7 9 10 5 8 4 2 over values 0-9, A=10 .. Z=35; mod 11."""
    values = [int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in body]
    check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_writes_a_byte_identical_csv(tmp_path: Path) -> None:
    first = write_panel(tmp_path / "a.csv", 500, YEARS, seed=3).path.read_bytes()
    second = write_panel(tmp_path / "b.csv", 500, YEARS, seed=3).path.read_bytes()
    assert first == second


def test_same_seed_writes_parquet_with_identical_content(tmp_path: Path) -> None:
    a = pq.read_table(write_panel(tmp_path / "a.parquet", 500, YEARS, seed=3).path)
    b = pq.read_table(write_panel(tmp_path / "b.parquet", 500, YEARS, seed=3).path)
    assert a.equals(b)


def test_different_seeds_give_different_populations() -> None:
    a = pa.Table.from_batches(list(generate_batches(500, YEARS, seed=1)))
    b = pa.Table.from_batches(list(generate_batches(500, YEARS, seed=2)))
    assert a["uscc"].to_pylist() != b["uscc"].to_pylist()
    assert a["revenue"].to_pylist() != b["revenue"].to_pylist()


def test_chunks_continue_codes_and_names_without_repeats() -> None:
    table = pa.Table.from_batches(list(generate_batches(1200, YEARS, seed=5, chunk_size=500)))
    latest = table.filter(pc.equal(table["year"], 2024))
    assert len(set(latest["uscc"].to_pylist())) == latest.num_rows
    assert len(set(latest["name"].to_pylist())) == latest.num_rows


# --- identity ------------------------------------------------------------------------------


def test_every_uscc_passes_python_stdnum_and_is_unique(panel: pa.Table) -> None:
    codes = set(panel["uscc"].to_pylist())
    assert len(codes) == N
    assert all(uscc.is_valid(code) for code in codes)


def test_uscc_is_a_shanghai_enterprise_code_with_a_correct_organisation_check(
    rows: list[dict[str, object]],
) -> None:
    for row in rows:
        code = str(row["uscc"])
        assert code[:2] == "91"  # 工商 registration, enterprise
        assert code[2:8] == row["district"]
        assert code[16] == _org_code_check(code[8:16])
        founded = row["founded_on"]
        assert isinstance(founded, dt.date)
        # Codes issued after the USCC reform begin with MA.
        assert code[8:10] == "MA" if founded.year >= 2016 else code[8:16].isdigit()


def test_names_are_shanghai_companies_whose_word_matches_the_industry(
    rows: list[dict[str, object]],
) -> None:
    word = {s.code: s.word for s in names.INDUSTRIES}
    by_uscc = {row["uscc"]: row for row in rows}
    for row in by_uscc.values():
        name = str(row["name"])
        assert re.fullmatch(r"上海\w{2,3}.+(股份)?有限公司", name)
        assert word[str(row["industry_code"])] + "有限公司" in name or "股份" in name
    assert len({row["name"] for row in by_uscc.values()}) == len(by_uscc)


def test_trade_names_have_two_characters_then_three_once_those_run_out() -> None:
    word = {s.code: s.word for s in names.INDUSTRIES}
    batches = list(generate_batches(TWO_CHARACTER_NAMES + 10, [2024], 1, TWO_CHARACTER_NAMES))
    for batch, length in ((batches[0].slice(0, 50), 2), (batches[-1], 3)):
        pairs = zip(batch["name"].to_pylist(), batch["industry_code"].to_pylist(), strict=True)
        for name, code in pairs:
            assert len(name) == 2 + length + len(word[code]) + len("有限公司") or "股份" in name


# --- the contract --------------------------------------------------------------------------


def test_columns_and_types_are_the_contract_schema(panel: pa.Table) -> None:
    assert tuple(panel.column_names) == COLUMNS
    assert panel.schema.equals(panel_arrow_schema())


def test_every_row_satisfies_the_contract_rules(
    panel: pa.Table, rows: list[dict[str, object]]
) -> None:
    for f in FIELDS:
        column = panel[f.name]
        if f.required:
            assert column.null_count == 0, f.name
        if f.min_value is not None:
            assert pc.min(column).as_py() >= f.min_value, f.name
        if f.max_value is not None:
            assert pc.max(column).as_py() <= f.max_value, f.name
        if f.max_field is not None:
            over = pc.greater(column, panel[f.max_field])
            assert not pc.any(over).as_py(), f"{f.name} > {f.max_field}"
        if f.choices:
            assert set(column.drop_null().to_pylist()) <= set(f.choices), f.name
    for row in rows:
        district.validate(str(row["district"]))
        industry.validate(str(row["industry_code"]))
        founded = row["founded_on"]
        assert isinstance(founded, dt.date) and founded <= dt.date(int(str(row["year"])), 12, 31)
        for f in FIELDS:
            value = row[f.name]
            if f.kind is Kind.YUAN and value is not None:
                assert isinstance(value, Decimal) and value == value.quantize(Decimal("0.01"))
        assets, liabilities = row["total_assets"], row["total_liabilities"]
        if isinstance(assets, Decimal) and isinstance(liabilities, Decimal):
            assert row["net_assets"] == assets - liabilities


def test_csv_cells_are_plain_decimal_yuan_booleans_and_iso_dates(tmp_path: Path) -> None:
    path = write_panel(tmp_path / "p.csv", 300, YEARS, seed=11).path
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        for row in reader:
            for f in FIELDS:
                cell = row[f.name]
                if cell == "":
                    assert not f.required
                elif f.kind is Kind.YUAN:
                    assert re.fullmatch(r"-?\d+(\.\d{1,2})?", cell), (f.name, cell)
                elif f.kind is Kind.BOOL:
                    assert cell in ("true", "false")
                elif f.kind is Kind.DATE:
                    dt.date.fromisoformat(cell)
                elif f.kind is Kind.COUNT:
                    assert cell.isdigit()


def test_rows_are_the_requested_years_and_young_firms_start_when_founded(
    rows: list[dict[str, object]],
) -> None:
    years_of: dict[object, list[int]] = {}
    founded: dict[object, dt.date] = {}
    for row in rows:
        years_of.setdefault(row["uscc"], []).append(int(str(row["year"])))
        founded[row["uscc"]] = row["founded_on"]  # type: ignore[assignment]
    assert {y for ys in years_of.values() for y in ys} == set(YEARS)
    for code, ys in years_of.items():
        assert ys == [y for y in YEARS if y >= founded[code].year]
    young = [code for code, day in founded.items() if day.year in YEARS]
    assert len(young) > N * 0.05


def test_a_single_year_is_one_row_per_enterprise() -> None:
    table = pa.Table.from_batches(list(generate_batches(400, [2024], seed=1)))
    assert table.num_rows == 400
    assert set(table["year"].to_pylist()) == {2024}


def test_some_cells_are_unknown_but_key_facts_never(panel: pa.Table) -> None:
    for name in ("uscc", "name", "year", "district", "industry_code", "founded_on", "employees"):
        assert panel[name].null_count == 0
    for name in ("transformations", "niche_years", "cost_expense_total", "rd_expense_domestic"):
        assert 0 < panel[name].null_count < panel.num_rows * 0.05, name
    assert panel["market_share"].null_count > 0


# --- realism -------------------------------------------------------------------------------


def test_pudong_is_the_largest_district_and_parks_are_in_their_districts(
    rows: list[dict[str, object]],
) -> None:
    latest = [r for r in rows if r["year"] == 2024]
    counts = Counter(r["district"] for r in latest)
    assert counts.most_common(1)[0][0] == "310115"
    parks = {d.code: {p for p, _ in d.parks} for d in names.DISTRICTS}
    for row in latest:
        if row["park"] is not None:
            assert row["park"] in parks[str(row["district"])]
    assert any(r["park"] == "张江" for r in latest)
    assert any(r["park"] is None for r in latest)


def test_sections_m_i_and_c_dominate(rows: list[dict[str, object]]) -> None:
    latest = [r for r in rows if r["year"] == 2024]
    sections = Counter(str(r["industry_code"])[0] for r in latest)
    top = {s for s, _ in sections.most_common(3)}
    assert top == {"M", "I", "C"}
    assert sum(sections[s] for s in "MIC") > 0.75 * len(latest)
    assert any(str(r["industry_code"]).startswith("C27") for r in latest)
    assert any(str(r["industry_code"]).startswith("C358") for r in latest)


def test_revenue_is_heavy_tailed_and_grows_for_most_firms(rows: list[dict[str, object]]) -> None:
    revenue = sorted(Decimal(str(r["revenue"])) for r in rows if r["year"] == 2024 and r["revenue"])
    median = revenue[len(revenue) // 2]
    assert revenue[-1] > 50 * median  # the tail
    history: dict[object, dict[int, Decimal]] = {}
    for r in rows:
        if r["revenue"] is not None:
            history.setdefault(r["uscc"], {})[int(str(r["year"]))] = Decimal(str(r["revenue"]))
    pairs = [(h[2023], h[2024]) for h in history.values() if 2023 in h and 2024 in h and h[2023]]
    growing = sum(b > a for a, b in pairs)
    assert 0.5 * len(pairs) < growing < 0.95 * len(pairs)  # most grow, some decline


def test_most_hnte_holders_meet_the_quantitative_conditions(rows: list[dict[str, object]]) -> None:
    def meets(r: dict[str, object]) -> bool:
        revenue, rd = r["revenue"], r["rd_expense"]
        if None in (revenue, rd, r["st_staff"], r["rd_expense_domestic"], r["hightech_revenue"]):
            return False
        revenue, rd = Decimal(str(revenue)), Decimal(str(rd))
        band = 5 if revenue <= 50_000_000 else 4 if revenue <= 200_000_000 else 3
        return (
            revenue > 0
            and int(str(r["st_staff"])) * 10 >= int(str(r["employees"]))
            and rd * 100 >= revenue * band
            and Decimal(str(r["rd_expense_domestic"])) * 10 >= rd * 6
            and Decimal(str(r["hightech_revenue"])) * 10 >= revenue * 6
        )

    holders = [r for r in rows if r["is_hnte"]]
    assert len(holders) > 100
    meeting = sum(meets(r) for r in holders)
    assert 0.8 * len(holders) < meeting < len(holders)  # mostly, and a few that do not


def test_rare_flags_are_rare_and_present(panel: pa.Table) -> None:
    latest = panel.filter(pc.equal(panel["year"], 2024))
    for name, most in (("dishonest_list", 0.02), ("major_accident", 0.02), ("abnormal_list", 0.05)):
        share = pc.sum(latest[name].cast(pa.int64())).as_py() / latest.num_rows
        assert share < most, name
    assert pc.sum(latest["dishonest_list"].cast(pa.int64())).as_py() > 0
    boards = Counter(panel["listed_board"].drop_null().to_pylist())
    assert boards["科创板"] > 0  # the most likely board; a handful of listings at this size
    output = panel.filter(pc.is_valid(panel["output_value"]))
    assert all(str(code)[0] in "CD" for code in output["industry_code"].to_pylist())


# --- boundaries ----------------------------------------------------------------------------


def _values(panel: pa.Table, column: str) -> set[object]:
    return set(panel[column].to_pylist())


def test_national_threshold_boundaries_are_present(panel: pa.Table) -> None:
    revenue = _values(panel, "revenue")
    for amount in (
        "200000000.00", "200000000.01", "50000000.00", "20000000.00", "19999999.99",
        "10000000.00", "9999999.99", "5000000.00", "4999999.99", "2000000.00", "1999999.99",
        "100000000.00",
    ):  # fmt: skip
        assert Decimal(amount) in revenue, amount
    assert {500, 501} <= _values(panel, "employees")
    assert {Decimal("200000000.00"), Decimal("200000000.01")} <= _values(panel, "total_assets")
    assert {Decimal("2999999.99"), Decimal("999999.99")} <= _values(panel, "rd_expense")
    assert {2, 3} <= _values(panel, "niche_years")
    assert 5 in _values(panel, "ip_class1")


# Boundary cases give amounts in fen, shares in millionths and scores in hundredths.
_CASE_SCALE = {Kind.YUAN: 100, Kind.RATIO: 10**6, Kind.NUMBER: 100}


def test_every_boundary_case_occurs(panel: pa.Table) -> None:
    latest = panel.filter(pc.equal(panel["year"], 2024)).to_pylist()
    for case in boundaries.CASES:
        wanted = {k: (v[-1] if isinstance(v, tuple) else v) for k, v in case.facts.items()}

        def matches(row: dict[str, object], wanted: dict[str, int] = wanted) -> bool:
            for column, value in wanted.items():
                cell = row[column]
                if isinstance(cell, Decimal):
                    cell = int(cell * _CASE_SCALE[BY_NAME[column].kind])
                if cell != value:
                    return False
            return True

        assert any(matches(r) for r in latest), case.key


def test_exact_ratios_sit_on_the_bound(rows: list[dict[str, object]]) -> None:
    def has(predicate: object) -> bool:
        return any(predicate(r) for r in rows)  # type: ignore[operator]

    assert has(lambda r: r["st_staff"] == 13 and r["employees"] == 130)
    assert has(lambda r: r["revenue"] == Decimal(50_000_000) and r["rd_expense"] == 2_500_000)
    assert has(lambda r: r["rd_expense"] == 5_000_000 and r["rd_expense_domestic"] == 3_000_000)
    assert has(lambda r: r["total_assets"] == 100_000_000 and r["total_liabilities"] == 70_000_000)


def test_a_section_m_firm_crosses_ten_million_for_the_first_time(
    rows: list[dict[str, object]],
) -> None:
    history: dict[object, list[object]] = {}
    for r in rows:
        if str(r["industry_code"]).startswith("M"):
            history.setdefault(r["uscc"], []).append(r["revenue"])
    assert [Decimal("8000000"), Decimal("9999999.99"), Decimal("10000000")] in history.values()


# --- files and the command -----------------------------------------------------------------


def test_write_panel_refuses_unknown_formats_and_gaps(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError):
        write_panel(tmp_path / "p.json", 10, YEARS, seed=1)
    with pytest.raises(GeneratorError):
        write_panel(tmp_path / "p.csv", 10, [2022, 2024], seed=1)
    assert not list(tmp_path.iterdir())


def test_generate_command_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "panel.parquet"
    result = runner.invoke(
        app,
        [
            "generate",
            "--enterprises",
            "200",
            "--years",
            "2023-2024",
            "--seed",
            "4",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert set(table["year"].to_pylist()) == {2023, 2024}
    assert len(set(table["uscc"].to_pylist())) == 200


def test_generate_command_refuses_bad_years_with_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "panel.csv"
    result = runner.invoke(app, ["generate", "-n", "10", "--years", "2024-2022", "--out", str(out)])
    assert result.exit_code == 2
    assert not out.exists()


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_generated_files_import_cleanly(store_env: str, tmp_path: Path, suffix: str) -> None:
    from kechuang.enterprises.tables import annual_facts
    from kechuang.store.engine import make_engine

    size = 1500 if suffix != ".xlsx" else 300
    path = write_panel(tmp_path / f"panel{suffix}", size, YEARS, seed=9)
    result = runner.invoke(app, ["import", str(path.path)])
    assert result.exit_code == 0, result.output
    engine = make_engine(store_env)
    try:
        with engine.connect() as connection:
            stored = connection.execute(select(func.count()).select_from(annual_facts)).scalar()
    finally:
        engine.dispose()
    assert stored == path.rows
