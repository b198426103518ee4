"""Request bodies above the limit (kechuang.http.limits): 413 before parsing or authentication.

Against the real app: by Content-Length (answered without the body being sent at all), by the
streamed size of a chunked body (over a raw socket, as an outside client sends it), on the API
as problem+json and on pages as an error page in the page's language; a larger limit applies
only to the paths given it.
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kechuang.http.limits import DEFAULT_LIMIT, BodyLimit
from kechuang.http.problems import PROBLEM_MEDIA_TYPE
from tests.web.conftest import serving

MIB = 1024 * 1024


def _raw(base: str, head: str, chunks: list[bytes] = ()) -> tuple[int, str]:  # type: ignore[assignment]
    """Send a request as raw bytes; the status and the whole answer."""
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(head.encode())
        for chunk in chunks:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    text = answer.decode("utf-8", "replace")
    return int(text.split(" ", 2)[1]), text


def _counting_sessions(app: Any) -> list[int]:
    """Count the database sessions the app opens (a session lookup is authentication work)."""
    opened: list[int] = []
    maker = app.state.sessionmaker

    def counted() -> Any:
        opened.append(1)
        return maker()

    app.state.sessionmaker = counted
    return opened


def test_a_declared_100_mb_body_is_refused_before_it_is_sent(world_app: Any) -> None:
    opened = _counting_sessions(world_app)
    with serving(world_app) as base:
        status, answer = _raw(
            base,
            "POST /api/v1/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {100 * MIB}\r\n\r\n",
        )
    assert status == 413, answer
    assert PROBLEM_MEDIA_TYPE in answer and "larger than the limit of 1 MiB" in answer
    assert opened == []  # no session was looked up: 413, not 401


def test_a_chunked_body_is_refused_once_it_passes_the_limit(world_app: Any) -> None:
    opened = _counting_sessions(world_app)
    # 16 chunks of 64 KiB + 1 byte: just past 1 MiB, with no terminating chunk.
    chunks = [b"[" + b"0," * (32 * 1024)] * (DEFAULT_LIMIT // (64 * 1024))
    with serving(world_app) as base:
        status, answer = _raw(
            base,
            "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n",
            chunks,
        )
    assert status == 413, answer
    assert '"status":413' in answer and "/api/v1/session" in answer
    assert opened == []


def test_a_page_form_above_the_limit_gets_an_error_page_in_its_language(world_app: Any) -> None:
    client = TestClient(world_app)
    body = {"username": "officer1", "password": "x" * (DEFAULT_LIMIT + 1)}
    zh = client.post("/login", data=body)
    assert zh.status_code == 413 and "text/html" in zh.headers["content-type"]
    assert "请求内容超过 1 MiB 的上限" in zh.text
    en = client.post("/login?lang=en", data=body)
    assert en.status_code == 413 and "larger than the limit of 1 MiB" in en.text


def test_bodies_within_the_limit_reach_the_route(world_app: Any) -> None:
    client = TestClient(world_app)
    response = client.post(
        "/api/v1/session", json={"username": "officer1", "password": "y" * (DEFAULT_LIMIT // 2)}
    )
    # Parsed and validated: the password is too long to be one.
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "password"]]


def _echo_app(larger: list[tuple[str, int]]) -> BodyLimit:
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"bytes": len(await request.body())})

    routes = [Route(path, echo, methods=["POST"]) for path in ("/upload/panel", "/notes")]
    return BodyLimit(Starlette(routes=routes), default=MIB, larger=larger)


def test_a_larger_limit_applies_only_to_its_paths() -> None:
    client = TestClient(_echo_app([(r"/upload/.+", 4 * MIB)]))
    three = b"x" * (3 * MIB)
    assert client.post("/upload/panel", content=three).json() == {"bytes": 3 * MIB}
    assert client.post("/upload/panel", content=three + three).status_code == 413
    assert client.post("/notes", content=three).status_code == 413
    assert client.post("/notes", content=b"x" * MIB).json() == {"bytes": MIB}
