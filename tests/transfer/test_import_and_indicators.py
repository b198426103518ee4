"""Importing results (CSV and xlsx, validated whole, atomic) and the pilot indicators."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kechuang.transfer import deals, empowerment, income, pilot
from kechuang.transfer.access import Actor
from kechuang.transfer.deals import DealDraft
from kechuang.transfer.due_diligence import Agreement
from kechuang.transfer.importer import COLUMNS, ImportRefused, import_results
from kechuang.transfer.income import IncomeDraft
from kechuang.transfer.tables import Inventor, Result
from tests.transfer.conftest import FUDAN, OFFICER, TONGJI, add_patent, make_uscc

GOOD = [
    ["patent", "一种钠离子电池层状氧化物正极材料", "Layered oxide cathode for sodium-ion batteries",
     "铜铁锰基层状氧化物正极", "钠离子电池;正极", "202310123456.6", "H01M 4/505", "C3841",
     "2023-05-10", "陈晨:70:main;刘洋:30"],
    ["software_copyright", "作物氮素诊断软件", "Crop nitrogen diagnosis software", "", "", "",
     "", "I6513", "2024-01-02", "赵敏:100:main"],
]  # fmt: skip


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def test_csv_and_xlsx_import(session: Session, tmp_path: Path) -> None:
    ids = import_results(session, "fudan", _csv(tmp_path / "r.csv", GOOD), "tto-fudan")
    assert len(ids) == 2
    assert session.scalar(select(func.count()).select_from(Inventor)) == 3
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    row = list(GOOD[0])
    row[5] = "202410555555.6"
    row[8] = dt.date(2024, 2, 1)  # a real Excel date cell
    sheet.append(row)
    book.save(tmp_path / "r.xlsx")
    assert len(import_results(session, "fudan", tmp_path / "r.xlsx", "tto-fudan")) == 1
    assert session.scalar(select(func.count()).select_from(Result)) == 3


def test_a_bad_row_refuses_the_whole_file(session: Session, tmp_path: Path) -> None:
    bad = [
        GOOD[0],
        ["patent", "标题", "Title", "", "", "202310123456.7", "H01M", "C3841", "2023-13-01",
         "甲:60;乙:30"],
        GOOD[0],
    ]  # fmt: skip
    with pytest.raises(ImportRefused) as refused:
        import_results(session, "fudan", _csv(tmp_path / "bad.csv", bad), "tto-fudan")
    found = {(p.row, p.column) for p in refused.value.problems}
    assert found == {
        (3, "application_number"), (3, "disclosed_on"), (3, "inventors"),
        (4, "application_number"),
    }  # fmt: skip
    reasons = {p.column: p.reason for p in refused.value.problems if p.row == 3}
    assert "check character is 6" in reasons["application_number"]
    assert "90.0%" in reasons["inventors"]
    assert session.scalar(select(func.count()).select_from(Result)) == 0


def test_cli_import_reports_problems(tmp_path: Path, store_env: str) -> None:
    from kechuang.cli import app
    from kechuang.store.migrate import upgrade_url

    upgrade_url(store_env)
    runner = CliRunner()
    bad = _csv(tmp_path / "bad.csv", [[*GOOD[0][:5], "201710601862.4", *GOOD[0][6:]]])
    refused = runner.invoke(app, ["transfer", "import", str(bad), "--institution", "fudan"])
    assert refused.exit_code == 2 and "is 3, not 4" in refused.output
    good = _csv(tmp_path / "good.csv", GOOD)
    done = runner.invoke(app, ["transfer", "import", str(good), "--institution", "fudan"])
    assert done.exit_code == 0, done.output
    found = runner.invoke(app, ["transfer", "match", "低成本储能用钠电池正极材料", "-k", "1"])
    assert "钠离子电池层状氧化物正极材料" in found.output and "shared terms" in found.output


def _empower(session: Session, who: Actor, result_id: int, kind: str, on: dt.date) -> None:
    case = empowerment.request(session, who, result_id, "")
    empowerment.start_review(session, who, case.id)
    terms = Agreement(
        kind=kind, inventor_ownership_bp=None, term_years=None, licence_bp=5_000,
        transfer_bp=5_000, equity_bp=5_000, decision_rights="约定", costs="约定",
    )  # fmt: skip
    checklist = {
        "pricing_method": "auction", "venue": "上海技术交易所", "collective_decision": True,
        "conflict_of_interest_declared": True, "security_review": True, "inventors_consent": True,
    }  # fmt: skip
    empowerment.agree(session, who, case.id, checklist, terms, on)
    empowerment.register_change(session, who, case.id, f"REG-{result_id}", on)


def test_pilot_indicators(session: Session) -> None:
    pilot.set_pilot_unit(session, OFFICER, "fudan", "复旦大学", "Fudan University", 2023)
    a = add_patent(session)
    b = add_patent(session, number="202310123456.6", title="钠离子电池正极")
    c = add_patent(session, "tongji", number="202410555555.6", title="桥梁健康监测")
    _empower(session, FUDAN, a.id, "ownership", dt.date(2024, 3, 1))
    _empower(session, TONGJI, c.id, "ownership", dt.date(2025, 1, 5))
    equity = deals.create(session, FUDAN, a.id, DealDraft(
        kind="equity_investment", counterparty_name="新公司", company_uscc=make_uscc(9),
        company_name="新公司", company_founded_on=dt.date(2024, 6, 1), shares=100,
        signed_on=dt.date(2024, 6, 1), contract_amount_minor=10_000_000))  # fmt: skip
    deals.create(session, FUDAN, b.id, DealDraft(
        kind="transfer", counterparty_name="买方", counterparty_uscc=make_uscc(10),
        signed_on=dt.date(2024, 9, 1), contract_amount_minor=2_000_000))  # fmt: skip
    income.record(session, FUDAN, equity.id, IncomeDraft("equity", "C-1", dt.date(2024, 6, 2),
                                                         10_000_000, shares=100))  # fmt: skip
    pilot.record_financing(session, FUDAN, equity.id, "天使轮", 300_000_000, dt.date(2024, 12, 1))
    session.commit()

    rows = {(r.institution, r.year): r for r in pilot.indicators(session, OFFICER)}
    fudan = rows[("fudan", 2024)]
    assert (fudan.pilot_unit, fudan.results_empowered, fudan.full_ownership) == (True, 1, 1)
    assert (fudan.deals, fudan.transformation_amount_fen) == (2, 12_000_000)
    assert (fudan.companies_founded, fudan.financing_raised_fen) == (1, 300_000_000)
    assert fudan.inventors_reward_fen == 5_000_000
    assert rows[("tongji", 2025)].pilot_unit is False
    assert rows[("tongji", 2025)].results_empowered == 1
    assert {r.institution for r in pilot.indicators(session, TONGJI)} == {"tongji"}
    assert [r.year for r in pilot.indicators(session, OFFICER, 2025)] == [2025, 2025]
    totals = pilot.totals(pilot.indicators(session, OFFICER))
    assert totals[2024]["pilot_unit"] == 1 and totals[2024]["results_empowered"] == 1
