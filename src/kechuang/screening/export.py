"""The run's lists as .xlsx: the public notice list (公示名单) and the payment list for finance.

The notice list shows the enterprise name, the masked USCC (domain.uscc.mask), the policy and the
amount, under a title row naming the policy and the notice period. The payment list is for the
finance bureau: full USCC, confirmed bank account, amount and the idempotency key of the ledger
payment, so that a payment instructed twice is recognised as one.
Amounts are written as exact decimals of yuan (openpyxl writes a Decimal as its digits). Every
text cell is stored as a string (domain.spreadsheet): an enterprise or account name that starts
like a formula stays text.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.money import fen_to_yuan
from kechuang.domain.spreadsheet import keep_text
from kechuang.domain.uscc import mask
from kechuang.screening import books
from kechuang.screening.errors import NotFound, Refused
from kechuang.screening.notices import policy_title
from kechuang.screening.tables import Award, BankAccount, ScreeningRun

NOTICE_STATES = ("proposed", "approved", "confirmed", "lapsed", "excluded", "paid", "clawed_back")
PAYMENT_STATES = ("confirmed", "paid")
MONEY_FORMAT = "#,##0.00"


def _run(session: Session, run_id: int) -> ScreeningRun:
    run = session.get(ScreeningRun, run_id)
    if run is None:
        raise NotFound(f"no screening run {run_id}")
    return run


def _save(workbook: Workbook, path: Path) -> None:
    # Written under a temporary name and renamed: a failed export leaves no half file.
    staged = path.with_name(path.name + ".partial")
    workbook.save(staged)
    os.replace(staged, path)


def _append(sheet: Worksheet, row: Sequence[object]) -> None:
    sheet.append(list(row))
    keep_text(sheet[sheet.max_row])


def _sheet(workbook: Workbook, title: str, header: Sequence[str], heading: str) -> Worksheet:
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = title
    _append(sheet, [heading])
    sheet["A1"].font = Font(bold=True, size=14)
    _append(sheet, header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    return sheet


def notice_list(session: Session, run_id: int, path: Path) -> int:
    """Write the 公示名单 of a published run; the number of enterprises listed."""
    run = _run(session, run_id)
    if run.published_on is None:
        raise Refused(f"run {run_id} is {run.state}: it has no notice list before it is published")
    title = policy_title(run.policy_id, run.year)
    provisional = "（含未发布日历年份，日期暂定）" if run.notice_provisional else ""
    heading = (
        f"《{title}》{run.year}年度 拟奖励企业公示名单  公示期：{run.published_on} 至 "
        f"{run.notice_ends_on}（{run.notice_days}个工作日）{provisional}"
    )
    workbook = Workbook()
    sheet = _sheet(
        workbook,
        "公示名单",
        ["序号", "企业名称", "统一社会信用代码", "政策", "奖励金额（元）"],
        heading,
    )
    awards = session.scalars(
        select(Award)
        .where(Award.run_id == run_id, Award.state.in_(NOTICE_STATES), Award.allocated_fen > 0)
        .order_by(Award.uscc)
    ).all()
    for number, award in enumerate(awards, start=1):
        _append(
            sheet, [number, award.name, mask(award.uscc), title, fen_to_yuan(award.allocated_fen)]
        )
        sheet.cell(row=sheet.max_row, column=5).number_format = MONEY_FORMAT
    _save(workbook, path)
    return len(awards)


def payment_list(session: Session, run_id: int, path: Path) -> int:
    """Write the payment list of an approved run (confirmed and paid awards); how many rows."""
    run = _run(session, run_id)
    if run.approved_on is None:
        raise Refused(f"run {run_id} is {run.state}: it has no payment list before approval")
    title = policy_title(run.policy_id, run.year)
    heading = (
        f"《{title}》{run.year}年度 奖励拨付清单"
        f"（批次 {run.id}，审核 {run.approved_by} {run.approved_on}）"
    )
    header = [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "开户名",
        "开户银行",
        "银行账号",
        "金额（元）",
        "状态",
        "幂等键",
    ]
    workbook = Workbook()
    sheet = _sheet(workbook, "拨付清单", header, heading)
    rows = session.execute(
        select(Award, BankAccount)
        .join(BankAccount, BankAccount.award_id == Award.id)
        .where(Award.run_id == run_id, Award.state.in_(PAYMENT_STATES))
        .order_by(Award.uscc)
    ).all()
    for number, (award, account) in enumerate(rows, start=1):
        _append(sheet, [
            number, award.name, award.uscc, account.account_name, account.bank,
            account.account_number, fen_to_yuan(award.allocated_fen), award.state,
            books.key(run.id, "pay", award.uscc),
        ])  # fmt: skip
        sheet.cell(row=sheet.max_row, column=7).number_format = MONEY_FORMAT
    _save(workbook, path)
    return len(rows)
