"""Logging in over HTTP: X-Forwarded-For is believed only from configured proxies (as
`kechuang serve` sets uvicorn up), a locked account answers like an unknown one, and an admin
can unlock it through the API or the accounts table of the admin page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kechuang.accounts.tables import AuditEntry
from kechuang.cli import app as cli
from kechuang.web.commands import parse_trusted_proxies, server_options
from tests.web.conftest import PASSWORD, login, serving


def failed_addresses(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEntry.ip).where(AuditEntry.action == "login.failed").order_by(AuditEntry.id)
        )
        return [ip for (ip,) in rows]


def guess(base: str, username: str, forwarded_for: str, password: str = "wrong-guess") -> Any:
    return httpx.post(
        f"{base}/api/v1/session",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
        timeout=30,
    )


def test_serve_ignores_x_forwarded_for_by_default(world_app: Any, world_engine: Engine) -> None:
    with serving(world_app, **server_options(quiet=True)) as base:
        statuses = [guess(base, "officer1", f"203.0.113.{n}").status_code for n in range(6)]
        last = guess(base, "officer1", "198.51.100.1", PASSWORD)
    assert statuses == [401] * 5 + [429]
    assert last.status_code == 429
    assert set(failed_addresses(world_engine)) == {"127.0.0.1"}


def test_serve_believes_x_forwarded_for_from_a_configured_proxy_only(
    world_app: Any, world_engine: Engine
) -> None:
    options = server_options(quiet=True, trusted_proxies=["127.0.0.1"])
    with serving(world_app, **options) as base:
        statuses = [guess(base, "officer1", f"203.0.113.{n}").status_code for n in range(6)]
    # Each guess is recorded against the client the proxy named, and the account's own limit
    # still holds across those clients.
    assert statuses == [401] * 5 + [429]
    assert failed_addresses(world_engine) == [f"203.0.113.{n}" for n in range(6)]


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert parse_trusted_proxies(" 10.0.0.1, 192.168.0.0/16 ,") == ["10.0.0.1", "192.168.0.0/16"]
    for bad in ("*", "proxy.local", "10.0.0.300"):
        with pytest.raises(ValueError, match="not an IP address or network"):
            parse_trusted_proxies(bad)
    assert server_options()["proxy_headers"] is False


def test_serve_refuses_a_wildcard_proxy_or_a_bad_limit_before_listening(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("KECHUANG_TRUSTED_PROXIES", "*")
    result = runner.invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2 and "'*' is not an IP address" in result.output
    monkeypatch.delenv("KECHUANG_TRUSTED_PROXIES")
    monkeypatch.setenv("KECHUANG_LOGIN_LOCKOUT_MINUTES", "forever")
    result = runner.invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2 and "KECHUANG_LOGIN_LOCKOUT_MINUTES" in result.output


def test_unknown_and_locked_names_get_the_same_answers_as_known_ones(world_app: Any) -> None:
    client = TestClient(world_app)

    def answers(username: str) -> list[tuple[int, str]]:
        out = []
        for _ in range(6):
            r = client.post("/api/v1/session", json={"username": username, "password": "nope"})
            out.append((r.status_code, r.json()["detail"]))
        return out

    assert answers("officer1") == answers("no-such-user")
    assert answers("officer1")[-1][0] == 429


def lock(client: TestClient, username: str) -> None:
    for _ in range(6):
        client.post("/api/v1/session", json={"username": username, "password": "nope"})


def test_an_admin_unlocks_through_the_api_and_others_may_not(world_app: Any) -> None:
    lock(TestClient(world_app), "officer2")
    admin = TestClient(world_app)
    csrf = login(admin, "admin1")
    listed = admin.get("/api/v1/accounts", params={"limit": 100}).json()["items"]
    locked = {a["username"]: a["locked_until"] for a in listed}
    assert locked["officer2"] is not None and locked["officer1"] is None
    officer = TestClient(world_app)
    officer_csrf = login(officer, "officer1")
    refused = officer.post(
        "/api/v1/accounts/officer2/unlock", headers={"X-CSRF-Token": officer_csrf}
    )
    assert refused.status_code == 403
    unknown = admin.post("/api/v1/accounts/ghost/unlock", headers={"X-CSRF-Token": csrf})
    assert unknown.status_code == 404
    done = admin.post("/api/v1/accounts/officer2/unlock", headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200 and done.json() == {"username": "officer2", "was_locked": True}
    login(TestClient(world_app), "officer2")
    audit = admin.get("/api/v1/audit", params={"limit": 100}).json()["items"]
    assert any(e["action"] == "account.unlock" and e["actor"] == "admin1" for e in audit)


def test_the_admin_page_shows_the_lock_and_its_unlock_button_works(world_app: Any) -> None:
    lock(TestClient(world_app), "ent_b")
    admin = TestClient(world_app)
    csrf = login(admin, "admin1")
    page = admin.get("/admin/audit").text
    assert page.count('<h2 id="accounts">') == 1 and page.count("<form") == 2  # and log out
    assert page.count('data-username="ent_b"') == 1 and page.count("登录失败过多") == 1
    assert 'data-username="ent_a"' not in page and page.count("正常") == 6
    assert "Locked by failed logins" in admin.get("/admin/audit?lang=en").text
    done = admin.post("/admin/accounts/ent_b/unlock", data={"csrf_token": csrf})
    assert done.status_code == 200  # followed the redirect back to the page
    assert "Unlocked: ent_b" in done.text and 'data-username="ent_b"' not in done.text
    login(TestClient(world_app), "ent_b")


def test_the_login_page_speaks_english_when_asked(world_app: Any) -> None:
    client = TestClient(world_app)
    for _ in range(6):
        token = client.get("/login?lang=en").text.split('name="csrf_token" value="')[1]
        response = client.post(
            "/login",
            data={"username": "bank1", "password": "nope", "csrf_token": token.split('"')[0]},
        )
    assert response.status_code == 429
    assert "Too many login attempts; try again in 15 minutes." in response.text


@pytest.mark.browser
def test_an_admin_unlocks_an_account_in_the_browser(
    world_server: str, world_engine: Engine, browser_page: Any
) -> None:
    for _ in range(6):
        guess(world_server, "officer2", "203.0.113.9")
    page = browser_page
    page.goto(world_server + "/login")
    page.fill("#username", "admin1")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.goto(world_server + "/admin/audit")
    page.click('button.unlock[data-username="officer2"]')
    page.wait_for_selector("#flash")
    assert "已解锁" in page.inner_text("#flash")
    assert page.locator('button.unlock[data-username="officer2"]').count() == 0
    assert guess(world_server, "officer2", "", PASSWORD).status_code == 201
