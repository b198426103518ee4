"""JSON request bodies nested deeper than MAX_JSON_DEPTH are refused before anything parses them.

Python's JSON decoder and the code after it recurse once per level: 100,000 nested lists end
in a RecursionError deep inside the request handling. The API's bodies nest a few levels
(an object of lists of objects), so anything deeper than MAX_JSON_DEPTH is refused with 422
problem+json naming the depth and the limit. The depth is measured without parsing and
without recursion: strings are removed (a bracket inside a string does not nest), then the
running count of opening minus closing brackets is taken over what is left.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from itertools import accumulate
from typing import Any

from starlette.requests import Request

from kechuang.web.problems import problem_response

MAX_JSON_DEPTH = 32

# A JSON string (possessive: no backtracking on hostile input), and the longest prefix made of
# complete strings and other characters: an unterminated string ends it (all of the rest is
# inside that string, so it cannot nest).
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_COMPLETE = re.compile(rb'(?:"(?:[^"\\]++|\\.)*+"|[^"]++)*+', re.DOTALL)
_BRACKETS = b"[]{}"
_OTHER_BYTES = bytes(b for b in range(256) if b not in _BRACKETS)
_STEP = [0] * 256
for _opening in b"[{":
    _STEP[_opening] = 1
for _closing in b"]}":
    _STEP[_closing] = -1

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def json_depth(body: bytes) -> int:
    """How deeply body's arrays and objects nest (0 for a scalar), whether or not it is valid."""
    match = _COMPLETE.match(body)
    complete = body[: match.end()] if match else b""
    brackets = _STRING.sub(b"", complete).translate(None, _OTHER_BYTES)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _is_json(scope: Scope) -> bool:
    """Whether FastAPI would parse this request's body as JSON (as it does without a type)."""
    if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
        return False
    for key, value in scope.get("headers", ()):
        if key == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or (
                kind.startswith(b"application/") and kind.endswith(b"+json")
            )
    return True


class JsonDepthLimit:
    """ASGI middleware: reads a JSON body, refuses it if too deep, else passes it on whole."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        depth = json_depth(body)
        if depth > MAX_JSON_DEPTH:
            detail = (
                f"the JSON body nests {depth:,} levels deep; at most {MAX_JSON_DEPTH} are allowed"
            )
            error = {"loc": ["body"], "msg": detail, "type": "json_too_deep"}
            response = problem_response(Request(scope), 422, detail, "validation", [error])
            await response(scope, receive, send)
            return
        whole = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, _replay([whole], receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that gives `messages` first, then whatever the client sends next."""

    async def replayed() -> Message:
        if messages:
            return messages.pop(0)
        return await receive()

    return replayed
