"""The whole HNTE journey through the API, as the issue tells it: an enterprise applies (facts
from the panel, questions, evidence), is returned once and resubmits (both versions kept), a
panel of three is assigned without the conflicted experts, the experts score blind, an outlier
is flagged, the decision is explained clause by clause, published, approved by a second
officer after the notice, and a certificate is issued.

Hand-worked numbers: the golden HNTE base has 32 data points (tests/policies/test_hnte_2016.py);
the trimmed means of the three sheets below are 19 + 4 + 16 + 2 = 41 expert points, so the
final score is 73 (> 70: 第十一条（七） met)."""

from __future__ import annotations

import base64

from tests.applications.conftest import PDF, World

SHEETS = {  # expert -> item -> points
    "exp1": {
        "ip_expert_points": 20,
        "transformation_expert_points": 4,
        "organisation_points": 16,
        "growth_expert_points": 2,
        "supported_field": 1,
    },
    "exp2": {
        "ip_expert_points": 19,
        "transformation_expert_points": 4,
        "organisation_points": 16,
        "growth_expert_points": 2,
        "supported_field": 1,
    },
    "exp3": {
        "ip_expert_points": 5,
        "transformation_expert_points": 1,
        "organisation_points": 4,
        "growth_expert_points": 0,
        "supported_field": 1,
    },
}
QUESTIONS = ("supported_field", "innovation_capability")


def attach(client, application_id: int, requirement: str) -> None:
    body = {
        "requirement": requirement,
        "file_name": f"{requirement}.pdf",
        "media_type": "application/pdf",
        "content_base64": base64.b64encode(PDF).decode(),
    }
    answer = client.post(f"/api/v1/applications/{application_id}/attach", json=body)
    assert answer.status_code == 201, answer.text


def apply_complete(world: World, partners: str = "") -> int:
    ent = world.client("ent_a")
    made = ent.post(
        f"/api/v1/applications/rounds/{world.round_id}/apply", json={"partners": partners}
    )
    assert made.status_code == 201, made.text
    application_id = int(made.json()["id"])
    for condition in QUESTIONS:
        answered = ent.post(
            f"/api/v1/applications/{application_id}/answer",
            json={"condition": condition, "text": "核心技术属于电子信息领域，详见附件。"},
        )
        assert answered.status_code == 200, answered.text
        attach(ent, application_id, condition)
    return application_id


