"""enterprises.limits layer by layer, in process: each check refuses with where and what limit.

The subprocess suite (test_hostile_inputs.py) measures the headline bombs; these tests reach
the checks behind the first line of defence (a file that passes the zip inspection but holds
a text too long, a DTD, a wide header, a sheet that claims 16,384 columns) and the imports of
a bank's loans and of a register of results, which read through the same reader.
"""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from kechuang.accounts.service import create_account
from kechuang.cli import app
from kechuang.domain.panel import COLUMNS
from kechuang.enterprises import limits
from kechuang.enterprises.readers import PanelFileError, open_panel, read_rows
from kechuang.enterprises.validation import validate_batch
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade
from kechuang.transfer.tables import Result
from tests.enterprises.hostile import (
    SharedString,
    panel_rows,
    shared_strings,
    sheet_xml,
    write_workbook,
)
from tests.enterprises.panels import valid_row, valid_rows, write_csv

runner = CliRunner()


def _rows_of(path: Path) -> list[int]:
    return [int(n) for batch in open_panel(path).batches() for n in batch.rows.to_pylist()]


def _workbook_with_name(tmp_path: Path, name: str) -> Path:
    rows = panel_rows([valid_row(1), {**valid_row(2), "name": SharedString(0)}])
    return write_workbook(tmp_path / "book.xlsx", sheet_xml(rows), shared_strings(name))


def test_shared_string_over_the_cell_limit_is_refused_at_its_row_and_column(
    tmp_path: Path,
) -> None:
    path = _workbook_with_name(tmp_path, "企" * 40_000)
    with pytest.raises(PanelFileError, match=r"book\.xlsx: row 3, column name: a cell of 40,000"):
        _rows_of(path)


def test_text_longer_than_any_cell_is_refused_while_unpacking(tmp_path: Path) -> None:
    # Random letters pack poorly: the zip's sizes and ratio look like any workbook's.
    noise = "".join(random.Random(1).choices(string.ascii_letters, k=2_000_000))
    path = _workbook_with_name(tmp_path, noise)
    with pytest.raises(PanelFileError, match=r"part xl/sharedStrings\.xml holds a text or tag"):
        open_panel(path)


def test_a_dtd_in_any_part_is_refused(tmp_path: Path) -> None:
    sheet = sheet_xml(panel_rows(valid_rows(1)))
    dtd = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
    path = write_workbook(tmp_path / "dtd.xlsx", dtd + sheet)
    with pytest.raises(PanelFileError, match="declares a DTD or entities"):
        open_panel(path)


def test_a_sheet_claiming_16384_columns_and_a_million_rows_reads_only_its_data(
    tmp_path: Path,
) -> None:
    sheet = sheet_xml(panel_rows(valid_rows(1))).replace(
        "<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>'
    )
    last = f'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>{valid_row(5)["uscc"]}</t>'
    sheet = sheet.replace("</sheetData>", last + "</is></c></row></sheetData>")
    path = write_workbook(tmp_path / "wide.xlsx", sheet)
    assert _rows_of(path) == [2, 3, 1_048_576]


def test_more_columns_than_the_limit_are_refused(tmp_path: Path) -> None:
    columns = [*COLUMNS, *(f"extra{i}" for i in range(limits.MAX_COLUMNS))]
    path = write_csv(tmp_path / "wide.csv", valid_rows(1), columns=columns)
    wide = f"{len(columns):,}"
    with pytest.raises(PanelFileError, match=rf"has {wide} columns \(at most 1,024\)"):
        open_panel(path)


def test_a_column_name_longer_than_the_limit_is_refused_naming_its_position(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "long.csv", valid_rows(1), columns=[*COLUMNS, "x" * 300])
    with pytest.raises(PanelFileError, match=rf"column {len(COLUMNS) + 1}: a column name of 300"):
        open_panel(path)


def test_a_contract_cell_over_its_column_limit_is_a_bad_cell_shown_cut(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "name.csv", [{**valid_row(1), "name": "名" * 201}])
    batch = next(open_panel(path).batches())
    (error,) = validate_batch(batch, []).errors
    assert (error.row, error.column, error.reason) == (2, "name", "longer than 200 characters")
    assert error.value == "名" * 200 + "…"


def test_the_row_reader_of_the_smaller_imports_has_the_same_limits(tmp_path: Path) -> None:
    path = tmp_path / "loans.csv"
    path.write_text("bank_ref,uscc\nL1," + "x" * 40_000 + "\n", encoding="utf-8")
    with pytest.raises(PanelFileError, match=r"loans\.csv: row 2, column 2: a cell of 40,000"):
        list(read_rows(path))


def test_a_bank_loan_workbook_with_a_giant_shared_string_is_refused(
    store_env: str, tmp_path: Path
) -> None:
    engine = make_engine(store_env)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        # import-loans replays history: an officer's job, so the refusal is the file's.
        create_account(session, "officer-li", "officer password 42", "officer")
        session.commit()
    rows = [["bank_ref", "uscc"], ["L1", SharedString(0)]]
    big = (b"A" * (1 << 20) for _ in range(300))
    path = write_workbook(tmp_path / "loans.xlsx", sheet_xml(rows), shared_strings(big))
    result = runner.invoke(
        app, ["finance", "import-loans", str(path), "--bank", "icbc-sh", "--by", "officer-li"]
    )
    assert result.exit_code == 2
    assert "loans.xlsx: part xl/sharedStrings.xml unpacks to" in " ".join(result.output.split())


def test_a_results_register_file_with_a_huge_cell_is_refused_and_nothing_stored(
    store_env: str, tmp_path: Path
) -> None:
    engine = make_engine(store_env)
    upgrade(engine)
    path = tmp_path / "results.csv"
    path.write_text("kind,title_zh\npatent," + "题" * (10 << 20) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["transfer", "import", str(path), "--institution", "fudan"])
    assert result.exit_code == 2
    assert "line 2 is longer than" in " ".join(result.output.split())
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Result)).scalar() == 0
    engine.dispose()
