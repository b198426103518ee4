"""From the outbox to the enterprise: queue each message's deliveries on the channels its
enterprise chose, then attempt the due ones, retrying with backoff until sent or dead.

`dispatch` turns outbox rows not yet dispatched (sent_at NULL) into deliveries and stamps them;
the inbox shows every message whatever the channels. `deliver_due` attempts each pending
delivery whose time has come: sent, or failed with the error kept and the next attempt
`RetryPolicy.wait_after(attempts)` later, or dead after the last attempt. Each delivery is
committed on its own, so a crash loses at most the one in hand (sent again: at least once).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kechuang.notices.channels import DeliveryFailed, EmailSender, SmsGateway
from kechuang.notices.settings import RetryPolicy
from kechuang.notices.tables import Delivery, NoticeChannels
from kechuang.screening.tables import Notification
from kechuang.workflow.errors import Conflict, NotFound

BATCH = 500
ERROR_LENGTH = 500

# What each kind of message is about, for the subject line (zh, en).
KINDS: dict[str, tuple[str, str]] = {
    "publication": ("公示通知", "On the public notice list"),
    "confirm": ("奖励已审核，请确认收款账户", "Award approved: confirm your account"),
    "withdrawn": ("拟奖励已撤销", "Proposed award withdrawn"),
    "excluded": ("已享受过，不予拨付", "Already received: not paid"),
    "paid": ("奖励已拨付", "Award paid"),
    "clawback": ("奖励追回", "Award to be recovered"),
    "objection_received": ("异议已受理", "Objection received"),
    "objection_decided": ("异议处理结果", "Objection decided"),
    "policy": ("您可能符合的新政策", "A new policy you may qualify for"),
}


def kind_label(kind: str) -> tuple[str, str]:
    """The (zh, en) label of a message kind (an objection's kind carries its id)."""
    return KINDS.get(kind.partition(":")[0], ("通知", "Notice"))


def link(base_url: str, notification_id: int) -> str:
    return f"{base_url}/inbox/{notification_id}"


def email_of(note: Notification, base_url: str) -> tuple[str, str]:
    """Subject and body of the email for `note`: Chinese first, then English, with the link."""
    zh, en = kind_label(note.kind)
    url = link(base_url, note.id)
    body = (
        f"{note.text_zh}\n\n查看详情：{url}\n\n"
        f"——\n\n{note.text_en or note.text_zh}\n\nDetails: {url}\n\n"
        "（本邮件由科创平台自动发送，请勿直接回复。This message was sent by Kechuang.）\n"
    )
    return f"【科创】{zh} / {en}", body


def sms_of(note: Notification, base_url: str) -> str:
    return f"【科创】{note.text_zh} 详情：{link(base_url, note.id)}"


@dataclass(frozen=True)
class Report:
    dispatched: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0


def dispatch(session: Session, base_url: str, now: dt.datetime | None = None) -> int:
    """Queue deliveries for every message not yet dispatched; how many messages."""
    now = now or dt.datetime.now(dt.UTC)
    done = 0
    while True:
        notes = session.scalars(
            select(Notification)
            .where(Notification.sent_at.is_(None))
            .order_by(Notification.id)
            .limit(BATCH)
        ).all()
        if not notes:
            return done
        usccs = {n.uscc for n in notes}
        chosen = {
            c.uscc: c
            for c in session.scalars(select(NoticeChannels).where(NoticeChannels.uscc.in_(usccs)))
        }
        for note in notes:
            channels = chosen.get(note.uscc)
            if channels is not None:
                _queue_for(session, note, channels, base_url, now)
            note.sent_at = now
        try:
            session.commit()
        except IntegrityError:  # another dispatcher took these meanwhile
            session.rollback()
            continue
        done += len(notes)


def _queue_for(
    session: Session, note: Notification, c: NoticeChannels, base_url: str, now: dt.datetime
) -> None:
    if c.email_on and c.email:
        subject, body = email_of(note, base_url)
        session.add(_delivery(note, "email", c.email, subject, body, now))
    if c.sms_on and c.phone:
        session.add(_delivery(note, "sms", c.phone, "", sms_of(note, base_url), now))


def _delivery(
    note: Notification, channel: str, address: str, subject: str, body: str, now: dt.datetime
) -> Delivery:
    return Delivery(
        notification_id=note.id,
        uscc=note.uscc,
        channel=channel,
        address=address,
        subject=subject,
        body=body,
        state="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


def deliver_due(
    session: Session,
    email: EmailSender,
    sms: SmsGateway,
    retry: RetryPolicy,
    now: dt.datetime | None = None,
) -> Report:
    """Attempt every pending delivery due by `now`; what happened."""
    now = now or dt.datetime.now(dt.UTC)
    ids = session.scalars(
        select(Delivery.id)
        .where(Delivery.state == "pending", Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id)
    ).all()
    session.rollback()
    sent = retried = dead = 0
    for delivery_id in ids:
        d = session.scalars(
            select(Delivery)
            .where(Delivery.id == delivery_id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).one_or_none()
        if d is None or d.state != "pending":  # another sender has it
            session.rollback()
            continue
        d.attempts += 1
        try:
            if d.channel == "email":
                email.send(d.address, d.subject, d.body)
            else:
                sms.send(d.address, d.body)
        except DeliveryFailed as exc:
            d.last_error = str(exc)[:ERROR_LENGTH]
            if d.attempts >= retry.max_attempts:
                d.state = "dead"
                dead += 1
            else:
                d.next_attempt_at = now + retry.wait_after(d.attempts)
                retried += 1
        else:
            d.state = "sent"
            d.sent_at = now
            d.last_error = None
            sent += 1
        session.commit()
    return Report(sent=sent, retried=retried, dead=dead)


def requeue(session: Session, delivery_id: int, now: dt.datetime | None = None) -> Delivery:
    """A dead delivery goes back to pending with a fresh count of attempts (an officer's call)."""
    d = session.get(Delivery, delivery_id)
    if d is None:
        raise NotFound(f"no delivery {delivery_id}")
    if d.state != "dead":
        raise Conflict(f"delivery {delivery_id} is {d.state}: only a dead one is queued again")
    d.state = "pending"
    d.attempts = 0
    d.next_attempt_at = now or dt.datetime.now(dt.UTC)
    return d


def dead_letters(session: Session, limit: int = 100, offset: int = 0) -> tuple[int, list[Delivery]]:
    total = session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.state == "dead")
    )
    rows = session.scalars(
        select(Delivery)
        .where(Delivery.state == "dead")
        .order_by(Delivery.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return int(total or 0), list(rows)
