"""Review threads and the publication date of policy versions, on SQLite and PostgreSQL.

A reviewer comments on a version (on a section and a line); sending it back requires a comment;
the author answers in the thread and the resubmission appears in it. Publication takes the
effective date (default: the document's), refuses one before the approval, after the document's
period or overlapping the version in force, and supersedes that version the day before."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kechuang.policies import review, service, source
from kechuang.policies.tables import PolicyVersion
from kechuang.workflow.errors import Invalid
from tests.policies.workbench_helpers import REWARD, seeded, session_of
from tests.web.conftest import any_app, login  # noqa: F401 - any_app: fixture

API = "/api/v1/policies"
REWARD_ID = "first-above-scale-reward"


@pytest.fixture
def store(database_url: str) -> Iterator[Engine]:
    engine = seeded(database_url)
    yield engine
    engine.dispose()


def _successor(session: Session, version: str, start: str) -> PolicyVersion:
    """A copy of the reward in force, starting on `start` (the document's date), in review."""
    old = service.find(session, REWARD_ID, "2026.2")
    assert old is not None
    draft = service.copy_version(session, "officer1", old, version)
    text = draft.source.replace("effective: {from: 2024-01-01, to: null}",
                                f"effective: {{from: {start}, to: null}}")  # fmt: skip
    service.edit(session, "officer1", draft, text, draft.revision)
    service.submit(session, "officer1", draft)
    return draft


def test_send_back_needs_a_comment_and_the_answer_and_resubmission_join_its_thread(
    store: Engine,
) -> None:
    with session_of(store) as session:
        draft = _successor(session, "2030.1", "2030-01-01")
        session.commit()
        with pytest.raises(Invalid, match="needs its text"):
            service.send_back(session, "officer2", draft, "  ")
        session.rollback()
    with session_of(store) as session:
        draft = service.find(session, REWARD_ID, "2030.1")
        assert draft is not None and draft.state == "in_review"
        general = review.add(session, draft, "officer2", "the amount needs its source",
                             section="parameters.amount", line=12)  # fmt: skip
        service.send_back(session, "officer2", draft, "cite the 2030 notice", line=3)
        assert draft.state == "draft"
        sent = review.last_send_back(session, draft)
        assert sent is not None
        review.add(session, draft, "officer1", "cited it on line 3", reply_to=sent.id)
        review.add(session, draft, "officer1", "source added", reply_to=general.id)
        service.submit(session, "officer1", draft)
        service.approve(session, "officer2", draft, "fine now")
        session.commit()

        threads = review.threads(review.comments_of(session, draft))
        shapes = [(t.comment.kind, t.comment.author, [(r.kind, r.author) for r in t.replies])
                  for t in threads]  # fmt: skip
        assert shapes == [
            ("comment", "officer2", [("comment", "officer1")]),
            ("send_back", "officer2", [("comment", "officer1"), ("resubmit", "officer1")]),
            ("approve", "officer2", []),
        ]
        first = threads[0].comment
        assert (first.section, first.line, first.revision) == ("parameters.amount", 12, 2)
        assert threads[1].replies[1].body == f"revision {draft.revision}"


def test_a_comment_answers_only_a_comment_of_the_same_version_and_a_line_of_its_text(
    store: Engine,
) -> None:
    with session_of(store) as session:
        one = _successor(session, "2030.1", "2030-01-01")
        other = service.find(session, "hnte-2016", "2016.1")
        assert other is not None
        elsewhere = review.add(session, other, "officer2", "a note", kind="approve")
        with pytest.raises(Invalid, match="not a comment of version"):
            review.add(session, one, "officer2", "answer", reply_to=elsewhere.id)
        lines = len(one.source.splitlines())
        with pytest.raises(Invalid, match="past the end"):
            review.add(session, one, "officer2", "here", line=lines + 1)
        # A published version's review is closed.
        with pytest.raises(Invalid, match="review is closed"):
            review.add(session, other, "officer2", "late")


def test_publication_takes_a_chosen_date_and_supersedes_the_day_before(store: Engine) -> None:
    with session_of(store) as session:
        draft = _successor(session, "2030.1", "2030-01-01")
        service.approve(session, "officer2", draft, "")
        session.commit()
        approved = service.approved_on(session, draft)
        assert approved is not None
        with pytest.raises(Invalid, match="before the approval"):
            service.publish(session, "officer2", draft, approved - dt.timedelta(days=1))
        session.rollback()
    with session_of(store) as session:
        draft = service.find(session, REWARD_ID, "2030.1")
        assert draft is not None and draft.state == "approved"
        service.publish(session, "officer2", draft, dt.date(2030, 3, 1))
        session.commit()
        old = service.find(session, REWARD_ID, "2026.2")
        assert old is not None and old.state == "superseded"
        assert old.effective_to == dt.date(2030, 2, 28)  # the day before, no gap, no overlap
        assert draft.effective_from == dt.date(2030, 3, 1)
        publish = [e for e in service.history(session, draft) if e.event == "publish"]
        assert "effective from 2030-03-01 (the document says 2030-01-01)" in publish[0].note
        pack = source.current_pack(session)
        assert pack.get(REWARD_ID, 2030).version == "2030.1"
        assert pack.get(REWARD_ID, 2030).effective_from == dt.date(2030, 3, 1)


@pytest.mark.parametrize("start", [dt.date(2030, 3, 1), dt.date(2030, 2, 15)])
def test_a_date_overlapping_the_version_in_force_is_refused(store: Engine, start: dt.date) -> None:
    with session_of(store) as session:
        first = _successor(session, "2030.1", "2030-01-01")
        service.approve(session, "officer2", first, "")
        service.publish(session, "officer2", first, dt.date(2030, 3, 1))
        second = _successor(session, "2031.1", "2031-01-01")
        service.approve(session, "officer2", second, "")
        with pytest.raises(Invalid, match=r"overlaps version 2030\.1"):
            service.publish(session, "officer2", second, start)
        service.publish(session, "officer2", second)  # the document's own date
        assert first.effective_to == dt.date(2030, 12, 31)


# -- the API, the page, the CLI-facing answers ----------------------------------------------------


def _client(app: Any, user: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(app)
    return client, {"X-CSRF-Token": login(client, user)}


def test_review_thread_and_publication_date_through_the_api_and_page(any_app: Any) -> None:  # noqa: F811
    from kechuang.store.engine import make_sessionmaker

    with make_sessionmaker(any_app.state.engine)() as session:
        service.seed(session)
        session.commit()
    officer1, h1 = _client(any_app, "officer1")
    officer2, h2 = _client(any_app, "officer2")
    admin, ha = _client(any_app, "admin1")
    enterprise, _ = _client(any_app, "ent_a")
    vid = officer1.post(f"{API}/drafts", json={"source": REWARD}, headers=h1).json()["id"]
    assert officer1.post(f"{API}/versions/{vid}/submit", headers=h1).status_code == 200

    refused = officer2.post(f"{API}/versions/{vid}/send-back", json={"reason": ""}, headers=h2)
    assert refused.status_code == 422
    said = officer2.post(
        f"{API}/versions/{vid}/comment",
        headers=h2,
        json={"body": "which clause?", "section": "conditions", "line": 2},
    )
    assert said.status_code == 201, said.text
    cid = said.json()["id"]
    assert admin.post(f"{API}/versions/{vid}/comment", json={"body": "x"},
                      headers=ha).status_code == 403  # fmt: skip
    back = officer2.post(
        f"{API}/versions/{vid}/send-back", headers=h2, json={"reason": "name the clause", "line": 3}
    )
    assert back.status_code == 200 and back.json()["state"] == "draft"
    answer = officer1.post(
        f"{API}/versions/{vid}/comment", headers=h1, json={"body": "第二条", "reply_to": cid}
    )
    assert answer.status_code == 201 and answer.json()["reply_to"] == cid
    assert officer1.post(f"{API}/versions/{vid}/submit", headers=h1).status_code == 200
    thread = admin.get(f"{API}/versions/{vid}/comments").json()
    assert [(c["kind"], c["author"], c["reply_to"] is not None) for c in thread] == [
        ("comment", "officer2", False), ("send_back", "officer2", False),
        ("comment", "officer1", True), ("resubmit", "officer1", True),
    ]  # fmt: skip
    assert enterprise.get(f"{API}/versions/{vid}/comments").status_code == 403

    page = officer2.get(f"/officer/policies/versions/{vid}?lang=en")
    assert 'id="review-thread"' in page.text and "name the clause" in page.text
    assert "第二条" in page.text and 'name="reply_to"' in page.text
    assert 'type="date" name="effective_from"' not in page.text  # not approved yet

    assert officer2.post(f"{API}/versions/{vid}/approve", json={}, headers=h2).status_code == 200
    page = officer2.get(f"/officer/policies/versions/{vid}")
    assert 'type="date" name="effective_from" value="2024-01-01"' in page.text
    early = officer2.post(
        f"{API}/versions/{vid}/publish", headers=h2, json={"effective_from": "2000-01-01"}
    )
    assert early.status_code == 422 and "before the approval" in early.text
    done = officer2.post(f"{API}/versions/{vid}/publish", json={}, headers=h2)
    assert done.status_code == 200 and done.json()["effective_from"] == "2024-01-01"
