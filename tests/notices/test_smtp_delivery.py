"""Notices delivered by email to a real local SMTP server (aiosmtpd), on SQLite and PostgreSQL:
the publication notice in Chinese and English with the policy, the amount, the clause and the
deadline; a retry after a refused connection with backoff; dead letters after the last attempt
and queued again; SMS through the logging gateway; the inbox has every message whatever the
channels."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.notices import delivery, preferences
from kechuang.notices.channels import LoggingSms, SmtpSender
from kechuang.notices.settings import RetryPolicy, SmtpSettings
from kechuang.notices.tables import Delivery
from kechuang.screening.tables import Notification
from kechuang.workflow.errors import Conflict, Invalid
from tests.enterprises.panels import uscc_for
from tests.notices.conftest import SmtpServer
from tests.screening.population import eligible_usccs

BASE = "https://kc.example.gov.cn"
NOW = dt.datetime(2025, 9, 26, 10, 0, tzinfo=dt.UTC)
RETRY = RetryPolicy(max_attempts=3, backoff=dt.timedelta(seconds=60))


def sender(smtp: SmtpServer) -> SmtpSender:
    settings = SmtpSettings("127.0.0.1", smtp.port, "none", sender="noreply@kc.example.gov.cn")
    return SmtpSender(settings)


def test_publication_email_after_a_refused_connection(
    session: Session, published: int, smtp: SmtpServer
) -> None:
    first, second, *_ = eligible_usccs()
    preferences.choose(session, first, "cfo@first.example.cn", None, True, False, first)
    preferences.choose(session, second, None, "13800001111", False, True, second)
    session.commit()
    sms = LoggingSms()

    assert delivery.dispatch(session, BASE, NOW) == 5  # every proposed award's notice
    assert delivery.dispatch(session, BASE, NOW) == 0  # dispatched once
    # The server is not up yet: the email's connection is refused; the SMS goes out.
    report = delivery.deliver_due(session, sender(smtp), sms, RETRY, NOW)
    assert (report.sent, report.retried, report.dead) == (1, 1, 0)
    email = session.scalars(select(Delivery).where(Delivery.channel == "email")).one()
    assert email.state == "pending" and email.attempts == 1
    assert "ConnectionRefused" in (email.last_error or "")
    assert email.next_attempt_at.replace(tzinfo=dt.UTC) == NOW + dt.timedelta(seconds=60)

    smtp.start()
    early = delivery.deliver_due(session, sender(smtp), sms, RETRY, NOW + dt.timedelta(seconds=30))
    assert early.sent == 0 and smtp.inbox.received == []  # not due before its backoff
    later = delivery.deliver_due(session, sender(smtp), sms, RETRY, NOW + dt.timedelta(seconds=61))
    assert later.sent == 1
    session.expire_all()
    assert session.get(Delivery, email.id).state == "sent"  # type: ignore[union-attr]

    [(to, message)] = smtp.inbox.received
    assert to == ["cfo@first.example.cn"]
    assert message["Subject"] == "【科创】公示通知 / On the public notice list"
    body = message.get_content()
    # Chinese: the policy, the amount after pro-rating and why, the clause, the deadline.
    assert "《科技服务业企业首次升规奖励》（2024年度）" in body
    assert "拟获奖励¥4,000,000.00（符合金额¥5,000,000.00，预算按比例分配）" in body
    assert "依据：示例政策（金额为示意值） 奖励标准（示意）。" in body
    assert "公示期至2025-10-10" in body
    # English: the same facts.
    assert "Reward for a tech-service enterprise first reaching above-scale" in body
    assert "proposed award ¥4,000,000.00 (eligible for ¥5,000,000.00; the budget is shared" in body
    assert "Basis: 示例政策（金额为示意值） 奖励标准（示意）." in body
    assert "The public notice runs until 2025-10-10." in body
    note_id = session.scalars(select(Notification.id).where(Notification.uscc == first)).one()
    assert f"{BASE}/inbox/{note_id}" in body

    [(phone, text)] = sms.sent
    assert phone == "13800001111" and "拟获奖励¥4,000,000.00" in text


def test_dead_after_the_last_attempt_then_queued_again(
    session: Session, published: int, smtp: SmtpServer
) -> None:
    first = eligible_usccs()[0]
    preferences.choose(session, first, "cfo@first.example.cn", None, True, False, first)
    session.commit()
    delivery.dispatch(session, BASE, NOW)
    at = NOW
    for attempt in range(1, RETRY.max_attempts + 1):
        report = delivery.deliver_due(session, sender(smtp), LoggingSms(), RETRY, at)
        assert report.sent == 0
        at += RETRY.wait_after(attempt)
    assert report.dead == 1
    total, [dead] = delivery.dead_letters(session)
    assert total == 1 and dead.attempts == 3 and dead.state == "dead"
    # Backoff doubles: 60 s, 120 s between the three attempts.
    assert RETRY.wait_after(1) == dt.timedelta(seconds=60)
    assert RETRY.wait_after(2) == dt.timedelta(seconds=120)

    delivery.requeue(session, dead.id, at)
    session.commit()
    with pytest.raises(Conflict, match="only a dead one"):
        delivery.requeue(session, dead.id, at)
    smtp.start()
    assert delivery.deliver_due(session, sender(smtp), LoggingSms(), RETRY, at).sent == 1
    assert len(smtp.inbox.received) == 1


def test_no_channel_chosen_means_inbox_only(session: Session, published: int) -> None:
    delivery.dispatch(session, BASE, NOW)
    assert session.scalars(select(Delivery)).all() == []
    stamped = session.scalars(select(Notification.sent_at)).all()
    assert len(stamped) == 5 and all(s is not None for s in stamped)


def test_channels_refuse_bad_addresses(session: Session) -> None:
    uscc = uscc_for(1)
    with pytest.raises(Invalid, match="邮箱地址格式不正确"):
        preferences.choose(session, uscc, "not-an-address", None, True, False, uscc)
    with pytest.raises(Invalid, match="手机号码格式不正确"):
        preferences.choose(session, uscc, None, "12345", False, True, uscc)
    with pytest.raises(Invalid, match="give an address"):
        preferences.choose(session, uscc, None, None, True, False, uscc)
    assert preferences.of(session, uscc) == preferences.NONE
