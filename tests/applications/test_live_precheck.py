"""The live pre-check of the application form (htmx, on each change, debounced): the pre-check
runs again with the values being typed, without saving them, and shows what is still missing;
a value that cannot be read yet is named in the page's language. Access: only the applying
enterprise, on its own draft; everyone else is refused and nothing leaks."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from kechuang.applications.tables import Application
from kechuang.store.engine import make_sessionmaker
from tests.applications.conftest import World

API = "/api/v1/applications"


def _draft(world: World) -> int:
    made = world.client("ent_a").post(f"{API}/rounds/{world.round_id}/apply", json={})
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _stored(world: World, application_id: int) -> tuple[object, object]:
    with make_sessionmaker(world.engine)() as session:
        row = session.scalars(select(Application).where(Application.id == application_id)).one()
        return dict(row.answers or {}), dict(row.corrections or {})


def test_the_page_wires_each_editable_form_to_the_live_pre_check(world: World) -> None:
    application_id = _draft(world)
    page = world.client("ent_a").get(f"/applications/{application_id}").text
    wired = page.count(f'hx-post="/applications/{application_id}/precheck"')
    assert wired >= 3  # the correction and each question's answer
    assert 'hx-trigger="input delay:400ms, change"' in page and 'hx-target="#precheck"' in page


def test_typing_an_answer_updates_what_is_missing_without_saving(world: World) -> None:
    ent = world.client("ent_a")
    application_id = _draft(world)
    page = ent.get(f"/applications/{application_id}?lang=zh").text
    assert "请说明：核心技术属于《国家重点支持的高新技术领域》" in page
    before = _stored(world, application_id)
    live = ent.post(
        f"/applications/{application_id}/precheck?lang=zh",
        data={"condition": "supported_field", "text": "电子信息：新型电子元器件"},
    )
    assert live.status_code == 200
    assert live.text.startswith('<section id="precheck"') and 'id="precheck-live"' in live.text
    assert "请说明：核心技术属于《国家重点支持的高新技术领域》" not in live.text
    assert "请上传证明材料：核心技术属于" in live.text  # the evidence is still missing
    assert _stored(world, application_id) == before  # nothing saved
    again = ent.get(f"/applications/{application_id}?lang=zh").text
    assert "请说明：核心技术属于《国家重点支持的高新技术领域》" in again


def test_a_correction_being_typed_is_checked_and_a_bad_value_named(world: World) -> None:
    ent = world.client("ent_a")
    application_id = _draft(world)
    bad = ent.post(
        f"/applications/{application_id}/precheck?lang=zh",
        data={"fact": "st_staff", "value": "很多", "reason": ""},
    )
    assert bad.status_code == 200 and "st_staff 应为数字" in bad.text
    english = ent.post(
        f"/applications/{application_id}/precheck?lang=en",
        data={"fact": "st_staff", "value": "many"},
    )
    assert "st_staff: a number" in english.text
    # Fewer S&T staff than 10% of the employees: the condition turns unmet as it is typed.
    low = ent.post(
        f"/applications/{application_id}/precheck?lang=en", data={"fact": "st_staff", "value": "1"}
    )
    row = low.text.split("S&amp;T staff at least 10% of employees")[1].split("</tr>")[0]
    assert "status-unmet" in row
    assert _stored(world, application_id)[1] == {}


def test_only_the_applicant_may_run_its_live_pre_check(world: World) -> None:
    application_id = _draft(world)
    url = f"/applications/{application_id}/precheck"
    data = {"condition": "supported_field", "text": "x"}
    assert world.client("ent_b").post(url, data=data).status_code == 404
    assert world.client("exp1").post(url, data=data).status_code == 404
    assert world.client("officer1").post(url, data=data).status_code == 422  # not its draft
    assert world.client("bank1").post(url, data=data).status_code == 404
    anonymous = TestClient(world.app).post(url, data=data, follow_redirects=False)
    assert anonymous.status_code in (303, 401) and "precheck" not in anonymous.text
    cookie_only = world.client("ent_a")
    del cookie_only.headers["X-CSRF-Token"]
    assert cookie_only.post(url, data=data).status_code == 403
    assert world.client("ent_a").post("/applications/999999/precheck", data=data).status_code == 404
