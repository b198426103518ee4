"""The demo (`kechuang applications demo`, run by `make run`) on SQLite and PostgreSQL: an HNTE
round and a project round under sts-major-project (its score table, grant cap, matching ratio
and pass mark from the policy), applications at every stage, each step taken through its service
with its audit row: every transition in the applications' history has one, by the same actor."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kechuang.accounts.tables import AuditEntry
from kechuang.applications import demo, rounds
from kechuang.applications.tables import AppEvent, Application, Milestone, Round
from kechuang.enterprises.importer import import_panel
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade
from tests.applications.conftest import HNTE
from tests.enterprises.panels import write_csv
from tests.policies.conftest import rows

# The step each history line's event belongs to (applications.steps), by subject.
STEP_OF = {
    ("application", "create"): "application.apply",
    ("application", "submit"): "application.submit",
    ("application", "send_back"): "application.return",
    ("application", "accept"): "application.accept",
    ("application", "assign"): "application.assign",
    ("application", "close"): "application.close",
    ("application", "publish"): "application.publish",
    ("application", "approve"): "application.approve",
    ("assignment", "take"): "assignment.accept",
    ("assignment", "seal"): "assignment.submit",
    ("milestone", "pay"): "milestone.pay",
}


@pytest.fixture
def store(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    engine = make_engine(database_url)
    upgrade(engine)
    panel_rows = [row for _ in range(10) for row in rows(base=HNTE)]
    for row in panel_rows:
        for key, value in list(row.items()):
            row[key] = ("true" if value else "false") if isinstance(value, bool) else value
            row[key] = "" if value is None else row[key]
    path = write_csv(tmp_path / "panel.csv", panel_rows, list(panel_rows[0].keys()))
    import_panel(path, engine, snapshot=False)
    try:
        yield engine
    finally:
        engine.dispose()


def test_the_demo_takes_every_step_through_its_service_with_its_audit_row(store: Engine) -> None:
    demo.seed(store)
    with make_sessionmaker(store)() as session:
        project = session.scalars(select(Round).where(Round.kind == "project")).one()
        assert project.policy_id == "sts-major-project"
        assert project.grant_cap_fen == 5_000_000_00 and project.matching_bp == 10_000
        assert project.pass_mark == 60
        assert project.max_share_bp == 3_000 and project.min_budget_fen == 20_000_000_00
        assert [i.id for i in rounds.items(project) if not i.judgement] == [
            "innovation", "feasibility", "funding", "impact", "team",
        ]  # fmt: skip
        states = Counter(a.state for a in session.scalars(select(Application)))
        assert len(states) >= 6  # applications at many stages
        assert session.scalars(select(Milestone).where(Milestone.state == "paid")).first()

        audited = Counter(
            (e.action, e.subject_type, e.subject_id, e.actor)
            for e in session.scalars(select(AuditEntry))
        )
        events = list(session.scalars(select(AppEvent).order_by(AppEvent.id)))
        assert events
        expected: Counter[tuple[str, str, str, str]] = Counter()
        for event in events:
            step = STEP_OF.get((event.subject_type, event.event))
            if step is None:
                assert event.event in ("edit", "score", "create"), event.event
                continue
            expected[(step, event.subject_type, str(event.subject_id), event.actor)] += 1
        missing = expected - audited
        assert not missing, missing
        # Edits and scores have theirs too: one audit row per history line of the demo.
        assert sum(1 for e in session.scalars(select(AuditEntry)) if e.subject_type in (
            "application", "assignment", "milestone")) >= len(events)  # fmt: skip


def test_the_demo_is_re_runnable(store: Engine) -> None:
    demo.seed(store)
    with make_sessionmaker(store)() as session:
        before = len(list(session.scalars(select(AuditEntry.id))))
    demo.seed(store)
    with make_sessionmaker(store)() as session:
        assert len(list(session.scalars(select(AuditEntry.id)))) == before
