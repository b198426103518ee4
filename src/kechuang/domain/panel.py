"""The enterprise panel: every column of shared/DATA-CONTRACT.md as data.

One row per enterprise per year. This catalogue is the single source of truth that the
importer validates against, the generator writes, the store maps to tables and the policy
language type-checks names against (with their units). Adding a fact means adding it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a value is, which fixes how it is parsed, stored and may be combined."""

    TEXT = "text"  # free text (name)
    CODE = "code"  # an identifier or classification (uscc, district, industry_code, park)
    YEAR = "year"  # a calendar year
    DATE = "date"  # YYYY-MM-DD
    BOOL = "bool"  # true/false, 1/0, 是/否
    COUNT = "count"  # a whole number of things or people
    YUAN = "yuan"  # money in yuan; up to two decimals (whole fen); stored as integer fen
    RATIO = "ratio"  # a share 0..1 with up to 6 decimals
    NUMBER = "number"  # a plain number such as a score, up to 6 decimals (stored as a ratio is)


# SQL types used for the columnar snapshot (Parquet/DuckDB). YUAN keeps whole fen exactly.
SQL_TYPES: dict[Kind, str] = {
    Kind.TEXT: "VARCHAR",
    Kind.CODE: "VARCHAR",
    Kind.YEAR: "INTEGER",
    Kind.DATE: "DATE",
    Kind.BOOL: "BOOLEAN",
    Kind.COUNT: "BIGINT",
    Kind.YUAN: "DECIMAL(18,2)",
    Kind.RATIO: "DECIMAL(9,6)",
    Kind.NUMBER: "DECIMAL(9,6)",
}

RATIO_DECIMALS = 6

# The longest text a cell of each kind may hold. Any cell of a file holds at most 32,767
# characters (enterprises.limits); the contract's own columns are far shorter: an enterprise
# name runs to about 50 characters, a number or a code to a few dozen with its spaces.
MAX_CHARS: dict[Kind, int] = {
    Kind.TEXT: 200,
    Kind.CODE: 64,
    Kind.YEAR: 16,
    Kind.DATE: 32,
    Kind.BOOL: 16,
    Kind.COUNT: 64,
    Kind.YUAN: 64,
    Kind.RATIO: 32,
    Kind.NUMBER: 32,
}


@dataclass(frozen=True)
class Field:
    """One column of the panel.

    `static` facts describe the enterprise rather than a year (the latest year wins);
    `optional` columns may be missing from a file's header (their values are then unknown);
    `min_value` and `max_field` are inclusive bounds: the value must be >= min_value and
    <= the same row's value of max_field when both are known.
    """

    name: str
    kind: Kind
    label_zh: str
    label_en: str
    static: bool = False
    required: bool = False
    optional: bool = False
    min_value: int | None = None
    max_value: int | None = None
    max_field: str | None = None
    choices: tuple[str, ...] = ()
    # A sourced fact is not in any panel file: the store view named here derives it per
    # (uscc, year) from another package's records (see SOURCED_FIELDS).
    source: str | None = None
    # A windowed sourced fact's view has one row per record (uscc, day, value) instead: an
    # evaluation sums the records whose day falls in the policy's window, the dates of its
    # parameters `window_from` and `window_to` in force for the evaluation year (a subsidy round
    # that is not a calendar year).
    windowed: bool = False

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]

    @property
    def max_chars(self) -> int:
        return MAX_CHARS[self.kind]


LISTED_BOARDS = ("科创板", "主板", "创业板", "北交所", "港股", "境外")

