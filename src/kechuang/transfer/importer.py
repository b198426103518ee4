"""Importing results into an institution's register from CSV (UTF-8) or Excel (.xlsx).

Columns: kind, title_zh, title_en, abstract_zh, keywords, application_number, ipc_codes,
industry_code, disclosed_on, inventors (e.g. '张三:60:main;李四:40'), and optionally
abstract_en (the English summary of the cross-border listing). The import is atomic:
every row is validated (and application numbers checked against each other and the register)
before anything is written; any bad row refuses the whole file with every problem listed as
row, column, value and reason, row numbers as the user sees them (the header is row 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.enterprises import readers
from kechuang.enterprises.readers import PanelFileError
from kechuang.transfer import register
from kechuang.transfer.drafts import ResultDraft, check_result, problem
from kechuang.transfer.tables import Result

COLUMNS = (
    "kind", "title_zh", "title_en", "abstract_zh", "keywords", "application_number",
    "ipc_codes", "industry_code", "disclosed_on", "inventors", "abstract_en",
)  # fmt: skip
REQUIRED = ("kind", "title_zh", "title_en", "disclosed_on", "inventors")
MAX_ROWS = 100_000


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    value: str
    reason: str  # English
    reason_zh: str = ""


class ImportRefused(ValueError):
    """The file was refused; `problems` lists every bad cell. Nothing was stored."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__(f"import refused: {len(problems)} problem(s), nothing stored")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel hands whole numbers back as floats
    return str(value).strip()


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) of a .csv or .xlsx file; ImportRefused on a bad header."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise ImportRefused([RowProblem(0, "file", path.name, "a .csv or .xlsx file")])
    table: list[list[str]] = []
    try:
        # The shared reader and its limits; more rows than allowed are not read at all.
        for _, values in readers.read_rows(path):
            table.append([_text(c) for c in values])
            if len(table) > MAX_ROWS + 1:
                break
    except PanelFileError as exc:
        raise ImportRefused([RowProblem(0, "file", path.name, str(exc))]) from None
    if not table:
        raise ImportRefused([RowProblem(1, "header", "", "the file is empty")])
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    if missing or unknown:
        problems = [RowProblem(1, c, "", "required column missing") for c in missing]
        problems += [RowProblem(1, h, h, f"unknown column; known: {', '.join(COLUMNS)}")
                     for h in unknown]  # fmt: skip
        raise ImportRefused(problems)
    if len(table) - 1 > MAX_ROWS:
        raise ImportRefused([RowProblem(0, "file", f"> {MAX_ROWS}", f"at most {MAX_ROWS} rows")])
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        cells = [_text(c) for c in raw]
        if not any(cells):
            continue
        rows.append(
            (number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)})
        )
    return rows


def validate(session: Session, institution: str, path: Path) -> list[ResultDraft]:
    """Every row as a draft, or ImportRefused with every problem of the file."""
    problems: list[RowProblem] = []
    drafts: list[ResultDraft] = []
    seen: dict[str, int] = {}
    existing = set(
        session.scalars(
            select(Result.application_number).where(
                Result.institution == institution, Result.application_number.is_not(None)
            )
        )
    )
    for number, cells in read_rows(path):
        draft, found = check_result(**{c: cells.get(c, "") for c in COLUMNS})
        problems += [RowProblem(number, p.column, p.value, p.reason, p.reason_zh) for p in found]
        if draft is None:
            continue
        application = draft.application_number
        if application is not None:
            if application in seen:
                known = problem("application_number", application, "result.duplicate_in_file",
                                row=seen[application])  # fmt: skip
                problems.append(RowProblem(number, known.column, known.value, known.reason,
                                           known.reason_zh))  # fmt: skip
            elif application in existing:
                known = problem("application_number", application, "result.in_register")
                problems.append(RowProblem(number, known.column, known.value, known.reason,
                                           known.reason_zh))  # fmt: skip
            seen.setdefault(application, number)
        drafts.append(draft)
    if problems:
        raise ImportRefused(problems)
    if not drafts:
        raise ImportRefused([RowProblem(2, "file", "", "no rows")])
    return drafts


def import_results(session: Session, institution: str, path: Path, actor: str) -> list[int]:
    """Validate the whole file, then add every row in one transaction; the new result ids."""
    drafts = validate(session, institution, path)
    try:
        ids = [register.add_result(session, institution, d, actor).id for d in drafts]
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return ids
