"""政策订阅 on the web: an enterprise saves its subscription on its notices page; when a policy
it meets is published, the email (to a real local SMTP server, aiosmtpd) links to its own
explanation, where it reads the reasons and the gap; a visitor subscribes by email and confirms
by the link; bad topics get a message naming them; another enterprise cannot open the link."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.notices import delivery, matching, subscriptions
from kechuang.notices.channels import LoggingSms, SmtpSender
from kechuang.notices.settings import RetryPolicy, SmtpSettings
from kechuang.notices.tables import Delivery, Subscription
from tests.notices.conftest import Inbox, SmtpServer, free_port
from tests.web.conftest import USCC_A, login

POLICY = "first-above-scale-reward"
BASE = "http://testserver"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port(), Inbox())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def publish_policy(app: Any, smtp: SmtpServer) -> list[tuple[list[str], Any]]:
    """The pack without the reward, then with it (the reward is published); what was sent."""
    with Session(app.state.engine) as session:
        policies = matching.current_policies(dt.date.today().year)

        def verdict_of(uscc: str, policy: Any) -> Any:
            return matching.verdict_on_facts(session.connection(), uscc, policy)

        before = [p for p in policies if p.id != POLICY]
        subscriptions.announce_policies(session, before, verdict_of, BASE)
        subscriptions.announce_policies(session, policies, verdict_of, BASE)
        settings = SmtpSettings("127.0.0.1", smtp.port, "none")
        delivery.deliver_due(session, SmtpSender(settings), LoggingSms(), RetryPolicy())
    return smtp.inbox.received


def test_subscribed_enterprise_follows_the_email_to_its_reasons(
    world_app: Any, smtp: SmtpServer
) -> None:
    ent = TestClient(world_app)
    csrf = login(ent, "ent_a")
    saved = ent.post(
        "/me/subscription",
        data={"csrf_token": csrf, "email": "cfo@a.example.cn", "own_eligibility": "1"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    page = ent.get(saved.headers["location"] + "&lang=zh").text
    assert "订阅已保存" in page and 'value="cfo@a.example.cn"' in page

    # Before publishing the pack once, nobody subscribed could be told anything.
    received = publish_policy(world_app, smtp)
    [(to, message)] = received
    assert to == ["cfo@a.example.cn"]
    body = message.get_content()
    link = re.search(r"查看详情：(\S+)", body)
    assert link is not None
    url = link.group(1).removeprefix(BASE)
    assert url == f"/enterprises/{USCC_A}/policies/{POLICY}?year=2024"
    explanation = ent.get(url + "&lang=zh").text
    assert "评价年度营业收入达到1000万元及以上" in explanation  # the reason, with its clause
    assert "国统字〔2019〕101号" in explanation

    other = TestClient(world_app)
    login(other, "ent_b")
    assert other.get(url).status_code == 404


def test_visitor_subscribes_and_confirms(world_app: Any) -> None:
    visitor = TestClient(world_app)
    sent = visitor.post(
        "/subscribe?lang=zh", data={"email": "watcher@example.cn", "industries": "M, I65"}
    )
    assert sent.status_code == 200 and "已发送确认邮件" in sent.text
    with Session(world_app.state.engine) as session:
        sub = session.scalars(select(Subscription)).one()
        assert not sub.active and sub.industries == ["I65", "M"]
        confirm = session.scalars(select(Delivery).where(Delivery.subscription_id == sub.id)).one()
        assert confirm.event_key == "confirm" and sub.token in confirm.body
        token = sub.token
    assert "确认订阅" in visitor.get(f"/subscriptions/{token}/confirm?lang=zh").text
    done = visitor.post(f"/subscriptions/{token}/confirm")
    assert "订阅已生效" in done.text
    assert "已退订" in visitor.post(f"/subscriptions/{token}/cancel").text
    assert visitor.get("/subscriptions/not-a-token/confirm").status_code == 404


def test_bad_topics_get_a_message(world_app: Any) -> None:
    visitor = TestClient(world_app)
    refused = visitor.post(
        "/subscribe?lang=zh", data={"email": "watcher@example.cn", "districts": "999999"}
    )
    assert refused.status_code == 422
    assert "不是上海市的区代码" in refused.text
    with Session(world_app.state.engine) as session:
        assert session.scalars(select(Subscription)).all() == []
