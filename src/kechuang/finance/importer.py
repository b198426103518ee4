"""Import of a bank's loans and repayments (CSV, UTF-8 with a header, or .xlsx, first sheet).

Like the enterprise import, the file is validated whole and stored atomically: every bad cell is
reported (row, column, value, reason), then each row is applied through the same actions as the
API (apply → approve → disburse; repay), in ONE transaction. A row the rules refuse (admission,
capacity, limits) is reported as well, and if there is any error nothing is stored.
The bank's organisation is the importer's, never a column: a bank cannot file another's loans.

Days (kechuang.finance.dating): a loan file carries the days the bank applied, approved and
disbursed, so importing it replays history: only an officer does it, every loan is audited as a
replay, and the days must be in order and not in the future. A repayment file's day is
`received_on`, the fact of when the bank received the money: the repayment is recorded today
and the fact is checked against the loan's history like one sent through the API.

Loans:      bank_ref, product_id, uscc, partner_org, principal_yuan, term_months, method,
            applied_on, disbursed_on; optional: tier, annual_rate, approved_on
Repayments: loan_ref, repayment_ref, received_on, amount_yuan
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.money import InvalidAmount, parse_yuan
from kechuang.domain.uscc import InvalidUSCC, validate
from kechuang.enterprises import readers
from kechuang.enterprises.readers import PanelFileError, cell_text
from kechuang.finance import dating, loans
from kechuang.finance.errors import FinanceError
from kechuang.finance.tables import Loan
from kechuang.http.labels import message
from kechuang.http.labels import register as register_labels
from kechuang.ledger import LedgerError
from kechuang.workflow.errors import Refusal

LOAN_COLUMNS = ("bank_ref", "product_id", "uscc", "partner_org", "principal_yuan", "term_months",
                "method", "applied_on", "disbursed_on")  # fmt: skip
LOAN_OPTIONAL = ("tier", "annual_rate", "approved_on")
REPAYMENT_COLUMNS = ("loan_ref", "repayment_ref", "received_on", "amount_yuan")
ROW = "(row)"

# Why a row is refused (zh, en): a page shows a row's reason in its own language.
register_labels("message", {
    "import.required": ("必填", "required"),
    "import.invalid": ("格式不正确：{detail}", "{detail}"),
    "import.repeats": ("与第 {row} 行重复", "repeats row {row}"),
    "import.day_before": ("早于 {before}", "before {before}"),
    "import.day_future": ("晚于今天（{today}）", "in the future (today is {today})"),
    "import.unknown_loan": ("本行没有此编号的贷款", "no loan of {bank} with this reference"),
    "import.refused": ("{zh}", "{detail}"),
})  # fmt: skip


@dataclass(frozen=True)
class RowError:
    row: int  # the file's row number (the header is row 1)
    column: str
    value: str | None
    reason: str  # English
    reason_zh: str = ""

    @classmethod
    def of(cls, row: int, column: str, value: str | None, code: str, **values: Any) -> RowError:
        """A row error whose reason is the registered message `code`, in both languages."""
        return cls(row, column, value, message(code, "en", **values), message(code, "zh", **values))

    def text(self, lang: str) -> str:
        return self.reason_zh if lang == "zh" and self.reason_zh else self.reason


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    stored: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(ValueError):
    """The file itself cannot be read (format, header)."""


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str | None]]]]:
    """The header and (row number, {column: text or None}) of every data row.

    The file is read by the shared reader (enterprises.readers.read_rows) and its limits;
    a file it refuses is an ImportFileError naming the file, row and column."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise ImportFileError(f"{path}: a loan file is .csv or .xlsx")
    lines = readers.read_rows(path)
    try:
        first = next(lines, (1, ()))[1]
    except PanelFileError as exc:
        raise ImportFileError(str(exc)) from None
    header = [str(cell_text(h) or "").strip() for h in first]

    def rows() -> Iterator[tuple[int, dict[str, str | None]]]:
        try:
            for n, values in lines:
                texts = [_text(v) for v in values]
                if any(texts):
                    yield n, dict(zip(header, texts, strict=False))
        except PanelFileError as exc:
            raise ImportFileError(str(exc)) from None

    return header, rows()


def _text(value: object) -> str | None:
    """A cell as text, None when empty (CSV cells are stripped, as a bank's clerk expects)."""
    text = cell_text(value)
    if text is None or not text.strip():
        return None
    return text.strip() if isinstance(value, str) else text


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be a positive whole number")
    return value


def _fen(text: str) -> int:
    fen = parse_yuan(text)
    if fen <= 0:
        raise InvalidAmount("must be positive")
    return fen


