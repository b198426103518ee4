"""Stored XSS and the back button, in Debian's Chromium.

Park and enterprise names that try to leave an HTML attribute or a script block are imported
through the real importer (import_panel) into a world with every kind of record (cultivation,
biomedicine, payments, loans, transfer results). Then every kind of page is opened as the role
that sees it, each chart is hovered, and the walk must end with no dialog, no page error and no
Content-Security-Policy violation (which an injected handler or inline script would cause).
The annual report file is opened from disk the same way. Last, after logging out, the back
button must not show the officer's page.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import uvicorn
from sqlalchemy import Engine

from kechuang.accounts.service import create_account
from kechuang.cultivation.demo import load_demo as load_cultivation
from kechuang.cultivation.service import panel
from kechuang.demo.pillars import seed_pillars
from kechuang.enterprises.generator import write_panel
from kechuang.enterprises.importer import import_panel
from kechuang.stats.biomed_demo import load_demo as load_biomed
from kechuang.stats.report import build_html
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade
from kechuang.web.app import create_app
from tests.web.conftest import PASSWORD, _free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Each would run script if it reached the page unescaped: out of data-option='…' on hover, out
# of a <script> block at once, or through an element's error handler.
PARK_ATTRIBUTE = "P' onmouseover='alert(1)' x='"
PARK_SCRIPT = "</script><script>alert(2)</script>"
NAME_ELEMENT = "<img src=x onerror=alert(3)>科技有限公司"
ROLES = {"officer-x": "officer", "analyst-x": "analyst", "admin-x": "admin"}

# Sets window.__csp in every document before its own scripts run (DevTools injects it, so the
# page's policy does not apply to it).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
});
"""


@dataclass
class World:
    engine: Engine
    base: str
    enterprise: str  # the USCC of the enterprise account, whose park is hostile
    root: Path


def _hostile(source: Path, target: Path) -> str:
    """Copy the generated panel with hostile parks and names; the USCC of one such enterprise."""
    table = pq.read_table(source)
    usccs = table.column("uscc").to_pylist()
    order = {u: i for i, u in enumerate(sorted(set(usccs)))}
    columns = {c: table.column(c).to_pylist() for c in ("park", "name", "listed_board")}
    for row, uscc in enumerate(usccs):
        kind = order[uscc] % 3
        if kind < 2:  # two thirds: the two parks lead every breakdown by park
            columns["park"][row] = (PARK_ATTRIBUTE, PARK_SCRIPT)[kind]
        if order[uscc] % 5 == 0:
            columns["name"][row] = NAME_ELEMENT
        if order[uscc] % 4 == 0:  # listed: the report charts listed companies by park
            columns["listed_board"][row] = "科创板"
    for name, values in columns.items():
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pa.array(values, table.schema.field(index).type))
    pq.write_table(table, target)
    return min(u for u in order if order[u] % 3 == 0 and order[u] % 5 == 0)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("hostile-world")
    url = f"sqlite:///{root / 'world.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KECHUANG_VAR_DIR", str(root / "var"))
        patch.setenv("KECHUANG_DATABASE_URL", url)
        patch.setenv("KECHUANG_PASSWORD_HASH", "fast")
        engine = make_engine(url)
        upgrade(engine)
        write_panel(root / "generated.parquet", 300, (2022, 2023, 2024), seed=7)
        enterprise = _hostile(root / "generated.parquet", root / "hostile.parquet")
        import_panel(root / "hostile.parquet", engine)  # the real import path
        snapshot = panel(engine)
        load_cultivation(engine, snapshot, seed=7)
        load_biomed(engine, snapshot, seed=7)
        seed_pillars(engine, seed=7, loans=20, results=4)
        with make_sessionmaker(engine)() as session:
            for username, role in ROLES.items():
                create_account(session, username, PASSWORD, role)
            create_account(session, "ent-x", PASSWORD, "enterprise", uscc=enterprise)
            session.commit()
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        yield World(engine, f"http://127.0.0.1:{port}", enterprise, root)
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@dataclass
class Watch:
    """What a walk saw that it must not: dialogs, page errors, CSP violations."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)

    def context(self, browser: Any) -> Any:
        context = browser.new_context()
        context.add_init_script(RECORD_VIOLATIONS)
        context.on("page", self.page)
        return context

    def page(self, page: Any) -> None:
        def dialog(d: Any) -> None:
            self.dialogs.append(f"{page.url}: {d.message}")
            d.dismiss()

        page.on("dialog", dialog)
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        page.on(
            "console",
            lambda m: (
                "Content Security Policy" in m.text
                and self.violations.append(f"{page.url}: {m.text}")
            ),
        )

    def wait(self, page: Any, condition: str, failure: str) -> None:
        """Wait for `condition`; if it never holds, note `failure` and go on with the walk."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            page.wait_for_function(condition, timeout=30_000)
        except PlaywrightTimeout:
            self.errors.append(f"{page.url}: {failure}")

    def settle(self, page: Any) -> None:
        """Wait for the charts, hover each of them and collect the page's violations."""
        page.wait_for_load_state("load")
        self.wait(
            page,
            "document.querySelectorAll('.chart').length === "
            "document.querySelectorAll('.chart[data-drawn]').length",
            "a chart is not drawn",
        )
        charts = page.locator(".chart")
        for i in range(charts.count()):
            charts.nth(i).scroll_into_view_if_needed()
            charts.nth(i).hover()
            page.wait_for_timeout(150)
        self.violations += [f"{page.url}: {v}" for v in page.evaluate("window.__csp || []")]
        self.visited.append(page.url)

    def visit(self, page: Any, url: str, status: int = 200) -> None:
        response = page.goto(url)
        assert response is not None and response.status == status, (url, response)
        self.settle(page)

    def assert_clean(self) -> None:
        assert not self.dialogs, self.dialogs
        assert not self.violations, self.violations
        assert not self.errors, self.errors


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()


