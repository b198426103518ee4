"""The enterprise's loan page `/finance/apply`: every loan product with the admission rule's
verdict on the enterprise's own stored facts, explained by the rules engine (each condition met,
or the gap "差 … 即可"), and the application form of the declared `finance.apply` step.

The form posts to the step's form route (`POST /finance/loans`), so the bounds, the refusals and
the audit row are the step's; an enterprise applies for itself only (finance.steps.applicant).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.finance.facts import admit
from kechuang.finance.products import Product, load_products
from kechuang.http import labels
from kechuang.http.security import db, require
from kechuang.http.steps import offered_steps, today
from kechuang.http.templating import language, register_templates, render

router = APIRouter()
register_templates("kechuang.finance")
Applicant = require("enterprise")
labels.register(
    "admission",
    {
        "eligible": ("符合准入条件", "Meets the admission rule"),
        "ineligible": ("暂不符合准入条件", "Does not meet the admission rule yet"),
        "unknown": ("数据不足，无法判断", "Unknown (data missing)"),
        "manual_review": ("待人工审核", "Pending manual review"),
        "no-facts": ("无该年度数据", "No facts stored for the year"),
    },
)


@dataclass(frozen=True)
class Admissible:
    """One product as the enterprise sees it: the rule's outcome and its explanation."""

    product: Product
    outcome: str  # eligible | ineligible | unknown, or "no-facts" when the year is not stored
    text: str


def admissible(session: Session, uscc: str, year: int, lang: str) -> list[Admissible]:
    """Each product with the admission rule's verdict on the enterprise's facts of `year`."""
    out = []
    for product in load_products().values():
        admission = admit(session.connection(), product.admission, uscc, year)
        if admission is None:
            out.append(Admissible(product, "no-facts", ""))
            continue
        text = admission.text_en if lang == "en" else admission.text_zh
        out.append(Admissible(product, admission.outcome, text))
    return out


@router.get("/finance/apply", include_in_schema=False)
def apply_page(
    request: Request, who: Principal = Depends(Applicant), session: Session = Depends(db)
) -> Response:
    lang = language(request)
    year = today(request).year - 1
    products = admissible(session, who.uscc or "", year, lang)
    forms = [
        o for o in offered_steps("loan", None, who.role, lang) if o.step.name == "finance.apply"
    ]
    chosen = request.query_params.get("product") or ""
    context: dict[str, Any] = {
        "products": products, "year": year, "offer": forms[0] if forms else None,
        "chosen": chosen if chosen in {p.product.id for p in products} else "",
    }  # fmt: skip
    return render(request, "finance/apply.html", context)