FIELDS: tuple[Field, ...] = (
    Field(
        "uscc",
        Kind.CODE,
        "统一社会信用代码",
        "Unified social credit code",
        static=True,
        required=True,
    ),
    Field("name", Kind.TEXT, "企业名称", "Enterprise name", static=True, required=True),
    Field("year", Kind.YEAR, "年度", "Year", required=True),
    Field("district", Kind.CODE, "所在区", "District", static=True),
    Field("park", Kind.TEXT, "园区", "Park", static=True, optional=True),
    Field("industry_code", Kind.CODE, "行业代码", "Industry code (GB/T 4754-2017)", static=True),
    Field("founded_on", Kind.DATE, "成立日期", "Date of registration", static=True),
    Field(
        "mainland_resident",
        Kind.BOOL,
        "境内注册居民企业",
        "Resident enterprise registered in the mainland",
        static=True,
    ),
    Field("employees", Kind.COUNT, "职工总数", "Employees", min_value=0),
    Field("st_staff", Kind.COUNT, "科技人员数", "S&T staff", min_value=0, max_field="employees"),
    Field("rd_staff", Kind.COUNT, "研发人员数", "R&D staff", min_value=0, max_field="employees"),
    Field("revenue", Kind.YUAN, "营业收入", "Revenue", min_value=0),
    Field(
        "main_business_revenue",
        Kind.YUAN,
        "主营业务收入",
        "Main business revenue",
        min_value=0,
        max_field="revenue",
    ),
    Field("cost_expense_total", Kind.YUAN, "成本费用总额", "Total costs and expenses", min_value=0),
    Field("total_assets", Kind.YUAN, "资产总额", "Total assets", min_value=0),
    Field("total_liabilities", Kind.YUAN, "负债总额", "Total liabilities", min_value=0),
    Field("net_assets", Kind.YUAN, "净资产", "Net assets"),
    Field("rd_expense", Kind.YUAN, "研发费用", "R&D expense", min_value=0),
    Field(
        "rd_expense_domestic",
        Kind.YUAN,
        "境内研发费用",
        "Domestic R&D expense",
        min_value=0,
        max_field="rd_expense",
    ),
    Field(
        "hightech_revenue",
        Kind.YUAN,
        "高新技术产品(服务)收入",
        "High-tech products and services revenue",
        min_value=0,
        max_field="revenue",
    ),
    Field("ip_class1", Kind.COUNT, "I类知识产权数", "Class I IP", min_value=0),
    Field("ip_class2", Kind.COUNT, "II类知识产权数", "Class II IP", min_value=0),
    Field(
        "transformations", Kind.COUNT, "科技成果转化数", "S&T result transformations", min_value=0
    ),
    Field("equity_financing", Kind.YUAN, "新增股权融资", "New equity financing", min_value=0),
    Field("niche_years", Kind.COUNT, "从事细分市场年限", "Years in niche market", min_value=0),
    Field(
        "market_share",
        Kind.RATIO,
        "细分市场占有率",
        "Niche market share",
        optional=True,
        min_value=0,
        max_value=1,
    ),
    Field("is_hnte", Kind.BOOL, "高新技术企业", "Holds a valid HNTE certificate"),
    Field(
        "national_award_5y", Kind.BOOL, "近5年国家级科技奖励", "National S&T award within 5 years"
    ),
    Field(
        "provincial_rd_institution",
        Kind.BOOL,
        "省部级以上研发机构",
        "Provincial or higher R&D institution",
    ),
    Field("led_standard_5y", Kind.BOOL, "近5年主导制定标准", "Led a standard within 5 years"),
    Field(
        "major_accident",
        Kind.BOOL,
        "重大安全、质量事故或严重环境违法",
        "Major accident or serious environmental violation",
    ),
    Field("misconduct", Kind.BOOL, "严重科研失信行为", "Serious research misconduct"),
    Field("abnormal_list", Kind.BOOL, "经营异常名录", "On the abnormal-operations list"),
    Field("dishonest_list", Kind.BOOL, "严重失信主体名单", "On the serious-dishonesty list"),
    Field(
        "listed_board", Kind.TEXT, "上市板块", "Listing board", optional=True, choices=LISTED_BOARDS
    ),
    Field(
        "valuation",
        Kind.YUAN,
        "最新投后估值",
        "Latest post-money valuation",
        optional=True,
        min_value=0,
    ),
    Field("output_value", Kind.YUAN, "产值", "Industrial output", optional=True, min_value=0),
    # Version 2 (shared/DATA-CONTRACT.md "Version 2 columns"): the facts the documents'
    # alternative routes read. All optional: a file without them is a version 1 file, and an
    # empty cell is unknown, which keeps a route at review rather than deciding it.
    *(
        Field(name, Kind.COUNT, zh, en, optional=True, min_value=0)
        for name, zh, en in (
            (
                "award_national_rank",
                "国家级科技奖励获奖单位排名（0为当年未获奖）",
                "Rank among the units of a national S&T award that year (0 = none)",
            ),
            (
                "award_provincial_rank",
                "省部级科技奖励获奖单位排名（0为当年未获奖）",
                "Rank among the units of a provincial S&T award that year (0 = none)",
            ),
            (
                "makers_china_rank",
                "“创客中国”大赛全国排名（企业组，0为未入围）",
                "National rank in the Maker China contest, enterprise group (0 = not ranked)",
            ),
        )
    ),
    Field(
        "tech_innovation_demo",
        Kind.BOOL,
        "国家级技术创新示范企业",
        "National technology innovation demonstration enterprise",
        optional=True,
    ),
    Field(
        "ip_demo_enterprise",
        Kind.BOOL,
        "国家知识产权优势或示范企业",
        "National IP advantage or demonstration enterprise",
        optional=True,
    ),
    Field(
        "development_score",
        Kind.NUMBER,
        "专精特新发展评价得分",
        "SRDI development score (MIIT indicator system)",
        optional=True,
        min_value=0,
        max_value=100,
    ),
    Field(
        "six_basics_or_key_link",
        Kind.BOOL,
        "主导产品属于“六基”或产业链关键环节",
        "Main product in the six basics or a key link of an industrial chain",
        optional=True,
    ),
    Field(
        "is_tsme",
        Kind.BOOL,
        "科技型中小企业（有效入库）",
        "Registered tech-based SME",
        optional=True,
    ),
    Field(
        "is_innovative_sme",
        Kind.BOOL,
        "创新型中小企业（有效期内）",
        "Holds the innovative SME title",
        optional=True,
    ),
    Field(
        "is_srdi_sme",
        Kind.BOOL,
        "专精特新中小企业（有效期内）",
        "Holds the SRDI SME title",
        optional=True,
    ),
)

