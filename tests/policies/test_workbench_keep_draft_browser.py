"""Nothing typed in the workbench is lost on a closed tab, and concurrent edits stay detected
(Debian's Chromium): a section form's typing is kept in the browser until the server confirms
the save, restored under a notice when the page is opened again, refused on save when another
officer saved in between (naming them), and never shown to another user of the same browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from kechuang.policies import service
from kechuang.store.engine import make_sessionmaker
from kechuang.web.app import create_app
from tests.policies.workbench_helpers import REWARD
from tests.web.conftest import (  # noqa: F401 - fixtures
    Clock,
    browser_page,
    engine,
    serving,
    world_engine,
)
from tests.web.test_browser_e2e import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TITLE = "#form-metadata input[name=title_zh]"
RESTORED = "#form-metadata .draft-restored"


@pytest.fixture
def draft(world_engine: Engine) -> Iterator[tuple[str, int, Engine]]:  # noqa: F811
    with make_sessionmaker(world_engine)() as session:
        service.seed(session)
        version_id = service.create_draft(session, "officer1", REWARD).id
        session.commit()
    app = create_app(world_engine)
    app.state.clock = Clock()
    with serving(app) as url:
        yield url, version_id, world_engine


def _title_of(store: Engine, version_id: int) -> str:
    with make_sessionmaker(store)() as session:
        return str(service.parse(service.get(session, version_id)).title.zh)


def test_typing_survives_a_closed_tab_and_a_stale_save_names_who_saved(
    draft: tuple[str, int, Engine],
    browser_page: Any,  # noqa: F811
) -> None:
    base, version_id, store = draft
    url = f"{base}/officer/policies/versions/{version_id}?tab=form"
    context = browser_page.context.browser.new_context()  # one browser profile, many tabs
    log_in(context.new_page(), base, "officer1")

    tab = context.new_page()
    tab.goto(url)
    assert tab.locator(RESTORED).count() == 0
    tab.fill(TITLE, "城市成长奖励（修订稿）")
    tab.close()  # closed without saving

    # Meanwhile officer2 saves a change of the same draft.
    with make_sessionmaker(store)() as session:
        row = service.get(session, version_id)
        service.edit(session, "officer2", row, REWARD + "\n# checked by officer2\n", row.revision)
        session.commit()

    tab = context.new_page()
    tab.goto(url)
    tab.locator(RESTORED).wait_for()
    assert tab.input_value(TITLE) == "城市成长奖励（修订稿）"
    tab.click("#save-metadata")  # started from the revision before officer2's
    tab.wait_for_load_state()
    assert "officer2" in tab.content()
    assert _title_of(store, version_id) != "城市成长奖励（修订稿）"  # nothing changed

    # The refused text is still there when the officer comes back; they discard it and type it
    # again on the current revision, and that save goes through and leaves nothing behind.
    tab.goto(url)
    tab.locator(RESTORED).wait_for()
    tab.click(f"{RESTORED} button")
    tab.wait_for_load_state()
    assert tab.locator(RESTORED).count() == 0
    tab.fill(TITLE, "城市成长奖励（修订稿）")
    tab.click("#save-metadata")
    tab.wait_for_url("**done=policy-version.section**")
    assert _title_of(store, version_id) == "城市成长奖励（修订稿）"
    tab.goto(url)
    assert tab.locator(RESTORED).count() == 0

    # Unsaved typing is kept per user: officer2 signing in on this browser does not see it.
    tab.fill(TITLE, "officer1 的未保存修改")
    tab.close()
    context.clear_cookies()
    other = context.new_page()
    log_in(other, base, "officer2")
    other.goto(url)
    assert other.locator(RESTORED).count() == 0
    assert other.input_value(TITLE) == "城市成长奖励（修订稿）"


def test_the_version_page_fits_a_phone_on_both_tabs(
    draft: tuple[str, int, Engine],
    browser_page: Any,  # noqa: F811
) -> None:
    base, version_id, _ = draft
    log_in(browser_page, base, "officer1")
    browser_page.set_viewport_size({"width": 390, "height": 844})
    widths = {}
    for tab in ("yaml", "form"):
        for lang in ("en", "zh"):
            browser_page.goto(
                f"{base}/officer/policies/versions/{version_id}?tab={tab}&lang={lang}"
            )
            widths[tab, lang] = browser_page.evaluate("document.scrollingElement.scrollWidth")
    assert all(width <= 390 for width in widths.values()), widths
