"""Access for every new route: an enterprise reaches only its own applications, an expert only
those it is assigned to and has not left, scores stay blind until the panel closes, and every
step refuses the roles it is not for. Out of scope is always 404 (existence is not told)."""

from __future__ import annotations

import pytest

from kechuang.accounts.service import create_account
from kechuang.applications import panel
from kechuang.store.engine import make_sessionmaker
from tests.applications.conftest import PASSWORD, PDF, World
from tests.applications.test_journey_api import apply_complete, attach

API = "/api/v1/applications"


def to_panel(world: World) -> int:
    application_id = apply_complete(world, partners=world.c)
    ent, officer = world.client("ent_a"), world.client("officer1")
    assert ent.post(f"{API}/{application_id}/submit").status_code == 200
    assert officer.post(f"{API}/{application_id}/accept").status_code == 200
    assert officer.post(f"{API}/{application_id}/assign").status_code == 200
    return application_id


def scored(world: World) -> int:
    """An application whose panel (the journey's three experts) has sealed its sheets."""
    from tests.applications.test_journey_api import SHEETS

    application_id = to_panel(world)
    for expert, sheet in SHEETS.items():
        client = world.client(expert)
        seat = seat_of(world, expert)
        client.post(f"{API}/assignments/{seat}/accept")
        for item, points in sheet.items():
            client.post(
                f"{API}/assignments/{seat}/score",
                json={"item": item, "points": points, "comment": "评分依据充分"},
            )
        client.post(f"{API}/assignments/{seat}/submit")
    return application_id


def seat_of(world: World, expert: str) -> int:
    (seat,) = world.client(expert).get(f"{API}/assignments").json()
    return int(seat["id"])


def test_panel_excludes_every_kind_of_conflict(world: World) -> None:
    application_id = to_panel(world)
    seats = world.client("officer1").get(f"{API}/{application_id}/panel").json()
    names = sorted(seat["expert"] for seat in seats)
    # exp_same works for the applicant, exp_partner's organisation co-applies with it,
    # exp_far's field does not cover M7320: none of them sits.
    assert names == ["EXP1", "EXP2", "EXP3"]
    for outsider in ("exp_same", "exp_partner", "exp_far", "exp4"):
        client = world.client(outsider)
        assert client.get(f"{API}/assignments").json() == []
        assert client.get(f"{API}/{application_id}").status_code == 404
        assert client.get(f"/applications/{application_id}").status_code == 404


def test_a_declared_conflict_leaves_the_panel_and_is_replaced(world: World) -> None:
    application_id = to_panel(world)
    expert = world.client("exp1")
    seat = seat_of(world, "exp1")
    declared = expert.post(
        f"{API}/assignments/{seat}/declare", json={"relation": "曾任该企业技术顾问"}
    )
    assert declared.json()["state"] == "recused"
    assert expert.get(f"{API}/{application_id}").status_code == 404
    assert world.client("officer1").post(f"{API}/{application_id}/assign").status_code == 200
    seats = world.client("officer1").get(f"{API}/{application_id}/panel").json()
    live = sorted(s["expert"] for s in seats if s["state"] != "recused")
    assert live == ["EXP2", "EXP3", "EXP4"]


def test_scores_are_blind_until_the_panel_closes(world: World) -> None:
    application_id = to_panel(world)
    first, second = world.client("exp1"), world.client("exp2")
    seat1, seat2 = seat_of(world, "exp1"), seat_of(world, "exp2")
    first.post(f"{API}/assignments/{seat1}/accept")
    first.post(
        f"{API}/assignments/{seat1}/score",
        json={"item": "organisation_points", "points": 17, "comment": "组织管理规范"},
    )
    # Another expert cannot read, nor score on, the first expert's sheet.
    assert second.get(f"{API}/assignments/{seat1}/scores").status_code == 404
    assert (
        second.post(
            f"{API}/assignments/{seat1}/score",
            json={"item": "organisation_points", "points": 1, "comment": "篡改评分"},
        ).status_code
        == 404
    )
    assert second.get(f"/expert/assignments/{seat1}").status_code == 404
    # Nor does the second expert's own sheet show the first one's mark or comment (a bare "17"
    # could be any id or time on the page).
    own = second.get(f"/expert/assignments/{seat2}").text
    assert "<td>17</td>" not in own and "组织管理规范" not in own
    assert "<td>17</td>" in first.get(f"/expert/assignments/{seat1}").text  # as a mark shows
    # Officers see who sits, not the marks, while the panel is open; nor does the page.
    seats = world.client("officer1").get(f"{API}/{application_id}/panel").json()
    assert all(seat["marks"] is None for seat in seats)
    assert world.client("officer1").get(f"{API}/{application_id}").json()["decision"] is None
    own = first.get(f"{API}/assignments/{seat1}/scores").json()["scores"]
    assert own == [{"item": "organisation_points", "points": 17, "comment": "组织管理规范"}]
    # The panel cannot close before every seat has submitted.
    closed = world.client("officer1").post(f"{API}/{application_id}/close")
    assert closed.status_code == 409


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("answer", {"condition": "supported_field", "text": "我来替别人说明"}),
        ("correct", {"fact": "st_staff", "value": "1", "reason": "篡改"}),
        (
            "attach",
            {
                "requirement": "other",
                "file_name": "a.pdf",
                "media_type": "application/pdf",
                "content_base64": "JVBERi0=",
            },
        ),
        ("submit", None),
        ("withdraw", None),
    ],
)
def test_another_enterprise_cannot_touch_an_application(world: World, path: str, body) -> None:
    made = world.client("ent_a").post(f"{API}/rounds/{world.round_id}/apply", json={})
    application_id = made.json()["id"]
    other = world.client("ent_b")
    answer = other.post(f"{API}/{application_id}/{path}", json=body)
    assert answer.status_code == 404, answer.text
    assert other.get(f"{API}/{application_id}").status_code == 404
    assert other.get(f"/applications/{application_id}").status_code == 404
    assert other.get(f"{API}").json() == []
    upload = other.post(
        f"/applications/{application_id}/upload",
        data={"requirement": "other", "csrf_token": other.headers["X-CSRF-Token"]},
        files={"file": ("a.pdf", PDF, "application/pdf")},
    )
    assert upload.status_code == 404


