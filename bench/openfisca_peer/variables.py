"""Inputs and formulas of tsme-2017 and above-scale-2019, written as an OpenFisca user would.

Inputs mirror the panel columns the two policies read. Money is `value_type = float`
(OpenFisca stores it as float32), counts are int, flags bool, the industry code str: that is
the idiomatic OpenFisca model and the reason it can be wrong on exact thresholds (a revenue of
200,000,000.01 yuan is 200,000,000 in float32; a ratio of exactly 6 % may land either side).

Missing data: numpy has no unknown. The runner leaves a null cell out of the input, so the
variable takes its `default_value` (0, False, ''), the way OpenFisca treats an input it was
not given; a verdict Kechuang reports as `unknown` is therefore a definite eligible or
ineligible here. A ratio with a zero denominator is 0 (Kechuang: `ratio(x, 0, 0)` scores 0
for the R&D ratios; for the S&T staff share it is unknown). The peer has no attestation
(第六条（三）), as Kechuang's verdict does not count it either.
"""

from __future__ import annotations

import numpy as np
from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from bench.openfisca_peer.entities import Enterprise

YEAR = DateUnit.YEAR


class Outcome(Enum):
    eligible = "eligible"
    ineligible = "ineligible"
    manual_review = "manual_review"


def _input(name: str, kind: type, text: str) -> type[Variable]:
    return type(
        name,
        (Variable,),
        {"value_type": kind, "entity": Enterprise, "definition_period": YEAR, "label": text},
    )


INPUTS = {
    "mainland_resident": (bool, "Resident enterprise registered in the mainland"),
    "employees": (int, "Employees"),
    "st_staff": (int, "S&T staff"),
    "revenue": (float, "Sales revenue (yuan)"),
    "main_business_revenue": (float, "Main business revenue (yuan)"),
    "cost_expense_total": (float, "Total costs and expenses (yuan)"),
    "total_assets": (float, "Total assets (yuan)"),
    "rd_expense": (float, "R&D expense (yuan)"),
    "ip_class1": (int, "Class I IP count"),
    "ip_class2": (int, "Class II IP count"),
    "is_hnte": (bool, "High and new technology enterprise certificate"),
    "national_award_5y": (bool, "National S&T award (top three) in 5 years"),
    "provincial_rd_institution": (bool, "Provincial or higher R&D institution"),
    "led_standard_5y": (bool, "Led a standard in 5 years"),
    "major_accident": (bool, "Major safety/quality accident or environmental violation"),
    "misconduct": (bool, "Serious research misconduct"),
    "abnormal_list": (bool, "On the abnormal-operations list"),
    "dishonest_list": (bool, "On the serious-dishonesty list"),
    "industry_code": (str, "GB/T 4754 industry code"),
}
input_variables = [_input(name, kind, text) for name, (kind, text) in INPUTS.items()]


