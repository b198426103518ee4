"""Applications fixtures: a migrated store (SQLite and PostgreSQL) holding three enterprises that
meet HNTE's data conditions (the policies' golden base), accounts of every role, an expert
pool and an open HNTE round; a movable clock; API clients signed in as any account."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("KECHUANG_PASSWORD_HASH", "fast")

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kechuang.accounts.service import create_account
from kechuang.applications import panel, rounds
from kechuang.enterprises.importer import import_panel
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade
from kechuang.web.app import create_app
from tests.enterprises.panels import write_csv
from tests.policies.conftest import rows

PASSWORD = "pass-word-1 long enough"
TODAY = dt.date(2025, 3, 3)  # a Monday
HNTE = {"ip_class1": 1, "ip_class2": 0, "transformations": 5}


class Clock:
    """The app's business day, moved by the tests."""

    def __init__(self, day: dt.date = TODAY) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day

    def advance(self, days: int) -> None:
        self.day += dt.timedelta(days=days)


@dataclass
class World:
    engine: Engine
    a: str  # the applicant's USCC
    b: str  # another enterprise
    c: str  # a partner (co-applicant) of A
    round_id: int
    clock: Clock
    app: Any

    def client(self, username: str) -> TestClient:
        client = TestClient(self.app)
        answer = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
        assert answer.status_code == 201, answer.text
        client.headers["X-CSRF-Token"] = str(answer.json()["csrf_token"])
        return client


def _panel(directory: Path) -> tuple[list[dict[str, Any]], list[str]]:
    out: list[dict[str, Any]] = []
    usccs = []
    for _ in range(3):
        firm = rows(base=HNTE)
        usccs.append(firm[0]["uscc"])
        out.extend(firm)
    for row in out:
        for key, value in list(row.items()):
            if isinstance(value, bool):
                row[key] = "true" if value else "false"
            elif value is None:
                row[key] = ""
    return out, usccs


@pytest.fixture
def world(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("KECHUANG_DATABASE_URL", database_url)
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    engine = make_engine(database_url)
    upgrade(engine)
    panel_rows, (a, b, c) = _panel(tmp_path)
    columns = list(panel_rows[0].keys())
    import_panel(write_csv(tmp_path / "panel.csv", panel_rows, columns), engine, snapshot=False)
    with make_sessionmaker(engine)() as session:
        for name, role, uscc, org in (
            ("officer1", "officer", None, None),
            ("officer2", "officer", None, None),
            ("analyst1", "analyst", None, None),
            ("ent_a", "enterprise", a, None),
            ("ent_b", "enterprise", b, None),
            ("bank1", "bank", None, "bank-one"),
            ("exp_same", "expert", None, a),
            ("exp_partner", "expert", None, c),
            ("exp1", "expert", None, "fudan"),
            ("exp2", "expert", None, "sjtu"),
            ("exp3", "expert", None, "tongji"),
            ("exp4", "expert", None, "ecnu"),
            ("exp_far", "expert", None, "shu"),
        ):
            create_account(session, name, PASSWORD, role, uscc=uscc, org=org)
        # Two conflicted experts enrol first, so that a panel taken by enrolment order alone
        # would seat them; the far expert's field does not cover the applicants'.
        for name, org, fields in (
            ("exp_same", a, ["M73"]),
            ("exp_partner", c, ["M"]),
            ("exp1", "fudan", ["M73"]),
            ("exp2", "sjtu", ["M7"]),
            ("exp3", "tongji", ["M73"]),
            ("exp4", "ecnu", ["M"]),
            ("exp_far", "shu", ["C26"]),
        ):
            panel.enrol(session, name, name.upper(), org, fields)
        round_ = rounds.open_round(
            session,
            "officer1",
            policy_id="hnte-2016",
            kind="recognition",
            title_zh="2025年高新技术企业认定（第一批）",
            title_en="HNTE recognition 2025, first round",
            year=2024,
            opens_on=dt.date(2025, 3, 1),
            deadline=dt.date(2025, 3, 31),
            aggregation="trimmed_mean",
            panel_size=3,
            outlier_points=10,
        )
        session.commit()
        round_id = round_.id
    clock = Clock()
    app = create_app(engine)
    app.state.clock = clock
    try:
        yield World(engine, a, b, c, round_id, clock, app)
    finally:
        engine.dispose()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
