"""The transfer pages and forms (issue 20, part 3): each new page answers its owner and is a 404
(or 403) for every other party; a form posted by another party changes nothing; and no page
shows a raw status, kind or district code, in Chinese or in English.

The world is the access tests' (tests.web.test_access): fudan's office registered a result, a
赋权 case, a licence to enterprise A with an income; A posted a demand and a challenge that
fudan's office answered. Tongji's office (tto_other), enterprise B and a bank are the others.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from kechuang.accounts.service import create_account
from kechuang.store.engine import session_scope
from kechuang.transfer.tables import Deal
from tests.web.conftest import PASSWORD, USCC_A
from tests.web.test_access import World, world  # noqa: F401 - the shared world fixture

# Page -> who owns what it shows (may read it), the others being refused.
PAGES = {
    "/transfer": ("tto_a",),
    "/transfer/results/{result_id}": ("tto_a",),
    "/transfer/empowerments/{case_id}": ("tto_a",),
    "/transfer/deals/{deal_id}": ("tto_a", "ent_a"),
    # An open demand is posted for every tech-transfer office to answer.
    "/transfer/demands/{demand_id}": ("ent_a", "tto_a", "tto_other"),
    # An open challenge is public to everyone signed in (揭榜挂帅 is an open call).
    "/transfer/challenges/{challenge_id}": (
        "ent_a",
        "tto_a",
        "ent_b",
        "tto_other",
        "bank1",
        "inventor_b",
    ),
    "/transfer/listing/{result_id}": (
        "tto_a",
        "ent_a",
        "ent_b",
        "tto_other",
        "bank1",
        "inventor_b",
    ),
    "/transfer/mine": ("inventor_a",),
}
OTHERS = ("ent_b", "tto_other", "bank1", "inventor_b")
SCOPED = {"/transfer", "/transfer/mine"}  # the caller's own register, its own results
TITLE = "一种用于肺结节CT影像的深度学习辅助诊断方法"
# Codes that must never reach a reader: states, kinds and districts as stored. In English the
# codes that are also words (a licence, registered) are checked in their stored lower case.
CODES = (
    r"under_review|equity_investment|own_implementation|co_ownership|long_term_use|"
    r"software_copyright|know_how|tech_transfer|operating_profit|31011[0-9]|3101[0-9]{2}"
)
WORDS = r"disclosed|empowered|requested|registered|licence|upfront|evaluating|awarded"
RAW = {"zh": re.compile(rf"\b({CODES}|{WORDS})\b"), "en": re.compile(rf"\b({CODES})\b")}


@pytest.fixture(scope="module")
def inventors(world: World) -> World:  # noqa: F811
    """An inventor of fudan's result (张伟, in the register) and one of another institution."""
    engine = world.app.state.engine
    with session_scope(engine) as session:
        create_account(session, "inventor_a", PASSWORD, "inventor", org="fudan",
                       display_name="张伟")  # fmt: skip
        create_account(session, "inventor_b", PASSWORD, "inventor", org="tongji",
                       display_name="张伟")  # fmt: skip
        create_account(session, "inventor_c", PASSWORD, "inventor", org="fudan",
                       display_name="王芳")  # fmt: skip
    linked = world.client("tto_a").post(
        f"/api/v1/transfer/results/{world.ids['result_id']}/inventor-account",
        json={"inventor": "张伟", "account": "inventor_a"},
    )
    assert linked.status_code == 200, linked.text
    return world


@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_page_answers_its_owners_and_refuses_the_others(inventors: World, path: str) -> None:
    url = path.format(**inventors.ids)
    for username in PAGES[path]:
        page = inventors.client(username).get(url)
        assert page.status_code == 200, (username, url, page.text[:300])
    for username in OTHERS:
        if username in PAGES[path]:
            continue
        page = inventors.client(username).get(url)
        if path in SCOPED and page.status_code == 200:  # a list of one's own: nothing of fudan's
            assert TITLE not in page.text, (username, url)
            continue
        assert page.status_code in (403, 404), (username, url, page.status_code)


def test_the_inventor_sees_their_own_payouts_only(inventors: World) -> None:
    mine = inventors.client("inventor_a").get("/transfer/mine").text
    assert TITLE in mine
    other = inventors.client("inventor_b").get("/transfer/mine").text
    assert "肺结节" not in other  # same name, another institution: nothing of fudan's


def test_an_unlinked_inventor_of_the_same_institution_sees_nothing(inventors: World) -> None:
    page = inventors.client("inventor_c").get("/transfer/mine")
    assert page.status_code == 200
    assert "肺结节" not in page.text and "登记簿中没有您的成果" in page.text