def _share(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """top / bottom, 0 where bottom is 0."""
    out = np.zeros(len(top), dtype=np.float32)
    np.divide(top, bottom, out=out, where=bottom != 0)
    return out


# ----- tsme-2017 (国科发政〔2017〕115号) -----------------------------------------------------


class tsme_2017_st_points(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "S&T staff indicator (第七条（一）)"

    def formula(enterprise, period, parameters):
        p = parameters(period).tsme_2017
        share = _share(enterprise("st_staff", period), enterprise("employees", period))
        return p.st_staff_scale.calc(share)


class tsme_2017_rd_points(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "R&D indicator, the higher of the two shares (第七条（二）)"

    def formula(enterprise, period, parameters):
        p = parameters(period).tsme_2017
        rd_expense = enterprise("rd_expense", period)
        return np.maximum(
            p.rd_revenue_scale.calc(_share(rd_expense, enterprise("revenue", period))),
            p.rd_cost_scale.calc(_share(rd_expense, enterprise("cost_expense_total", period))),
        )


class tsme_2017_ip_points(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "S&T results indicator (第七条（三）)"

    def formula(enterprise, period, parameters):
        p = parameters(period).tsme_2017
        return np.where(
            enterprise("ip_class1", period) >= 1,
            p.ip_class1_points,
            p.ip_class2_scale.calc(enterprise("ip_class2", period)),
        )


class tsme_2017_score(Variable):
    value_type = float
    entity = Enterprise
    definition_period = YEAR
    label = "Evaluation score (第七条)"

    def formula(enterprise, period, parameters):
        return (
            enterprise("tsme_2017_st_points", period)
            + enterprise("tsme_2017_rd_points", period)
            + enterprise("tsme_2017_ip_points", period)
        )


class tsme_2017_eligible(Variable):
    value_type = bool
    entity = Enterprise
    definition_period = YEAR
    label = "Tech-based SME (科技型中小企业评价)"
    reference = "国科发政〔2017〕115号 第六条、第八条"

    def formula(enterprise, period, parameters):
        p = parameters(period).tsme_2017
        size = (  # 第六条（二）
            (enterprise("employees", period) <= p.max_employees)
            * (enterprise("revenue", period) <= p.max_revenue)
            * (enterprise("total_assets", period) <= p.max_total_assets)
        )
        clean = (  # 第六条（四）
            np.logical_not(enterprise("major_accident", period))
            * np.logical_not(enterprise("misconduct", period))
            * np.logical_not(enterprise("abnormal_list", period))
            * np.logical_not(enterprise("dishonest_list", period))
        )
        score_route = (enterprise("tsme_2017_score", period) >= p.pass_score) * (
            enterprise("tsme_2017_st_points", period) > 0
        )  # 第六条（五）
        direct_route = (  # 第八条（一）至（四）
            enterprise("is_hnte", period)
            + enterprise("national_award_5y", period)
            + enterprise("provincial_rd_institution", period)
            + enterprise("led_standard_5y", period)
        )
        resident = enterprise("mainland_resident", period)  # 第六条（一）
        return resident * size * clean * (score_route + direct_route)


# ----- above-scale-2019 (国统字〔2019〕101号) ------------------------------------------------

IN_SCOPE = tuple("BCDEFGHIKLMNOPQR")  # 规模以上统计范围
MAIN_BUSINESS_SECTIONS = tuple("BCDFH")  # 工业、批零、住餐: 主营业务收入
THRESHOLD_KEYS = ("B", "C", "D", "F51", "F52", "H", "G", "I", "N", "Q84", "L", "M", "P",
                  "K702", "K703", "K704", "K709", "O", "R", "Q85")  # fmt: skip


def _threshold_key(codes: np.ndarray) -> np.ndarray:
    """The longest key of the threshold table each code starts with ('' where none does)."""
    keys = np.full(len(codes), "", dtype="<U4")
    for length in (1, 3, 4):  # longer prefixes overwrite shorter ones
        prefix = codes.astype(f"<U{length}")
        for key in (k for k in THRESHOLD_KEYS if len(k) == length):
            keys[prefix == key] = key
    return keys


class above_scale_2019_outcome(Variable):
    value_type = Enum
    possible_values = Outcome
    default_value = Outcome.ineligible
    entity = Enterprise
    definition_period = YEAR
    label = "Enterprise above designated size (规模（限额）以上企业)"
    reference = "国统字〔2019〕101号"

    def formula(enterprise, period, parameters):
        """Out of scope: ineligible; E or K701: manual review (qualification, not revenue);
        otherwise the revenue measure against the longest matching threshold. An in-scope code
        with no threshold (Kechuang: unknown) compares with +inf here: ineligible."""
        codes = np.char.upper(enterprise("industry_code", period).astype(str))
        section = codes.astype("<U1")
        in_scope = np.isin(section, IN_SCOPE)
        qualification_trade = (section == "E") | np.char.startswith(codes, "K701")
        size_measure = np.where(
            np.isin(section, MAIN_BUSINESS_SECTIONS),
            enterprise("main_business_revenue", period),
            enterprise("revenue", period),
        )
        keys = _threshold_key(codes)
        known = keys != ""
        table = parameters(period).above_scale_2019.revenue_threshold
        threshold = np.full(len(codes), np.inf)
        if known.any():
            threshold[known] = table[keys[known]]
        return np.select(
            [~in_scope, qualification_trade, size_measure >= threshold],
            [Outcome.ineligible, Outcome.manual_review, Outcome.eligible],
            default=Outcome.ineligible,
        )


formula_variables = [tsme_2017_st_points, tsme_2017_rd_points, tsme_2017_ip_points,
                     tsme_2017_score, tsme_2017_eligible, above_scale_2019_outcome]  # fmt: skip