def test_hnte_journey_end_to_end(world: World) -> None:
    ent = world.client("ent_a")
    made = ent.post(
        f"/api/v1/applications/rounds/{world.round_id}/apply", json={"partners": world.c}
    )
    assert made.status_code == 201, made.text
    application_id = int(made.json()["id"])
    detail = ent.get(f"/api/v1/applications/{application_id}").json()
    assert {(m["what"], m["key"]) for m in detail["missing"]} == {
        (what, key) for key in QUESTIONS for what in ("answer", "attachment")
    }
    refused = ent.post(f"/api/v1/applications/{application_id}/submit")
    assert refused.status_code == 409 and "尚缺" in refused.json()["detail"]

    for condition in QUESTIONS:
        ent.post(
            f"/api/v1/applications/{application_id}/answer",
            json={"condition": condition, "text": "详见附件中的说明材料。"},
        )
        attach(ent, application_id, condition)
    assert ent.get(f"/api/v1/applications/{application_id}").json()["missing"] == []
    first = ent.post(f"/api/v1/applications/{application_id}/submit")
    assert first.status_code == 200, first.text
    assert first.json()["receipt_no"].endswith("-1")

    officer = world.client("officer1")
    returned = officer.post(
        f"/api/v1/applications/{application_id}/return",
        json={"reasons": "研发费用专项审计报告缺少盖章页"},
    )
    assert returned.json()["state"] == "returned"
    assert returned.json()["resubmit_by"] == "2025-03-10"  # five working days after Monday 3rd
    corrected = ent.post(
        f"/api/v1/applications/{application_id}/correct",
        json={"fact": "st_staff", "value": "22", "reason": "2024年末新入职两名研发人员"},
    )
    assert corrected.status_code == 200, corrected.text
    second = ent.post(f"/api/v1/applications/{application_id}/submit")
    assert second.json()["receipt_no"].endswith("-2")
    detail = officer.get(f"/api/v1/applications/{application_id}").json()
    assert detail["versions"] == [1, 2]

    assert officer.post(f"/api/v1/applications/{application_id}/accept").status_code == 200
    assigned = officer.post(f"/api/v1/applications/{application_id}/assign")
    assert assigned.json()["state"] == "panel"
    seats = officer.get(f"/api/v1/applications/{application_id}/panel").json()
    assert sorted(seat["expert"] for seat in seats) == ["EXP1", "EXP2", "EXP3"]
    assert all(seat["marks"] is None for seat in seats)

    for expert, sheet in SHEETS.items():
        client = world.client(expert)
        (seat,) = client.get("/api/v1/applications/assignments").json()
        base = f"/api/v1/applications/assignments/{seat['id']}"
        assert client.post(f"{base}/accept").status_code == 200
        for item, points in sheet.items():
            scored = client.post(
                f"{base}/score",
                json={"item": item, "points": points, "comment": "依据充分，评分如上"},
            )
            assert scored.status_code == 200, scored.text
        # Blind: the expert reads its own sheet, never the panel's marks or the decision.
        assert client.get(f"/api/v1/applications/{application_id}/panel").json() == []
        assert client.get(f"/api/v1/applications/{application_id}").json()["decision"] is None
        assert client.post(f"{base}/submit").status_code == 200

    closed = officer.post(f"/api/v1/applications/{application_id}/close")
    assert closed.status_code == 200, closed.text
    assert closed.json()["final_score"] == "73" and closed.json()["outcome"] == "granted"
    decision = officer.get(f"/api/v1/applications/{application_id}").json()["decision"]
    assert decision["data_points"] == "32" and decision["expert_points"] == "41"
    by_id = {c["id"]: c for c in decision["conditions"]}
    assert by_id["innovation_capability"]["status"] == "met"
    assert by_id["innovation_capability"]["clause"].startswith("第十一条（七）")
    assert by_id["supported_field"]["source"] == "panel"
    seats = officer.get(f"/api/v1/applications/{application_id}/panel").json()
    outliers = [seat["expert"] for seat in seats if seat["outlier"]]
    assert outliers == ["EXP3"]
    assert {i["id"]: i["disagreement"] for i in decision["items"]}["ip_expert_points"] is True
    # The enterprise learns nothing before the publication.
    assert ent.get(f"/api/v1/applications/{application_id}").json()["decision"] is None

    published = officer.post(f"/api/v1/applications/{application_id}/publish")
    assert published.json()["notice_ends"] == "2025-03-10"
    assert ent.get(f"/api/v1/applications/{application_id}").json()["decision"]["final"] == "73"
    four_eyes = officer.post(f"/api/v1/applications/{application_id}/approve")
    assert four_eyes.status_code == 409
    second_officer = world.client("officer2")
    early = second_officer.post(f"/api/v1/applications/{application_id}/approve")
    assert early.status_code == 409 and "公示期" in early.json()["detail"]
    assert tsme(world, world.a)[1] == "unmet"
    world.clock.advance(8)
    approved = second_officer.post(f"/api/v1/applications/{application_id}/approve")
    assert approved.status_code == 200, approved.text
    certificate = ent.get(f"/api/v1/applications/{application_id}").json()["certificate"]
    assert certificate is not None and certificate.startswith("GR2025")
    # The certificate feeds is_hnte: the next screening finds the tsme direct route.
    assert tsme(world, world.a) == ("eligible", "met")
    assert tsme(world, world.b)[1] == "unmet"


def tsme(world: World, uscc: str) -> tuple[str, str]:
    """The tsme-2017 verdict of the next screening of 2024: its outcome and direct route."""
    from kechuang.screening.eligibility import one

    with world.engine.connect() as conn:
        _, verdict = one(conn, uscc, 2024, "tsme-2017")
    return str(verdict.outcome), str(verdict.condition("direct_route").status)
