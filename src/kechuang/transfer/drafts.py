"""Validating a result before it enters the register. Pure: fields in, a draft or problems out.

Shared by the API and the file import so that both refuse the same things with the same words,
in Chinese and in English: each problem's reason is a registered message (kechuang.http.labels).
Inventors are written `name:share[:main]` separated by ';' in files, e.g. '张三:60:main;李四:40',
shares in percent with up to two decimals (held as basis points).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from kechuang.domain import industry
from kechuang.http.labels import message
from kechuang.http.labels import register as register_labels
from kechuang.transfer import ipc, patent_number
from kechuang.transfer.distribution import (
    MAIN_CONTRIBUTORS_MINIMUM_BP,
    Contributor,
    InvalidShares,
    check_contributors,
)

ABSTRACT_MAX = 5_000
KINDS = ("patent", "software_copyright", "new_drug", "plant_variety", "know_how")
PATENT_KINDS = ("patent",)
TITLE_MAX = 200

# Why a field of a result is refused: (zh, en), `{names}` filled when the problem is found.
register_labels("message", {
    "result.kind": ("须为以下之一：{choices}", "one of {choices}"),
    "result.titles": (
        "挂牌需要中文和英文标题", "a listing needs a title in Chinese and in English"
    ),
    "result.too_long": ("最多 {most} 个字符", "at most {most} characters"),
    "result.application_number": ("{zh}", "{detail}"),
    "result.application_number_missing": (
        "专利须填写申请号", "a patent needs its application number"
    ),
    "result.ipc": ("不是有效的 IPC 分类号（如 G06F 16/33 或 G06F）", "{detail}"),
    "result.ipc_missing": ("专利至少需要一个 IPC 分类号", "a patent needs at least one IPC class"),
    "result.industry": ("不是国民经济行业分类（GB/T 4754-2017）中的代码", "{detail}"),
    "result.date": ("须为日期（年-月-日）", "a date YYYY-MM-DD"),
    "result.inventors": ("{zh}", "{detail}"),
    "result.duplicate_in_file": ("与第 {row} 行重复", "also in row {row}"),
    "result.in_register": ("已在登记簿中", "already in the register"),
})  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """One refused field: the column, the value given and why it is refused."""

    column: str
    value: str
    reason: str  # English
    reason_zh: str = ""

    def text(self, lang: str) -> str:
        return self.reason_zh if lang == "zh" and self.reason_zh else self.reason


def problem(column: str, value: object, code: str, **values: object) -> Problem:
    """A problem whose reason is the registered message `code` (both languages)."""
    return Problem(
        column, "" if value is None else str(value), message(code, "en", **values),
        message(code, "zh", **values),
    )  # fmt: skip


@dataclass(frozen=True)
class InventorDraft:
    name: str
    share_bp: int
    main: bool


@dataclass(frozen=True)
class ResultDraft:
    kind: str
    title_zh: str
    title_en: str
    abstract_zh: str
    keywords: str
    application_number: str | None
    ipc_codes: tuple[str, ...]
    industry_code: str | None
    disclosed_on: dt.date
    inventors: tuple[InventorDraft, ...] = field(default_factory=tuple)
    abstract_en: str = ""


def percent_to_bp(text: str) -> int:
    """'60' or '33.33' percent -> basis points; more precision than 0.01% is refused."""
    value = Decimal(text.strip().rstrip("%"))
    bp = value * 100
    if not value.is_finite() or bp != bp.to_integral_value():
        raise ValueError(f"{text!r} is not a percentage with at most two decimals")
    return int(bp)


def parse_inventors(text: str) -> list[InventorDraft]:
    """'张三:60:main;李四:40' -> inventor drafts; ValueError on a malformed entry."""
    drafts = []
    for entry in (e.strip() for e in text.replace("；", ";").split(";")):
        if not entry:
            continue
        parts = [p.strip() for p in entry.replace("：", ":").split(":")]
        if len(parts) not in (2, 3) or not parts[0] or (len(parts) == 3 and parts[2] != "main"):
            raise ValueError(f"{entry!r} is not name:share or name:share:main")
        try:
            share = percent_to_bp(parts[1])
        except (InvalidOperation, ValueError) as exc:
            raise ValueError(f"{entry!r}: {exc}") from None
        drafts.append(InventorDraft(parts[0], share, len(parts) == 3))
    return drafts


def check_result(
    *,
    kind: str,
    title_zh: str,
    title_en: str,
    abstract_zh: str,
    keywords: str,
    application_number: str | None,
    ipc_codes: str,
    industry_code: str | None,
    disclosed_on: dt.date | str,
    inventors: list[InventorDraft] | str,
    abstract_en: str = "",
) -> tuple[ResultDraft | None, list[Problem]]:
    """A normalised draft, or None and every problem found (all fields are checked)."""
    problems: list[Problem] = []

    def bad(column: str, value: object, code: str, **values: object) -> None:
        problems.append(problem(column, value, code, **values))

    if kind not in KINDS:
        bad("kind", kind, "result.kind", choices=", ".join(KINDS))
    for column, text in (("title_zh", title_zh), ("title_en", title_en)):
        if not text or not text.strip():
            bad(column, text, "result.titles")
        elif len(text) > TITLE_MAX:
            bad(column, text, "result.too_long", most=TITLE_MAX)
    for column, text in (("abstract_zh", abstract_zh), ("abstract_en", abstract_en)):
        if text and len(text) > ABSTRACT_MAX:
            bad(column, text[:40] + "…", "result.too_long", most=ABSTRACT_MAX)
    number: str | None = None
    if application_number and application_number.strip():
        try:
            number = str(patent_number.parse(application_number))
        except patent_number.InvalidPatentNumber as exc:
            bad("application_number", application_number, "result.application_number",
                detail=exc, zh=exc.zh)  # fmt: skip
    elif kind in PATENT_KINDS:
        bad("application_number", application_number, "result.application_number_missing")
    codes: tuple[str, ...] = ()
    try:
        codes = tuple(str(c) for c in ipc.parse_list(ipc_codes or ""))
    except ipc.InvalidIpc as exc:
        bad("ipc_codes", ipc_codes, "result.ipc", detail=exc)
    if kind in PATENT_KINDS and not codes and not any(p.column == "ipc_codes" for p in problems):
        bad("ipc_codes", ipc_codes, "result.ipc_missing")
    industry_checked: str | None = None
    if industry_code and industry_code.strip():
        try:
            industry_checked = industry.validate(industry_code.strip())
        except industry.InvalidIndustryCode as exc:
            bad("industry_code", industry_code, "result.industry", detail=exc)
    disclosed: dt.date | None = None
    if isinstance(disclosed_on, dt.date):
        disclosed = disclosed_on
    else:
        try:
            disclosed = dt.date.fromisoformat(str(disclosed_on).strip())
        except ValueError:
            bad("disclosed_on", disclosed_on, "result.date")
    drafts: list[InventorDraft] = []
    try:
        drafts = parse_inventors(inventors) if isinstance(inventors, str) else list(inventors)
        check_contributors(
            [Contributor(d.name, d.share_bp, d.main) for d in drafts],
            MAIN_CONTRIBUTORS_MINIMUM_BP,
        )
    except (ValueError, InvalidShares) as exc:
        given = inventors if isinstance(inventors, str) else len(drafts)
        zh = (
            exc.text("zh")
            if isinstance(exc, InvalidShares)
            else "须写作 姓名:比例[:main]，以分号分隔"
        )
        bad("inventors", given, "result.inventors", detail=exc, zh=zh)
    if problems or disclosed is None:
        return None, problems
    return (
        ResultDraft(
            kind=kind, title_zh=title_zh.strip(), title_en=title_en.strip(),
            abstract_zh=(abstract_zh or "").strip(), keywords=(keywords or "").strip(),
            application_number=number, ipc_codes=codes, industry_code=industry_checked,
            disclosed_on=disclosed, inventors=tuple(drafts),
            abstract_en=(abstract_en or "").strip(),
        ),
        [],
    )  # fmt: skip
