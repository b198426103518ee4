"""The self-check (政策计算器): a few figures of one enterprise, checked against every policy in
force, with the outcome, the reasons and the gap; the same scalar evaluator as the enterprise's
own page. Figures the visitor leaves empty are unknown, never zero.

Bad input is refused whole, each error naming its field in Chinese and English. The same
check reads an uploaded .xlsx of the contract's columns (one enterprise, one row a year) through
the enterprise importer's hardened reader; an error names the row and the column.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from kechuang.domain import district, industry, uscc
from kechuang.domain.cells import parse_row
from kechuang.domain.panel import FIELDS, Kind
from kechuang.domain.panel import field as panel_field
from kechuang.enterprises.readers import PanelFileError, cell_text, read_rows
from kechuang.policies import catalogue
from kechuang.rules.policy import Policy
from kechuang.rules.scalar import evaluate
from kechuang.rules.verdict import Verdict

MAX_YUAN = Decimal(10) ** 13  # ten trillion yuan: beyond any enterprise
MAX_COUNT = 10_000_000
FIRST_YEAR, LAST_YEAR = 2016, 2030


@dataclass(frozen=True)
class Input:
    """One form field: its name, labels and kind (yuan, count, code, date)."""

    name: str
    label_zh: str
    label_en: str
    kind: str
    fact: str
    years_ago: int = 0


INPUTS = (
    Input(
        "industry_code",
        "行业代码（如 M7320）",
        "Industry code (e.g. M7320)",
        "industry",
        "industry_code",
    ),
    Input(
        "district",
        "所在区（代码，如 310115）",
        "District (code, e.g. 310115)",
        "district",
        "district",
    ),
    Input("founded_on", "成立日期", "Date of registration", "date", "founded_on"),
    Input("employees", "职工总数", "Employees", "count", "employees"),
    Input("rd_staff", "研发人员数", "R&D staff", "count", "rd_staff"),
    Input("revenue", "营业收入（元）", "Revenue (yuan)", "yuan", "revenue"),
    Input(
        "revenue_prev", "上年营业收入（元）", "Revenue the year before (yuan)", "yuan", "revenue", 1
    ),
    Input("rd_expense", "研发费用（元）", "R&D expense (yuan)", "yuan", "rd_expense"),
    Input("total_assets", "资产总额（元）", "Total assets (yuan)", "yuan", "total_assets"),
    Input(
        "equity_financing",
        "新增股权融资（元）",
        "New equity financing (yuan)",
        "yuan",
        "equity_financing",
    ),
)


@dataclass(frozen=True)
class FieldError:
    field: str
    zh: str
    en: str

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class Refused(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.en for e in errors))
        self.errors = errors


def _yuan(raw: str, i: Input) -> tuple[Decimal | None, FieldError | None]:
    text = raw.replace(",", "").replace("，", "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, FieldError(
            i.name,
            f"{i.label_zh}：“{raw}”不是金额（请填写数字，如 12000000）",
            f"{i.label_en}: {raw!r} is not an amount (write a number, e.g. 12000000)",
        )
    if (
        not value.is_finite()
        or value < 0
        or value >= MAX_YUAN
        or value != value.quantize(Decimal("0.01"))
    ):
        return None, FieldError(
            i.name,
            f"{i.label_zh}：金额须为不小于0的数，最多两位小数",
            f"{i.label_en}: an amount is at least 0, with at most two decimals",
        )
    return value, None


def _count(raw: str, i: Input) -> tuple[int | None, FieldError | None]:
    text = raw.strip()
    if not text.isdigit() or int(text) > MAX_COUNT:
        return None, FieldError(
            i.name,
            f"{i.label_zh}：“{raw}”不是人数（请填写0或正整数）",
            f"{i.label_en}: {raw!r} is not a count (write 0 or a whole number)",
        )
    return int(text), None


def _one(raw: str, i: Input) -> tuple[Any, FieldError | None]:
    if i.kind == "yuan":
        return _yuan(raw, i)
    if i.kind == "count":
        return _count(raw, i)
    if i.kind == "industry":
        try:
            return industry.validate(raw), None
        except ValueError:
            return None, FieldError(
                i.name,
                f"{i.label_zh}：“{raw}”不是国民经济行业分类代码（GB/T 4754-2017）",
                f"{i.label_en}: {raw!r} is not a GB/T 4754-2017 industry code",
            )
    if i.kind == "district":
        try:
            return district.validate(raw), None
        except ValueError:
            return None, FieldError(
                i.name,
                f"{i.label_zh}：“{raw}”不是上海市的区代码",
                f"{i.label_en}: {raw!r} is not a Shanghai district code",
            )
    try:
        return dt.date.fromisoformat(raw.strip()), None
    except ValueError:
        return None, FieldError(
            i.name,
            f"{i.label_zh}：“{raw}”不是日期（如 2018-05-01）",
            f"{i.label_en}: {raw!r} is not a date (e.g. 2018-05-01)",
        )


def history_of(form: Mapping[str, str], year: int) -> dict[int, dict[str, Any]]:
    """The visitor's figures as the panel rows of `year` and the year before (unknown where
    left empty); Refused with every bad field."""
    errors: list[FieldError] = []
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors.append(
            FieldError(
                "year",
                f"评价年度须在{FIRST_YEAR}至{LAST_YEAR}之间",
                f"the year is {FIRST_YEAR} to {LAST_YEAR}",
            )
        )
    rows: dict[int, dict[str, Any]] = {
        y: {f.name: None for f in FIELDS} | {"year": y, "name": "自查企业"}
        for y in (year - 1, year)
    }
    given = 0
    for i in INPUTS:
        raw = (form.get(i.name) or "").strip()
        if not raw:
            continue
        if len(raw) > 40:
            errors.append(FieldError(i.name, f"{i.label_zh}：内容过长", f"{i.label_en}: too long"))
            continue
        value, error = _one(raw, i)
        if error is not None:
            errors.append(error)
            continue
        given += 1
        rows[year - i.years_ago][i.fact] = value
        if i.fact in ("industry_code", "district", "founded_on"):  # static facts: every year
            rows[year - 1][i.fact] = value
    staff, people = rows[year]["rd_staff"], rows[year]["employees"]
    if staff is not None and people is not None and staff > people:
        errors.append(
            FieldError(
                "rd_staff", "研发人员数不能多于职工总数", "R&D staff cannot exceed the employees"
            )
        )
    if not given and not errors:
        errors.append(FieldError("", "请至少填写一项数据", "fill in at least one figure"))
    if errors:
        raise Refused(errors)
    return rows


def check(form: Mapping[str, str], year: int) -> list[tuple[Policy, Verdict]]:
    """Every policy in force in `year` for the visitor's figures (nothing is stored)."""
    history = history_of(form, year)
    return [(p, evaluate(p, history, year)) for p in catalogue.in_force(year)]


