"""`kechuang import` refuses NUL, control and bidirectional-control characters in stored text:
the cell is reported with its row, column and the character's name, and nothing is stored.

Every test runs on SQLite and on PostgreSQL (see the database_url fixture).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from kechuang.domain.panel import COLUMNS
from tests.enterprises.panels import text_table, valid_rows, write_csv, write_parquet, write_xlsx
from tests.enterprises.test_import import errors_of, facts, run_import


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ("上海\u202e司公限有技科", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("上海\u2066测试\u2069", "U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("上海\x00测试", "U+0000"),
        ("上海\n测试", "U+000A"),
    ],
)
def test_a_name_with_a_control_character_is_refused_naming_row_column_and_character(
    engine: Engine, tmp_path: Path, bad: str, named: str
) -> None:
    rows = valid_rows(3, years=[2024])
    rows[1]["name"] = bad
    errors = errors_of(write_parquet(tmp_path / "bad.parquet", text_table(rows)), tmp_path)
    assert [(e["row"], e["column"]) for e in errors] == [("3", "name")]
    assert named in errors[0]["reason"] and "character 3" in errors[0]["reason"]
    # The report shows the character by its code point, never the character itself.
    shown = "".join(c if c.isprintable() else f"<U+{ord(c):04X}>" for c in bad)
    assert errors[0]["value"] == shown
    assert facts(engine) == []


def test_a_bidi_override_in_an_xlsx_park_is_refused(engine: Engine, tmp_path: Path) -> None:
    rows = valid_rows(2, years=[2024])
    rows[0]["park"] = "张江\u202e"
    errors = errors_of(write_xlsx(tmp_path / "bad.xlsx", rows), tmp_path)
    assert [(e["row"], e["column"]) for e in errors] == [("2", "park")]
    assert "U+202E" in errors[0]["reason"]
    assert facts(engine) == []


def test_a_nul_in_a_csv_name_is_refused(engine: Engine, tmp_path: Path) -> None:
    rows = valid_rows(2, years=[2024])
    rows[1]["name"] = "上海\x00测试"
    errors = errors_of(write_csv(tmp_path / "bad.csv", rows), tmp_path)
    assert [(e["row"], e["column"]) for e in errors] == [("3", "name")]
    assert "U+0000" in errors[0]["reason"]


def test_an_extra_column_keeps_newlines_but_refuses_bidi_controls(
    engine: Engine, tmp_path: Path
) -> None:
    rows = valid_rows(2, years=[2024])
    rows[0]["备注"] = "第一行\r\n第二行"
    rows[1]["备注"] = "正常\u202e文字"
    path = write_csv(tmp_path / "p.csv", rows, columns=[*COLUMNS, "备注"])
    errors = errors_of(path, tmp_path)
    assert [(e["row"], e["column"]) for e in errors] == [("3", "备注")]
    assert "U+202E" in errors[0]["reason"]
    assert facts(engine) == []
    rows[1]["备注"] = "正常文字"
    assert run_import(write_csv(tmp_path / "good.csv", rows, columns=[*COLUMNS, "备注"]))[0] == 0
    assert [f["extra"] for f in facts(engine)] == [{"备注": "第一行\n第二行"}, {"备注": "正常文字"}]


def test_a_header_with_a_bidi_control_is_refused_naming_the_column(
    engine: Engine, tmp_path: Path
) -> None:
    rows = valid_rows(1, years=[2024])
    rows[0]["note\u202e"] = "x"
    path = write_csv(tmp_path / "p.csv", rows, columns=[*COLUMNS, "note\u202e"])
    code, output = run_import(path)
    assert code == 2
    flat = " ".join(output.split())
    assert f"column {len(COLUMNS) + 1} of the header (note<U+202E>)" in flat
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in flat
    assert facts(engine) == []
