"""The pages without a browser: every page renders for the roles it serves (zh and en), the
buttons it offers are exactly the steps the state and the role allow, and the forms post to the
steps. The browser journey (test_browser_journey.py) drives the same pages in Chromium."""

from __future__ import annotations

import re
from typing import Any

from tests.applications.conftest import PDF, World
from tests.applications.test_access import scored, seat_of, to_panel
from tests.applications.test_journey_api import SHEETS

API = "/api/v1/applications"


def verbs(html: str, section: str | None = None) -> list[str]:
    if section is not None:
        start = html.index(f'id="{section}"')
        html = html[start : html.find("</section>", start)]
    return re.findall(r'class="step step-([a-z_]+)', html)


def post_form(client: Any, html: str, verb: str, fields: dict[str, str] | None = None) -> Any:
    action = re.search(rf'<form method="post" action="([^"]+)" class="step step-{verb}\b', html)
    assert action is not None, f"no {verb} form offered"
    data = {"csrf_token": client.headers["X-CSRF-Token"], **(fields or {})}
    return client.post(action.group(1), data=data, follow_redirects=False)


def test_forms_follow_the_state_and_the_role(world: World) -> None:
    ent, officer = world.client("ent_a"), world.client("officer1")
    round_page = ent.get(f"/applications/rounds/{world.round_id}").text
    assert "研究开发组织管理水平" in round_page and verbs(round_page) == ["apply"]
    assert verbs(officer.get(f"/applications/rounds/{world.round_id}").text) == []
    made = post_form(ent, round_page, "apply")
    assert made.status_code == 303
    url = made.headers["location"].split("?")[0]
    page = ent.get(url).text
    assert set(verbs(page, "actions")) == {"submit", "withdraw"}
    assert "correct" in verbs(page, "facts") and "answer" in verbs(page, "questions")
    answered = post_form(ent, page, "answer", {"condition": "supported_field", "text": "电子信息"})
    assert answered.status_code == 303
    refused = post_form(ent, page, "submit")
    assert refused.status_code == 409 and "尚缺" in refused.text
    assert verbs(officer.get(url).text, "actions") == []  # a draft is not the officers' yet
    english = ent.get(url + "?lang=en").text
    assert "Still missing" in english and "Core technology" in english
    wrong = post_form(ent, page, "correct", {"fact": "st_staff", "value": "many", "reason": "x"})
    assert wrong.status_code == 422 and "st_staff" in wrong.text


def test_expert_pages_show_only_the_own_sheet(world: World) -> None:
    application_id = to_panel(world)
    officer_page = world.client("officer1").get(f"/applications/{application_id}").text
    assert "EXP1" in officer_page and verbs(officer_page, "actions") == ["assign", "close"]
    expert = world.client("exp1")
    seat = seat_of(world, "exp1")
    index = expert.get("/expert").text
    assert f"/expert/assignments/{seat}" in index
    page = expert.get(f"/expert/assignments/{seat}").text
    assert set(verbs(page)) == {"accept", "decline", "declare"}
    post_form(expert, page, "accept")
    page = expert.get(f"/expert/assignments/{seat}").text
    assert verbs(page).count("score") == len(SHEETS["exp1"]) and "submit" in verbs(page)
    item = re.search(r'id="item-organisation_points".*?</tr>', page, re.S)
    assert item is not None
    scored = post_form(
        expert,
        item.group(0),
        "score",
        {"item": "organisation_points", "points": "21", "comment": "超出范围"},
    )
    assert scored.status_code == 422 and "0 至 20" in scored.text
    assert expert.get(f"/applications/{application_id}").status_code == 200


def test_the_officer_page_shows_versions_panel_and_decision(world: World) -> None:
    application_id = scored(world)
    officer = world.client("officer1")
    page = officer.get(f"/applications/{application_id}").text
    assert verbs(page, "actions") == ["assign", "close"] and 'id="decision"' not in page
    post_form(officer, page, "close")
    page = officer.get(f"/applications/{application_id}?lang=en").text
    assert 'id="final">73<' in page and "outlier" in page and "disagreement" in page
    assert verbs(page, "actions") == ["publish"]
    ent_page = world.client("ent_a").get(f"/applications/{application_id}").text
    assert 'id="decision"' not in ent_page and 'id="panel"' not in ent_page
    assert PDF  # the evidence the journey attached is listed with its hash
    assert "sha256" in ent_page


def test_a_project_plan_is_entered_in_yuan_on_the_forms(world: World) -> None:
    from tests.applications.test_projects import open_project_round

    round_id = open_project_round(world)
    ent = world.client("ent_a")
    made = post_form(ent, ent.get(f"/applications/rounds/{round_id}").text, "apply")
    url = made.headers["location"].split("?")[0]
    page = ent.get(url).text
    post_form(ent, page, "attest", {"condition": "permitted_products"})
    plan = {"budget_yuan": "8,000,000", "requested_yuan": "3,000,000", "matching_yuan": "3,000,000"}
    assert post_form(ent, page, "plan", plan).status_code == 303
    for seq, (due, amount) in enumerate(
        (("2025-06-30", "1,000,000.01"), ("2025-09-30", "999,999.99"), ("2025-12-31", "1,000,000")),
        start=1,
    ):
        fields = {"title": f"里程碑{seq}", "due_on": due, "amount_yuan": amount}
        assert post_form(ent, page, "milestone", fields).status_code == 303
    page = ent.get(url).text
    assert 'id="complete"' in page, page[page.find('id="precheck"') :][:600]
    assert "¥1,000,000.01" in page and "¥3,000,000.00" in page
    detail = ent.get(f"{API}/{url.rsplit('/', 1)[1]}").json()
    assert [m["amount_fen"] for m in detail["milestones"]] == [100_000_001, 99_999_999, 100_000_000]