# The .xlsx upload ---------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 256 * 1024  # one enterprise's years: a few KB; far under the body limit
MAX_UPLOAD_ROWS = 15  # years, one row each
MAX_SHEET_ROWS = 200  # rows read at all, blank ones included
UPLOAD_COLUMNS = tuple(f.name for f in FIELDS)
# The file may leave out who the enterprise is: nothing is stored, so these stand in.
_STAND_IN_NAME = "自查企业"
_STAND_IN_USCC = "91310000MA1K000000"
_STAND_IN_USCC = _STAND_IN_USCC[:17] + uscc.check_digit(_STAND_IN_USCC[:17])
_CENT = Decimal("0.01")


def _where(row: int, column: str) -> tuple[str, str]:
    f = panel_field(column)
    return f"第{row}行“{f.label_zh}”列（{column}）", f"row {row}, column {column} ({f.label_en})"


# The contract's cell reasons (domain.cells, domain.values) in Chinese, for the zh page; a
# reason not listed is shown as the contract words it.
_ZH_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"^required", "不能为空"),
        (r"^not a year$", "不是年度"),
        (r"^year (\d+) is outside (\d+)\.\.(\d+)$", r"年度\1不在\2至\3之间"),
        (r"^not a boolean", "应为 是/否（true/false）"),
        (r"^not a date", "不是日期（如 2018-05-01）"),
        (r"^not a whole number", "不是整数"),
        (r"^not an amount of yuan", "不是金额（元，最多两位小数）"),
        (r"^not a (finite )?number", "不是数字"),
        (r"^must be at least (.+)$", r"不能小于\1"),
        (r"^must be at most (.+)$", r"不能大于\1"),
        (r"^longer than (\d+) characters", r"超过\1个字符"),
        (r"^not one of (.+)$", r"须为以下之一：\1"),
        (r"^after the end of the row's year (\d+)", r"晚于该行年度（\1年）年末"),
        (r"^too large to store", "数值过大"),
    )
)


def zh_reason(reason: str) -> str:
    """A cell's reason in Chinese where the contract's wording is known."""
    for pattern, zh in _ZH_REASONS:
        if pattern.search(reason):
            return pattern.sub(zh, reason) if "\\" in zh else zh
    if reason.startswith("must not exceed "):
        other = reason.removeprefix("must not exceed ")
        return f"不能大于“{panel_field(other).label_zh}”" if other in UPLOAD_COLUMNS else reason
    return reason


def _file_error(zh: str, en: str) -> Refused:
    return Refused([FieldError("file", zh, en)])


