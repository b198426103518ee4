"""Administration pages: the audit log and the accounts, with an unlock button for an account
locked by failed logins (its form route is made from the step `account.unlock`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kechuang.accounts import audit, throttle
from kechuang.accounts.service import Principal, list_accounts
from kechuang.http.pagination import Offset
from kechuang.http.security import db, require
from kechuang.http.templating import register_templates, render

router = APIRouter(include_in_schema=False)
register_templates("kechuang.accounts")


@router.get("/admin/audit")
def audit_page(
    request: Request,
    offset: Offset = 0,
    session: Session = Depends(db),
    _: Principal = Depends(require("admin")),
) -> Response:
    total, rows = audit.entries(session, 100, max(0, offset))
    accounts = list_accounts(session)
    return render(
        request,
        "audit.html",
        {
            "entries": rows,
            "total": total,
            "offset": max(0, offset),
            "accounts": accounts,
            "locks": throttle.locked_until(
                session, throttle.ACCOUNT, [a.username for a in accounts]
            ),
            "done": request.query_params.get("done"),
            "subject": request.query_params.get("subject", ""),
        },
    )
