"""A ceiling on request bodies, enforced before anything parses a body or looks up the caller.

The outermost middleware of the app: a request whose Content-Length is above the limit is
answered 413 at once, without reading a byte of it; a body sent without a length (chunked) is
counted as it arrives and refused as soon as it passes the limit, whatever the route had begun
(what the route would have answered is dropped). The API gets problem+json, pages an error
page in their language. Every route takes small JSON or form bodies; a route that takes files
gets its own, larger limit by path (`larger`), so no other route inherits it.

FastAPI's own `max_body_size` counts the same bytes, but answers text/plain (not a problem),
and a route that never reads its body (most actions take none) runs, authentication included,
before its answer is swapped for the 413; hence this middleware.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_LIMIT = 1024 * 1024


class _TooLarge(Exception):
    """Raised into the route when the streamed body passes the limit."""


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit} bytes"


class BodyLimit:
    """ASGI middleware: 413 for a body above `default` bytes (or the limit of a `larger` path)."""

    def __init__(
        self,
        app: ASGIApp,
        default: int = DEFAULT_LIMIT,
        larger: Sequence[tuple[str, int]] = (),
    ) -> None:
        self.app = app
        self.default = default
        # (path regex, limit): the first full match wins.
        self.larger = [(re.compile(pattern), limit) for pattern, limit in larger]

    def limit_of(self, path: str) -> int:
        for pattern, limit in self.larger:
            if pattern.fullmatch(path):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send, limit)
            return

        received = 0
        exceeded = False
        started = False

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the route's answer to a body it never saw whole
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except* _TooLarge:
            # Raised by `counted` unless the route caught it; in a group when it crossed a
            # middleware's task group (BaseHTTPMiddleware).
            pass
        if exceeded and not started:
            await _refuse(scope, receive, send, limit)


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    from kechuang.http.problems import is_api, problem_response
    from kechuang.http.templating import language

    request = Request(scope, receive)
    # No session lookup for a refused request: the error page is rendered as for a stranger.
    request.state.caller = None
    zh = language(request) == "zh"
    detail = (
        f"请求内容超过 {_size(limit)} 的上限"
        if zh and not is_api(request)
        else f"the request body is larger than the limit of {_size(limit)}"
    )
    response = problem_response(request, 413, detail, "body-too-large")
    response.headers["Connection"] = "close"
    await response(scope, receive, send)
