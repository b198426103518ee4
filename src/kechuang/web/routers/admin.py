"""Administration pages: the audit log (its API is in kechuang.accounts.router)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kechuang.accounts import audit
from kechuang.accounts.service import Principal, list_accounts
from kechuang.web.pagination import Offset
from kechuang.web.security import db, require
from kechuang.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/admin/audit")
def audit_page(
    request: Request,
    offset: Offset = 0,
    session: Session = Depends(db),
    _: Principal = Depends(require("admin")),
) -> Response:
    total, rows = audit.entries(session, 100, max(0, offset))
    return render(
        request,
        "audit.html",
        {
            "entries": rows,
            "total": total,
            "offset": max(0, offset),
            "accounts": list_accounts(session),
        },
    )
