"""“A new policy you qualify for”: when a policy version is published (the workbench's publish,
or the seed of a new version of the shipped pack), every enterprise whose stored facts meet it
gets one inbox message per version, with the reasons, the amount and a link, whether or not it
subscribed. The message is an outbox row like any other, so email or SMS follow only when the
enterprise's channels ask for them (delivery.dispatch). An enterprise that subscribed to its
own eligibility hears of it by email already (subscriptions.announce_policies) and is skipped.

The sender runs this every pass. Which enterprises meet a version is found by screening the
store's snapshot, in the newest year of the stored facts, with that version (the engine a run
uses, never a row-by-row loop over the population); the message for each of them is its own
verdict from the scalar evaluator. A version is screened once: its event key
`inbox:policy:<id>:<version>` marks it done (a screening that fails is logged and tried again
on the next pass, and the sender goes on delivering). The first pass on a store records the versions
already there without telling anyone (they were published before this could tell of them), as
the subscription announcements do.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kechuang.domain.money import format_yuan
from kechuang.enterprises import facts
from kechuang.enterprises.tables import annual_facts
from kechuang.notices.subscriptions import OUTCOME_TEXT, policy_key
from kechuang.notices.tables import NoticeEvent, PolicyTell, Subscription
from kechuang.rules.policy import Outcome, Policy, Status
from kechuang.rules.scalar import evaluate
from kechuang.rules.verdict import Verdict
from kechuang.screening.tables import Notification

log = logging.getLogger(__name__)
KIND = "policy"
EVENT_PREFIX = "inbox:"
QUALIFIED = (Outcome.ELIGIBLE, Outcome.MANUAL_REVIEW)
MAX_REASONS = 6

Screen = Callable[[Policy, int], list[str]]
VerdictOf = Callable[[str, Policy, int], Verdict | None]


def verdict_in_store(conn: Connection) -> VerdictOf:
    """An enterprise's verdict on its stored facts of `year` (None when it has none)."""

    def verdict_of(uscc: str, policy: Policy, year: int) -> Verdict | None:
        history = facts.history(conn, uscc, year - policy.history_years, year)
        return evaluate(policy, history, year) if year in history else None

    return verdict_of


def latest_year(session: Session) -> int | None:
    """The newest year of the stored facts: the year the population is screened in."""
    year = session.scalar(select(func.max(annual_facts.c.year)))
    return None if year is None else int(year)


def screen_store(engine: Engine) -> Screen:
    """The usccs whose stored facts meet `policy` in `year` (eligible, or data conditions met
    and experts to judge the rest), by screening the snapshot as a run does."""

    def screen(policy: Policy, year: int) -> list[str]:
        from kechuang.engines.duckdb import screen as run_screen
        from kechuang.engines.sourced import (
            policy_window,
            sourced_fields_read,
            write_sourced_facts,
        )
        from kechuang.screening.runs import Progress, fresh_snapshot, runs_dir

        snapshot, _, _ = fresh_snapshot(engine, Progress())
        with tempfile.TemporaryDirectory(prefix="kechuang-qualify-", dir=runs_dir()) as work:
            out = Path(work) / "results.parquet"
            sourced = sourced_fields_read(policy)
            facts = (
                write_sourced_facts(
                    engine, sourced, Path(work) / "facts.parquet", year,
                    policy_window(policy, year, {}),
                )
                if sourced
                else None
            )  # fmt: skip
            run_screen(snapshot, year, [policy], out, check=False, facts=facts)
            con = duckdb.connect()
            try:
                wanted = ", ".join(f"'{o.value}'" for o in QUALIFIED)
                rows = con.execute(
                    f"SELECT uscc FROM read_parquet('{out}') WHERE outcome IN ({wanted}) "
                    "ORDER BY uscc"
                ).fetchall()
            finally:
                con.close()
        return [str(r[0]) for r in rows]

    return screen


