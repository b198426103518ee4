"""政策订阅, on SQLite and PostgreSQL, delivered to a real local SMTP server (aiosmtpd): when a
policy appears in the pack, an enterprise subscribed to its own eligibility is told that it
meets it, with the reasons (clauses) and a link to its explanation; a visitor subscribed to
section M hears of it, one subscribed to section C does not; each is told once; a visitor's
subscription waits for the address to confirm it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.notices import delivery, matching, subscriptions
from kechuang.notices.channels import LoggingSms, SmtpSender
from kechuang.notices.settings import RetryPolicy, SmtpSettings
from kechuang.notices.tables import Delivery
from kechuang.workflow.errors import Invalid
from tests.enterprises.panels import uscc_for
from tests.notices.conftest import SmtpServer
from tests.screening.population import eligible_usccs

BASE = "https://kc.example.gov.cn"
NOW = dt.datetime(2025, 9, 26, 10, 0, tzinfo=dt.UTC)
POLICY = "first-above-scale-reward"


def test_a_new_policy_reaches_its_subscribers_once(session: Session, smtp: SmtpServer) -> None:
    policies = matching.current_policies(2025)
    before = [p for p in policies if p.id != POLICY]
    assert len(before) == len(policies) - 1

    def verdict_of(uscc: str, policy: object) -> object:
        return matching.verdict_on_facts(session.connection(), uscc, policy)  # type: ignore[arg-type]

    # The first pass records the pack as it is and tells nobody.
    assert subscriptions.announce_policies(session, before, verdict_of, BASE, NOW) == 0

    enterprise = eligible_usccs()[0]
    own = subscriptions.subscribe(
        session, "cfo@first.example.cn", subscriptions.clean_topics([], [], [], True), enterprise
    )
    science = subscriptions.subscribe(
        session, "watcher@example.cn", subscriptions.clean_topics([], ["M"], [], False)
    )
    factories = subscriptions.subscribe(
        session, "maker@example.cn", subscriptions.clean_topics([], ["C"], [], False)
    )
    unconfirmed = subscriptions.subscribe(
        session, "late@example.cn", subscriptions.clean_topics([], ["M"], [], False)
    )
    subscriptions.confirm(session, science.token)
    subscriptions.confirm(session, factories.token)
    session.commit()
    assert own.active and not unconfirmed.active

    # The reward appears in the pack: one email for each matching, active subscriber.
    assert subscriptions.announce_policies(session, policies, verdict_of, BASE, NOW) == 2
    assert subscriptions.announce_policies(session, policies, verdict_of, BASE, NOW) == 0
    smtp.start()
    settings = SmtpSettings("127.0.0.1", smtp.port, "none", sender="noreply@kc.example.gov.cn")
    report = delivery.deliver_due(
        session, SmtpSender(settings), LoggingSms(), RetryPolicy(), NOW + dt.timedelta(seconds=1)
    )
    assert report.sent == 2
    received = {to[0]: message for to, message in smtp.inbox.received}
    assert set(received) == {"cfo@first.example.cn", "watcher@example.cn"}

    mine = received["cfo@first.example.cn"]
    assert mine["Subject"].startswith("【科创】新政策：科技服务业企业首次升规奖励")
    body = mine.get_content()
    assert "按现有数据，您符合该政策（2024年度数据，金额¥200,000.00）" in body
    assert "✓ 评价年度营业收入达到1000万元及以上〔国统字〔2019〕101号（“及以上”含本数）〕" in body
    assert "On the data held, you meet this policy (2024 data, amount ¥200,000.00)" in body
    assert f"{BASE}/enterprises/{enterprise}/policies/{POLICY}?year=2024" in body
    assert f"{BASE}/subscriptions/{own.token}/cancel" in body

    theirs = received["watcher@example.cn"].get_content()
    assert "与您订阅的主题相关：M" in theirs and "It concerns your topics: M" in theirs
    assert (
        session.scalars(select(Delivery).where(Delivery.address == "maker@example.cn")).all() == []
    )


def test_gap_is_told_when_data_are_missing(session: Session) -> None:
    """An enterprise the data cannot decide hears of the policy with what is missing."""
    policies = matching.current_policies(2025)
    subscriptions.announce_policies(
        session, [p for p in policies if p.id != "premium-subsidy-2025"], lambda u, p: None,
        BASE, NOW,
    )  # fmt: skip
    uscc = uscc_for(1)
    subscriptions.subscribe(
        session, "cfo@first.example.cn", subscriptions.clean_topics([], [], [], True), uscc
    )
    session.commit()

    def verdict_of(u: str, policy: object) -> object:
        return matching.verdict_on_facts(session.connection(), u, policy)  # type: ignore[arg-type]

    assert subscriptions.announce_policies(session, policies, verdict_of, BASE, NOW) == 1
    body = session.scalars(select(Delivery.body)).one()
    assert "部分数据缺失，尚不能判断" in body and "差距：" in body and "缺数据" in body


def test_bad_topics_are_refused(session: Session) -> None:
    with pytest.raises(Invalid, match="不是上海市的区代码"):
        subscriptions.clean_topics(["999999"], [], [], False)
    with pytest.raises(Invalid, match="不是国民经济行业代码"):
        subscriptions.clean_topics([], ["Z99"], [], False)
    with pytest.raises(Invalid, match="政策类型不正确"):
        subscriptions.clean_topics([], [], ["free-money"], False)
    with pytest.raises(Invalid, match="仅企业可订阅自身资格"):
        subscriptions.subscribe(session, "a@b.cn", subscriptions.Topics(own_eligibility=True))
    with pytest.raises(Invalid, match="请至少选择一个订阅主题"):
        subscriptions.subscribe(session, "a@b.cn", subscriptions.Topics())


def test_a_published_run_reaches_topic_subscribers(
    engine: object, session: Session, published: int
) -> None:
    from kechuang.screening.tables import ScreeningRun

    # The first pass (no run yet) tells nobody and leaves the baseline.
    assert subscriptions.announce_runs(session, [], matching.policy_of, BASE, NOW) == 0
    science = subscriptions.subscribe(
        session, "watcher@example.cn", subscriptions.clean_topics(["310115"], [], [], False)
    )
    subscriptions.confirm(session, science.token)
    session.commit()
    runs = matching.published_runs(session)
    assert [r.id for r in runs] == [published]
    assert subscriptions.announce_runs(session, runs, matching.policy_of, BASE, NOW) == 1
    assert subscriptions.announce_runs(session, runs, matching.policy_of, BASE, NOW) == 0
    body = session.scalars(select(Delivery.body)).one()
    run = session.get(ScreeningRun, published)
    assert run is not None
    assert "《科技服务业企业首次升规奖励》（2024年度）公示名单已发布：5家企业符合" in body
    assert "拟奖励合计¥20,000,000.00，公示期至2025-10-10" in body
    assert "与您订阅的主题相关：310115" in body
