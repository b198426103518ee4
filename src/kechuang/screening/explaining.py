"""What an enterprise reads, made plain: values formatted as people write them (¥1,354,642.33,
12.34%), with the exact rational kept for the hover; alternative routes grouped ("any one of
these is enough"); expert-scored parts named as such; the pro-rating reason for an award.

Registered as globals of the one page environment (`shown`, `exact`, `alternatives`,
`prorata_text`, `percent`), so every page and fragment uses the same wording.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from kechuang.domain.money import format_yuan
from kechuang.domain.panel import BY_NAME
from kechuang.http.templating import template_env
from kechuang.rules.explain import value_unit
from kechuang.rules.format import show
from kechuang.rules.ir import Or, Reference, Unit
from kechuang.rules.policy import ConditionKind, Policy

UNKNOWN = {"zh": "未知（缺数据）", "en": "unknown (no data)"}


def percent(value: Fraction) -> str:
    """A ratio as a percentage with two decimals, rounded half up: Fraction(1, 3) is 33.33%."""
    hundredths = (Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return f"{hundredths}%"


def shown(value: Any, name: str, policy: Policy, lang: str = "zh") -> str:
    """A value an explanation read, in its unit: money, percentage, count, date; or unknown."""
    if value is None:
        return UNKNOWN["en" if lang == "en" else "zh"]
    if isinstance(value, Fraction):
        unit = value_unit(name, policy)
        if unit == Unit.RATIO:
            return percent(value)
        if unit == Unit.YUAN:
            fen = value * 100
            if fen.denominator == 1:
                return format_yuan(int(fen))
        return show(value, unit)
    if isinstance(value, bool):
        return {"zh": ("是", "否"), "en": ("yes", "no")}["en" if lang == "en" else "zh"][
            0 if value else 1
        ]
    return show(value, value_unit(name, policy))


_PERIOD = re.compile(r"^(years_ago|sum_years|avg_years)\((\w+), (\d+)\)$")
CONTEXT_LABELS = {
    "eval_year": ("评价年度", "evaluation year"),
    "score": ("数据得分", "score from data"),
    "year_start": ("年度起始日", "first day of the year"),
    "year_end": ("年度截止日", "last day of the year"),
}
_COUNT = re.compile(r"^count_years\((\d+)\)$")


def label(key: str, lang: str = "zh", policy: Policy | None = None) -> str:
    """What a value an explanation read is, as people say it: 营业收入, 营业收入（1年前）,
    近3年有数据的年数, or the policy's own label of a parameter or definition."""
    en = lang == "en"
    field = BY_NAME.get(key)
    if field is not None:
        return field.label_en if en else field.label_zh
    if policy is not None:
        if key in policy.parameters:
            return policy.parameters[key].label.get(lang) or key
        for d in policy.definitions:
            if d.id == key:
                return d.label.get(lang) or key
        for c in policy.conditions:
            if c.id == key:
                return c.label.get(lang)
        for score in policy.scores:
            if score.id == key:
                return score.label.get(lang)
    if key in CONTEXT_LABELS:
        return CONTEXT_LABELS[key][1 if en else 0]
    period = _PERIOD.match(key)
    if period:
        function, fact, years = period.groups()
        name = label(fact, lang)
        if function == "years_ago":
            return f"{name} ({years} year(s) earlier)" if en else f"{name}（{years}年前）"
        if function == "sum_years":
            return f"{name}, total of {years} years" if en else f"近{years}年{name}合计"
        return f"{name}, average of {years} years" if en else f"近{years}年{name}平均"
    count = _COUNT.match(key)
    if count:
        years = count.group(1)
        return f"years with data of the last {years}" if en else f"近{years}年中有数据的年数"
    return key


def exact(value: Any) -> str:
    """The exact value behind a formatted one (the hover text): a rational as p/q."""
    if isinstance(value, Fraction):
        return str(value) if value.denominator != 1 else str(value.numerator)
    return "" if value is None else str(value)