def _rate(text: str) -> Decimal:
    value = Decimal(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    if not 0 <= value < 1:
        raise ValueError("a yearly rate between 0 and 1 (or 0% to 100%)")
    return value


PARSERS: dict[str, Callable[[str], Any]] = {
    "uscc": validate, "principal_yuan": _fen, "amount_yuan": _fen, "term_months": _int,
    "applied_on": _date, "disbursed_on": _date, "approved_on": _date, "received_on": _date,
    "annual_rate": _rate,
}  # fmt: skip


def _parse(
    n: int,
    raw: dict[str, str | None],
    required: tuple[str, ...],
    optional: tuple[str, ...],
    errors: list[RowError],
) -> dict[str, Any] | None:
    parsed: dict[str, Any] = {}
    bad = False
    for column in (*required, *optional):
        text = raw.get(column)
        if text is None:
            if column in required:
                errors.append(RowError.of(n, column, None, "import.required"))
                bad = True
            continue
        try:
            parsed[column] = PARSERS.get(column, str)(text)
        except (ValueError, InvalidOperation, InvalidAmount, InvalidUSCC) as exc:
            errors.append(RowError.of(n, column, text, "import.invalid", detail=exc or "invalid"))
            bad = True
    return None if bad else parsed


def _refused(n: int, ref: str, exc: Exception) -> RowError:
    """A row the rules refused: the refusal's own words (in Chinese where it has them)."""
    zh = exc.text("zh") if isinstance(exc, Refusal) else str(exc)
    return RowError.of(n, ROW, ref, "import.refused", detail=exc, zh=zh)


def _check_header(header: list[str], required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in header]
    if "received_on" in missing and "paid_on" in header:
        raise ImportFileError(
            "column paid_on is now received_on: the day the bank received the repayment "
            "(the repayment itself is recorded today)"
        )
    if missing:
        raise ImportFileError(f"missing column(s): {', '.join(missing)}")


def _days_in_order(n: int, row: dict[str, Any], today: dt.date) -> RowError | None:
    """The loan's days must follow each other and lie in the past (or today)."""
    steps = [(c, row[c]) for c in ("applied_on", "approved_on", "disbursed_on") if c in row]
    for (before, first), (column, day) in pairwise(steps):
        if day < first:
            return RowError.of(n, column, str(day), "import.day_before", before=before)
    for column, day in steps:
        if day > today:
            return RowError.of(n, column, str(day), "import.day_future", today=today)
    return None


def import_loans(
    session: Session, path: Path, bank_org: str, officer: str, today: dt.date
) -> ImportReport:
    """Replay a bank's loans with the file's days; nothing is stored if any row is bad.

    `officer` must already be checked as an officer (dating.replay_officer): each loan is
    applied, approved and disbursed as a replay in that officer's name, and audited.
    """
    header, rows = read_rows(path)
    _check_header(header, LOAN_COLUMNS)
    report = ImportReport("loans")
    parsed: list[tuple[int, dict[str, Any]]] = []
    refs: dict[str, int] = {}
    for n, raw in rows:
        report.rows += 1
        row = _parse(n, raw, LOAN_COLUMNS, LOAN_OPTIONAL, report.errors)
        if row is None:
            continue
        if row["bank_ref"] in refs:
            report.errors.append(RowError.of(n, "bank_ref", row["bank_ref"], "import.repeats",
                                             row=refs[row["bank_ref"]]))  # fmt: skip
            continue
        refs[row["bank_ref"]] = n
        wrong_day = _days_in_order(n, row, today)
        if wrong_day is not None:
            report.errors.append(wrong_day)
            continue
        parsed.append((n, row))
    if report.errors:
        return report
    for n, row in parsed:
        try:
            app = loans.Application(
                product_id=row["product_id"], uscc=row["uscc"], bank_org=bank_org,
                partner_org=row["partner_org"], bank_ref=row["bank_ref"],
                principal_fen=row["principal_yuan"], term_months=row["term_months"],
                method=row["method"], tier=row.get("tier"), annual_rate=row.get("annual_rate"),
            )  # fmt: skip
            loan = loans.apply(session, app, officer, row["applied_on"], replayed_by=officer)
            if loan.state == "refused":
                unmet = ", ".join(loan.admission["verdict"]["unmet"])
                raise FinanceError(f"admission rule not met (unmet: {unmet})")
            approved_on = row.get("approved_on") or row["applied_on"]
            loans.approve(session, loan.id, officer, approved_on, replayed_by=officer)
            loans.disburse(session, loan.id, officer, row["disbursed_on"], replayed_by=officer)
            dating.record_step(session, officer, "finance.import_loan", "loan", loan.id,
                               row["disbursed_on"], officer,
                               {"bank_org": bank_org, "file": path.name, "row": n})  # fmt: skip
            report.stored += 1
        except (Refusal, LedgerError) as exc:
            report.errors.append(_refused(n, row["bank_ref"], exc))
    if report.errors:
        session.rollback()
        report.stored = 0
    return report


def import_repayments(
    session: Session, path: Path, bank_org: str, actor: str, today: dt.date
) -> ImportReport:
    """Record a bank's repayments today, in file order; nothing if any row is bad.

    Each row's received_on is checked as for a repayment sent through the API.
    """
    header, rows = read_rows(path)
    _check_header(header, REPAYMENT_COLUMNS)
    report = ImportReport("repayments")
    parsed = []
    for n, raw in rows:
        report.rows += 1
        row = _parse(n, raw, REPAYMENT_COLUMNS, (), report.errors)
        if row is not None:
            parsed.append((n, row))
    if report.errors:
        return report
    for n, row in parsed:
        loan_id = session.scalars(
            select(Loan.id).where(Loan.bank_org == bank_org, Loan.bank_ref == row["loan_ref"])
        ).first()
        if loan_id is None:
            report.errors.append(
                RowError.of(n, "loan_ref", row["loan_ref"], "import.unknown_loan", bank=bank_org)
            )
            continue
        try:
            loans.repay(session, loan_id, row["repayment_ref"], row["amount_yuan"], actor, today,
                        received_on=row["received_on"])  # fmt: skip
            report.stored += 1
        except (Refusal, LedgerError) as exc:
            report.errors.append(_refused(n, row["repayment_ref"], exc))
    if report.errors:
        session.rollback()
        report.stored = 0
    return report
