"""The rendered enterprise page and my-policies answer kept per session (screening.page_cache),
on SQLite and PostgreSQL: a warm request is answered without rendering, but never with a body
rendered for another session, enterprise or language, and never after the store changed what
the answer shows (an import, a publication, a logout)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from kechuang.accounts import service as accounts
from kechuang.screening import eligibility, verdict_cache
from kechuang.web.app import create_app
from tests.policies.workbench_helpers import session_of
from tests.web.cache_helpers import import_larger_figures, populated, publish_reward

YEAR = 2024
PASSWORD = "page-cache-pw-1"


@pytest.fixture
def store(store_env: str, tmp_path: Path) -> Iterator[Engine]:
    """A seeded store of 12 generated enterprises (2023-2024), two of them with an account."""
    engine = populated(store_env, tmp_path / "panel.csv", 12, seed=5)
    with session_of(engine) as session:
        for n, uscc in enumerate(_usccs(engine)):
            accounts.create_account(
                session, username=f"ent{n}", password=PASSWORD, role="enterprise",
                uscc=uscc, actor="test",
            )  # fmt: skip
        accounts.create_account(
            session, username="officer-pc", password=PASSWORD, role="officer", actor="test"
        )
        session.commit()
    yield engine
    verdict_cache.flush()
    engine.dispose()


def _usccs(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        query = text("SELECT DISTINCT uscc FROM annual_facts WHERE year = :y ORDER BY uscc")
        return list(conn.scalars(query, {"y": YEAR}))[:2]


def _page(uscc: str) -> str:
    return f"/enterprises/{uscc}"


def _api(uscc: str) -> str:
    return f"/api/v1/enterprises/{uscc}/policies?limit=100"


class Renders:
    """Counts the answers the routes computed: each assesses the enterprise once, and a request
    answered from the cache reaches no route."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.computed = 0
        assess = eligibility.assess

        def counted(*args: Any, **kwargs: Any) -> eligibility.Assessment:
            self.computed += 1
            return assess(*args, **kwargs)

        monkeypatch.setattr(eligibility, "assess", counted)


def _login(client: TestClient, username: str) -> str:
    client.cookies.clear()  # a session cookie would make the login need its CSRF token
    answer = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 201 or answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def test_each_session_gets_its_own_enterprise_and_language(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = _usccs(store)
    renders = Renders(monkeypatch)
    with TestClient(create_app(store)) as client:
        tokens = {one: _login(client, "ent0"), two: _login(client, "ent1")}
        bodies: dict[tuple[str, str, str], str] = {}
        for _ in range(2):  # computed, then (when the cache answers) from the cache
            for uscc, token in tokens.items():
                for lang in ("zh", "en"):
                    client.cookies.clear()
                    client.cookies.set("kc_session", token)
                    client.cookies.set("kc_lang", lang)
                    for url in (_page(uscc), _api(uscc)):
                        answer = client.get(url)
                        assert answer.status_code == 200, answer.text
                        assert answer.headers["cache-control"] == "no-store"
                        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
                        key = (uscc, lang, url)
                        bodies.setdefault(key, answer.text)
                        assert answer.text == bodies[key]
        # Four page bodies and two API bodies computed; the second round came from the cache.
        assert renders.computed == 8
        for lang in ("zh", "en"):
            assert bodies[(one, lang, _page(one))] != bodies[(two, lang, _page(two))]
            assert one in bodies[(one, lang, _page(one))]
            assert two not in bodies[(one, lang, _page(one))]
            assert one not in bodies[(two, lang, _api(two))]
        assert bodies[(one, "zh", _page(one))] != bodies[(one, "en", _page(one))]
        assert 'lang="en"' in bodies[(one, "en", _page(one))]
        assert 'lang="zh-CN"' in bodies[(one, "zh", _page(one))]

        # Another enterprise's cached page is no door to it: still 404, as before any cache.
        client.cookies.clear()
        client.cookies.set("kc_session", tokens[two])
        assert client.get(_page(one)).status_code == 404
        assert client.get(_api(one)).status_code == 404
        # An officer's view of the same enterprise is the officer's own (menus, CSRF token).
        client.cookies.clear()
        client.cookies.set("kc_session", _login(client, "officer-pc"))
        client.cookies.set("kc_lang", "zh")
        seen = client.get(_page(one))
        assert seen.status_code == 200
        assert seen.text != bodies[(one, "zh", _page(one))]
        assert renders.computed == 9


def test_a_logout_is_not_answered_from_the_cache(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, _ = _usccs(store)
    with TestClient(create_app(store)) as client:
        token = _login(client, "ent0")
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(2):
            assert client.get(_api(one), headers=headers).status_code == 200
            page = client.get(_page(one), headers=headers)
            assert page.status_code == 200 and 'id="enterprise-name"' in page.text
        assert client.delete("/api/v1/session", headers=headers).status_code in (200, 204)
        assert client.get(_api(one), headers=headers).status_code == 401
        # The page answers as to a visitor who never logged in (the login form), not cached.
        client.cookies.clear()
        after = client.get(_page(one), headers=headers)
        assert after.status_code == 200 and "<title>登录" in after.text
        assert 'id="enterprise-name"' not in after.text


def test_an_import_or_a_publication_is_never_answered_from_the_old_body(
    store: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    one, _ = _usccs(store)
    renders = Renders(monkeypatch)
    with TestClient(create_app(store)) as client:
        headers = {"Authorization": f"Bearer {_login(client, 'ent0')}"}

        def answers() -> tuple[str, str]:
            page, api = (
                client.get(_page(one), headers=headers),
                client.get(_api(one), headers=headers),
            )
            assert page.status_code == api.status_code == 200
            return page.text, api.text

        before = answers()
        assert answers() == before and renders.computed == 2  # the second pair: cached

        # The same enterprise again, its 2024 revenue and R&D spending ten times larger.
        import_larger_figures(store, tmp_path / "panel.csv", one, YEAR)
        imported = answers()
        assert renders.computed == 4
        assert imported[1] != before[1]
        assert answers() == imported and renders.computed == 4

        # A publication: the new policy is on the page and in the API at once.
        publish_reward(store, YEAR)
        published = answers()
        assert renders.computed == 6
        assert "city-growth-reward" in published[1] and "city-growth-reward" not in imported[1]
        assert published[0] != imported[0]
