"""What people read instead of codes: one registry of labels (zh, en) for every page.

A status (`disbursed`), a product (`performance-loan`), a district (`310101`), an industry
(`C3985`), an organisation (`icbc-sh`) is stored as a code and shown as a label in the page's
language: `{{ label('loan_state', loan.state) }}` in a template, `label(kind, code, lang)` in
Python. The kinds the kit knows (districts and industries from kechuang.domain, the states of
every workflow) are here; a feature adds its own with `register(kind, {code: (zh, en)})` or
`register_source(kind, lookup)` for codes it loads from data (products from their YAML).

Messages are labels too: a reason a row or a field is refused (an importer's per-row reason) is
a message code with a zh and an en text that may name values, `{column}` style:
`register("message", {"loan.unknown_ref": ("没有编号为 {ref} 的贷款", "no loan {ref}")})`, then
`message("loan.unknown_ref", lang, ref=...)` (a `Reason` keeps the code and its values, so the
page that shows it picks the language).

A code without a label shows as itself, so nothing disappears from a page; the test that no page
shows a raw status or district code holds the registry to covering what the pages show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kechuang.domain import district, industry

Pair = tuple[str, str]
Lookup = Callable[[str], Pair | None]

_TABLES: dict[str, dict[str, Pair]] = {}
_SOURCES: dict[str, Lookup] = {}


def register(kind: str, labels: Mapping[str, Pair]) -> None:
    """Add (or replace) labels of one kind: {code: (zh, en)}."""
    _TABLES.setdefault(kind, {}).update(labels)


def message(code: str, lang: str = "zh", /, **values: object) -> str:
    """The text of a registered message in `lang`, its `{names}` filled from `values`."""
    pair = _TABLES.get("message", {}).get(code)
    if pair is None:
        raise KeyError(f"no message {code!r} is registered")
    return (pair[1] if lang == "en" else pair[0]).format(**values)


@dataclass(frozen=True)
class Reason:
    """Why something is refused, as a message code and its values: its text in either language."""

    code: str
    values: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: str, **values: object) -> Reason:
        message(code, "zh", **values)  # an unknown code or a missing value fails here, not later
        return cls(code, tuple(values.items()))

    def text(self, lang: str = "en") -> str:
        return message(self.code, lang, **dict(self.values))

    def __str__(self) -> str:
        return self.text("en")


def register_source(kind: str, lookup: Lookup) -> None:
    """Labels of one kind looked up on demand (codes that live in data files)."""
    _SOURCES[kind] = lookup


def known(kind: str) -> dict[str, Pair]:
    """Every label of a table kind (for tests and select boxes)."""
    return dict(_TABLES.get(kind, {}))


def lookup(kind: str, code: str) -> Pair | None:
    """The (zh, en) label of a code of a table kind, or None."""
    return _TABLES.get(kind, {}).get(code)


def label(kind: str, code: object, lang: str = "zh") -> str:
    """The label of `code` in `lang`; '—' for no value, the code itself when none is known."""
    if code is None or code == "":
        return "—"
    text = str(code)
    pair = _TABLES.get(kind, {}).get(text)
    if pair is None and kind in _SOURCES:
        pair = _SOURCES[kind](text)
    if pair is None:
        return text
    return pair[1] if lang == "en" else pair[0]


def _district(code: str) -> Pair | None:
    found = district.SHANGHAI.get(code)
    return None if found is None else (found.name_zh, found.name_en)


def _industry(code: str) -> Pair | None:
    """A GB/T 4754 code by the name of its division (or, for a bare letter, its section)."""
    catalogue = industry.catalogue()
    entry = catalogue.get(code) or catalogue.get(code[1:3] if len(code) > 1 else code)
    return None if entry is None else (entry.name_zh, entry.name_en)


register_source("district", _district)
register_source("industry", _industry)

# Loans (finance.lifecycle), sub-funds of the fund of funds, claims.
register(
    "loan_state",
    {
        "applied": ("已申请", "Applied"),
        "refused": ("已拒绝", "Refused"),
        "approved": ("已审批", "Approved"),
        "disbursed": ("已放款", "Disbursed"),
        "overdue": ("逾期", "Overdue"),
        "repaid": ("已结清", "Repaid"),
        "defaulted": ("已违约", "Defaulted"),
        "claimed": ("已申请代偿", "Claim filed"),
        "compensated": ("已代偿", "Compensated"),
        "closed": ("已核销结案", "Closed"),
    },
)
register(
    "sub_fund_state",
    {
        "applied": ("已申请", "Applied"),
        "approved": ("已批准", "Approved"),
        "rejected": ("未批准", "Rejected"),
        "committed": ("已认缴", "Committed"),
        "investing": ("投资期", "Investing"),
        "exited": ("已退出", "Exited"),
        "closed": ("已清算", "Closed"),
    },
)
register(
    "party",
    {
        "bank": ("银行", "Bank"),
        "insurer": ("保险公司", "Insurer"),
        "guarantor": ("担保机构", "Guarantor"),
        "compensation_fund": ("风险补偿资金", "Compensation fund"),
        "national_fund": ("国家融资担保基金", "National guarantee fund"),
    },
)
register(
    "repayment_method",
    {
        "equal_instalment": ("等额本息", "Equal instalments"),
        "interest_only": ("按期付息到期还本", "Interest only, principal at maturity"),
    },
)
register(
    "role",
    {
        "officer": ("科委工作人员", "Officer"),
        "enterprise": ("企业", "Enterprise"),
        "bank": ("银行", "Bank"),
        "insurer": ("保险公司", "Insurer"),
        "guarantor": ("担保机构", "Guarantor"),
        "tech_transfer": ("技术转移机构", "Tech-transfer office"),
        "inventor": ("成果完成人", "Inventor"),
        "analyst": ("统计分析", "Analyst"),
        "admin": ("系统管理员", "Administrator"),
    },
)

# Achievement transformation (transfer.flows and the deal, income and demand vocabularies).
register(
    "result_status",
    {
        "disclosed": ("已披露（单列管理）", "Disclosed (separately managed)"),
        "empowered": ("已赋权", "Empowered"),
        "transformed": ("已转化", "Transformed"),
        "withdrawn": ("已撤回", "Withdrawn"),
    },
)
register(
    "empowerment_state",
    {
        "requested": ("已申请", "Requested"),
        "under_review": ("尽职调查中", "Under review"),
        "rejected": ("不予赋权", "Rejected"),
        "agreed": ("已签协议", "Agreement signed"),
        "registered": ("已登记权属变更", "Registered"),
    },
)
register(
    "challenge_state",
    {
        "open": ("揭榜中", "Open"),
        "evaluating": ("阅卷中", "Evaluating"),
        "awarded": ("已揭榜", "Awarded"),
        "closed": ("已关闭", "Closed"),
    },
)
register("demand_status", {"open": ("征集中", "Open"), "closed": ("已关闭", "Closed")})
register(
    "deal_kind",
    {
        "licence": ("许可", "Licence"),
        "transfer": ("转让", "Transfer"),
        "equity_investment": ("作价投资", "Equity investment"),
        "own_implementation": ("自行实施", "Own implementation"),
    },
)
register(
    "income_kind",
    {
        "upfront": ("入门费", "Upfront fee"),
        "milestone": ("里程碑款", "Milestone"),
        "royalty": ("提成", "Royalty"),
        "price": ("转让价款", "Transfer price"),
        "equity": ("作价股权", "Equity"),
        "operating_profit": ("实施营业利润", "Operating profit"),
    },
)
register(
    "result_kind",
    {
        "patent": ("专利", "Patent"),
        "software_copyright": ("软件著作权", "Software copyright"),
        "new_drug": ("新药", "New drug"),
        "plant_variety": ("植物新品种", "Plant variety"),
        "know_how": ("技术秘密", "Know-how"),
    },
)
register(
    "agreement_kind",
    {
        "ownership": ("赋予所有权", "Ownership"),
        "co_ownership": ("赋予部分所有权", "Co-ownership"),
        "long_term_use": ("赋予长期使用权", "Long-term use"),
    },
)
register(
    "pricing_method",
    {
        "listing": ("挂牌交易", "Listing"),
        "auction": ("拍卖", "Auction"),
        "agreement": ("协议定价", "Agreement"),
    },
)
register(
    "export_control",
    {
        "none": ("无需审查", "Not required"),
        "required": ("需出口管制审查", "Required"),
        "cleared": ("已取得出口许可", "Cleared"),
    },
)

# Organisations of the demo (a deployment registers its own the same way).
register(
    "org",
    {
        "icbc-sh": ("工商银行上海市分行", "ICBC Shanghai"),
        "boc-sh": ("中国银行上海市分行", "BOC Shanghai"),
        "ccb-sh": ("建设银行上海市分行", "CCB Shanghai"),
        "abc-sh": ("农业银行上海市分行", "ABC Shanghai"),
        "spdb": ("浦发银行", "SPD Bank"),
        "bosc": ("上海银行", "Bank of Shanghai"),
        "picc-sh": ("人保财险上海市分公司", "PICC Shanghai"),
        "cpic-sh": ("太平洋财险上海分公司", "CPIC Shanghai"),
        "sh-smb-guarantee": ("上海市中小微企业政策性融资担保基金", "Shanghai SME guarantee fund"),
        "sh-tech-guarantee": ("上海科技融资担保公司", "Shanghai tech guarantee"),
        "fudan": ("复旦大学", "Fudan University"),
        "sjtu": ("上海交通大学", "Shanghai Jiao Tong University"),
        "tongji": ("同济大学", "Tongji University"),
        "ecnu": ("华东师范大学", "East China Normal University"),
    },
)
