"""Innovative drugs and devices and their hospital admissions: validation, storage, CSV import.

Products CSV (UTF-8, header): approval_number, kind (drug | device), name_zh, name_en,
approved_on, holder_name, holder_uscc (optional), district (optional, GB/T 2260),
national_list_on (optional). Admissions CSV: approval_number, hospital_code, hospital_name,
district (optional), listed_on. Dates are YYYY-MM-DD.

An admission's clock starts on the product's approval, or on the publication of the national
list that named it when that is later (沪府办〔2025〕30号 counts from either event); the working
days to the listing are counted with domain.workdays (State Council holidays and 调休), and an
admission counted through a year without a published schedule is marked provisional.

A file is validated whole: any bad row refuses the file with every error (row, column, value,
reason) and nothing is stored. Rows are keyed (approval number; product and hospital), so
importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kechuang.domain import district as districts
from kechuang.domain.uscc import is_valid as uscc_is_valid
from kechuang.domain.workdays import add_working_days, working_days_between
from kechuang.stats.tables import Admission, Product

KINDS = ("drug", "device")
PRODUCT_COLUMNS = (
    "approval_number",
    "kind",
    "name_zh",
    "name_en",
    "approved_on",
    "holder_name",
    "holder_uscc",
    "district",
    "national_list_on",
)
ADMISSION_COLUMNS = ("approval_number", "hospital_code", "hospital_name", "district", "listed_on")


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based data row (the header is row 0)
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column} = {self.value!r}: {self.reason}"


class ImportRefused(ValueError):
    """The file has bad rows; nothing was stored."""

    def __init__(self, path: str, errors: list[RowError]) -> None:
        self.errors = errors
        lines = "\n".join(str(e) for e in errors[:50])
        more = f"\n... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{path}: {len(errors)} bad value(s), nothing stored\n{lines}{more}")


@dataclass(frozen=True)
class Clock:
    start_on: dt.date
    basis: str  # approval | national_list
    workdays: int
    provisional: bool


def admission_clock(
    approved_on: dt.date, national_list_on: dt.date | None, listed_on: dt.date
) -> Clock:
    """Working days from the later of approval and national-list publication to the listing."""
    start, basis = approved_on, "approval"
    if national_list_on is not None and national_list_on > approved_on:
        start, basis = national_list_on, "national_list"
    days = working_days_between(start, listed_on)
    # The same days counted forward say whether any lay in a year without a schedule.
    provisional = add_working_days(start, days).provisional
    return Clock(start, basis, days, provisional)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip())


def _read(path: Path, columns: tuple[str, ...]) -> tuple[list[dict[str, str]], list[RowError]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        if missing:
            return [], [RowError(0, c, "", "missing column") for c in missing]
        return [dict(r) for r in reader], []


def _check_product(i: int, row: Mapping[str, str], errors: list[RowError]) -> dict[str, object]:
    out: dict[str, object] = {}

    def bad(column: str, reason: str) -> None:
        errors.append(RowError(i, column, row.get(column) or "", reason))

    for column in ("approval_number", "name_zh", "holder_name"):
        if not (row.get(column) or "").strip():
            bad(column, "required")
        out[column] = (row.get(column) or "").strip()
    out["name_en"] = (row.get("name_en") or "").strip() or out["name_zh"]
    kind = (row.get("kind") or "").strip()
    if kind not in KINDS:
        bad("kind", f"one of {', '.join(KINDS)}")
    out["kind"] = kind
    for column, required in (("approved_on", True), ("national_list_on", False)):
        text = (row.get(column) or "").strip()
        if not text:
            if required:
                bad(column, "required")
            out[column] = None
            continue
        try:
            out[column] = _date(text)
        except ValueError:
            bad(column, "a date YYYY-MM-DD")
    uscc = (row.get("holder_uscc") or "").strip() or None
    if uscc is not None and not uscc_is_valid(uscc):
        bad("holder_uscc", "not a valid USCC (GB 32100-2015)")
    out["holder_uscc"] = uscc
    code = (row.get("district") or "").strip() or None
    if code is not None and code not in districts.SHANGHAI:
        bad("district", "unknown district code")
    out["district"] = code
    return out


def import_products(engine: Engine, path: Path) -> int:
    """Validate and store a products CSV; the number of rows stored or updated."""
    rows, errors = _read(path, PRODUCT_COLUMNS)
    checked = [_check_product(i, r, errors) for i, r in enumerate(rows, start=1)]
    numbers = [str(r["approval_number"]) for r in checked]
    for i, number in enumerate(numbers, start=1):
        if numbers.index(number) != i - 1:
            errors.append(RowError(i, "approval_number", number, "repeats an earlier row"))
    if errors:
        raise ImportRefused(str(path), errors)
    with Session(engine) as session, session.begin():
        store_products(session, checked)
    return len(checked)


def store_products(session: Session, rows: Iterable[Mapping[str, object]]) -> None:
    existing = {p.approval_number: p for p in session.scalars(select(Product))}
    for row in rows:
        product = existing.get(str(row["approval_number"]))
        if product is None:
            session.add(Product(**row))
        else:
            for column, value in row.items():
                setattr(product, column, value)


def import_admissions(engine: Engine, path: Path) -> int:
    """Validate and store an admissions CSV (its products must be stored already)."""
    rows, errors = _read(path, ADMISSION_COLUMNS)
    with Session(engine) as session, session.begin():
        products = {p.approval_number: p for p in session.scalars(select(Product))}
        checked = []
        seen: set[tuple[str, str]] = set()
        for i, row in enumerate(rows, start=1):
            number = (row.get("approval_number") or "").strip()
            product = products.get(number)
            if product is None:
                errors.append(RowError(i, "approval_number", number, "no such product stored"))
            code = (row.get("hospital_code") or "").strip()
            if not code:
                errors.append(RowError(i, "hospital_code", "", "required"))
            if (number, code) in seen:
                errors.append(RowError(i, "hospital_code", code, "repeats an earlier row"))
            seen.add((number, code))
            name = (row.get("hospital_name") or "").strip()
            if not name:
                errors.append(RowError(i, "hospital_name", "", "required"))
            where = (row.get("district") or "").strip() or None
            if where is not None and where not in districts.SHANGHAI:
                errors.append(RowError(i, "district", where, "unknown district code"))
            try:
                listed_on = _date(row.get("listed_on") or "")
            except ValueError:
                errors.append(RowError(i, "listed_on", row.get("listed_on") or "", "a date"))
                continue
            if product is not None and listed_on < product.approved_on:
                errors.append(
                    RowError(i, "listed_on", str(listed_on), "before the product's approval")
                )
                continue
            if product is not None:
                checked.append((product, code, name, where, listed_on))
        if errors:
            raise ImportRefused(str(path), errors)
        store_admissions(session, checked)
    return len(checked)


def store_admissions(
    session: Session, rows: Iterable[tuple[Product, str, str, str | None, dt.date]]
) -> None:
    existing = {(a.product_id, a.hospital_code): a for a in session.scalars(select(Admission))}
    for product, code, name, where, listed_on in rows:
        clock = admission_clock(product.approved_on, product.national_list_on, listed_on)
        values = {
            "hospital_name": name,
            "district": where,
            "listed_on": listed_on,
            "start_on": clock.start_on,
            "start_basis": clock.basis,
            "workdays": clock.workdays,
            "provisional": clock.provisional,
        }
        admission = existing.get((product.id, code))
        if admission is None:
            session.add(Admission(product_id=product.id, hospital_code=code, **values))
        else:
            for column, value in values.items():
                setattr(admission, column, value)