def history_of_file(path: Path) -> dict[int, dict[str, Any]]:
    """One enterprise's panel rows from an .xlsx with the contract's columns (one row a year),
    as the scalar evaluator reads them (yuan as Decimal); Refused naming each bad row and column.

    The file is read by the enterprise importer's reader (read-only, after its zip and formula
    inspection), so every limit of an import holds; nothing is stored.
    """
    if path.suffix.lower() != ".xlsx":
        raise _file_error(
            "请上传 .xlsx 文件（可下载模板）", "upload an .xlsx file (see the template)"
        )
    try:
        rows = read_rows(path)
        header_row = next(rows, None)
        if header_row is None or not any(header_row[1]):
            raise _file_error("文件的第一行须为列名（见模板）", "row 1 must name the columns")
        header = [cell_text(v) or "" for v in header_row[1]]
        unknown = [n for n in header if n and n not in UPLOAD_COLUMNS]
        if unknown:
            shown = "、".join(unknown[:5])
            raise _file_error(
                f"第1行：未知的列 {shown}（列名须与模板一致）",
                f"row 1: unknown column(s) {', '.join(unknown[:5])} (use the template's names)",
            )
        missing = "year" not in header
        if missing:
            raise _file_error("第1行：缺少“年度”列（year）", "row 1: the column year is missing")
        out: dict[int, dict[str, Any]] = {}
        errors: list[FieldError] = []
        seen_uscc: set[str] = set()
        count = 0
        for number, values in rows:
            if number > MAX_SHEET_ROWS:  # blank or not: a sheet this long is not one enterprise
                raise _file_error(
                    f"文件超过{MAX_SHEET_ROWS}行（一家企业，每年一行）",
                    f"the sheet runs past row {MAX_SHEET_ROWS} (one enterprise, one row a year)",
                )
            texts = {n: cell_text(v) for n, v in zip(header, values, strict=False) if n}
            if all(t is None or not t.strip() for t in texts.values()):
                continue
            count += 1
            if count > MAX_UPLOAD_ROWS:
                raise _file_error(
                    f"文件最多{MAX_UPLOAD_ROWS}行数据（一家企业，每年一行）",
                    f"at most {MAX_UPLOAD_ROWS} data rows (one enterprise, one row a year)",
                )
            record, row_errors = _one_row(number, texts)
            errors.extend(row_errors)
            if record is None:
                continue
            seen_uscc.add(record["uscc"])
            if record["year"] in out:
                zh, en = _where(number, "year")
                errors.append(FieldError("file", f"{zh}：年度重复", f"{en}: the year is repeated"))
            out[record["year"]] = record
        if len(seen_uscc) > 1:
            errors.append(
                FieldError(
                    "file",
                    "统一社会信用代码（uscc）列：文件须只含一家企业",
                    "column uscc: the file holds one enterprise only",
                )
            )
    except PanelFileError as exc:
        reason = str(exc).replace(str(path), path.name)
        raise _file_error(f"文件无法读取：{reason}", f"the file cannot be read: {reason}") from None
    if errors:
        raise Refused(errors[:20])
    if not out:
        raise _file_error(
            "文件没有数据行（第2行起每年一行）", "the file has no data rows (row 2 on)"
        )
    return out


def _one_row(
    number: int, texts: dict[str, str | None]
) -> tuple[dict[str, Any] | None, list[FieldError]]:
    cells = dict(texts)
    if not (cells.get("uscc") or "").strip():
        cells["uscc"] = _STAND_IN_USCC
    if not (cells.get("name") or "").strip():
        cells["name"] = _STAND_IN_NAME
    values, problems = parse_row(cells)
    errors = []
    for column, reason in problems:
        zh, en = _where(number, column)
        errors.append(FieldError("file", f"{zh}：{zh_reason(reason)}", f"{en}: {reason}"))
    if errors:
        return None, errors
    record: dict[str, Any] = {}
    for f in FIELDS:
        value = values[f.name]
        if f.kind is Kind.YUAN and value is not None:
            value = Decimal(int(value)) * _CENT
        record[f.name] = value
    return record, []


def template_xlsx() -> bytes:
    """The upload template: the contract's columns in row 1, their labels on a second sheet."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "panel"
    sheet.append(list(UPLOAD_COLUMNS))
    notes = book.create_sheet("说明 notes")
    notes.append(["列 column", "中文", "English", "说明 note"])
    for f in FIELDS:
        note = "每年一行；金额单位：元 one row a year; amounts in yuan" if f.name == "year" else ""
        notes.append([f.name, f.label_zh, f.label_en, note])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def check_history(
    history: dict[int, dict[str, Any]], year: int | None
) -> tuple[int, list[tuple[Policy, Verdict]]]:
    """Every policy in force in `year` (the file's latest year when not given) for the file."""
    year = year or max(history)
    if year not in history:
        raise _file_error(
            f"文件中没有{year}年度的数据行", f"the file has no row for the year {year}"
        )
    return year, [(p, evaluate(p, history, year)) for p in catalogue.in_force(year)]
