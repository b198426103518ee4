"""The accounts API: log in and out (session tokens), who am I, accounts and the audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.accounts import audit
from kechuang.accounts.service import (
    SESSION_LIFETIME,
    LoginThrottled,
    Principal,
    authenticate,
    close_session,
    open_session,
)
from kechuang.accounts.tables import Account
from kechuang.web.fields import Instant
from kechuang.web.pagination import Page, PageParams, page, page_params
from kechuang.web.problems import ProblemError, problem_responses
from kechuang.web.security import (
    SESSION_COOKIE,
    authenticated,
    client_ip,
    db,
    load_caller,
    require,
)

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=problem_responses(401, 422))


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class SessionOut(BaseModel):
    """A new session: send `token` as `Authorization: Bearer`, or use the cookie set with it
    and send `csrf_token` as `X-CSRF-Token` on every state-changing call."""

    token: str
    csrf_token: str
    expires_at: Instant
    username: str
    role: str


class Me(BaseModel):
    username: str
    display_name: str
    role: str
    uscc: str | None
    org: str | None


class AccountOut(Me):
    active: bool
    created_at: Instant


class AuditOut(BaseModel):
    id: int
    at: Instant
    actor: str
    action: str
    subject_type: str
    subject_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def set_session_cookie(response: Response, token: str, request: Request) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def log_in(session: Session, username: str, password: str, ip: str) -> tuple[str, Any, Account]:
    """Check the password (throttled) and open a session; commits."""
    try:
        account = authenticate(session, username, password, ip)
    except LoginThrottled:
        session.commit()
        raise ProblemError(
            429, "too many failed logins; wait 15 minutes", "login-throttled"
        ) from None
    if account is None:
        session.commit()  # keep the failure: it counts towards throttling
        raise ProblemError(401, "wrong username or password", "login-failed")
    token, row = open_session(session, account, ip)
    session.commit()
    return token, row, account


@router.post(
    "/session",
    response_model=SessionOut,
    status_code=201,
    responses=problem_responses(429),
    summary="Log in",
)
def create_session(
    body: LoginRequest, request: Request, response: Response, session: Session = Depends(db)
) -> SessionOut:
    """Log in with username and password. A JSON body cannot be posted cross-site without CORS,
    so this needs no CSRF token; it sets the session cookie and returns the Bearer token."""
    token, row, account = log_in(session, body.username, body.password, client_ip(request))
    set_session_cookie(response, token, request)
    return SessionOut(
        token=token,
        csrf_token=row.csrf_token,
        expires_at=row.expires_at,
        username=account.username,
        role=account.role,
    )


@router.delete("/session", status_code=204, responses=problem_responses(403), summary="Log out")
def delete_session(
    request: Request,
    session: Session = Depends(db),
    who: Principal = Depends(authenticated),
) -> Response:
    token = request.cookies.get(SESSION_COOKIE) or request.headers.get("authorization", "")[7:]
    close_session(session, token.strip(), client_ip(request))
    session.commit()
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=Me, summary="Who am I")
def me(request: Request, who: Principal = Depends(authenticated)) -> Me:
    assert load_caller(request) is not None
    return Me(
        username=who.username,
        display_name=who.display_name,
        role=who.role,
        uscc=who.uscc,
        org=who.org,
    )


@router.get(
    "/accounts",
    response_model=Page[AccountOut],
    responses=problem_responses(403),
    summary="List accounts (admin)",
)
def list_accounts(
    request: Request,
    params: PageParams = Depends(page_params),
    session: Session = Depends(db),
    _: Principal = Depends(require("admin")),
) -> Page[AccountOut]:
    total = session.scalar(select(func.count()).select_from(Account)) or 0
    rows = session.scalars(
        select(Account).order_by(Account.username).limit(params.limit).offset(params.offset)
    ).all()
    items = [
        AccountOut(
            username=a.username,
            display_name=a.display_name,
            role=a.role,
            uscc=a.uscc,
            org=a.org,
            active=a.active,
            created_at=a.created_at,
        )
        for a in rows
    ]
    return page(request, items, total, params)


@router.get(
    "/audit",
    response_model=Page[AuditOut],
    responses=problem_responses(403),
    summary="The audit log (admin), newest first",
)
def audit_log(
    request: Request,
    params: PageParams = Depends(page_params),
    session: Session = Depends(db),
    _: Principal = Depends(require("admin")),
) -> Page[AuditOut]:
    total, rows = audit.entries(session, params.limit, params.offset)
    items = [
        AuditOut(
            id=r.id,
            at=r.at,
            actor=r.actor,
            action=r.action,
            subject_type=r.subject_type,
            subject_id=r.subject_id,
            before=r.before,
            after=r.after,
        )
        for r in rows
    ]
    return page(request, items, total, params)