@pytest.mark.parametrize(
    ("who", "path", "body"),
    [
        ("officer1", "answer", {"condition": "supported_field", "text": "官员不能代填"}),
        ("ent_a", "accept", None),
        ("ent_a", "assign", None),
        ("ent_a", "close", None),
        ("ent_a", "publish", None),
        ("ent_a", "approve", None),
        ("exp1", "return", {"reasons": "专家不能退回"}),
        ("bank1", "accept", None),
        ("analyst1", "accept", None),
    ],
)
def test_roles_that_a_step_is_not_for_are_forbidden(
    world: World, who: str, path: str, body
) -> None:
    made = world.client("ent_a").post(f"{API}/rounds/{world.round_id}/apply", json={})
    application_id = made.json()["id"]
    answer = world.client(who).post(f"{API}/{application_id}/{path}", json=body)
    assert answer.status_code == 403, answer.text


def test_readers_outside_the_parties_see_nothing(world: World) -> None:
    made = world.client("ent_a").post(f"{API}/rounds/{world.round_id}/apply", json={})
    application_id = made.json()["id"]
    bank = world.client("bank1")
    assert bank.get(f"{API}").json() == []
    assert bank.get(f"{API}/{application_id}").status_code == 404
    assert bank.get(f"{API}/{application_id}/panel").status_code == 404
    assert world.client("analyst1").get(f"{API}/{application_id}").status_code == 200
    assert world.client("ent_a").get(f"{API}/{application_id}/panel").json() == []
    anonymous = world.client("ent_a")
    anonymous.cookies.clear()
    del anonymous.headers["X-CSRF-Token"]
    assert anonymous.get(f"{API}/{application_id}").status_code == 401


def test_availability_is_the_experts_own_or_an_officers(world: World) -> None:
    from sqlalchemy import select

    from kechuang.applications.tables import Expert
    from kechuang.store.engine import make_sessionmaker

    with make_sessionmaker(world.engine)() as session:
        ids = dict(session.execute(select(Expert.username, Expert.id)).tuples().all())
    own = world.client("exp1").post(
        f"{API}/experts/{ids['exp1']}/availability", json={"available": False}
    )
    assert own.status_code == 200 and own.json()["available"] is False
    other = world.client("exp2").post(
        f"{API}/experts/{ids['exp1']}/availability", json={"available": True}
    )
    assert other.status_code == 404
    assert (
        world.client("ent_a")
        .post(f"{API}/experts/{ids['exp2']}/availability", json={"available": False})
        .status_code
        == 403
    )
    page = world.client("exp1").get("/expert").text
    assert "暂停参加新评审" in page and "step-availability" in page
    application_id = to_panel(world)
    seats = world.client("officer1").get(f"{API}/{application_id}/panel").json()
    assert "EXP1" not in {seat["expert"] for seat in seats}


def test_an_ipc_field_chooses_experts_of_that_technology(world: World) -> None:
    with make_sessionmaker(world.engine)() as session:
        for name, org in (("ipc1", "zju"), ("ipc2", "nju"), ("ipc3", "ustc")):
            create_account(session, name, PASSWORD, "expert", org=org)
            panel.enrol(session, name, name.upper(), org, ["ipc:g06"])
        session.commit()
    ent = world.client("ent_a")
    bad = ent.post(f"{API}/rounds/{world.round_id}/apply", json={"ipc": "软件"})
    assert bad.status_code == 422 and "IPC" in bad.text
    made = ent.post(f"{API}/rounds/{world.round_id}/apply", json={"ipc": "G06F 16/33"})
    application_id = made.json()["id"]
    for condition in ("supported_field", "innovation_capability"):
        ent.post(f"{API}/{application_id}/answer", json={"condition": condition, "text": "说明"})
        attach(ent, application_id, condition)
    officer = world.client("officer1")
    assert ent.post(f"{API}/{application_id}/submit").status_code == 200
    officer.post(f"{API}/{application_id}/accept")
    assert officer.post(f"{API}/{application_id}/assign").status_code == 200
    seats = officer.get(f"{API}/{application_id}/panel").json()
    assert sorted(s["expert"] for s in seats) == ["IPC1", "IPC2", "IPC3"]
