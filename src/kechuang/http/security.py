"""Who is calling and what they may touch: sessions, roles, CSRF and the scoping dependency.

A browser holds the session token in an HttpOnly, SameSite=Lax cookie; every POST, PUT, PATCH
and DELETE made with that cookie must carry the session's CSRF token (form field `csrf_token`
or header `X-CSRF-Token`). Other systems send the same token as `Authorization: Bearer`, which
a browser never attaches on its own, so those calls need no CSRF token.

`Scope` is the reusable guard of every query: an enterprise sees only its own USCC (anything
else is 404, so it cannot even learn what exists), a bank only rows of its own organisation.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from sqlalchemy import ColumnElement, false, true

from kechuang.accounts.service import Principal, session_principal
from kechuang.http.labels import label
from kechuang.http.problems import ProblemError

SESSION_COOKIE = "kc_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

OFFICIALS = ("officer", "admin")
READERS = ("officer", "analyst", "admin")


@dataclass(frozen=True)
class Caller:
    """The authenticated principal, how it authenticated and its session's CSRF token."""

    principal: Principal
    csrf_token: str
    via_cookie: bool


async def db(request: Request) -> AsyncIterator[Any]:
    """A SQLAlchemy session for the request, committed by the caller, closed afterwards.

    async: opening a session does no I/O (its connection is taken at the first query, in the
    route's thread), and closing it returns that connection with one rollback, as quick as the
    two hops to the thread pool that a sync dependency would cost on every request.
    """
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        session.close()


def _token(request: Request) -> tuple[str | None, bool]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None, False
    return request.cookies.get(SESSION_COOKIE), True


def load_caller(request: Request) -> Caller | None:
    """The caller of this request, or None; cached on request.state."""
    if hasattr(request.state, "caller"):
        return request.state.caller  # type: ignore[no-any-return]
    caller = None
    token, via_cookie = _token(request)
    if token:
        with request.app.state.sessionmaker() as session:
            found = session_principal(session, token)
            if found is not None:
                caller = Caller(found[0], found[1], via_cookie)
    request.state.caller = caller
    return caller


def optional_caller(request: Request) -> Caller | None:
    return load_caller(request)


async def _submitted_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def enforce_csrf(request: Request) -> None:
    """App-wide: a state-changing request that rides on the session cookie needs its token."""
    if request.method not in UNSAFE_METHODS:
        return
    caller = load_caller(request)
    if caller is None or not caller.via_cookie:
        return  # nothing ambient to abuse; the route's own auth answers 401 if it needs one
    submitted = await _submitted_csrf(request)
    if not submitted or not hmac.compare_digest(submitted, caller.csrf_token):
        raise ProblemError(
            403, "missing or wrong CSRF token", "csrf", zh="页面已过期或缺少安全令牌，请刷新后重试"
        )


def authenticated(request: Request) -> Principal:
    caller = load_caller(request)
    if caller is None:
        raise ProblemError(401, "log in first (session cookie or Bearer token)")
    return caller.principal


def require(*roles: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that lets only the given roles through (403 for the others)."""

    # async: it does no I/O, so it need not cost a hop to the thread pool on every request.
    async def dependency(who: Principal = Depends(authenticated)) -> Principal:
        if who.role not in roles:
            raise ProblemError(
                403,
                f"role {who.role} may not do this",
                zh=f"{label('role', who.role)}无权执行此操作",
            )
        return who

    dependency.__name__ = f"require_{'_'.join(roles)}"
    return dependency


@dataclass(frozen=True)
class Scope:
    """What the caller may see; every query on party-owned data goes through it."""

    who: Principal

    @property
    def sees_all_enterprises(self) -> bool:
        return self.who.role in READERS

    def enterprise(self, uscc: str) -> str:
        """uscc if the caller may see that enterprise; 404 if not (no hint that it exists)."""
        if self.sees_all_enterprises:
            return uscc
        if self.who.role == "enterprise" and self.who.uscc == uscc:
            return uscc
        raise ProblemError(404, f"no enterprise {uscc} here", zh=f"没有企业 {uscc}")

    def enterprise_filter(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        """A WHERE clause limiting a USCC column to what the caller may see."""
        if self.sees_all_enterprises:
            return true()
        if self.who.role == "enterprise" and self.who.uscc:
            return column == self.who.uscc
        return false()

    def org_filter(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        """A WHERE clause limiting an organisation column (e.g. a loan's bank) to the caller's."""
        if self.who.role in READERS:
            return true()
        if self.who.org:
            return column == self.who.org
        return false()

    def owns_org(self, org: str | None) -> None:
        """404 unless the row's organisation is the caller's (or the caller reads everything)."""
        if self.who.role in READERS or (self.who.org and self.who.org == org):
            return
        raise ProblemError(404, "not found", zh="未找到")


async def scope(who: Principal = Depends(authenticated)) -> Scope:
    return Scope(who)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""
