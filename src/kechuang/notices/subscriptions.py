"""政策订阅: anyone with an email address subscribes to topics (districts, industries, kinds of
benefit); an enterprise also to its own eligibility. When a policy version appears or a run is
published, `announce` (run by the sender every pass, so within a minute with `--every 30`)
queues one email per matching subscriber and event, with the reason and the gap.

Matching is the scalar evaluator's, not keywords: a topic (a district, an industry) matches a
policy unless the policy's conditions rule that district or industry out given nothing else
(evaluated on a row that knows only that fact). An enterprise's own eligibility is its verdict
on its stored facts: it hears of policies it meets, or that experts or missing data decide,
with the reasons met and the gap left.

The first pass on an empty event table records the pack as it is without telling anyone
(those policies were there before any subscription could ask about them).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kechuang.domain import district, industry
from kechuang.domain.money import format_yuan
from kechuang.domain.panel import FIELDS
from kechuang.notices.preferences import EMAIL
from kechuang.notices.tables import Delivery, NoticeEvent, Subscription
from kechuang.rules.policy import Mode, Outcome, Policy, Status
from kechuang.rules.scalar import evaluate
from kechuang.rules.verdict import Verdict
from kechuang.workflow.errors import Invalid, NotFound

MODES = tuple(m.value for m in Mode)
MAX_TOPICS = 20
TOLD = (Outcome.ELIGIBLE, Outcome.MANUAL_REVIEW, Outcome.UNKNOWN)


@dataclass(frozen=True)
class Topics:
    districts: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    own_eligibility: bool = False


def clean_topics(
    districts: Iterable[str], industries: Iterable[str], modes: Iterable[str], own: bool
) -> Topics:
    """Validated topics; Invalid names the first bad one (zh and en)."""
    ds = sorted({d.strip() for d in districts if d.strip()})
    inds = sorted({i.strip().upper() for i in industries if i.strip()})
    ms = sorted({m.strip() for m in modes if m.strip()})
    if len(ds) + len(inds) + len(ms) > MAX_TOPICS:
        raise Invalid(f"at most {MAX_TOPICS} topics / 订阅主题最多{MAX_TOPICS}个")
    for d in ds:
        if d not in district.SHANGHAI:
            raise Invalid(f"district: {d!r} is not a Shanghai district code / 不是上海市的区代码")
    for i in inds:
        if len(i) == 1 and "A" <= i <= "T":
            continue
        try:
            industry.validate(i)
        except ValueError:
            raise Invalid(
                f"industry: {i!r} is not a GB/T 4754-2017 section or code / 不是国民经济行业代码"
            ) from None
    for m in ms:
        if m not in MODES:
            raise Invalid(f"kind of benefit: {m!r} is one of {', '.join(MODES)} / 政策类型不正确")
    return Topics(tuple(ds), tuple(inds), tuple(ms), own)


def subscribe(
    session: Session,
    email: str,
    topics: Topics,
    uscc: str | None = None,
    now: dt.datetime | None = None,
) -> Subscription:
    """A subscription (an enterprise's replaces its previous one). A visitor's starts inactive
    until the address confirms it; an enterprise's, made while logged in, is active at once."""
    email = (email or "").strip()
    if not EMAIL.match(email) or len(email) > 254:
        raise Invalid(f"email: {email!r} is not an email address / 邮箱地址格式不正确")
    if not (topics.districts or topics.industries or topics.modes or topics.own_eligibility):
        raise Invalid("choose at least one topic / 请至少选择一个订阅主题")
    if topics.own_eligibility and uscc is None:
        raise Invalid("only an enterprise subscribes to its own eligibility / 仅企业可订阅自身资格")
    now = now or dt.datetime.now(dt.UTC)
    row = None
    if uscc is not None:
        row = session.scalars(select(Subscription).where(Subscription.uscc == uscc)).one_or_none()
    if row is None:
        row = Subscription(uscc=uscc, token=secrets.token_urlsafe(32), created_at=now)
        session.add(row)
    row.email = email
    row.districts = list(topics.districts)
    row.industries = list(topics.industries)
    row.modes = list(topics.modes)
    row.own_eligibility = topics.own_eligibility
    row.active = uscc is not None
    row.cancelled_at = None
    session.flush()
    return row


def by_token(session: Session, token: str) -> Subscription:
    row = session.scalars(select(Subscription).where(Subscription.token == token)).one_or_none()
    if row is None:
        raise NotFound("no such subscription / 订阅不存在")
    return row


def confirm(session: Session, token: str) -> Subscription:
    row = by_token(session, token)
    if row.cancelled_at is None:
        row.active = True
    return row


def cancel(session: Session, token: str, now: dt.datetime | None = None) -> Subscription:
    row = by_token(session, token)
    row.active = False
    row.cancelled_at = now or dt.datetime.now(dt.UTC)
    return row


# Matching ------------------------------------------------------------------------------------


def _row_knowing(year: int, **facts: Any) -> dict[int, dict[str, Any]]:
    row = {f.name: None for f in FIELDS} | {"year": year, "name": ""} | facts
    return {year: row}


def topic_matches(policy: Policy, sub: Subscription, year: int) -> list[str]:
    """The topics of `sub` that `policy` concerns (empty: it does not match)."""
    if sub.modes and policy.mode.value not in sub.modes:
        return []
    found: list[str] = []
    if sub.modes:
        found.append(policy.mode.value)
    for d in sub.districts:
        if evaluate(policy, _row_knowing(year, district=d), year, gaps=False).outcome != (
            Outcome.INELIGIBLE
        ):
            found.append(d)
    for code in sub.industries:
        probe = code if len(code) > 1 else _first_code_of(code)
        verdict = evaluate(policy, _row_knowing(year, industry_code=probe), year, gaps=False)
        if verdict.outcome != Outcome.INELIGIBLE:
            found.append(code)
    if (sub.districts and not any(d in found for d in sub.districts)) or (
        sub.industries and not any(i in found for i in sub.industries)
    ):
        return []
    return found if (sub.districts or sub.industries or sub.modes) else []


def _first_code_of(section: str) -> str:
    codes = sorted(c for c, i in industry.catalogue().items() if i.section == section)
    return f"{section}{codes[0]}" if codes else section


@dataclass(frozen=True)
class Told:
    subject: str
    body: str


def _reasons(policy: Policy, verdict: Verdict) -> tuple[list[str], list[str], list[str], list[str]]:
    met_zh, met_en, gap_zh, gap_en = [], [], [], []
    for c in verdict.conditions:
        if c.status == Status.MET and c.clause:
            met_zh.append(f"✓ {c.label.zh}〔{c.clause}〕")
            met_en.append(f"✓ {c.label.en} [{c.clause}]")
        if c.gap is not None:
            gap_zh.append(f"→ {c.gap.message_zh}")
            gap_en.append(f"→ {c.gap.message_en}")
        elif c.status == Status.UNKNOWN:
            gap_zh.append(f"? {c.label.zh}：缺数据")
            gap_en.append(f"? {c.label.en}: data missing")
    return met_zh, met_en, gap_zh, gap_en


OUTCOME_TEXT = {
    Outcome.ELIGIBLE: ("按现有数据，您符合该政策", "On the data held, you meet this policy"),
    Outcome.MANUAL_REVIEW: (
        "数据条件已满足，其余由专家评审",
        "The data conditions are met; experts judge the rest",
    ),
    Outcome.UNKNOWN: ("部分数据缺失，尚不能判断", "Some data are missing: not yet decided"),
    Outcome.INELIGIBLE: ("暂不符合", "Not yet"),
}


def policy_message(
    policy: Policy,
    sub: Subscription,
    verdict: Verdict | None,
    topics: Sequence[str],
    link: str,
    cancel_link: str,
) -> Told:
    """The email about a policy for one subscriber: its own verdict (reasons, gap) or why the
    topic matched; Chinese first, then English."""
    title_zh, title_en = policy.title.zh, policy.title.en
    head_zh = f"新政策：《{title_zh}》（{policy.issuer}，{policy.document_number}），"
    head_zh += f"{policy.effective_from}起施行。"
    head_en = f"New policy: \u201c{title_en}\u201d ({policy.issuer}, {policy.document_number}), "
    head_en += f"in force from {policy.effective_from}."
    lines_zh, lines_en = [head_zh], [head_en]
    if verdict is not None:
        zh, en = OUTCOME_TEXT[verdict.outcome]
        amount = f"，金额{format_yuan(verdict.benefit_fen)}" if verdict.benefit_fen else ""
        amount_en = f", amount {format_yuan(verdict.benefit_fen)}" if verdict.benefit_fen else ""
        lines_zh.append(f"{zh}（{verdict.year}年度数据{amount}）。")
        lines_en.append(f"{en} ({verdict.year} data{amount_en}).")
        met_zh, met_en, gap_zh, gap_en = _reasons(policy, verdict)
        if met_zh:
            lines_zh += ["理由：", *met_zh]
            lines_en += ["Reasons:", *met_en]
        if gap_zh:
            lines_zh += ["差距：", *gap_zh]
            lines_en += ["Gap:", *gap_en]
    if topics:
        lines_zh.append(f"与您订阅的主题相关：{'、'.join(topics)}。")
        lines_en.append(f"It concerns your topics: {', '.join(topics)}.")
    body = (
        "\n".join(lines_zh)
        + f"\n\n查看详情：{link}\n\n——\n\n"
        + "\n".join(lines_en)
        + f"\n\nDetails: {link}\n\n退订 / Unsubscribe: {cancel_link}\n"
    )
    return Told(f"【科创】新政策：{title_zh} / New policy: {title_en}", body)


# Announcing ----------------------------------------------------------------------------------


def policy_key(policy: Policy) -> str:
    return f"policy:{policy.id}:{policy.version}"


def _new_events(session: Session, keys: list[str], now: dt.datetime, kind: str) -> list[str]:
    """Record `keys` (all of one kind: "policy", "run") as seen; the ones not seen before
    (none on the very first pass for that kind, which leaves a `kind:baseline` marker so that
    the next pass announces, even when there was nothing to record)."""
    first_pass = not session.scalar(
        select(func.count()).select_from(NoticeEvent).where(NoticeEvent.key.like(f"{kind}:%"))
    )
    if first_pass:
        session.add(NoticeEvent(key=f"{kind}:baseline", seen_at=now, announced=False))
    seen = set(session.scalars(select(NoticeEvent.key).where(NoticeEvent.key.in_(keys))))
    fresh = [k for k in keys if k not in seen]
    for k in fresh:
        session.add(NoticeEvent(key=k, seen_at=now, announced=not first_pass))
    return [] if first_pass else fresh


def announce_policies(
    session: Session,
    policies: Sequence[Policy],
    verdict_of: Any,
    base_url: str,
    now: dt.datetime | None = None,
) -> int:
    """Queue the emails about policy versions not seen before; how many.

    `verdict_of(uscc, policy)` gives an enterprise's verdict on its stored facts (None when
    it has none)."""
    now = now or dt.datetime.now(dt.UTC)
    by_key = {policy_key(p): p for p in policies}
    fresh = _new_events(session, sorted(by_key), now, "policy")
    subs = session.scalars(select(Subscription).where(Subscription.active.is_(True))).all()
    queued = 0
    for key in fresh:
        policy = by_key[key]
        year = max(policy.effective_from.year, now.year - 1)
        for sub in subs:
            verdict = verdict_of(sub.uscc, policy) if sub.own_eligibility and sub.uscc else None
            told_of_own = verdict is not None and verdict.outcome in TOLD
            topics = topic_matches(policy, sub, year)
            if not told_of_own and not topics:
                continue
            link = (
                f"{base_url}/enterprises/{sub.uscc}/policies/{policy.id}?year={verdict.year}"
                if verdict is not None
                else f"{base_url}/#policy-{policy.id}"
            )
            told = policy_message(
                policy, sub, verdict, topics, link,
                f"{base_url}/subscriptions/{sub.token}/cancel",
            )  # fmt: skip
            session.add(
                Delivery(
                    subscription_id=sub.id,
                    event_key=key,
                    uscc=sub.uscc,
                    channel="email",
                    address=sub.email,
                    subject=told.subject,
                    body=told.body,
                    state="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            queued += 1
    try:
        session.commit()
    except IntegrityError:  # another sender announced these meanwhile
        session.rollback()
        return 0
    return queued


def run_message(run: Any, policy: Policy, topics: Sequence[str], link: str, cancel: str) -> Told:
    """The email telling a topic subscriber that a run's list is on public notice."""
    awards = run.counts.get("eligible", 0) if isinstance(run.counts, dict) else 0
    zh = (
        f"《{policy.title.zh}》（{run.year}年度）公示名单已发布：{awards}家企业符合，"
        f"拟奖励合计{format_yuan(run.allocated_fen)}，公示期至{run.notice_ends_on}。"
        f"与您订阅的主题相关：{'、'.join(topics)}。"
    )
    en = (
        f"The notice list of \u201c{policy.title.en}\u201d ({run.year}) is published: "
        f"{awards} enterprises eligible, {format_yuan(run.allocated_fen)} proposed in all, "
        f"on notice until {run.notice_ends_on}. It concerns your topics: {', '.join(topics)}."
    )
    body = f"{zh}\n\n查看详情：{link}\n\n——\n\n{en}\n\nDetails: {link}\n\n"
    body += f"退订 / Unsubscribe: {cancel}\n"
    return Told(f"【科创】公示名单：{policy.title.zh} / Notice list: {policy.title.en}", body)


def announce_runs(
    session: Session,
    runs: Sequence[Any],
    policy_of: Any,
    base_url: str,
    now: dt.datetime | None = None,
) -> int:
    """Queue the emails about runs newly on public notice to topic subscribers; how many.
    (Each enterprise on the list is told of its own award through the outbox.)"""
    now = now or dt.datetime.now(dt.UTC)
    by_key = {f"run:{r.id}": r for r in runs}
    fresh = _new_events(session, sorted(by_key), now, "run")
    subs = session.scalars(select(Subscription).where(Subscription.active.is_(True))).all()
    queued = 0
    for key in fresh:
        run = by_key[key]
        policy = policy_of(run)
        if policy is None:
            continue
        for sub in subs:
            topics = topic_matches(policy, sub, run.year)
            if not topics:
                continue
            told = run_message(
                run, policy, topics, f"{base_url}/#policy-{policy.id}",
                f"{base_url}/subscriptions/{sub.token}/cancel",
            )  # fmt: skip
            session.add(
                Delivery(
                    subscription_id=sub.id, event_key=key, uscc=sub.uscc, channel="email",
                    address=sub.email, subject=told.subject, body=told.body, state="pending",
                    attempts=0, next_attempt_at=now, created_at=now,
                )
            )  # fmt: skip
            queued += 1
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return 0
    return queued


def queue_confirmation(
    session: Session, sub: Subscription, base_url: str, now: dt.datetime | None = None
) -> None:
    """The email that asks a visitor to confirm the address (once per subscription)."""
    now = now or dt.datetime.now(dt.UTC)
    link = f"{base_url}/subscriptions/{sub.token}/confirm"
    exists = session.scalars(
        select(Delivery.id).where(
            Delivery.subscription_id == sub.id, Delivery.event_key == "confirm"
        )
    ).first()
    if exists is not None:
        return
    session.add(
        Delivery(
            subscription_id=sub.id,
            event_key="confirm",
            channel="email",
            address=sub.email,
            subject="【科创】请确认政策订阅 / Confirm your policy subscription",
            body=(
                f"请打开以下链接确认订阅（若非本人操作请忽略）：{link}\n\n"
                f"Open this link to confirm the subscription (ignore it if it was not you): "
                f"{link}\n"
            ),
            state="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
