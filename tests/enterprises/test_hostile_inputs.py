"""Hostile files are refused in seconds, in bounded memory, with exit 2, and nothing is stored.

Each test builds its bomb, runs the real `kechuang` in a subprocess and checks the exit code,
the message (the file, the limit, where), the wall time, the child's peak memory and that the
store and the var/ snapshot are exactly as before. Every import case runs on SQLite and on
PostgreSQL (the store_env fixture).
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.domain.panel import COLUMNS
from kechuang.enterprises.tables import ImportBatch, annual_facts, enterprises
from kechuang.store.engine import make_engine
from tests.enterprises.hostile import (
    GB,
    SECONDS,
    Outcome,
    SharedString,
    panel_rows,
    repeated,
    run_cli,
    shared_strings,
    sheet_xml,
    write_workbook,
)
from tests.enterprises.panels import text_table, valid_row, valid_rows, write_csv, write_parquet

MB = 1 << 20


@pytest.fixture
def stored(store_env: str, tmp_path: Path) -> dict[str, object]:
    """A store holding one good import, and what it and var/ hold before a bomb arrives."""
    result = CliRunner().invoke(
        app, ["import", str(write_csv(tmp_path / "good.csv", valid_rows(3)))]
    )
    assert result.exit_code == 0, result.output
    return _state(store_env, tmp_path / "var")


def _state(url: str, var: Path) -> dict[str, object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            counts = {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar()
                for table in (ImportBatch.__table__, enterprises, annual_facts)
            }
    finally:
        engine.dispose()
    files = {
        str(p.relative_to(var)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(var.rglob("*"))
        if p.is_file() and p.suffix != ".db" and not p.name.endswith(("-wal", "-shm"))
    }
    return {"counts": counts, "files": files}


def refused(outcome: Outcome, *phrases: str) -> None:
    """Exit 2 without a traceback, each phrase in the message, fast and in bounded memory."""
    assert outcome.code == 2, outcome.output
    assert "Traceback" not in outcome.output, outcome.output
    for phrase in phrases:
        assert phrase in " ".join(outcome.output.split()), outcome.output
    assert outcome.seconds < SECONDS, outcome.seconds
    assert outcome.peak_bytes < GB, outcome.peak_bytes


def nothing_stored(store_env: str, tmp_path: Path, before: dict[str, object]) -> None:
    assert _state(store_env, tmp_path / "var") == before


def imported(path: Path) -> Outcome:
    return run_cli("import", str(path))


# .xlsx --------------------------------------------------------------------------------------


def test_hand_built_workbook_of_these_tests_imports(
    stored: dict[str, object], tmp_path: Path
) -> None:
    # The bombs below are this workbook with one part spoilt: unspoilt, it is a good panel.
    rows = panel_rows([{**valid_row(7), "name": SharedString(0)}])
    path = write_workbook(tmp_path / "fine.xlsx", sheet_xml(rows), shared_strings("上海好企业"))
    outcome = imported(path)
    assert outcome.code == 0, outcome.output
    assert "1 rows" in outcome.output


def test_xlsx_with_a_400mb_shared_string_is_refused(
    store_env: str, stored: dict[str, object], tmp_path: Path
) -> None:
    rows = panel_rows([{**valid_row(7), "name": SharedString(0)}])
    giant = repeated("", b"A", 400 * MB, "")
    path = write_workbook(tmp_path / "bomb.xlsx", sheet_xml(rows), shared_strings(giant))
    assert path.stat().st_size < 2 * MB
    refused(imported(path), "bomb.xlsx", "xl/sharedStrings.xml", "unpacks to", "at most")
    nothing_stored(store_env, tmp_path, stored)


def test_xlsx_zip_bomb_is_refused_by_its_compression_ratio(
    store_env: str, stored: dict[str, object], tmp_path: Path
) -> None:
    xml = sheet_xml(panel_rows(valid_rows(2)))
    head, tail = xml.split("</sheetData>")
    sheet = repeated(head, b" ", 200 * MB, "</sheetData>" + tail)
    path = write_workbook(tmp_path / "zipbomb.xlsx", sheet)
    refused(imported(path), "zipbomb.xlsx", "xl/worksheets/sheet1.xml", "times its packed size")
    nothing_stored(store_env, tmp_path, stored)


def test_xlsx_formula_cells_are_refused_naming_the_cell(
    store_env: str, stored: dict[str, object], tmp_path: Path
) -> None:
    link = ("=", 'HYPERLINK("http://evil.example","上海好企业")', "上海好企业")
    rows = panel_rows([valid_row(1), {**valid_row(2), "name": link}])
    path = write_workbook(tmp_path / "formula.xlsx", sheet_xml(rows))
    refused(imported(path), "formula.xlsx", "cell B3", "formula", "values")
    nothing_stored(store_env, tmp_path, stored)


# CSV ----------------------------------------------------------------------------------------


def test_csv_header_field_of_128kb_is_refused(
    store_env: str, stored: dict[str, object], tmp_path: Path
) -> None:
    path = tmp_path / "header.csv"
    columns = [*COLUMNS, "x" * (128 * 1024)]
    write_csv(path, valid_rows(2), columns=columns)
    refused(imported(path), "header.csv", "row 1", "characters")
    nothing_stored(store_env, tmp_path, stored)


def test_csv_cell_of_10mb_is_refused(
    store_env: str, stored: dict[str, object], tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "cell.csv", [valid_row(1), {**valid_row(2), "name": "名" * (10 * MB)}]
    )
    refused(imported(path), "cell.csv", "line 3", "at most 32,767")
    nothing_stored(store_env, tmp_path, stored)


def test_csv_cell_over_the_cell_limit_is_refused_at_its_row_and_column(
    store_env: str, stored: dict[str, object], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "cell.csv", [valid_row(1), {**valid_row(2), "park": "园" * 40_000}])
    refused(imported(path), "cell.csv", "row 3, column park", "40,000 characters", "32,767")
    nothing_stored(store_env, tmp_path, stored)


# Parquet ------------------------------------------------------------------------------------


def _garble_footer(data: bytearray) -> None:
    (length,) = struct.unpack("<I", data[-8:-4])
    start = len(data) - 8 - length
    data[start : start + length] = bytes([0xFF]) * length  # the thrift footer, garbled


def _claim_a_4gb_footer(data: bytearray) -> None:
    data[-8:-4] = struct.pack("<I", 0xFFFFFFF0)  # in a file of a few KB


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_garble_footer, "not a readable Parquet file"),
        (_claim_a_4gb_footer, "footer claims 4,294,967,280 bytes"),
    ],
    ids=["corrupt-footer", "absurd-footer-size"],
)
def test_parquet_with_a_corrupt_footer_is_refused(
    store_env: str, stored: dict[str, object], tmp_path: Path, spoil: object, message: str
) -> None:
    path = write_parquet(tmp_path / "footer.parquet", text_table(valid_rows(3)))
    data = bytearray(path.read_bytes())
    spoil(data)  # type: ignore[operator]
    path.write_bytes(bytes(data))
    refused(imported(path), "footer.parquet", message)
    nothing_stored(store_env, tmp_path, stored)


def test_parquet_dictionary_expanding_to_gigabytes_is_read_in_bounded_memory(
    store_env: str, stored: dict[str, object], tmp_path: Path
) -> None:
    # 30,000 rows share one 30,000-character park name: a tiny file, 2.7 GB once expanded.
    rows = 30_000
    base = text_table([valid_row(i) for i in range(rows)])
    park = pa.DictionaryArray.from_arrays(
        pa.array([0] * rows, pa.int32()), pa.array(["园" * 30_000])
    )
    table = base.set_column(base.schema.get_field_index("park"), "park", park)
    path = tmp_path / "dictionary.parquet"
    pq.write_table(table, path)
    assert path.stat().st_size < 20 * MB
    outcome = imported(path)
    refused(outcome, "longer than 200 characters")
    nothing_stored(store_env, tmp_path, stored)


# Policy YAML ---------------------------------------------------------------------------------

# Ten levels of nine aliases each: 9^10 (3.5 billion) strings once expanded.
LAUGHS = (
    "[&l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol], "
    + ", ".join(f"&l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10))
    + "]"
)
SHIPPED = Path(__file__).parents[2] / "src" / "kechuang" / "policies" / "tsme-2017.yaml"


def _policy_with(tmp_path: Path, name: str, value: str) -> tuple[Path, int]:
    """tsme-2017 with the value of its parameter max_employees replaced; the value's line."""
    text = SHIPPED.read_text(encoding="utf-8")
    old = "- {from: 2017-05-03, value: 500}"
    line = text[: text.index(old)].count("\n") + 1
    path = tmp_path / name
    path.write_text(text.replace(old, "- {from: 2017-05-03, value: " + value + "}", 1))
    return path, line


def test_policy_yaml_billion_laughs_in_a_parameter_value_is_refused(tmp_path: Path) -> None:
    path, line = _policy_with(tmp_path, "laughs.yaml", LAUGHS)
    refused(run_cli("policies", "validate", str(path)), f"laughs.yaml:{line}:", "anchors (&l0)")


def test_policy_yaml_nested_100k_deep_is_refused_by_validate(tmp_path: Path) -> None:
    path, line = _policy_with(tmp_path, "deep.yaml", "[" * 100_000 + "]" * 100_000)
    refused(run_cli("policies", "validate", str(path)), f"deep.yaml:{line}:", "nested more than")


def test_policy_file_given_to_screen_is_refused_the_same_way(tmp_path: Path) -> None:
    path, line = _policy_with(tmp_path, "laughs.yaml", LAUGHS)
    panel = write_csv(tmp_path / "panel.csv", valid_rows(2))
    outcome = run_cli(
        "screen", "--data", str(panel), "--year", "2024", "--policy", str(path),
        "--out", str(tmp_path / "results.csv"),
    )  # fmt: skip
    refused(outcome, f"laughs.yaml:{line}:", "anchors (&l0)")
    assert not (tmp_path / "results.csv").exists()
