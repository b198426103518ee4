"""Login and logout pages. The login form is protected by a double-submit CSRF cookie (there is
no session yet to hold the token); logout by the session's token like every other form."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kechuang.accounts.router import log_in, login_settings, set_session_cookie
from kechuang.accounts.service import close_session
from kechuang.http.problems import ProblemError
from kechuang.http.security import SESSION_COOKIE, client_ip, db, load_caller
from kechuang.http.templating import language, register_templates, render

router = APIRouter(include_in_schema=False)
register_templates("kechuang.accounts")
LOGIN_CSRF_COOKIE = "kc_login_csrf"


def home_of(role: str) -> str:
    return {
        "enterprise": "/me",
        "officer": "/officer/runs",
        "admin": "/officer/runs",
        "analyst": "/dashboard",
        "bank": "/finance",
        "insurer": "/finance/partner",
        "guarantor": "/finance/partner",
        "tech_transfer": "/transfer",
        "inventor": "/transfer/mine",
        "expert": "/expert",
    }.get(role, "/policies")


def _safe_next(target: str | None) -> str | None:
    # Only local paths: a crafted ?next= must not send a user to another site after login.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


def _login_page(
    request: Request, next_: str, error: str | None = None, username: str = "", status: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"login_csrf": token, "next": next_, "error": error, "username": username},
        status_code=status,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.get("/login")
def login_page(request: Request, next: str = "") -> Response:
    return _login_page(request, next)


@router.post("/login")
def login_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form(""),
    session: Session = Depends(db),
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        raise ProblemError(403, "missing or wrong CSRF token; reload the login page", "csrf")
    lang = language(request)
    try:
        token, _row, account = log_in(
            session, username, password, client_ip(request), login_settings(request), lang
        )
    except ProblemError as exc:
        return _login_page(request, next, exc.detail, username, status=exc.status)
    response = RedirectResponse(_safe_next(next) or home_of(account.role), status_code=303)
    set_session_cookie(response, token, request)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, session: Session = Depends(db)) -> Response:
    # enforce_csrf (app-wide) has checked the token already.
    token = request.cookies.get(SESSION_COOKIE)
    if token and load_caller(request) is not None:
        close_session(session, token, client_ip(request))
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
