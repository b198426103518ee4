"""Pages and API details: problem details, pagination links, the language switch, the policy
library filters, the what-if figure, the dashboard's CSV, login throttling on the login page."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, USCC_A, login


def test_validation_errors_are_problem_details_listing_each_field(world_app: Any) -> None:
    client = TestClient(world_app)
    login(client, "officer1")
    response = client.get("/api/v1/policies", params={"limit": 0, "offset": -1})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance", "errors"}
    assert {tuple(e["loc"]) for e in body["errors"]} == {("query", "limit"), ("query", "offset")}
    assert body["instance"] == "/api/v1/policies"


def test_lists_are_paginated_with_total_and_links(world_app: Any) -> None:
    client = TestClient(world_app)
    login(client, "officer1")
    first = client.get("/api/v1/policies", params={"limit": 2}).json()
    assert first["total"] > 2 and len(first["items"]) == 2
    assert first["links"]["prev"] is None
    second = client.get(first["links"]["next"]).json()
    assert second["offset"] == 2 and second["items"][0]["id"] != first["items"][0]["id"]


def test_policy_library_filters_and_clause_by_clause(world_app: Any) -> None:
    client = TestClient(world_app)
    login(client, "officer1")
    automatic = client.get("/api/v1/policies", params={"mode": "automatic", "limit": 100}).json()
    assert automatic["items"] and all(p["mode"] == "automatic" for p in automatic["items"])
    found = client.get("/api/v1/policies", params={"q": "高新技术"}).json()["items"]
    assert [p["id"] for p in found] == ["hnte-2016"]
    detail = client.get("/api/v1/policies/hnte-2016").json()
    assert detail["conditions"][0]["clause"] and detail["conditions"][0]["expression"]
    page = client.get("/policies/hnte-2016").text
    assert "条件（逐条）" in page and "国科发火〔2016〕32号" in page


def test_language_switch_is_remembered(world_app: Any) -> None:
    client = TestClient(world_app)
    login(client, "ent_a")
    assert "符合的政策" in client.get(f"/enterprises/{USCC_A}").text
    english = client.get("/me?lang=en")  # a redirect still remembers the choice
    assert "Policies you meet" in english.text
    assert "Policies you meet" in client.get(f"/enterprises/{USCC_A}").text


def test_enterprise_page_shows_reason_and_gap(world_app: Any) -> None:
    client = TestClient(world_app)
    login(client, "ent_a")
    page = client.get(f"/enterprises/{USCC_A}").text
    assert "¥200,000.00" in page  # first-above-scale-reward for 2024
    policies = client.get(f"/api/v1/enterprises/{USCC_A}/policies").json()["items"]
    by_id = {p["policy_id"]: p for p in policies}
    assert by_id["first-above-scale-reward"]["outcome"] == "eligible"
    earlier = client.get(f"/api/v1/enterprises/{USCC_A}/policies", params={"year": 2023})
    above = next(p for p in earlier.json()["items"] if p["policy_id"] == "above-scale-2019")
    assert above["outcome"] == "ineligible"  # 5 million yuan in 2023, 10 million needed
    assert any("再增加" in g["message_zh"] and "即可" in g["message_zh"] for g in above["gaps"])


def test_what_if_counts_money_by_district(world_app: Any) -> None:
    client = TestClient(world_app)
    csrf = login(client, "analyst1")
    response = client.post(
        "/api/v1/whatif",
        json={
            "policy_id": "first-above-scale-reward",
            "year": 2024,
            "overrides": {"threshold": "13000000"},
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["base_count"], body["new_count"]) == (2, 1)  # A (12 M) falls below 13 M
    assert body["base_fen"] - body["new_fen"] == 20_000_000
    pudong = next(d for d in body["districts"] if d["code"] == "310115")
    assert (pudong["lost"], pudong["gained"]) == (1, 0)
    bad = client.post(
        "/api/v1/whatif",
        json={
            "policy_id": "first-above-scale-reward",
            "year": 2024,
            "overrides": {"amount": "lots"},
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status_code == 422 and "amount" in bad.json()["detail"]


def test_dashboard_numbers_as_table_and_csv(world_app: Any) -> None:
    client = TestClient(world_app)
    login(client, "analyst1")
    rows = client.get("/api/v1/stats", params={"dimension": "policy", "year": 2024}).json()
    reward = next(r for r in rows["items"] if r["key"] == "first-above-scale-reward")
    assert (reward["enterprises"], reward["benefit_fen"]) == (2, 40_000_000)
    csv_text = client.get("/api/v1/stats.csv", params={"dimension": "district"}).text
    assert csv_text.startswith("\ufeffdimension,year,key")
    assert "浦东新区" in csv_text
    page = client.get("/dashboard").text
    assert "data-chart" in page and "/static/vendor/echarts.min.js" in page


def test_login_page_throttles_after_five_failures(world_app: Any) -> None:
    client = TestClient(world_app)
    for _ in range(5):
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        wrong = client.post(
            "/login", data={"username": "officer1", "password": "nope", "csrf_token": token}
        )
        assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    locked = client.post(
        "/login", data={"username": "officer1", "password": PASSWORD, "csrf_token": token}
    )
    assert locked.status_code == 429 and "15分钟" in locked.text


def test_session_cookie_is_httponly_and_samesite(world_app: Any) -> None:
    response = TestClient(world_app).post(
        "/api/v1/session", json={"username": "officer1", "password": PASSWORD}
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_static_assets_are_served_locally(world_app: Any) -> None:
    client = TestClient(world_app)
    for asset in ("htmx.min.js", "echarts.min.js"):
        assert client.get(f"/static/vendor/{asset}").status_code == 200


def test_a_run_page_survives_the_pack_replacing_its_policy_version(
    world_app: Any, world_engine: Any
) -> None:
    """A run keeps the version it recorded; when the pack has since replaced that version (the
    first-above-scale-reward files 2024.1 and 2026.1 became one 2026.2), its page still opens,
    titled by the version in force in the run's year."""
    from sqlalchemy import update

    from kechuang.screening.runs import start_run
    from kechuang.screening.tables import ScreeningRun

    run_id = start_run(world_engine, "first-above-scale-reward", 2024, "officer1")
    with world_engine.begin() as connection:
        connection.execute(
            update(ScreeningRun).where(ScreeningRun.id == run_id).values(policy_version="2024.1")
        )
    client = TestClient(world_app)
    login(client, "officer1")
    page = client.get(f"/officer/runs/{run_id}")
    assert page.status_code == 200
    assert "科技服务业企业首次升规奖励" in page.text
    gone = client.get("/api/v1/policies/first-above-scale-reward", params={"version": "2024.1"})
    assert gone.status_code == 404


def test_dashboard_flags_a_policy_whose_benefit_is_above_its_budget(
    world_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from kechuang.policies import catalogue
    from kechuang.policies.pack import Pack
    from kechuang.rules.policy import Budget

    client = TestClient(world_app)
    login(client, "analyst1")
    page = client.get("/dashboard?dimension=policy&year=2024&lang=zh").text
    row = page.split('id="stat-first-above-scale-reward"')[1].split("</tr>")[0]
    assert "¥20,000,000.00" in row and "超过预算" not in row  # 400,000 within 20,000,000
    shipped = catalogue.pack()
    tight = Pack(
        tuple(
            dataclasses.replace(p, budget=Budget(300_000_00))
            if p.id == "first-above-scale-reward"
            else p
            for p in shipped.policies
        )
    )
    monkeypatch.setattr(catalogue, "pack", lambda: tight)
    page = client.get("/dashboard?dimension=policy&year=2024&lang=zh").text
    flagged = page.split('id="stat-first-above-scale-reward"')[1].split("</tr>")[0]
    assert flagged.startswith(' class="flagged"') and "可享资金超过预算" in flagged
    english = client.get("/dashboard?dimension=policy&year=2024&lang=en").text
    assert "Benefit above the budget" in english
