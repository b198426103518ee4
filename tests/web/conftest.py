"""Fixtures for the web app: a migrated SQLite store with a few enterprises, a live server and
Debian's Chromium driven by Playwright (skipped with a reason where Chromium is missing)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# Cheap argon2 parameters for the many logins of these tests (set before kechuang is imported).
os.environ.setdefault("KECHUANG_PASSWORD_HASH", "fast")

import uvicorn
from sqlalchemy import Engine, insert

from kechuang.domain.uscc import check_digit
from kechuang.enterprises.tables import ImportBatch, annual_facts, enterprises
from kechuang.store.engine import make_engine
from kechuang.store.migrate import upgrade
from kechuang.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def make_uscc(serial: int) -> str:
    first_17 = f"91310115MA1{serial:06d}"
    return first_17 + check_digit(first_17)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def loaded_engine(engine: Engine) -> Engine:
    """Three enterprises in Pudong and Minhang with facts for 2023 and 2024."""
    with engine.begin() as conn:
        batch_id = conn.execute(
            insert(ImportBatch).values(
                file_name="demo.csv",
                sha256="ab" * 32,
                format="csv",
                imported_at=dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC),
                row_count=6,
                enterprise_count=3,
                years=[2023, 2024],
            )
        ).inserted_primary_key[0]
        for serial, district_code in ((1, "310115"), (2, "310115"), (3, "310112")):
            uscc = make_uscc(serial)
            conn.execute(
                insert(enterprises).values(
                    uscc=uscc,
                    name=f"上海测试{serial}科技有限公司",
                    district=district_code,
                    industry_code="M7320",
                    attributes_year=2024,
                    batch_id=batch_id,
                )
            )
            for year in (2023, 2024):
                conn.execute(
                    insert(annual_facts).values(
                        uscc=uscc, year=year, employees=10, revenue_fen=100, batch_id=batch_id
                    )
                )
    return engine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: Any, **options: Any) -> Iterator[str]:
    """app served by uvicorn on a free loopback port in a thread; yields its base URL."""
    options = {"host": "127.0.0.1", "log_level": "warning", **options, "port": _free_port()}
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{options['port']}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_server(loaded_engine: Engine) -> Iterator[str]:
    with serving(create_app(loaded_engine)) as url:
        yield url


@pytest.fixture
def browser_page(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """A Playwright page in Debian's Chromium; a screenshot is saved if the test fails."""
    if not CHROMIUM.exists():
        if os.environ.get("KECHUANG_REQUIRE_BROWSER"):
            pytest.fail("KECHUANG_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
        pytest.skip(
            "Debian's Chromium (/usr/bin/chromium) is not installed: apt-get install chromium"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page()
        yield page
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            artifacts = Path("test-artifacts")
            artifacts.mkdir(exist_ok=True)
            page.screenshot(path=str(artifacts / f"{request.node.name}.png"), full_page=True)
        browser.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


# A small world for the workflow and access tests ------------------------------------------------

PASSWORD = "pass-word-1"
USCC_A = make_uscc(11)  # eligible for first-above-scale-reward in 2024
USCC_B = make_uscc(12)  # eligible too: the "other enterprise" of the access tests
USCC_C = make_uscc(13)  # not in section M: never eligible
ACCOUNTS = {
    "officer1": ("officer", None, None),
    "officer2": ("officer", None, None),
    "ent_a": ("enterprise", USCC_A, None),
    "ent_b": ("enterprise", USCC_B, None),
    "bank1": ("bank", None, "bank-one"),
    "analyst1": ("analyst", None, None),
    "admin1": ("admin", None, None),
}


class Clock:
    """The app's workflow clock: tests move it past notice periods instead of waiting."""

    def __init__(self) -> None:
        from kechuang.screening.service import today

        self.day = today()

    def __call__(self) -> dt.date:
        return self.day

    def advance(self, days: int) -> None:
        self.day += dt.timedelta(days=days)


def build_world(engine: Engine) -> None:
    """Three enterprises (two cross the section-M threshold in 2024) and one account per role."""
    from kechuang.accounts.service import create_account
    from kechuang.store.engine import session_scope

    revenues = {
        USCC_A: (5_000_000, 12_000_000),
        USCC_B: (6_000_000, 15_000_000),
        USCC_C: (5_000_000, 50_000_000),
    }
    with engine.begin() as conn:
        batch_id = conn.execute(
            insert(ImportBatch).values(
                file_name="world.csv",
                sha256="cd" * 32,
                format="csv",
                imported_at=dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC),
                row_count=6,
                enterprise_count=3,
                years=[2023, 2024],
            )
        ).inserted_primary_key[0]
        for n, (uscc, (y2023, y2024)) in enumerate(revenues.items(), start=1):
            conn.execute(
                insert(enterprises).values(
                    uscc=uscc,
                    name=f"上海世界{n}科技有限公司",
                    district="310115" if n < 3 else "310112",
                    industry_code="M7320" if uscc != USCC_C else "C2710",
                    attributes_year=2024,
                    batch_id=batch_id,
                )
            )
            for year, revenue in ((2023, y2023), (2024, y2024)):
                conn.execute(
                    insert(annual_facts).values(
                        uscc=uscc,
                        year=year,
                        employees=30,
                        revenue_fen=revenue * 100,
                        batch_id=batch_id,
                    )
                )
    with session_scope(engine) as session:
        for username, (role, uscc, org) in ACCOUNTS.items():
            create_account(session, username, PASSWORD, role, uscc=uscc, org=org)


@pytest.fixture
def world_engine(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    build_world(engine)
    yield engine


@pytest.fixture
def world_app(world_engine: Engine) -> object:
    app = create_app(world_engine)
    app.state.clock = Clock()
    return app


@pytest.fixture
def any_app(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """The world on SQLite and on PostgreSQL (KECHUANG_TEST_POSTGRES_URL)."""
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    engine = make_engine(database_url)
    upgrade(engine)
    build_world(engine)
    app = create_app(engine)
    app.state.clock = Clock()
    yield app
    engine.dispose()


def login(client: object, username: str) -> str:
    """Log a TestClient in through the JSON API; returns the session's CSRF token."""
    response = client.post(  # type: ignore[attr-defined]
        "/api/v1/session", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["csrf_token"])


@pytest.fixture
def world_server(world_app: object) -> Iterator[str]:
    with serving(world_app) as url:
        yield url
