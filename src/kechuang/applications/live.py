"""The live pre-check of the application form: as the enterprise types in one of its forms
(a correction, an answer, the project plan), the pre-check runs again on the application as it
would be with that form's values, without saving anything, and says what is still missing.

The draft is an overlay on the stored application (`Draft`): the pre-check reads it exactly as
it reads the application, and no row is changed or flushed. Values that cannot be read yet
(a half-typed amount) are named in the page's language and left out of the overlay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.applications import access, precheck
from kechuang.applications.rounds import get as get_round
from kechuang.applications.schemas import PlanIn
from kechuang.applications.tables import Application
from kechuang.http.steps import describe, form_values
from kechuang.workflow.errors import Invalid

EDITABLE = ("draft", "returned")


class Draft:
    """The application with some attributes replaced; everything else is the stored row's."""

    def __init__(self, application: Application, **overrides: Any) -> None:
        self._application = application
        self._overrides = overrides

    def __getattr__(self, name: str) -> Any:
        if name in self._overrides:
            return self._overrides[name]
        return getattr(self._application, name)


@dataclass
class Live:
    check: precheck.Precheck
    problems: list[str] = field(default_factory=list)


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def run(session: Session, who: Principal, application_id: int, form: Mapping[str, Any],
        lang: str) -> Live:  # fmt: skip
    """The pre-check of the caller's own application with the form's values laid over it."""
    application = access.application(session, who, application_id)
    if who.role != "enterprise" or application.state not in EDITABLE:
        raise Invalid("only the enterprise edits its draft", zh="只有申报企业可编辑草稿")
    overrides: dict[str, Any] = {}
    problems: list[str] = []
    fact, value = _text(form, "fact"), _text(form, "value")
    if fact and value:
        try:
            precheck.parse_fact(fact, value)
            corrections = dict(application.corrections or {})
            corrections[fact] = {"value": value, "reason": _text(form, "reason")}
            overrides["corrections"] = corrections
        except Invalid as exc:
            problems.append(exc.text(lang))
    condition, text = _text(form, "condition"), _text(form, "text")
    if condition and "text" in form:
        answers = dict(application.answers or {})
        answers[condition] = text
        overrides["answers"] = answers
    if any(_text(form, name) for name in ("budget_yuan", "requested_yuan", "matching_yuan")):
        try:
            plan = PlanIn.model_validate(form_values(PlanIn, form))
            overrides.update(
                budget_fen=plan.budget_fen,
                requested_fen=plan.requested_fen,
                matching_fen=plan.matching_fen,
            )
        except ValidationError as exc:
            problems.append(describe(exc, lang))
    round_ = get_round(session, application.round_id)
    draft: Any = Draft(application, **overrides)
    with session.no_autoflush:
        check = precheck.run(session, draft, round_)
    return Live(check, problems)
