"""Objections to a published decision, as for screening runs: within the notice period only;
a rejected objection leaves the decision standing; an upheld one withdraws it, retires the
panel and sends the application to a new panel of experts who have not seen it."""

from __future__ import annotations

from kechuang.accounts.service import create_account
from kechuang.applications import panel
from kechuang.store.engine import make_sessionmaker
from tests.applications.conftest import PASSWORD, World
from tests.applications.test_access import scored

API = "/api/v1/applications"


def published(world: World) -> int:
    application_id = scored(world)
    officer = world.client("officer1")
    assert officer.post(f"{API}/{application_id}/close").status_code == 200
    assert officer.post(f"{API}/{application_id}/publish").status_code == 200
    return application_id


def test_a_rejected_objection_leaves_the_decision(world: World) -> None:
    application_id = published(world)
    ent = world.client("ent_a")
    objected = ent.post(f"{API}/{application_id}/object", json={"reason": "专家评分偏低"})
    assert objected.json()["state"] == "objected"
    assert (
        world.client("ent_b")
        .post(f"{API}/{application_id}/object", json={"reason": "x"})
        .status_code
        == 404
    )
    assert world.client("officer2").post(f"{API}/{application_id}/approve").status_code == 409
    dismissed = world.client("officer2").post(
        f"{API}/{application_id}/dismiss", json={"reasons": "评分程序合规"}
    )
    assert dismissed.json()["state"] == "published" and dismissed.json()["final_score"] == "73"
    world.clock.advance(8)
    late = ent.post(f"{API}/{application_id}/object", json={"reason": "再次异议"})
    assert late.status_code == 409  # the notice has ended
    assert world.client("officer2").post(f"{API}/{application_id}/approve").status_code == 200


def test_an_upheld_objection_goes_to_a_new_panel(world: World) -> None:
    application_id = published(world)
    world.client("ent_a").post(f"{API}/{application_id}/object", json={"reason": "专家有利害关系"})
    officer = world.client("officer2")
    upheld = officer.post(f"{API}/{application_id}/uphold", json={"reasons": "经核实异议成立"})
    assert upheld.json()["state"] == "accepted" and upheld.json()["final_score"] is None
    assert world.client("exp1").get(f"{API}/{application_id}").status_code == 404
    short = officer.post(f"{API}/{application_id}/assign")
    assert short.status_code == 409  # only one fresh expert left in the field
    with make_sessionmaker(world.engine)() as session:
        for name, org in (("exp5", "shnu"), ("exp6", "usst")):
            create_account(session, name, PASSWORD, "expert", org=org)
            panel.enrol(session, name, name.upper(), org, ["M"])
        session.commit()
    assert officer.post(f"{API}/{application_id}/assign").status_code == 200
    seats = officer.get(f"{API}/{application_id}/panel").json()
    live = sorted(s["expert"] for s in seats if s["state"] == "invited")
    assert live == ["EXP4", "EXP5", "EXP6"]
    assert {s["state"] for s in seats if s["expert"] in ("EXP1", "EXP2", "EXP3")} == {"retired"}
