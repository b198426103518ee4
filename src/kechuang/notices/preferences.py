"""Each enterprise chooses its channels: the inbox always; email and SMS when it gives an
address and switches them on. Bad input is refused with the field named, in zh and en."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kechuang.notices.tables import NoticeChannels
from kechuang.workflow.errors import Invalid

# A practical address check (the server is the final judge): one @, a dotted domain, no spaces.
EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
# A mainland mobile number (11 digits from 1), optionally with +86.
PHONE = re.compile(r"^(?:\+86)?1[3-9][0-9]{9}$")


@dataclass(frozen=True)
class Channels:
    email: str | None
    phone: str | None
    email_on: bool
    sms_on: bool


NONE = Channels(None, None, False, False)


def of(session: Session, uscc: str) -> Channels:
    row = session.get(NoticeChannels, uscc)
    if row is None:
        return NONE
    return Channels(row.email, row.phone, row.email_on, row.sms_on)


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def choose(
    session: Session,
    uscc: str,
    email: str | None,
    phone: str | None,
    email_on: bool,
    sms_on: bool,
    actor: str,
) -> Channels:
    """Store the enterprise's choice (in the caller's transaction); Invalid names a bad field."""
    email = _clean(email)
    phone = _clean(phone)
    if phone is not None:
        phone = re.sub(r"[\s-]", "", phone)
    if email is not None and (len(email) > 254 or not EMAIL.match(email)):
        raise Invalid(f"email: {email!r} is not an email address / 邮箱地址格式不正确")
    if phone is not None and not PHONE.match(phone):
        raise Invalid(f"phone: {phone!r} is not a mobile number / 手机号码格式不正确")
    if email_on and email is None:
        raise Invalid("email: give an address to receive email / 接收邮件须填写邮箱地址")
    if sms_on and phone is None:
        raise Invalid("phone: give a mobile number to receive SMS / 接收短信须填写手机号码")
    row = session.get(NoticeChannels, uscc)
    if row is None:
        row = NoticeChannels(uscc=uscc)
        session.add(row)
    row.email, row.phone, row.email_on, row.sms_on = email, phone, email_on, sms_on
    row.updated_by = actor
    row.updated_at = dt.datetime.now(dt.UTC)
    return Channels(email, phone, email_on, sms_on)
