"""The annual report (CLI, HTML, PDF) and the pages and API, over the stored world."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from kechuang.accounts.service import create_account
from kechuang.accounts.tables import Account
from kechuang.cli import app as cli
from kechuang.stats.catalogue import catalogue
from kechuang.store.engine import make_sessionmaker
from kechuang.web.app import create_app
from tests.stats.world import World

PASSWORD = "pass-word-1"


def test_report_cli_writes_html_with_every_indicator_and_a_pdf(
    world_env: World, tmp_path: Path
) -> None:
    html, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    result = CliRunner().invoke(
        cli, ["report", "--year", "2024", "--out", str(html), "--pdf", str(pdf)]
    )
    assert result.exit_code == 0, result.output
    text = html.read_text(encoding="utf-8")
    for indicator in catalogue():
        # Each indicator is shown with a link to its definition, and the definition is there.
        assert f'href="#def-{indicator.id}"' in text
        assert f'id="def-{indicator.id}"' in text
        assert indicator.name_zh in text and escape(indicator.name_en) in text
    assert "2024年度科技创新服务年报" in text and "Annual Report 2024" in text
    assert "echarts" in text and "<script src=" not in text  # self-contained
    assert pdf.read_bytes().startswith(b"%PDF")


def test_report_refuses_a_year_without_data(world_env: World, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["report", "--year", "2019", "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 2 and not (tmp_path / "r.html").exists()


def _client(world: World, role: str) -> TestClient:
    username = f"{role}-stats"
    with make_sessionmaker(world.engine)() as session:
        if session.scalar(select(Account).where(Account.username == username)) is None:
            uscc = _uscc(world) if role == "enterprise" else None
            create_account(session, username, PASSWORD, role, uscc=uscc)
            session.commit()
    client = TestClient(create_app(world.engine))
    response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return client


def _uscc(world: World) -> str:
    import pyarrow.parquet as pq

    return str(pq.read_table(world.panel, columns=["uscc"]).column(0)[0])


def test_pages_show_every_indicator_traceable_to_its_definition(world_env: World) -> None:
    client = _client(world_env, "analyst")
    page = client.get("/indicators?year=2024")
    assert page.status_code == 200
    for indicator in catalogue():
        assert f'href="/indicators/{indicator.id}?year=2024"' in page.text
        detail = client.get(f"/indicators/{indicator.id}")
        assert detail.status_code == 200
        assert indicator.description_zh in detail.text
        assert re.search(r'<pre id="formula">SELECT year', detail.text)
    definitions = client.get("/api/v1/indicators").json()
    assert {d["id"] for d in definitions} == {i.id for i in catalogue()}
    values = client.get("/api/v1/indicators/revenue/values", params={"dimension": "district"})
    assert values.status_code == 200 and values.json()["items"]
    assert client.get("/api/v1/indicators/revenue/values?dimension=planet").status_code == 422
    assert client.get("/api/v1/indicators/nothing/values").status_code == 404
    cultivation = client.get("/cultivation?year=2024")
    assert cultivation.status_code == 200 and 'id="watch-table"' in cultivation.text
    for path in ("funnel", "moves", "watch", "incubators"):
        assert client.get(f"/api/v1/cultivation/{path}?year=2024").status_code == 200
    report = client.get("/report?year=2024")
    assert report.status_code == 200 and "def-revenue" in report.text


def test_enterprises_cannot_read_the_indicators(world_env: World) -> None:
    client = _client(world_env, "enterprise")
    assert client.get("/api/v1/indicators").status_code == 403
    assert client.get("/api/v1/cultivation/funnel").status_code == 403
    anonymous = TestClient(create_app(world_env.engine))
    assert anonymous.get("/api/v1/indicators").status_code == 401
