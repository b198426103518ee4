"""Notices on the web: the inbox (every account), an enterprise's channels, and the officers'
dead-letter list with a button that queues a dead delivery again.

API under /api/v1 (the inbox, the channels, the dead letters) and the pages. An enterprise
reads and sets only its own; the dead letters are for officers and admins.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.accounts import audit
from kechuang.accounts.service import Principal
from kechuang.accounts.tables import ROLES
from kechuang.domain import district
from kechuang.domain.text import CleanLine
from kechuang.http.fields import Id, Instant
from kechuang.http.labels import label
from kechuang.http.pagination import Offset
from kechuang.http.problems import problem_responses
from kechuang.http.security import OFFICIALS, Scope, client_ip, db, require
from kechuang.http.templating import language, register_templates, render, template_env
from kechuang.notices import delivery, inbox, preferences, subscriptions
from kechuang.notices.settings import public_url
from kechuang.notices.tables import Delivery, Subscription
from kechuang.portal.limiter import RateLimit
from kechuang.workflow.errors import Conflict, Forbidden, NotFound

router = APIRouter(responses=problem_responses(401, 403, 404, 422))
register_templates("kechuang.notices")
Anyone = require(*ROLES)
Officials = require(*OFFICIALS)
limit = RateLimit(10, 3600.0)  # visitors' subscriptions per address and hour


class InboxItemOut(BaseModel):
    id: int
    run_id: int | None
    kind: str
    label: str
    text: str
    created_at: Instant
    read: bool


class InboxOut(BaseModel):
    total: int
    unread: int
    items: list[InboxItemOut]


class ChannelsIn(BaseModel):
    email: CleanLine | None = Field(None, max_length=254, description="Email address")
    phone: CleanLine | None = Field(None, max_length=32, description="Mobile number")
    email_on: bool = Field(False, description="Send notices by email")
    sms_on: bool = Field(False, description="Send notices by SMS")


class ChannelsOut(ChannelsIn):
    pass


class DeliveryOut(BaseModel):
    id: int
    notification_id: int | None
    subscription_id: int | None
    uscc: str | None
    channel: str
    address: str
    subject: str
    state: str
    attempts: int
    next_attempt_at: Instant
    last_error: str | None
    sent_at: Instant | None


def _delivery_out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.id,
        notification_id=d.notification_id,
        subscription_id=d.subscription_id,
        uscc=d.uscc,
        channel=d.channel,
        address=d.address,
        subject=d.subject,
        state=d.state,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at,
        last_error=d.last_error,
        sent_at=d.sent_at,
    )


def _item_out(item: inbox.InboxItem, lang: str) -> InboxItemOut:
    return InboxItemOut(
        id=item.id,
        run_id=item.run_id,
        kind=item.kind,
        label=item.label(lang),
        text=item.text(lang),
        created_at=item.created_at,
        read=item.read,
    )


@router.get("/api/v1/inbox", response_model=InboxOut, tags=["notices"])
def inbox_api(
    request: Request,
    offset: Offset = 0,
    session: Session = Depends(db),
    who: Principal = Depends(Anyone),
) -> InboxOut:
    """The caller's messages, newest first (50 a page), in the request's language."""
    lang = language(request)
    return InboxOut(
        total=inbox.count(session, who),
        unread=inbox.unread(session, who),
        items=[_item_out(i, lang) for i in inbox.items(session, who, 50, offset)],
    )


@router.get(
    "/api/v1/enterprises/{uscc}/notice-channels", response_model=ChannelsOut, tags=["notices"]
)
def channels_api(
    uscc: str, session: Session = Depends(db), who: Principal = Depends(Anyone)
) -> ChannelsOut:
    """The channels an enterprise is told on (besides the inbox)."""
    Scope(who).enterprise(uscc)
    c = preferences.of(session, uscc)
    return ChannelsOut(email=c.email, phone=c.phone, email_on=c.email_on, sms_on=c.sms_on)


def _choose(
    request: Request, session: Session, who: Principal, uscc: str, body: ChannelsIn
) -> preferences.Channels:
    Scope(who).enterprise(uscc)
    if who.role != "enterprise":
        raise Forbidden(
            "only the enterprise itself chooses its channels / 仅企业本身可设置接收方式"
        )
    before = preferences.of(session, uscc)
    chosen = preferences.choose(
        session, uscc, body.email, body.phone, body.email_on, body.sms_on, who.username
    )
    audit.record(
        session,
        who.username,
        "notices.channels",
        "enterprise",
        uscc,
        {"email_on": before.email_on, "sms_on": before.sms_on},
        {"email_on": chosen.email_on, "sms_on": chosen.sms_on},
        client_ip(request),
    )
    session.commit()
    return chosen


@router.put(
    "/api/v1/enterprises/{uscc}/notice-channels", response_model=ChannelsOut, tags=["notices"]
)
def choose_api(
    request: Request,
    uscc: str,
    body: ChannelsIn,
    session: Session = Depends(db),
    who: Principal = Depends(Anyone),
) -> ChannelsOut:
    """The enterprise chooses its channels: email and SMS on or off, with their addresses."""
    c = _choose(request, session, who, uscc, body)
    return ChannelsOut(email=c.email, phone=c.phone, email_on=c.email_on, sms_on=c.sms_on)


@router.get("/api/v1/notices/dead-letters", response_model=list[DeliveryOut], tags=["notices"])
def dead_api(
    offset: Offset = 0, session: Session = Depends(db), _: Principal = Depends(Officials)
) -> list[DeliveryOut]:
    """Deliveries that failed every attempt (100 a page, newest first)."""
    return [_delivery_out(d) for d in delivery.dead_letters(session, 100, offset)[1]]


# Pages ---------------------------------------------------------------------------------------


@router.get("/inbox", include_in_schema=False)
def inbox_page(
    request: Request,
    offset: Offset = 0,
    session: Session = Depends(db),
    who: Principal = Depends(Anyone),
) -> Response:
    return render(
        request,
        "inbox.html",
        {
            "items": inbox.items(session, who, 50, offset),
            "total": inbox.count(session, who),
            "unread": inbox.unread(session, who),
            "offset": offset,
            "officer": who.role in OFFICIALS,
            "channels": preferences.of(session, who.uscc) if who.uscc else None,
        },
    )


@router.get("/inbox/{notification_id}", include_in_schema=False)
def message_page(
    request: Request,
    notification_id: Id,
    session: Session = Depends(db),
    who: Principal = Depends(Anyone),
) -> Response:
    item = inbox.open_item(session, who, notification_id)
    session.commit()
    return render(
        request,
        "message.html",
        {"item": item, "uscc": who.uscc, "deliveries": inbox.deliveries_of(session, item.id)},
    )


@router.get("/me/notices", include_in_schema=False)
def channels_page(
    request: Request,
    session: Session = Depends(db),
    who: Principal = Depends(require("enterprise")),
) -> Response:
    assert who.uscc is not None
    return render(
        request,
        "channels.html",
        {
            "c": preferences.of(session, who.uscc),
            "sub": session.scalars(
                select(Subscription).where(Subscription.uscc == who.uscc)
            ).one_or_none(),
            "modes": subscriptions.MODES,
            "done": request.query_params.get("done"),
        },
    )


@router.post("/me/notices", include_in_schema=False)
def channels_form(
    request: Request,
    email: str = Form("", max_length=254),
    phone: str = Form("", max_length=32),
    email_on: str = Form(""),
    sms_on: str = Form(""),
    session: Session = Depends(db),
    who: Principal = Depends(require("enterprise")),
) -> Response:
    assert who.uscc is not None
    body = ChannelsIn(email=email, phone=phone, email_on=bool(email_on), sms_on=bool(sms_on))
    _choose(request, session, who, who.uscc, body)
    return RedirectResponse("/me/notices?done=saved", status_code=303)


@router.get("/officer/notices", include_in_schema=False)
def dead_page(
    request: Request,
    offset: Offset = 0,
    session: Session = Depends(db),
    _: Principal = Depends(Officials),
) -> Response:
    total, rows = delivery.dead_letters(session, 100, offset)
    return render(
        request,
        "dead_letters.html",
        {"rows": rows, "total": total, "offset": offset, "done": request.query_params.get("done")},
    )


@router.post("/officer/notices/{delivery_id}/retry", include_in_schema=False)
def retry_form(
    request: Request,
    delivery_id: Id,
    session: Session = Depends(db),
    who: Principal = Depends(Officials),
) -> Response:
    d = delivery.requeue(session, delivery_id)
    audit.record(
        session,
        who.username,
        "notices.retry",
        "delivery",
        delivery_id,
        {"state": "dead"},
        {"state": d.state},
        client_ip(request),
    )
    session.commit()
    return RedirectResponse("/officer/notices?done=requeued", status_code=303)


# Subscriptions (政策订阅) --------------------------------------------------------------------


def _split(raw: str) -> list[str]:
    return [part for part in re.split(r"[\s,，、;；]+", raw or "") if part][
        : subscriptions.MAX_TOPICS + 1
    ]


def _districts(ticked: list[str]) -> list[str]:
    """The districts of a form: ticked boxes, each a code (a client may send one text)."""
    return _split(",".join(value[:400] for value in ticked[: subscriptions.MAX_TOPICS + 1]))


def _shanghai_districts(lang: str) -> list[tuple[str, str]]:
    """Shanghai's districts as (code, name) for the topics form's boxes."""
    return [(code, label("district", code, lang)) for code in sorted(district.SHANGHAI)]


template_env().globals["shanghai_districts"] = _shanghai_districts


@router.post("/me/subscription", include_in_schema=False)
def my_subscription_form(
    request: Request,
    email: str = Form("", max_length=254),
    districts: list[str] = Form([]),  # the ticked districts (or one comma-separated text)
    industries: str = Form("", max_length=400),
    modes: list[str] = Form([]),
    own_eligibility: str = Form(""),
    session: Session = Depends(db),
    who: Principal = Depends(require("enterprise")),
) -> Response:
    """The enterprise's own subscription: active at once (it is signed in)."""
    assert who.uscc is not None
    topics = subscriptions.clean_topics(
        _districts(districts), _split(industries), modes[:5], bool(own_eligibility)
    )
    sub = subscriptions.subscribe(session, email, topics, uscc=who.uscc)
    audit.record(
        session, who.username, "notices.subscribe", "subscription", sub.id, None,
        {"districts": sub.districts, "industries": sub.industries, "modes": sub.modes,
         "own_eligibility": sub.own_eligibility},
        client_ip(request),
    )  # fmt: skip
    session.commit()
    return RedirectResponse("/me/notices?done=subscribed", status_code=303)


