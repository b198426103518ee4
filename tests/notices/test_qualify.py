"""“A new policy you qualify for”, on SQLite and PostgreSQL: when a policy version appears,
each enterprise whose stored facts meet it finds one message in its inbox (with the reasons,
the amount and a link), whether or not it subscribed; once per version; an enterprise that
subscribed to its own eligibility hears of it by email instead; email follows only when the
enterprise's channels ask for it."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kechuang.accounts.service import Principal
from kechuang.notices import delivery, inbox, matching, preferences, qualify, subscriptions
from kechuang.notices.tables import Delivery
from kechuang.screening.tables import Notification
from tests.screening.population import eligible_usccs

BASE = "https://kc.example.gov.cn"
NOW = dt.datetime(2025, 9, 26, 10, 0, tzinfo=dt.UTC)
POLICY = "first-above-scale-reward"


def _tell(session: Session, engine: Engine, policies: list) -> int:  # type: ignore[type-arg]
    return qualify.tell_qualified(
        session,
        policies,
        qualify.screen_store(engine),
        qualify.verdict_in_store(session.connection()),
        BASE,
        NOW,
    )


def _told(session: Session) -> dict[str, Notification]:
    notes = session.scalars(select(Notification).where(Notification.kind == qualify.KIND))
    return {n.uscc: n for n in notes}


def test_a_new_policy_reaches_every_qualifying_enterprise_inbox_once(
    engine: Engine, session: Session
) -> None:
    policies = matching.current_policies(2025)
    reward = next(p for p in policies if p.id == POLICY)
    before = [p for p in policies if p.id != POLICY]
    assert _tell(session, engine, before) == 0  # the first pass records the pack, tells nobody
    assert _told(session) == {}

    subscribed, *others = eligible_usccs()
    subscriptions.subscribe(
        session, "cfo@first.example.cn", subscriptions.clean_topics([], [], [], True), subscribed
    )
    session.commit()

    # The reward is published: every eligible enterprise but the subscribed one is told.
    assert _tell(session, engine, policies) == len(others)
    told = _told(session)
    assert sorted(told) == others
    note = told[others[0]]
    assert note.run_id is None and note.sent_at is None
    assert "《科技服务业企业首次升规奖励》" in note.text_zh and "¥200,000.00" in note.text_zh
    assert f"{BASE}/enterprises/{others[0]}/policies/{POLICY}?year=2024" in note.text_zh
    assert "〔" in note.text_zh and "Reasons:" in (note.text_en or "")  # clauses met

    # Once per version: again nothing; a new version of the same policy is told again.
    assert _tell(session, engine, policies) == 0
    revised = dataclasses.replace(reward, version=reward.version + "-r2")
    assert _tell(session, engine, [*before, reward, revised]) == len(others)
    assert len(list(session.scalars(select(Notification.id).where(
        Notification.kind == qualify.KIND)))) == 2 * len(others)  # fmt: skip

    # In the enterprise's inbox, with its label.
    who = Principal(0, "ent", "Ent", "enterprise", others[0], None)
    items = inbox.items(session, who)
    assert items[0].label_zh == "您可能符合的新政策" and items[0].run_id is None


def test_email_follows_only_when_the_channels_ask(engine: Engine, session: Session) -> None:
    policies = matching.current_policies(2025)
    _tell(session, engine, [p for p in policies if p.id != POLICY])
    wants_email, quiet, *_ = eligible_usccs()
    preferences.choose(session, wants_email, "ops@example.cn", None, True, False, "officer-li")
    session.commit()
    _tell(session, engine, policies)
    assert delivery.dispatch(session, BASE, NOW) >= 2
    sent_to = {d.uscc: d for d in session.scalars(select(Delivery))}
    assert set(sent_to) == {wants_email} and sent_to[wants_email].channel == "email"
    assert "您可能符合的新政策" in sent_to[wants_email].subject
    assert quiet in _told(session)  # in its inbox, no email


def test_an_enterprise_that_does_not_qualify_is_not_told(engine: Engine, session: Session) -> None:
    policies = matching.current_policies(2025)
    _tell(session, engine, [p for p in policies if p.id != POLICY])
    _tell(session, engine, policies)
    assert set(_told(session)) == set(eligible_usccs())  # 3, 6, 8, 9 do not meet it


def test_a_screening_that_fails_is_tried_again_on_the_next_pass(
    engine: Engine, session: Session
) -> None:
    policies = matching.current_policies(2025)
    _tell(session, engine, [p for p in policies if p.id != POLICY])

    def broken(policy: object, year: int) -> list[str]:
        raise RuntimeError("the engine is away")

    verdicts = qualify.verdict_in_store(session.connection())
    assert qualify.tell_qualified(session, policies, broken, verdicts, BASE, NOW) == 0
    assert _told(session) == {}
    assert _tell(session, engine, policies) == len(eligible_usccs())  # the next pass tells
