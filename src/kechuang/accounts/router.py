"""The accounts API: log in and out (session tokens), who am I, accounts and the audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.accounts import audit, throttle
from kechuang.accounts.service import (
    SESSION_LIFETIME,
    LoginThrottled,
    Principal,
    authenticate,
    close_session,
    open_session,
)
from kechuang.accounts.steps import STEPS
from kechuang.accounts.tables import Account
from kechuang.accounts.throttle import ThrottleSettings
from kechuang.domain.text import CleanLine
from kechuang.http.fields import Instant
from kechuang.http.pagination import Page, PageParams, page, page_params
from kechuang.http.problems import ProblemError, problem_responses
from kechuang.http.security import (
    SESSION_COOKIE,
    authenticated,
    client_ip,
    db,
    load_caller,
    require,
)
from kechuang.http.steps import mount_steps

api = APIRouter(prefix="/api/v1", tags=["accounts"], responses=problem_responses(401, 422))


class LoginRequest(BaseModel):
    username: CleanLine = Field(min_length=1, max_length=64)
    password: CleanLine = Field(min_length=1, max_length=256)


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
    locked_until: Instant | None = Field(
        None, description="Set while too many failed logins keep the account locked"
    )


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


def login_settings(request: Request) -> ThrottleSettings:
    """The app's login limits (read from the environment when the app was made)."""
    settings = getattr(request.app.state, "login_throttle", None)
    return settings if isinstance(settings, ThrottleSettings) else ThrottleSettings.from_environ()


# What a refused login says, in the page's language (the API speaks English).
LOGIN_MESSAGES = {
    "failed": {"zh": "用户名或密码错误。", "en": "Wrong username or password."},
    "throttled": {
        "zh": "登录尝试次数过多，请{minutes}分钟后再试。",
        "en": "Too many login attempts; try again in {minutes} minutes.",
    },
}


def log_in(
    session: Session,
    username: str,
    password: str,
    ip: str,
    settings: ThrottleSettings,
    lang: str = "en",
) -> tuple[str, Any, Account]:
    """Check the password (throttled) and open a session; commits. The same 401 for an
    unknown name and a wrong password, the same 429 for a locked name whether it exists."""
    try:
        account = authenticate(session, username, password, ip, settings)
    except LoginThrottled as exc:
        message = LOGIN_MESSAGES["throttled"][lang].format(minutes=exc.minutes_left())
        raise ProblemError(429, message, "login-throttled") from None
    if account is None:
        raise ProblemError(401, LOGIN_MESSAGES["failed"][lang], "login-failed")
    token, row = open_session(session, account, ip)
    session.commit()
    return token, row, account


@api.post(
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
    token, row, account = log_in(
        session, body.username, body.password, client_ip(request), login_settings(request)
    )
    set_session_cookie(response, token, request)
    return SessionOut(
        token=token,
        csrf_token=row.csrf_token,
        expires_at=row.expires_at,
        username=account.username,
        role=account.role,
    )


@api.delete("/session", status_code=204, responses=problem_responses(403), summary="Log out")
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


@api.get("/me", response_model=Me, summary="Who am I")
def me(request: Request, who: Principal = Depends(authenticated)) -> Me:
    assert load_caller(request) is not None
    return Me(
        username=who.username,
        display_name=who.display_name,
        role=who.role,
        uscc=who.uscc,
        org=who.org,
    )


@api.get(
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
    locks = throttle.locked_until(session, throttle.ACCOUNT, [a.username for a in rows])
    items = [
        AccountOut(
            username=a.username,
            display_name=a.display_name,
            role=a.role,
            uscc=a.uscc,
            org=a.org,
            active=a.active,
            created_at=a.created_at,
            locked_until=locks.get(a.username),
        )
        for a in rows
    ]
    return page(request, items, total, params)


@api.get(
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


# The module's router: the session and reading routes above, and the declared steps (their API
# routes and their admin-page forms, which live outside /api/v1).
router = APIRouter()
router.include_router(api)
mount_steps(router, STEPS)
