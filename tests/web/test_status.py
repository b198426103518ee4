"""The start page (the public portal) and the status API show the counts of what was loaded, in
Chinese or English; the import statistics and batches (file names, hashes) are on the officers'
data page and in the API, for officers and admins only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kechuang.web.app import create_app
from tests.web.conftest import PASSWORD, login


def test_status_api_counts_what_was_loaded(loaded_engine: Engine) -> None:
    body = TestClient(create_app(loaded_engine)).get("/api/v1/status").json()
    assert body["enterprises"] == 3
    assert body["annual_facts"] == 6
    assert body["import_batches"] == 1
    assert body["by_year"] == [{"year": 2023, "rows": 3}, {"year": 2024, "rows": 3}]
    assert body["by_district"][0] == {
        "code": "310115",
        "name_zh": "浦东新区",
        "name_en": "Pudong New Area",
        "enterprises": 2,
    }


def test_start_page_is_chinese_by_default(loaded_engine: Engine) -> None:
    page = TestClient(create_app(loaded_engine)).get("/").text
    assert "政策库" in page and "政策计算器" in page
    assert '<span class="figure" id="count-enterprises">3</span>' in page


def test_language_switch_to_english_is_remembered(loaded_engine: Engine) -> None:
    client = TestClient(create_app(loaded_engine))
    assert "Policy library" in client.get("/?lang=en").text
    assert "The city at a glance" in client.get("/").text


def test_empty_store_tells_the_officer_how_to_load_data(engine: Engine) -> None:
    from kechuang.accounts.service import create_account
    from kechuang.store.engine import session_scope

    with session_scope(engine) as session:
        create_account(session, "officer1", PASSWORD, "officer")
    client = TestClient(create_app(engine))
    login(client, "officer1")
    page = client.get("/officer/data").text
    assert "kechuang import" in page


def test_import_statistics_are_on_the_officers_data_page(world_app: Any) -> None:
    officer = TestClient(world_app)
    login(officer, "officer1")
    page = officer.get("/officer/data").text
    assert "已载入的数据" in page and "浦东新区" in page
    assert "world.csv" in page and ("cd" * 6) in page
    enterprise = TestClient(world_app)
    login(enterprise, "ent_a")
    assert enterprise.get("/officer/data").status_code == 403
    anonymous = TestClient(world_app).get("/officer/data", follow_redirects=False)
    assert anonymous.status_code in (303, 401) and "world.csv" not in anonymous.text


def test_openapi_document_lists_the_status_api(engine: Engine) -> None:
    spec = TestClient(create_app(engine)).get("/openapi.json").json()
    assert "/api/v1/status" in spec["paths"]


def test_anonymous_status_has_counts_but_no_file_names_or_hashes(loaded_engine: Engine) -> None:
    client = TestClient(create_app(loaded_engine))
    response = client.get("/api/v1/status")
    assert response.status_code == 200
    assert "batches" not in response.json() and "latest_batch" not in response.json()
    assert "demo.csv" not in response.text and "ab" * 6 not in response.text
    page = client.get("/").text
    assert "demo.csv" not in page and "ab" * 6 not in page


@pytest.mark.parametrize(
    ("username", "sees_batches"),
    [
        ("officer1", True),
        ("admin1", True),
        ("analyst1", False),
        ("bank1", False),
        ("ent_a", False),
    ],
)
def test_only_officers_and_admins_see_the_import_batches(
    world_app: Any, username: str, sees_batches: bool
) -> None:
    client = TestClient(world_app)
    login(client, username)
    body = client.get("/api/v1/status").json()
    assert body["enterprises"] == 3 and body["import_batches"] == 1
    if sees_batches:
        (batch,) = body["batches"]
        assert batch["file_name"] == "world.csv" and batch["sha256"] == "cd" * 32
        assert batch["row_count"] == 6
    else:
        assert "batches" not in body and "world.csv" not in str(body) and "cd" * 32 not in str(body)
