"""The inbox: every message addressed to the account's enterprise, newest first, read or not.

An enterprise account reads the messages of its own USCC only; a message of another enterprise
is not found (the same answer as one that does not exist). Other accounts have no messages
addressed to them yet: their inbox is empty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.notices.delivery import kind_label
from kechuang.notices.tables import Delivery, InboxRead
from kechuang.screening.tables import Notification
from kechuang.workflow.errors import NotFound


@dataclass(frozen=True)
class InboxItem:
    id: int
    run_id: int | None
    kind: str
    label_zh: str
    label_en: str
    text_zh: str
    text_en: str
    created_at: dt.datetime
    read: bool

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" else self.text_zh

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh


def _item(note: Notification, read: bool) -> InboxItem:
    zh, en = kind_label(note.kind)
    return InboxItem(
        id=note.id,
        run_id=note.run_id,
        kind=note.kind.partition(":")[0],
        label_zh=zh,
        label_en=en,
        text_zh=note.text_zh,
        text_en=note.text_en or note.text_zh,
        created_at=note.created_at,
        read=read,
    )


def items(session: Session, who: Principal, limit: int = 50, offset: int = 0) -> list[InboxItem]:
    if who.role != "enterprise" or not who.uscc:
        return []
    read = InboxRead.notification_id.is_not(None)
    rows = session.execute(
        select(Notification, read)
        .outerjoin(
            InboxRead,
            (InboxRead.notification_id == Notification.id)
            & (InboxRead.account_id == who.account_id),
        )
        .where(Notification.uscc == who.uscc)
        .order_by(Notification.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [_item(note, bool(was_read)) for note, was_read in rows]


def count(session: Session, who: Principal) -> int:
    if who.role != "enterprise" or not who.uscc:
        return 0
    total = session.scalar(
        select(func.count()).select_from(Notification).where(Notification.uscc == who.uscc)
    )
    return int(total or 0)


def unread(session: Session, who: Principal) -> int:
    if who.role != "enterprise" or not who.uscc:
        return 0
    total = session.scalar(
        select(func.count())
        .select_from(Notification)
        .outerjoin(
            InboxRead,
            (InboxRead.notification_id == Notification.id)
            & (InboxRead.account_id == who.account_id),
        )
        .where(Notification.uscc == who.uscc, InboxRead.notification_id.is_(None))
    )
    return int(total or 0)


def open_item(session: Session, who: Principal, notification_id: int) -> InboxItem:
    """The message, marked read for this account; NotFound unless it is addressed to it."""
    note = session.get(Notification, notification_id)
    if note is None or who.role != "enterprise" or note.uscc != who.uscc:
        raise NotFound(f"no message {notification_id} in your inbox")
    seen = session.get(InboxRead, (who.account_id, note.id))
    if seen is None:
        try:
            with session.begin_nested():
                session.add(
                    InboxRead(
                        account_id=who.account_id,
                        notification_id=note.id,
                        read_at=dt.datetime.now(dt.UTC),
                    )
                )
        except IntegrityError:  # opened twice at once: it is read either way
            pass
    return _item(note, True)


def deliveries_of(session: Session, notification_id: int) -> list[Delivery]:
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.notification_id == notification_id)
            .order_by(Delivery.channel)
        )
    )
