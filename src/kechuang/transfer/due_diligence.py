"""The 赋权 agreement and its due-diligence checklist (尽职免责), validated. Pure.

尽职免责: an office that priced and decided by the book is exempt from liability if the
result later loses value. The book (促进科技成果转化法 第十八条 and the Shanghai pilot rules,
沪科规〔2023〕9号) asks for a price set by listing on a technology exchange, by auction, or by
agreement with the name and price published in the unit beforehand; a collective decision;
declared conflicts of interest; a security review; and every inventor's consent. The notice
period for agreement pricing is taken as at least 15 days (the Shanghai practice; a parameter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kechuang.transfer.distribution import FULL_BP, Rule
from kechuang.workflow.errors import Invalid

PRICING_METHODS = ("listing", "auction", "agreement")
AGREEMENT_NOTICE_DAYS = 15
AGREEMENT_KINDS = ("ownership", "co_ownership", "long_term_use")
LONG_TERM_USE_MIN_YEARS = 10
CONFIRMATIONS = (
    "collective_decision",
    "conflict_of_interest_declared",
    "security_review",
    "inventors_consent",
)


class Incomplete(Invalid):
    """The checklist or the agreement misses something the rules require."""


def check_checklist(data: dict[str, Any]) -> dict[str, Any]:
    """The checklist as stored, or Incomplete listing every missing or wrong item."""
    missing = []
    method = data.get("pricing_method")
    if method not in PRICING_METHODS:
        missing.append(f"pricing_method: one of {', '.join(PRICING_METHODS)}")
    notice = data.get("notice_days")
    venue = (data.get("venue") or "").strip()
    if method == "agreement" and (
        not isinstance(notice, int) or isinstance(notice, bool) or notice < AGREEMENT_NOTICE_DAYS
    ):
        missing.append(
            f"notice_days: agreement pricing is published for at least {AGREEMENT_NOTICE_DAYS} days"
        )
    if method in ("listing", "auction") and not venue:
        missing.append("venue: the exchange or auction house where the price was set")
    missing += [
        f"{item}: must be confirmed" for item in CONFIRMATIONS if data.get(item) is not True
    ]
    if missing:
        raise Incomplete("due-diligence checklist incomplete: " + "; ".join(missing))
    return {
        "pricing_method": method,
        "notice_days": notice if method == "agreement" else None,
        "venue": venue or None,
        **{item: True for item in CONFIRMATIONS},
    }


@dataclass(frozen=True)
class Agreement:
    kind: str
    inventor_ownership_bp: int | None
    term_years: int | None
    licence_bp: int
    transfer_bp: int
    equity_bp: int
    decision_rights: str
    costs: str


def check_agreement(agreement: Agreement, rule: Rule) -> Agreement:
    """The agreement if complete and not below the institution's rule, else Incomplete."""
    problems = []
    if agreement.kind not in AGREEMENT_KINDS:
        problems.append(f"kind: one of {', '.join(AGREEMENT_KINDS)}")
    share = agreement.inventor_ownership_bp
    if agreement.kind == "ownership" and share not in (None, FULL_BP):
        problems.append("full ownership gives the inventors 100%")
    if agreement.kind == "co_ownership" and (share is None or not 0 < share < FULL_BP):
        problems.append("co-ownership states the inventors' share, between 0% and 100%")
    if agreement.kind == "long_term_use":
        if share is not None:
            problems.append("a long-term use right transfers no ownership share")
        if agreement.term_years is None or agreement.term_years < LONG_TERM_USE_MIN_YEARS:
            problems.append(f"a long-term use right runs at least {LONG_TERM_USE_MIN_YEARS} years")
    for name in ("licence_bp", "transfer_bp", "equity_bp"):
        value = getattr(agreement, name)
        if value is None or value < getattr(rule, name) or value > FULL_BP:
            problems.append(
                f"{name}: the written income split gives inventors {getattr(rule, name)} to "
                f"{FULL_BP} bp (the institution's rule is the floor), got {value}"
            )
    for name in ("decision_rights", "costs"):
        if not (getattr(agreement, name) or "").strip():
            problems.append(f"{name}: the agreement states them in writing")
    if problems:
        raise Incomplete("agreement incomplete: " + "; ".join(problems))
    if agreement.kind == "ownership":
        return Agreement(**{**agreement.__dict__, "inventor_ownership_bp": FULL_BP})
    return agreement