@router.get("/subscribe", include_in_schema=False)
def subscribe_page(request: Request) -> Response:
    return render(request, "subscribe.html", {"modes": subscriptions.MODES, "done": None})


@router.post("/subscribe", include_in_schema=False)
def subscribe_form(
    request: Request,
    email: str = Form("", max_length=254),
    districts: list[str] = Form([]),  # the ticked districts (or one comma-separated text)
    industries: str = Form("", max_length=400),
    modes: list[str] = Form([]),
    session: Session = Depends(db),
) -> Response:
    """Anyone subscribes by email to topics; the address confirms it by a link."""
    if not limit.allow(client_ip(request)):
        raise Conflict("too many subscriptions from here; try later / 操作过于频繁，请稍后再试")
    topics = subscriptions.clean_topics(_districts(districts), _split(industries), modes[:5], False)
    sub = subscriptions.subscribe(session, email, topics)
    subscriptions.queue_confirmation(session, sub, public_url())
    session.commit()
    return render(request, "subscribe.html", {"modes": subscriptions.MODES, "done": "sent"})


@router.get("/subscriptions/{token}/{action}", include_in_schema=False)
def token_page(
    request: Request, token: str, action: str, session: Session = Depends(db)
) -> Response:
    if action not in ("confirm", "cancel") or len(token) > 64:
        raise NotFound("no such page / 页面不存在")
    sub = subscriptions.by_token(session, token)
    return render(request, "subscription_token.html", {"sub": sub, "action": action, "done": None})


@router.post("/subscriptions/{token}/{action}", include_in_schema=False)
def token_form(
    request: Request, token: str, action: str, session: Session = Depends(db)
) -> Response:
    if action == "confirm":
        sub = subscriptions.confirm(session, token)
    elif action == "cancel":
        sub = subscriptions.cancel(session, token)
    else:
        raise NotFound("no such page / 页面不存在")
    session.commit()
    return render(
        request, "subscription_token.html", {"sub": sub, "action": action, "done": action}
    )