def message(policy: Policy, verdict: Verdict, link: str) -> tuple[str, str]:
    """The inbox text (zh, en): the policy, the outcome on the enterprise's data, the reasons
    met (with their clauses), the amount and the link."""
    outcome_zh, outcome_en = OUTCOME_TEXT[verdict.outcome]
    met = [c for c in verdict.conditions if c.status == Status.MET and c.clause][:MAX_REASONS]
    reasons_zh = "；".join(f"{c.label.zh}〔{c.clause}〕" for c in met)
    reasons_en = "; ".join(f"{c.label.en} [{c.clause}]" for c in met)
    amount = verdict.benefit_fen
    zh = (
        f"新发布的政策《{policy.title.zh}》（{policy.issuer}，{policy.document_number}）："
        f"{outcome_zh}（{verdict.year}年度数据"
        + (f"，金额{format_yuan(amount)}" if amount else "")
        + "）。"
        + (f"理由：{reasons_zh}。" if reasons_zh else "")
        + f"详情：{link}"
    )
    en = (
        f"Newly published: \u201c{policy.title.en}\u201d ({policy.issuer}, "
        f"{policy.document_number}): {outcome_en} ({verdict.year} data"
        + (f", amount {format_yuan(amount)}" if amount else "")
        + ")."
        + (f" Reasons: {reasons_en}." if reasons_en else "")
        + f" Details: {link}"
    )
    return zh, en


def _fresh_versions(session: Session, keys: list[str], now: dt.datetime) -> list[str]:
    """The version keys not screened before (none on the first pass, which records them)."""
    first_pass = not session.scalar(
        select(func.count())
        .select_from(NoticeEvent)
        .where(NoticeEvent.key.like(f"{EVENT_PREFIX}%"))
    )
    if first_pass:
        session.add(NoticeEvent(key=f"{EVENT_PREFIX}baseline", seen_at=now, announced=False))
    marked = [EVENT_PREFIX + k for k in keys]
    seen = set(session.scalars(select(NoticeEvent.key).where(NoticeEvent.key.in_(marked))))
    fresh = [k for k in keys if EVENT_PREFIX + k not in seen]
    if first_pass:
        for k in fresh:
            _mark(session, k, now, announced=False)
        return []
    return fresh


def _mark(session: Session, key: str, now: dt.datetime, announced: bool) -> None:
    session.add(NoticeEvent(key=EVENT_PREFIX + key, seen_at=now, announced=announced))


def tell_qualified(
    session: Session,
    policies: Sequence[Policy],
    screen: Screen,
    verdict_of: VerdictOf,
    base_url: str,
    now: dt.datetime | None = None,
) -> int:
    """Put “a new policy you qualify for” in the inbox of each enterprise that meets a policy
    version not seen before; how many messages."""
    now = now or dt.datetime.now(dt.UTC)
    by_key = {policy_key(p): p for p in policies}
    fresh = _fresh_versions(session, sorted(by_key), now)
    year = latest_year(session)
    if year is None:  # no enterprise data yet: nobody to tell
        fresh = []
    subscribed = set(
        session.scalars(
            select(Subscription.uscc).where(
                Subscription.active.is_(True),
                Subscription.own_eligibility.is_(True),
                Subscription.uscc.is_not(None),
            )
        )
    )
    told = 0
    for key in fresh:
        policy = by_key[key]
        assert year is not None
        already = set(session.scalars(select(PolicyTell.uscc).where(PolicyTell.policy_key == key)))
        try:
            qualified = screen(policy, year)
        except Exception:  # the sender goes on; this version is tried again next pass
            log.exception("screening %s for the inbox failed; trying again next pass", key)
            continue
        _mark(session, key, now, announced=True)
        for uscc in qualified:
            if uscc in subscribed or uscc in already:
                continue
            verdict = verdict_of(uscc, policy, year)
            if verdict is None or verdict.outcome not in QUALIFIED:
                continue
            link = f"{base_url}/enterprises/{uscc}/policies/{policy.id}?year={verdict.year}"
            zh, en = message(policy, verdict, link)
            note = Notification(
                run_id=None, uscc=uscc, kind=KIND, text_zh=zh, text_en=en, created_at=now
            )
            session.add(note)
            session.flush()
            session.add(PolicyTell(policy_key=key, uscc=uscc, notification_id=note.id,
                                   created_at=now))  # fmt: skip
            told += 1
    try:
        session.commit()
    except IntegrityError:  # another sender told them meanwhile
        session.rollback()
        return 0
    return told
