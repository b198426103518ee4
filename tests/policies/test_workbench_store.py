"""The policy store as a specification, on SQLite and PostgreSQL: the shipped pack is seeded as
published versions (idempotently) and is what every reader gets; a draft's life runs through
edits (concurrent ones detected), golden cases run by both evaluators, four-eyes review and
publication, which supersedes the version in force without overlap."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from kechuang.policies import golden, service, source
from kechuang.policies.flows import FLOW
from kechuang.policies.tables import PolicyEvent, PolicyVersion
from kechuang.workflow.errors import Conflict, Forbidden, IllegalTransition, Invalid
from kechuang.workflow.machines import check
from tests.policies.workbench_helpers import CASES, REWARD, seeded, session_of


@pytest.fixture
def store(database_url: str) -> Iterator[Engine]:
    engine = seeded(database_url)
    yield engine
    engine.dispose()


def _draft_with_cases(engine: Engine) -> int:
    with session_of(engine) as session:
        row = service.create_draft(session, "officer1", REWARD)
        for name, facts, outcome, fen in CASES:
            golden.add(session, row, "officer1", name=name, year=2024, facts=facts,
                       outcome=outcome, score=None, benefit_fen=fen)  # fmt: skip
        session.commit()
        return row.id


def test_seed_loads_the_shipped_pack_once_and_readers_read_it(store: Engine) -> None:
    with session_of(store) as session:
        again = service.seed(session)
        session.commit()
        assert again.added == []
        stored = session.scalar(select(func.count()).select_from(PolicyVersion))
        shipped = source.shipped()
        assert stored == len(shipped.policies) == len(again.kept)
        pack = source.current_pack(session)
    as_stored = sorted((p.id, p.version, p.content_hash, p.effective_from, p.effective_to)
                       for p in pack.policies)  # fmt: skip
    as_shipped = sorted((p.id, p.version, p.content_hash, p.effective_from, p.effective_to)
                        for p in shipped.policies)  # fmt: skip
    assert as_stored == as_shipped


def test_a_draft_with_failing_golden_case_or_bad_text_cannot_be_submitted(store: Engine) -> None:
    version_id = _draft_with_cases(store)
    with session_of(store) as session:
        row = service.get(session, version_id)
        assert service.problems(session, row) == []
        golden.add(
            session, row, "officer1", name="wrong on purpose", year=2024,
            facts=CASES[0][1], outcome="ineligible", score=None, benefit_fen=None,
        )  # fmt: skip
        found = service.problems(session, row)
        assert [p.kind for p in found] == ["golden"]
        assert "wrong on purpose" in found[0].message and "scalar gave eligible" in found[0].message
        with pytest.raises(Invalid, match="cannot be submitted"):
            service.submit(session, "officer1", row)
        session.rollback()

    with session_of(store) as session:
        row = service.get(session, version_id)
        broken = REWARD.replace("revenue > min_revenue", "revenue > min_revenu")
        service.edit(session, "officer1", row, broken, row.revision)
        (problem,) = service.problems(session, row)
        assert problem.kind == "parse" and "min_revenu" in problem.message
        lines = broken.splitlines()
        line = next(n for n, text in enumerate(lines, 1) if "min_revenu\n" in text + "\n")
        assert (problem.line, problem.column) == (line, lines[line - 1].index("min_revenu") + 1)
        assert "min_revenue" in problem.message  # the suggestion
        with pytest.raises(Invalid):
            service.submit(session, "officer1", row)


def test_two_officers_editing_one_draft_never_lose_a_change(store: Engine) -> None:
    version_id = _draft_with_cases(store)
    with session_of(store) as first, session_of(store) as second:
        a = service.get(first, version_id)
        b = service.get(second, version_id)
        opened = a.revision
        renumbered = REWARD.replace("示例〔2024〕1号", "示例〔2024〕2号")
        service.edit(first, "officer1", a, renumbered, opened)
        first.commit()
        with pytest.raises(Conflict, match="saved by officer1"):
            service.edit(second, "officer2", b, REWARD.replace("奖励金额", "奖金"), opened)
    with session_of(store) as session:
        row = service.get(session, version_id)
        assert row.revision == opened + 1 and "2号" in row.source
        assert [r.revision for r in service.revisions(session, row)] == [1, 2]


def test_four_eyes_publication_supersedes_without_overlap(store: Engine) -> None:
    with session_of(store) as session:
        old = service.find(session, "first-above-scale-reward", "2026.2")
        assert old is not None and old.state == "published"
        draft = service.copy_version(session, "officer1", old, "2027.1")
        text = draft.source.replace("effective: {from: 2024-01-01, to: null}",
                                    "effective: {from: 2027-01-01, to: null}")  # fmt: skip
        text = text.replace(
            "{from: 2026-01-01, value: 300000,", "{from: 2027-01-01, value: 350000,"
        )
        service.edit(session, "officer1", draft, text, draft.revision)
        service.submit(session, "officer1", draft)
        with pytest.raises(Forbidden, match="four eyes"):
            service.approve(session, "officer1", draft, "")
        service.approve(session, "officer2", draft, "checked against the amendment")
        with pytest.raises(Forbidden):
            service.publish(session, "officer1", draft)
        service.publish(session, "officer2", draft)
        session.commit()

        old = service.find(session, "first-above-scale-reward", "2026.2")
        assert old is not None and old.state == "superseded"
        assert old.effective_to == dt.date(2026, 12, 31)
        assert draft.state == "published" and draft.reviewer == "officer2"
        pack = source.current_pack(session)
        assert pack.get("first-above-scale-reward", 2026).version == "2026.2"
        assert pack.get("first-above-scale-reward", 2027).version == "2027.1"
        assert pack.get("first-above-scale-reward", 2027).parameter_values(2027)["amount"] == 350000
        moves = [(e.event, e.actor) for e in service.history(session, draft)]
        assert moves == [("create", "officer1"), ("submit", "officer1"),
                         ("approve", "officer2"), ("publish", "officer2")]  # fmt: skip
        assert session.scalar(
            select(PolicyEvent.event).where(PolicyEvent.version_id == old.id).order_by(
                PolicyEvent.id.desc()).limit(1)
        ) == "supersede"  # fmt: skip

        # Published versions are immutable: no edit event, on any surface.
        with pytest.raises(IllegalTransition):
            check(FLOW, draft, "edit")


def test_a_new_version_may_not_start_before_the_one_it_replaces(store: Engine) -> None:
    with session_of(store) as session:
        old = service.find(session, "first-above-scale-reward", "2026.2")
        assert old is not None
        draft = service.copy_version(session, "officer1", old, "2026.3")
        (problem,) = service.problems(session, draft)
        assert problem.kind == "overlap" and "2026.2" in problem.message


def test_a_copy_may_not_reuse_a_version_number(store: Engine) -> None:
    with session_of(store) as session:
        old = service.versions_of(session, "hnte-2016")[0]
        with pytest.raises(Conflict, match="already has a version"):
            service.copy_version(session, "officer1", old, old.version)
