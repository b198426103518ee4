"""The HTTP adapter: a declared step becomes an API route, a form route and page buttons that
agree with the CLI on bounds and audit rows, and refusals map to one status each."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("KECHUANG_PASSWORD_HASH", "fast")

import pytest
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kechuang.accounts.tables import AuditEntry
from kechuang.http import refusals
from kechuang.http.security import load_caller
from kechuang.http.steps import mount_steps, offered_steps
from kechuang.http.templating import _templates
from kechuang.store.engine import make_sessionmaker
from kechuang.web.app import create_app
from tests.workflow.test_steps import CLOSE, FINISH, OPEN, TICKET, Ticket, engine  # noqa: F401

# A page showing a ticket's buttons through the shared macro, as a feature's page would.
PROBE = _templates.env.from_string(
    '{% import "_steps.html" as steps with context %}'
    '<main>{{ steps.buttons("ticket", ticket) }}</main>'
)
PAGE_TICKET = TICKET.__class__(**{**TICKET.__dict__, "page_path": "/tickets/{ticket_id}"})
PAGE_CLOSE = CLOSE.__class__(**{**CLOSE.__dict__, "subject": PAGE_TICKET})
PAGE_FINISH = FINISH.__class__(**{**FINISH.__dict__, "subject": PAGE_TICKET})


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:  # noqa: F811
    app = create_app(engine)
    app.state.clock = lambda: dt.date(2026, 3, 2)
    router = APIRouter()
    mount_steps(router, [PAGE_CLOSE, PAGE_FINISH, OPEN])

    @router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
    def page(request: Request, ticket_id: int) -> Any:
        caller = load_caller(request)
        with make_sessionmaker(engine)() as session:
            return PROBE.render(
                ticket=session.get(Ticket, ticket_id),
                me=caller.principal if caller else None,
                csrf=caller.csrf_token if caller else "",
                lang="zh",
            )

    app.include_router(router)
    refusals.install(app)
    with TestClient(app) as client:
        yield client


def _login(client: TestClient, username: str) -> str:
    client.cookies.clear()  # a Bearer login, not riding on an earlier session cookie
    response = client.post(
        "/api/v1/session", json={"username": username, "password": _password(username)}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def _password(username: str) -> str:
    return "a long enough pass 1" if username == "officer1" else "a long enough pass 2"


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {_login(client, username)}"}


def test_api_route_takes_the_step_and_audits(client: TestClient, engine: Engine) -> None:  # noqa: F811
    response = client.post(
        "/api/v1/tickets/1/close",
        json={"note": "api", "days": 3},
        headers=_bearer(client, "officer1"),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"step": "ticket.close", "subject": "1"}
    with make_sessionmaker(engine)() as session:
        row = session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.close")).one()
        assert row.after == {"input": {"note": "api", "days": 3}, "state": "closed"}


def test_api_bounds_are_the_models(client: TestClient) -> None:
    headers = _bearer(client, "officer1")
    response = client.post(
        "/api/v1/tickets/1/close", json={"note": "x", "days": 500}, headers=headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    # strict JSON types: a string is not a number
    response = client.post(
        "/api/v1/tickets/1/close", json={"note": "x", "days": "5"}, headers=headers
    )
    assert response.status_code == 422


def test_refusals_map_to_one_status_each(client: TestClient) -> None:
    officer = _bearer(client, "officer1")
    assert client.post("/api/v1/tickets/1/finish", headers=officer).status_code == 409
    assert client.post("/api/v1/tickets/99/finish", headers=officer).status_code == 404
    enterprise = _bearer(client, "ent1")
    response = client.post("/api/v1/tickets/1/close", json={"note": "x"}, headers=enterprise)
    assert response.status_code == 403
    assert response.json()["type"].endswith("/forbidden")


def test_unauthenticated_is_401(client: TestClient) -> None:
    assert client.post("/api/v1/tickets/1/close", json={"note": "x"}).status_code == 401


def test_collection_step_answers_201(client: TestClient) -> None:
    response = client.post(
        "/api/v1/tickets", json={"owner": "x"}, headers=_bearer(client, "officer1")
    )
    assert response.status_code == 201, response.text
    assert response.json()["subject"] == "2"


def _cookie_login(client: TestClient, username: str) -> str:
    """A session cookie as a browser holds it (the API login sets it); returns the CSRF token."""
    client.cookies.clear()
    response = client.post(
        "/api/v1/session", json={"username": username, "password": _password(username)}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["csrf_token"])


def test_form_shows_allowed_buttons_and_posts_with_the_same_model(
    client: TestClient,
    engine: Engine,  # noqa: F811
) -> None:
    csrf = _cookie_login(client, "officer1")
    page = client.get("/tickets/1").text
    assert 'action="/tickets/1/close"' in page and "/finish" not in page
    assert 'max="60"' in page and 'min="1"' in page
    bad = client.post(
        "/tickets/1/close", data={"csrf_token": csrf, "note": "x", "days": "500"},
        follow_redirects=False,
    )  # fmt: skip
    assert bad.status_code == 422 and "days" in bad.text
    good = client.post(
        "/tickets/1/close", data={"csrf_token": csrf, "note": "form", "days": "4"},
        follow_redirects=False,
    )  # fmt: skip
    assert good.status_code == 303
    assert good.headers["location"] == "/tickets/1?done=ticket.close"
    page = client.get("/tickets/1").text
    assert "/close" not in page and 'action="/tickets/1/finish"' in page
    with make_sessionmaker(engine)() as session:
        row = session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.close")).one()
        assert row.after == {"input": {"note": "form", "days": 4}, "state": "closed"}


def test_form_refusal_is_an_error_page_not_a_redirect(client: TestClient) -> None:
    csrf = _cookie_login(client, "officer1")
    response = client.post("/tickets/1/finish", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 409
    assert "text/html" in response.headers["content-type"]


def test_no_buttons_for_a_role_the_steps_do_not_allow(engine: Engine) -> None:  # noqa: F811
    with make_sessionmaker(engine)() as session:
        ticket = session.get(Ticket, 1)
        assert offered_steps("ticket", ticket, "analyst", "zh") == []
        assert offered_steps("ticket", ticket, None, "zh") == []
