"""One transfer step taken from the API, a page form and the CLI: the same bounds, the same
audit row. The step is `empowerment.request` on a result (its page has the form)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

os.environ.setdefault("KECHUANG_PASSWORD_HASH", "fast")

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kechuang.accounts.service import create_account
from kechuang.accounts.tables import AuditEntry
from kechuang.cli import app as cli_app
from kechuang.store.engine import make_sessionmaker
from kechuang.web.app import create_app
from tests.transfer.conftest import add_patent

PASSWORD = "pass-word-1 long enough"


@pytest.fixture
def world(engine: Engine, database_url: str, tmp_path: Path, monkeypatch: Any) -> Any:
    monkeypatch.setenv("KECHUANG_DATABASE_URL", database_url)
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    with make_sessionmaker(engine)() as session:
        create_account(session, "tto_fudan", PASSWORD, "tech_transfer", org="fudan")
        ids = [
            add_patent(session, number=number).id
            for number in ("201710601862.3", "201810000001.4", "201910000002.3")
        ]
        session.commit()
    return ids


def _client(engine: Engine) -> tuple[TestClient, str]:
    client = TestClient(create_app(engine))
    response = client.post("/api/v1/session", json={"username": "tto_fudan", "password": PASSWORD})
    assert response.status_code == 201, response.text
    return client, str(response.json()["csrf_token"])


def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    with make_sessionmaker(engine)() as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "empowerment.request")
            .order_by(AuditEntry.id)
        ).all()
        return [(r.actor, r.action, r.subject_type, r.before, r.after) for r in rows]


def test_one_step_three_surfaces_one_kind_of_audit_row(engine: Engine, world: list[int]) -> None:
    api_result, form_result, cli_result = world
    client, csrf = _client(engine)
    headers = {"X-CSRF-Token": csrf}
    note = {"note": "完成人申请赋权"}
    api = client.post(
        f"/api/v1/transfer/results/{api_result}/empowerments", json=note, headers=headers
    )
    assert api.status_code == 201, api.text
    form = client.post(
        f"/transfer/results/{form_result}/empowerments",
        data={**note, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert form.status_code == 303, form.text
    cli = CliRunner().invoke(
        cli_app,
        ["transfer", "empowerment", "request", str(cli_result), "--note", note["note"],
         "--by", "TTO_FUDAN"],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    rows = _rows(engine)
    assert len(rows) == 3
    # identical apart from the subject: same actor, action, states and validated input
    assert rows[0] == rows[1] == rows[2]
    assert rows[0][4]["input"] == note


def test_bounds_are_the_same_on_every_surface(engine: Engine, world: list[int]) -> None:
    too_long = {"note": "长" * 2_001}
    client, csrf = _client(engine)
    api = client.post(
        f"/api/v1/transfer/results/{world[0]}/empowerments",
        json=too_long,
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 422
    form = client.post(
        f"/transfer/results/{world[0]}/empowerments",
        data={**too_long, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert form.status_code == 422
    cli = CliRunner().invoke(
        cli_app,
        ["transfer", "empowerment", "request", str(world[0]), "--note", too_long["note"],
         "--by", "tto_fudan"],
    )  # fmt: skip
    assert cli.exit_code == 2 and "note" in cli.output
    assert _rows(engine) == []