def first_id(page: Any, base: str, path: str) -> int:
    response = page.request.get(f"{base}{path}?limit=1")
    assert response.ok, (path, response.status)
    return int(response.json()["items"][0]["id"])


def test_hostile_names_run_nowhere_and_no_page_breaks_the_policy(
    world: World, browser_page: Any
) -> None:
    base, watch = world.base, Watch()
    browser = browser_page.context.browser

    anonymous = watch.context(browser).new_page()
    for path in ("/", "/login"):
        watch.visit(anonymous, base + path)

    officer = watch.context(browser).new_page()
    log_in(officer, base, "officer-x")
    watch.settle(officer)
    # A run started from the page: its job page polls with htmx, then the run page.
    # (Another policy than the seeded run's, so that it is no repeat of a live run.)
    officer.select_option("#run-policy", "above-scale-2019")
    officer.select_option("#run-year", "2024")
    officer.click("#start-run-submit")
    officer.wait_for_url("**/officer/jobs/*", timeout=30_000)
    watch.settle(officer)
    officer.wait_for_url("**/officer/runs/*", timeout=90_000)
    watch.settle(officer)
    run_id = first_id(officer, base, "/api/v1/runs")
    for path in (
        f"/officer/runs/{run_id}",
        "/policies",
        "/policies/first-above-scale-reward",
        "/dashboard?dimension=park",
        "/dashboard?dimension=district",
        "/finance",
        "/finance/loans",
        f"/finance/loans/{first_id(officer, base, '/api/v1/finance/loans')}",
        "/transfer",
        f"/transfer/results/{first_id(officer, base, '/api/v1/transfer/results')}",
        "/transfer/demands",
        f"/transfer/demands/{first_id(officer, base, '/api/v1/transfer/demands')}",
        "/transfer/indicators",
        f"/enterprises/{world.enterprise}",
        f"/enterprises/{world.enterprise}/benefits",
    ):
        watch.visit(officer, base + path)
    watch.visit(officer, base + "/enterprises/91310000XXXXXXXXXX", status=404)
    # The what-if figure arrives by an htmx swap.
    watch.visit(officer, base + "/officer/whatif")
    officer.click("#whatif-submit")
    officer.wait_for_selector("#whatif-result [data-chart][data-drawn]", timeout=60_000)
    watch.settle(officer)

    analyst = watch.context(browser).new_page()
    log_in(analyst, base, "analyst-x")
    for path in (
        "/indicators",
        "/indicators/enterprises?dimension=park",
        "/indicators/revenue",
        "/cultivation",
        "/report",
    ):
        watch.visit(analyst, base + path)
    # The breakdown by park shows the parks exactly as imported, as text.
    analyst.goto(base + "/indicators/enterprises?dimension=park")
    breakdown = analyst.inner_text("#breakdown")
    assert PARK_ATTRIBUTE in breakdown and PARK_SCRIPT in breakdown

    admin = watch.context(browser).new_page()
    log_in(admin, base, "admin-x")
    watch.visit(admin, base + "/admin/audit")

    enterprise = watch.context(browser).new_page()
    log_in(enterprise, base, "ent-x")
    watch.settle(enterprise)
    for path in ("/me/benefits", "/finance/loans", "/transfer/demands"):
        watch.visit(enterprise, base + path)

    # The annual report as a file (`kechuang report --out`), opened from disk.
    report = world.root / "report.html"
    report.write_text(build_html(world.engine, 2024), encoding="utf-8")
    reader = watch.context(browser).new_page()
    reader.goto(report.as_uri())
    watch.wait(reader, "window.kechuangChartsReady === true", "the report's charts are not drawn")
    watch.settle(reader)

    watch.assert_clean()
    assert len(watch.visited) >= 30
    # The report's chart of listed companies by park has the names, unchanged, in its data and
    # labels its bars with them, as text.
    blocks = reader.eval_on_selector_all(
        'script[type="application/json"]', "nodes => nodes.map(n => n.textContent)"
    )
    data = json.dumps([json.loads(b) for b in blocks], ensure_ascii=False)
    assert json.dumps(PARK_ATTRIBUTE)[1:-1] in data and json.dumps(PARK_SCRIPT)[1:-1] in data
    shown = reader.inner_text("body")
    assert PARK_ATTRIBUTE in shown and PARK_SCRIPT in shown


def test_the_back_button_after_logout_shows_no_signed_in_page(
    world_server: str, browser_page: Any
) -> None:
    page = browser_page
    log_in(page, world_server, "officer1")
    page.goto(world_server + "/officer/runs")
    assert page.locator("#who").count() == 1 and page.locator("#start-run").count() == 1
    page.click("header .user form button[type=submit]")
    page.wait_for_url("**/login")
    page.go_back()
    page.wait_for_load_state()
    # The browser asks the server again (no-store), which sends it to the login page.
    assert "/login" in page.url
    assert page.locator("#who").count() == 0 and page.locator("#start-run").count() == 0
