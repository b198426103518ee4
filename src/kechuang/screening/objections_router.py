"""An enterprise's objections: the API and the status page (filed, decided with the officer's
reason, and the effect). Only the enterprise itself and the officials see them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.http.problems import problem_responses
from kechuang.http.security import Scope, db, require
from kechuang.http.templating import register_templates, render
from kechuang.screening import explaining  # noqa: F401  (registers the page helpers)
from kechuang.screening.objections import ObjectionStatus, filed_by

router = APIRouter(responses=problem_responses(401, 403, 404, 422))
register_templates("kechuang.screening")
Viewer = require("officer", "analyst", "admin", "enterprise")


@router.get(
    "/api/v1/enterprises/{uscc}/objections",
    response_model=list[ObjectionStatus],
    tags=["enterprises"],
)
def objections_api(
    uscc: str, session: Session = Depends(db), who: Principal = Depends(Viewer)
) -> list[ObjectionStatus]:
    """The objections this enterprise filed, newest first, with their decisions."""
    Scope(who).enterprise(uscc)
    return filed_by(session, uscc)


@router.get("/enterprises/{uscc}/objections", include_in_schema=False)
def objections_page(
    request: Request, uscc: str, session: Session = Depends(db), who: Principal = Depends(Viewer)
) -> Response:
    Scope(who).enterprise(uscc)
    return render(request, "objections.html", {"uscc": uscc, "rows": filed_by(session, uscc)})
