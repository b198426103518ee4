"""Administration pages: the audit log and the accounts, with an unlock button for an account
locked by failed logins (the APIs are in kechuang.accounts.router)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kechuang.accounts import audit, throttle
from kechuang.accounts.router import unlock_committed
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
            "unlocked": request.query_params.get("unlocked"),
        },
    )


@router.post("/admin/accounts/{username}/unlock")
def unlock_form(
    request: Request,
    username: str,
    session: Session = Depends(db),
    who: Principal = Depends(require("admin")),
) -> Response:
    # enforce_csrf (app-wide) has checked the form's token already.
    unlock_committed(request, session, who, username)
    return RedirectResponse(f"/admin/audit?unlocked={username}#accounts", status_code=303)
