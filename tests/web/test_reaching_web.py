"""Reaching enterprises through the web, on SQLite and PostgreSQL: the inbox holds the notices
of each step; near-simultaneous objections make one objection; the enterprise follows it to its
decision; another enterprise sees none of it; pages in Chinese show no raw fraction and no
English sentence."""

from __future__ import annotations

import re
import threading
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import USCC_A, USCC_B, login
from tests.web.test_workflow_api import start_run

RAW_FRACTION = re.compile(r"\b\d+/\d+\b")
# Words a zh page may carry in Latin letters: the brand, codes and the language switch.
LATIN_OK = {"Kechuang", "English", "API", "USCC"}


def visible_text(html: str) -> str:
    """The page's text without tags (attributes such as the exact-value hover are not text)."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def english_words(text: str) -> set[str]:
    words = set(re.findall(r"\b[A-Za-z]{5,}\b", text))
    return {w for w in words if w not in LATIN_OK}


def test_objection_once_decided_and_told(any_app: Any) -> None:
    officer, officer2 = TestClient(any_app), TestClient(any_app)
    csrf_o, csrf_o2 = login(officer, "officer1"), login(officer2, "officer2")
    run_id = start_run(officer, csrf_o)
    published = officer.post(
        f"/api/v1/runs/{run_id}/publish", json={"notice_days": 5}, headers={"X-CSRF-Token": csrf_o}
    )
    assert published.status_code == 200, published.text

    # The enterprise's inbox has the publication notice, in zh and in en.
    ent = TestClient(any_app)
    csrf_e = login(ent, "ent_a")
    inbox = ent.get("/api/v1/inbox").json()
    assert inbox["total"] == 1 and inbox["unread"] == 1
    [notice] = inbox["items"]
    assert notice["kind"] == "publication" and "拟获奖励¥200,000.00" in notice["text"]
    english = ent.get("/api/v1/inbox", params={"lang": "en"}).json()["items"][0]["text"]
    assert "proposed award ¥200,000.00" in english
    page = ent.get(f"/inbox/{notice['id']}", params={"lang": "zh"})
    assert page.status_code == 200 and "拟获奖励¥200,000.00" in page.text
    assert ent.get("/api/v1/inbox").json()["unread"] == 0

    # Two submissions of one objection at (nearly) the same moment make one objection.
    award_id = ent.get(f"/api/v1/enterprises/{USCC_A}/awards").json()["items"][0]["id"]
    clients = [TestClient(any_app) for _ in range(2)]
    tokens = [login(c, "ent_a") for c in clients]
    barrier = threading.Barrier(2)
    answers: list[Any] = [None, None]

    def submit(i: int) -> None:
        barrier.wait()
        answers[i] = clients[i].post(
            f"/api/v1/enterprises/{USCC_A}/awards/{award_id}/objections",
            json={"reason": "拟奖励金额与申报口径不一致"},
            headers={"X-CSRF-Token": tokens[i]},
        )

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    # The same reason with other white space is the same submission too.
    again = ent.post(
        f"/api/v1/enterprises/{USCC_A}/awards/{award_id}/objections",
        json={"reason": "  拟奖励金额与申报口径不一致 "},
        headers={"X-CSRF-Token": csrf_e},
    )
    assert again.json()["id"] == answers[0].json()["id"]
    filed = ent.get(f"/api/v1/enterprises/{USCC_A}/objections").json()
    assert len(filed) == 1 and filed[0]["status"] == "filed"
    assert len(officer.get(f"/api/v1/runs/{run_id}/objections").json()["items"]) == 1

    decided = officer2.post(
        f"/api/v1/objections/{filed[0]['id']}/decision",
        json={"decision": "rejected", "reason": "经核查，金额按政策标准计算无误"},
        headers={"X-CSRF-Token": csrf_o2},
    )
    assert decided.status_code == 200, decided.text
    [status] = ent.get(f"/api/v1/enterprises/{USCC_A}/objections").json()
    assert status["status"] == "rejected"
    assert status["decision_reason"] == "经核查，金额按政策标准计算无误"
    assert status["effect_zh"] == "异议不成立：公示名单不变"
    page = ent.get(f"/enterprises/{USCC_A}/objections")
    assert "异议不成立" in page.text and "经核查，金额按政策标准计算无误" in page.text
    kinds = [i["kind"] for i in ent.get("/api/v1/inbox").json()["items"]]
    assert kinds == ["objection_decided", "objection_received", "publication"]

    # Enterprise B sees none of A's messages or objections.
    other = TestClient(any_app)
    login(other, "ent_b")
    assert other.get(f"/inbox/{notice['id']}").status_code == 404
    assert other.get(f"/api/v1/enterprises/{USCC_A}/objections").status_code == 404
    assert other.get(f"/enterprises/{USCC_A}/objections").status_code == 404
    assert all(USCC_A not in i["text"] for i in other.get("/api/v1/inbox").json()["items"])
    assert other.get(f"/api/v1/enterprises/{USCC_B}/objections").json() == []


def test_zh_pages_show_no_raw_fraction_or_english(any_app: Any) -> None:
    ent = TestClient(any_app)
    login(ent, "ent_a")
    pages = [f"/enterprises/{USCC_A}", f"/enterprises/{USCC_A}/benefits", "/inbox"]
    policies = ent.get(f"/api/v1/enterprises/{USCC_A}/policies", params={"limit": 100}).json()
    pages += [
        f"/enterprises/{USCC_A}/policies/{p['policy_id']}?year={p['year']}"
        for p in policies["items"]
    ]
    assert len(pages) > 5
    for path in pages:
        response = ent.get(path + ("&" if "?" in path else "?") + "lang=zh")
        assert response.status_code == 200, path
        text = visible_text(response.text)
        assert not RAW_FRACTION.findall(text), (path, RAW_FRACTION.findall(text)[:5])
        assert not english_words(text), (path, sorted(english_words(text))[:10])


def test_application_policies_say_how_to_apply(any_app: Any) -> None:
    ent = TestClient(any_app)
    login(ent, "ent_a")
    page = ent.get(f"/enterprises/{USCC_A}?lang=zh").text
    assert 'id="apply-hnte-2016"' in page
    block = page[page.index('id="apply-hnte-2016"') :].split("</div>")[0]
    assert "申报类政策：需企业主动申报" in block
    assert "预检结果" in block and "申报渠道：按科技部 财政部 国家税务总局" in block
    assert 'href="https://www.most.gov.cn/"' in block
    # The platform's own application form (issue 17) is linked, and the link lands somewhere.
    assert 'href="/applications/new?policy=hnte-2016"' in block
    landed = ent.get("/applications/new?policy=hnte-2016", follow_redirects=False)
    assert landed.status_code == 303
    assert landed.headers["location"].startswith("/applications")
    assert ent.get(landed.headers["location"]).status_code == 200
    # An automatic (免申即享) policy has no application block.
    assert 'id="apply-first-above-scale-reward"' not in page


def test_enterprise_chooses_its_channels_on_the_page(any_app: Any) -> None:
    ent = TestClient(any_app)
    csrf = login(ent, "ent_a")
    saved = ent.post(
        "/me/notices",
        data={"csrf_token": csrf, "email": "cfo@a.example.cn", "email_on": "1", "phone": ""},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    channels = ent.get(f"/api/v1/enterprises/{USCC_A}/notice-channels").json()
    assert channels == {"email": "cfo@a.example.cn", "phone": None, "email_on": True,
                        "sms_on": False}  # fmt: skip
    bad = ent.post(
        "/me/notices?lang=zh",
        data={"csrf_token": csrf, "email": "", "phone": "12345", "sms_on": "1"},
    )
    assert bad.status_code == 422 and "手机号码格式不正确" in bad.text
    unchanged = ent.get(f"/api/v1/enterprises/{USCC_A}/notice-channels").json()
    assert unchanged == channels
    # Another enterprise neither reads nor sets A's channels.
    other = TestClient(any_app)
    csrf_b = login(other, "ent_b")
    assert other.get(f"/api/v1/enterprises/{USCC_A}/notice-channels").status_code == 404
    put = other.put(
        f"/api/v1/enterprises/{USCC_A}/notice-channels",
        json={"email": "thief@example.cn", "email_on": True},
        headers={"X-CSRF-Token": csrf_b},
    )
    assert put.status_code == 404


def test_officers_see_dead_letters_and_queue_them_again(any_app: Any) -> None:
    import datetime as dt

    from sqlalchemy.orm import Session

    from kechuang.notices import subscriptions
    from kechuang.notices.tables import Delivery

    now = dt.datetime.now(dt.UTC)
    with Session(any_app.state.engine) as session:
        sub = subscriptions.subscribe(
            session, "gone@example.cn", subscriptions.clean_topics([], ["M"], [], False)
        )
        dead = Delivery(subscription_id=sub.id, event_key="confirm", channel="email",
                        address="gone@example.cn", subject="s", body="b", state="dead",
                        attempts=5, next_attempt_at=now, created_at=now,
                        last_error="SMTPRecipientsRefused: 550 no such user")  # fmt: skip
        session.add(dead)
        session.commit()
        dead_id = dead.id
    officer = TestClient(any_app)
    csrf = login(officer, "officer1")
    page = officer.get("/officer/notices?lang=zh").text
    assert "gone@example.cn" in page and "550 no such user" in page
    assert officer.get("/api/v1/notices/dead-letters").json()[0]["id"] == dead_id
    again = officer.post(f"/officer/notices/{dead_id}/retry", data={"csrf_token": csrf})
    assert again.status_code == 200 and "已重新排队发送" in again.text
    assert officer.get("/api/v1/notices/dead-letters").json() == []
    ent = TestClient(any_app)
    csrf_e = login(ent, "ent_a")
    assert ent.get("/officer/notices").status_code == 403
    assert (
        ent.post(f"/officer/notices/{dead_id}/retry", data={"csrf_token": csrf_e}).status_code
        == 403
    )


def test_a_new_policy_it_qualifies_for_reaches_the_enterprise_inbox(any_app: Any) -> None:
    """Without any subscription: the reward appears, enterprise A meets it on its stored facts
    and finds the message in its inbox with the reasons and the way to its explanation."""
    from kechuang.notices import matching, qualify
    from kechuang.store.engine import make_sessionmaker

    engine = any_app.state.engine
    policies = matching.current_policies(2025)
    with make_sessionmaker(engine)() as session:
        screen, verdicts = qualify.screen_store(engine), qualify.verdict_in_store
        before = [p for p in policies if p.id != "first-above-scale-reward"]
        qualify.tell_qualified(session, before, screen, verdicts(session.connection()), "")
        told = qualify.tell_qualified(session, policies, screen, verdicts(session.connection()), "")
    assert told >= 2  # A and B (both eligible in 2024)
    ent_a, ent_b = TestClient(any_app), TestClient(any_app)
    login(ent_a, "ent_a"), login(ent_b, "ent_b")
    inbox_page = ent_a.get("/inbox?lang=zh").text
    assert "您可能符合的新政策" in inbox_page
    message_id = re.search(r'href="/inbox/(\d+)"><strong>您可能符合的新政策', inbox_page)
    assert message_id is not None
    message = ent_a.get(f"/inbox/{message_id.group(1)}?lang=zh").text
    assert "《科技服务业企业首次升规奖励》" in message and "¥200,000.00" in message
    assert f'href="/enterprises/{USCC_A}" id="message-next"' in message
    assert "Newly published" in ent_a.get(f"/inbox/{message_id.group(1)}?lang=en").text
    assert ent_b.get(f"/inbox/{message_id.group(1)}").status_code == 404  # not B's message