@pytest.mark.parametrize(
    ("username", "body", "status"),
    [
        # Another institution's office cannot see the result at all.
        ("tto_other", {"inventor": "王芳", "account": "inventor_c"}, 404),
        # Nor can an enterprise or an inventor take the office's step.
        ("ent_a", {"inventor": "王芳", "account": "inventor_c"}, 403),
        ("inventor_c", {"inventor": "王芳", "account": "inventor_c"}, 403),
        # An account of another institution is not one the office may link.
        ("tto_a", {"inventor": "王芳", "account": "inventor_b"}, 422),
        # One account is one inventor record.
        ("tto_a", {"inventor": "王芳", "account": "inventor_a"}, 422),
        ("tto_a", {"inventor": "无此人", "account": "inventor_c"}, 422),
    ],
)
def test_linking_an_inventor_account_is_the_office_s_own_step(
    inventors: World, username: str, body: dict[str, str], status: int
) -> None:
    from kechuang.transfer.tables import Inventor

    engine = inventors.app.state.engine
    answer = inventors.client(username).post(
        f"/api/v1/transfer/results/{inventors.ids['result_id']}/inventor-account", json=body
    )
    assert answer.status_code == status, answer.text
    with session_scope(engine) as session:
        linked = session.scalars(select(Inventor.name).where(Inventor.account_id.is_not(None)))
        assert list(linked) == ["张伟"]


def test_a_refused_link_is_told_in_the_page_s_language(inventors: World) -> None:
    url = f"/api/v1/transfer/results/{inventors.ids['result_id']}/inventor-account"
    body = {"inventor": "王芳", "account": "inventor_b"}
    client = inventors.client("tto_a")
    assert "本机构没有成果完成人账户" in client.post(url, json=body).json()["detail"]
    english = client.post(url, json=body, params={"lang": "en"}).json()["detail"]
    assert "no inventor account" in english


def test_an_income_page_sends_the_office_to_its_deal(inventors: World) -> None:
    ids = inventors.ids
    answer = inventors.client("tto_a").get(
        f"/transfer/incomes/{ids['income_id']}", follow_redirects=False
    )
    assert answer.status_code == 303
    assert (
        answer.headers["location"] == f"/transfer/deals/{ids['deal_id']}#income-{ids['income_id']}"
    )
    for username in ("ent_a", "tto_other"):
        refused = inventors.client(username).get(f"/transfer/incomes/{ids['income_id']}")
        assert refused.status_code == 404


@pytest.mark.parametrize("username", ["tto_other", "ent_b", "bank1"])
def test_a_form_from_another_party_changes_nothing(inventors: World, username: str) -> None:
    engine = inventors.app.state.engine
    client = inventors.client(username)
    token = client.headers["X-CSRF-Token"]
    with session_scope(engine) as session:
        before = session.scalar(select(func.count()).select_from(Deal))
    answer = client.post(
        f"/transfer/results/{inventors.ids['result_id']}/deals",
        data={"csrf_token": token, "kind": "licence", "counterparty_name": "X",
              "contract_amount_minor": "100", "signed_on": "2024-07-01"},
    )  # fmt: skip
    assert answer.status_code in (403, 404)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Deal)) == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_shows_a_raw_code(inventors: World, lang: str) -> None:
    visible = re.compile(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", re.S)
    for path, owners in PAGES.items():
        page = inventors.client(owners[0]).get(path.format(**inventors.ids), params={"lang": lang})
        text = visible.sub(" ", page.text)
        found = [text[max(0, m.start() - 60) : m.end() + 20] for m in RAW[lang].finditer(text)]
        assert not found, (path, lang, found)


def _select(html: str, name: str) -> str:
    found = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert found, name
    return found.group(1)


def test_the_link_form_offers_only_the_office_s_own_inventor_accounts(inventors: World) -> None:
    page = inventors.client("tto_a").get(f"/transfer/results/{inventors.ids['result_id']}").text
    options = _select(page, "account")
    assert "张伟 (inventor_a)" in options and "王芳 (inventor_c)" in options
    assert "inventor_b" not in options  # tongji's inventor is not fudan's to link


def test_an_officer_picks_a_pilot_unit_by_name_among_the_offices(inventors: World) -> None:
    page = inventors.client("officer1").get("/transfer").text
    options = _select(page, "institution")
    assert '<option value="fudan">复旦大学</option>' in options
    assert '<option value="tongji">同济大学</option>' in options
    assert "icbc-sh" not in options  # offices only, not a bank


def test_a_deal_s_counterparty_is_suggested_among_the_platform_s_enterprises(
    inventors: World,
) -> None:
    page = inventors.client("tto_a").get(f"/transfer/results/{inventors.ids['result_id']}").text
    suggestions = re.search(r'<datalist id="pick-counterparty_uscc">(.*?)</datalist>', page, re.S)
    assert suggestions and f'value="{USCC_A}"' in suggestions.group(1)
    assert 'name="counterparty_uscc" list="pick-counterparty_uscc"' in page


@pytest.mark.parametrize(
    ("username", "path", "zh", "en"),
    [
        ("ent_b", "/transfer/indicators", "指标仅供", "indicators are for offices"),
        ("tto_other", "/transfer/results/{result_id}", "未找到", "no result"),
        ("tto_other", "/transfer/deals/{deal_id}", "未找到", "no deal"),
        ("ent_a", "/transfer/mine", "仅供成果完成人本人", "an inventor's own"),
    ],
)
def test_a_refusal_is_told_in_the_page_s_language(
    inventors: World, username: str, path: str, zh: str, en: str
) -> None:
    client = inventors.client(username)
    url = path.format(**inventors.ids)
    chinese = client.get(url)
    assert chinese.status_code in (403, 404) and zh in chinese.text and en not in chinese.text
    english = client.get(url, params={"lang": "en"})
    assert en in english.text.replace("&#39;", "'") and zh not in english.text