# Sourced facts: derived per enterprise and year from records the platform itself keeps, published
# by the owning package as a store view `source` with columns uscc, year and one column per fact
# (yuan as `<name>_fen` integers). They are not part of the contract's files (FIELDS/COLUMNS): the
# policy language may read them, and a screening run joins them into its panel (engines.sourced).
# The platform is the record of these facts, so an enterprise-year without a row has zero of them.
LOAN_FACTS_VIEW = "finance_loan_facts"
LOAN_CHARGES_VIEW = "finance_loan_charges"
WINDOW_PARAMETERS = ("window_from", "window_to")
SOURCED_FIELDS: tuple[Field, ...] = (
    Field(
        "loan_premium_timely_paid",
        Kind.YUAN,
        "按期还款科技贷款已缴保费",
        "Premium paid on tech loans repaid on time",
        optional=True,
        min_value=0,
        source=LOAN_FACTS_VIEW,
    ),
    Field(
        "loan_overdue_count",
        Kind.COUNT,
        "科技贷款逾期笔数",
        "Tech loans that fell overdue",
        optional=True,
        min_value=0,
        source=LOAN_FACTS_VIEW,
    ),
    Field(
        "loan_charge_timely_paid",
        Kind.YUAN,
        "期间内按期还清的科技贷款已缴保费或担保费",
        "Premium or guarantee fee paid on tech loans repaid on time within the window",
        optional=True,
        min_value=0,
        source=LOAN_CHARGES_VIEW,
        windowed=True,
    ),
)

BY_NAME: dict[str, Field] = {f.name: f for f in (*FIELDS, *SOURCED_FIELDS)}
COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS)
# The columns version 2 of the contract added (the last ones, after output_value).
VERSION_2_COLUMNS: tuple[str, ...] = COLUMNS[COLUMNS.index("output_value") + 1 :]
KEY = ("uscc", "year")


def field(name: str) -> Field:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a column of the enterprise panel") from None