def alternatives(policy: Policy) -> dict[str, list[str]]:
    """For each condition met by any one of several helper conditions (an `or` of them in its
    `met_if` or its expression), those helpers' ids: they are routes, any one is enough."""
    helpers = {c.id for c in policy.conditions if c.kind == ConditionKind.HELPER}
    groups: dict[str, list[str]] = {}
    for c in policy.conditions:
        for node in (c.met_if, c.expr):
            if isinstance(node, Or):
                names = [
                    op.name
                    for op in node.operands
                    if isinstance(op, Reference) and op.name in helpers
                ]
                if len(names) >= 2:
                    groups[c.id] = names
    return groups


def routes(policy: Policy) -> set[str]:
    """Every helper condition that is one of several routes."""
    return {name for names in alternatives(policy).values() for name in names}


def prorata_text(eligible_fen: int, allocated_fen: int, lang: str = "zh") -> str:
    """Why an award is less than the amount the enterprise is eligible for."""
    if eligible_fen <= 0 or allocated_fen >= eligible_fen:
        return ""
    share = percent(Fraction(allocated_fen, eligible_fen))
    if allocated_fen == 0:
        if lang == "en":
            return (
                f"Eligible for {format_yuan(eligible_fen)}, but the budget of this round ran "
                "out before your turn: no award this time."
            )
        return f"符合金额{format_yuan(eligible_fen)}，本批次预算已分配完毕，未获分配。"
    if lang == "en":
        return (
            f"Budget shared pro rata: eligible for {format_yuan(eligible_fen)}; the round's "
            f"budget does not cover every eligible amount, so each award is {share} of it: "
            f"{format_yuan(allocated_fen)}."
        )
    return (
        f"预算按比例分配：符合金额{format_yuan(eligible_fen)}，本批次预算不足以全额发放，"
        f"各企业按{share}的比例分配，拟奖励{format_yuan(allocated_fen)}。"
    )


@dataclass(frozen=True)
class HowToApply:
    """How an enterprise applies for an application-type (申报) policy, with its pre-check."""

    precheck: str
    channel: str
    link: str | None  # the platform's application form, where there is one


PRECHECK = {
    "eligible": ("预检结果：按现有数据符合申报条件。", "Pre-check: the data meet the conditions."),
    "ineligible": (
        "预检结果：按现有数据暂不符合，差距见下。",
        "Pre-check: not yet; the gap is below.",
    ),
    "manual_review": (
        "预检结果：数据条件已满足，其余由专家评审。",
        "Pre-check: the data conditions are met; experts judge the rest.",
    ),
    "unknown": (
        "预检结果：部分数据缺失，申报时请一并提供。",
        "Pre-check: some data are missing; provide them when you apply.",
    ),
}


def application_link(policy_id: str) -> str | None:
    """The platform's own application form for a policy, if this build has the applications
    feature (its router serves `/applications/new`); None sends the enterprise to the policy's
    official channel instead."""
    if importlib.util.find_spec("kechuang.applications") is None:
        return None
    return f"/applications/new?policy={policy_id}"


def how_to_apply(policy: Policy, verdict: Any, lang: str = "zh") -> HowToApply:
    en = lang == "en"
    zh_text, en_text = PRECHECK.get(verdict.outcome.value, PRECHECK["unknown"])
    if en:
        channel = (
            f"Apply through the official channel of {policy.issuer} ({policy.document_number})."
        )
    else:
        channel = (
            f"申报渠道：按{policy.issuer}《{policy.title.zh}》（{policy.document_number}）"
            "规定的官方渠道申报。"
        )
    return HowToApply(en_text if en else zh_text, channel, application_link(policy.id))


_env = template_env()
_env.globals.update(
    shown=shown,
    value_label=label,
    exact=exact,
    alternatives=alternatives,
    routes=routes,
    prorata_text=prorata_text,
    percent=percent,
    how_to_apply=how_to_apply,
)
