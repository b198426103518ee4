"""The enterprise home page and its my-policies API, kept rendered per session while nothing
they show has changed.

A warm request for `/enterprises/{uscc}` or `/api/v1/enterprises/{uscc}/policies` costs the
framework's routing, dependencies, a hop to the thread pool, the verdicts' models and the
page's template: most of its time. This ASGI middleware keeps the body the app answered, keyed
by everything the answer is computed from on the request's side (the session token's hash and
how it came, path, query, language cookie, host), and beside it the *validity*: everything it
is computed from in the store, read again on every request on one connection:

- the session's account and CSRF token (a logout, an expiry or a deactivated account changes
  it, and the request goes through the app, which answers 401);
- the enterprise row, its years with facts and the data snapshot (an import changes it);
- the published pack's hash (a publication changes it), as the verdict cache keys its rows;
- for the page, the enterprise's awards in published runs (a run's publication, an award's
  state or confirmed account) and today's date.

An answer is served from the cache only when the validity read now equals the stored one, so
nobody ever gets a body rendered for another session, language or state of the store; any
difference sends the request through the app, and its answer replaces the entry. The validity
is read before the app runs, so a change that lands while the app renders can only make the
entry look stale, never fresh. Only 200 answers without Set-Cookie are kept.

On SQLite the validity queries run in the event loop: they are local, indexed and take tens
of microseconds, less than the hop to a thread. Other stores are reached over the network, so
there the queries go to the thread pool.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kechuang.accounts.service import live_session_row, token_hash
from kechuang.enterprises import facts
from kechuang.http.i18n import LANG_COOKIE
from kechuang.http.security import SESSION_COOKIE
from kechuang.policies.source import pack_on
from kechuang.screening import verdict_cache
from kechuang.screening.awards import award_rows
from kechuang.screening.service import today

# The two answers measured under load (bench/web.py); a USCC is 18 characters of its alphabet.
_ROUTES = (
    ("page", re.compile(r"/enterprises/([0-9A-HJ-NPQRTUWXY]{18})")),
    ("api", re.compile(r"/api/v1/enterprises/([0-9A-HJ-NPQRTUWXY]{18})/policies")),
)
ENTRIES = 4096  # per process; a page is ~13 kB, so at most ~50 MB


@dataclass(frozen=True)
class Entry:
    validity: tuple[Any, ...]
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def _route(path: str) -> tuple[str, str] | None:
    for kind, pattern in _ROUTES:
        match = pattern.fullmatch(path)
        if match:
            return kind, match.group(1)
    return None


def _token(headers: Headers, cookies: dict[str, str]) -> tuple[str | None, bool]:
    """The session token as http.security reads it: Bearer first, else the cookie."""
    header = headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None, False
    return cookies.get(SESSION_COOKIE), True


def validity(
    conn: Connection, kind: str, uscc: str, token_sha256: str, day: dt.date
) -> tuple[Any, ...] | None:
    """Everything in the store the answer of `kind` for `uscc` depends on, as comparable
    tuples; None when the session is not live or the enterprise unknown (the app answers
    those requests itself). `day` is the business day (the workflow clock)."""
    who = live_session_row(conn, token_sha256)
    if who is None:
        return None
    state = facts.page_state(conn, uscc)
    if state is None:
        return None  # the app's 404 is not kept
    found: tuple[Any, ...] = (
        tuple(who),
        tuple(state.row),
        tuple(state.years),
        state.data_version,
        verdict_cache.pack_hash(pack_on(conn)),
    )
    if kind == "page":
        found += (tuple(tuple(r) for r in award_rows(conn, uscc)), day)
    return found


class EnterprisePageCache:
    """ASGI middleware serving the two answers from the cache when still valid (see above)."""

    def __init__(self, app: ASGIApp, engine: Engine, entries: int = ENTRIES) -> None:
        self.app = app
        self.engine = engine
        self.entries = entries
        self.inline = engine.url.get_backend_name() == "sqlite"
        self._cache: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()

    def _validity(
        self, kind: str, uscc: str, token_sha256: str, day: dt.date
    ) -> tuple[Any, ...] | None:
        try:
            with self.engine.connect() as conn:
                return validity(conn, kind, uscc, token_sha256, day)
        except SQLAlchemyError:  # a store not created yet, or busy: the app answers
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = _route(scope["path"]) if scope["type"] == "http" else None
        if route is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = cookie_parser(headers.get("cookie", ""))
        token, via_cookie = _token(headers, cookies)
        if not token:
            await self.app(scope, receive, send)
            return
        kind, uscc = route
        digest = token_hash(token)
        key = (
            kind,
            scope["method"],
            digest,
            via_cookie,
            scope.get("scheme"),
            scope.get("root_path", ""),
            scope["path"],
            scope.get("query_string", b""),
            headers.get("host"),
            cookies.get(LANG_COOKIE),
        )
        # The business day as the pages read it (a test's app may move its clock).
        clock = getattr(getattr(scope.get("app"), "state", None), "clock", None)
        day = clock() if clock is not None else today()
        if self.inline:
            now = self._validity(kind, uscc, digest, day)
        else:
            now = await run_in_threadpool(self._validity, kind, uscc, digest, day)
        if now is None:
            self._cache.pop(key, None)
            await self.app(scope, receive, send)
            return
        hit = self._cache.get(key)
        if hit is not None and hit.validity == now:
            self._cache.move_to_end(key)
            # A copy: the middlewares outside this one add their headers to the list they get.
            await send(
                {"type": "http.response.start", "status": hit.status, "headers": list(hit.headers)}
            )
            await send({"type": "http.response.body", "body": hit.body})
            return
        await self._through(scope, receive, send, key, now)

    async def _through(
        self, scope: Scope, receive: Receive, send: Send, key: tuple[Any, ...], now: tuple[Any, ...]
    ) -> None:
        """Let the app answer, keeping a copy of a 200 without cookies."""
        start: Message = {}
        chunks: list[bytes] = []
        keep = True

        async def capture(message: Message) -> None:
            nonlocal start, keep
            if message["type"] == "http.response.start":
                start = message
                keep = message["status"] == 200 and all(
                    name.lower() != b"set-cookie" for name, _ in message.get("headers", [])
                )
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._store(
                        key, Entry(now, start["status"], list(start["headers"]), b"".join(chunks))
                    )
            await send(message)

        await self.app(scope, receive, capture)

    def _store(self, key: tuple[Any, ...], entry: Entry) -> None:
        self._cache[key] = entry
        self._cache.move_to_end(key)
        while len(self._cache) > self.entries:
            self._cache.popitem(last=False)
