"""Authoring a draft by section (issue 13): a section saved from the form or the API changes the
YAML through the one edit (revision check included: a stale form is refused naming who saved,
and nothing changes); the YAML and the form stay in step; each expression field is checked live
in the context of the document, with line:column of the field, the parser's suggestion and the
data contract's facts offered for an unknown name; a published version's form is a 409 and its
page says why. The store part runs on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from kechuang.accounts.service import create_account
from kechuang.cli import app
from kechuang.policies import authoring, service
from kechuang.rules.load import load_policy_text
from kechuang.store.engine import make_sessionmaker
from kechuang.workflow.errors import Conflict, Invalid
from tests.policies.workbench_helpers import DATA, REWARD, seeded, session_of
from tests.web.conftest import (  # noqa: F401 - fixtures
    engine,
    login,
    world_app,
    world_engine,
)

NEW_CONDITIONS = {
    "conditions": [
        {"id": "section_m", "label": {"zh": "M门类", "en": "In section M"}, "clause": "第二条",
         "expr": "section(industry_code) == 'M'"},
        {"id": "big", "label": {"zh": "营业收入超过下限", "en": "Revenue above the floor"},
         "clause": "第二条（三）", "expr": "revenue > min_revenue"},
    ]
}  # fmt: skip


@pytest.fixture
def store(database_url: str) -> Iterator[Engine]:
    seeded_engine = seeded(database_url)
    yield seeded_engine
    seeded_engine.dispose()


def _draft(store: Engine) -> int:
    with session_of(store) as session:
        row = service.create_draft(session, "officer1", REWARD)
        session.commit()
        return row.id


# -- the service, on both stores ----------------------------------------------------------------


def test_a_section_save_changes_the_yaml_as_a_new_revision(store: Engine) -> None:
    version_id = _draft(store)
    with session_of(store) as session:
        row = service.get(session, version_id)
        authoring.save_section(session, "officer1", row, "conditions", NEW_CONDITIONS, 1)
        session.commit()
    with session_of(store) as session:
        row = service.get(session, version_id)
        policy = load_policy_text(row.source)
        assert [c.id for c in policy.conditions] == ["section_m", "big"]
        assert row.revision == 2 and service.problems(session, row) == []
        assert row.source.startswith("# A new city reward")  # the draft's comments stay
        assert policy.parameters["min_revenue"].values[0].reference.startswith("第二条（三）")
        assert "id: growth" not in row.source and "expr: revenue > min_revenue" in row.source
        assert [r.author for r in service.revisions(session, row)] == ["officer1", "officer1"]


def test_a_stale_section_save_is_refused_naming_who_saved_and_nothing_changes(
    store: Engine,
) -> None:
    version_id = _draft(store)
    with session_of(store) as first, session_of(store) as second:
        a, b = service.get(first, version_id), service.get(second, version_id)
        authoring.save_section(first, "officer1", a, "budget", {"budget": None}, 1)
        first.commit()
        with pytest.raises(Conflict, match="revision 2 was saved by officer1"):
            authoring.save_section(second, "officer2", b, "conditions", NEW_CONDITIONS, 1)
    with session_of(store) as session:
        row = service.get(session, version_id)
        assert row.revision == 2 and "budget:" not in row.source and "id: growth" in row.source


def test_dated_values_keep_their_digits_and_references() -> None:
    data = authoring.document(REWARD)
    parameters = authoring.from_form(
        "parameters",
        {"p0.name": "amount", "p0.label_zh": "奖励金额", "p0.label_en": "Reward", "p0.unit": "yuan",
         "p0.reference": "第三条", "p0.v0.from": "2024-01-01", "p0.v0.value": "100000",
         "p0.v1.from": "2025-01-01", "p0.v1.value": "120000.50", "p0.v1.reference": "2025年修订",
         "p0.v2.from": "2026-01-01", "p0.v2.value": "1", "p0.v2.remove": "1",
         "p1.name": "min_growth", "p1.unit": "ratio", "p1.label_zh": "增长", "p1.label_en": "G",
         "p1.v0.from": "2024-01-01", "p1.v0.value": "0.20",
         "p1.remove": "", "p2.name": "", "p2.unit": "yuan"},
    )  # fmt: skip
    text = authoring.to_yaml(authoring.apply(data, "parameters", parameters))
    assert "- {from: 2025-01-01, value: 120000.50, reference: 2025年修订}" in text
    assert "value: 0.20}" in text and "2026-01-01" not in text
    changed = service.with_dated_value(text, "amount", __import__("datetime").date(2027, 1, 1),
                                       "130000", "what-if")  # fmt: skip
    assert "from: 2027-01-01" in changed  # the what-if's amendment still finds the values


def test_a_section_names_only_its_own_keys() -> None:
    with pytest.raises(Invalid, match="section budget has no key 'conditions'"):
        authoring.apply(authoring.document(REWARD), "budget", NEW_CONDITIONS)
    with pytest.raises(Invalid, match="YAML tab"):
        authoring.document("id: [unclosed")


def test_a_bad_expression_is_a_field_error_with_line_column_and_suggestion() -> None:
    check = authoring.check_field(REWARD, "revenue >= min_revenu", "condition", "revenue_above")
    assert not check.ok and (check.line, check.column) == (1, 12)
    assert check.suggestion == "min_revenue" and "unknown name 'min_revenu'" in check.message
    assert authoring.check_field(REWARD, "growth and revenue > min_revenue", "condition").ok
    unit = authoring.check_field(REWARD, "revenue", "condition")
    assert not unit.ok and "must be bool" in unit.message
    cycle = authoring.check_field(REWARD, "not revenue_above", "condition", "revenue_above")
    assert "circular reference" in cycle.message


def test_an_unknown_fact_is_named_and_facts_of_the_data_contract_offered() -> None:
    check = authoring.check_field(REWARD, "rd_expens > 0", "condition")
    assert check.unknown == "rd_expens" and check.suggestion == "rd_expense"
    assert "rd_expense" in [offer.name for offer in check.offers]
    assert check.offers[0].label_zh


# -- the pages and the API ----------------------------------------------------------------------


def _client(app: Any, user: str) -> tuple[TestClient, str]:
    client = TestClient(app, follow_redirects=False)
    return client, login(client, user)


def test_the_form_tab_saves_a_section_and_the_yaml_tab_shows_it(world_app: Any) -> None:  # noqa: F811
    with make_sessionmaker(world_app.state.engine)() as session:
        service.seed(session)
        session.commit()
    officer, csrf = _client(world_app, "officer1")
    created = officer.post("/officer/policies/drafts", data={"source": REWARD, "csrf_token": csrf})
    page_url = created.headers["location"].split("?")[0]
    version_id = int(page_url.rsplit("/", 1)[1])
    form = officer.get(page_url + "?tab=form").text
    for section in authoring.SECTIONS:
        assert f'id="form-{section}"' in form, section
    assert 'value="revenue &gt; min_revenue"' in form and 'list="facts"' in form

    fields = {"csrf_token": csrf, "revision": "1",
              "c0.id": "section_m", "c0.label_zh": "M门类", "c0.label_en": "M",
              "c0.kind": "required",
              "c0.expr": "section(industry_code) == 'M'", "c0.clause": "第二条",
              "c1.id": "growth", "c1.remove": "1", "c1.expr": "x",
              "c2.id": "big", "c2.label_zh": "大", "c2.label_en": "Big", "c2.kind": "required",
              "c2.expr": "revenue > min_revenue", "c3.kind": "required"}  # fmt: skip
    saved = officer.post(f"{page_url}/sections/conditions", data=fields)
    assert saved.status_code == 303, saved.text
    assert "tab=form" in saved.headers["location"]
    yaml_tab = officer.get(page_url).text
    assert "id: big" in yaml_tab and "id: growth" not in yaml_tab
    assert 'id="preview"' in yaml_tab and "大" in yaml_tab.split('id="preview"')[1]

    stale = officer.post(f"{page_url}/sections/budget", data={"csrf_token": csrf, "revision": "1",
                                                              "amount": "1"})  # fmt: skip
    assert stale.status_code == 409 and "officer1" in stale.text and "第 2 版" in stale.text

    api = officer.post(f"/api/v1/policies/versions/{version_id}/section",
                       json={"section": "once", "content": {"once": "ever"}, "revision": 2},
                       headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert api.status_code == 200, api.text
    assert api.json()["revision"] == 3 and api.json()["problems"] == []
    text = officer.get(f"/api/v1/policies/versions/{version_id}/yaml").text
    assert "once: ever" in text
    yaml_edit = {"csrf_token": csrf, "revision": "3", "source": text.replace("大", "规模较大")}
    edited = officer.post(f"{page_url}/edit", data=yaml_edit)
    assert edited.status_code == 303, edited.text
    assert 'value="规模较大"' in officer.get(page_url + "?tab=form").text  # the YAML, in the form

    fragment = officer.post(f"{page_url}/check-expression",
                            data={"field": "c0.expr", "kind": "condition", "own": "big",
                                  "c0.expr": "revenu > min_revenue"},
                            headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert 'id="chk-c0-expr"' in fragment.text and "field-error" in fragment.text
    assert "1行第1列" in fragment.text and 'class="offer">revenue<' in fragment.text

    checked = officer.post("/api/v1/policy-check/expression",
                           json={"source": text, "expression": "amount * 2", "kind": "amount"},
                           headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert checked.status_code == 200 and checked.json()["ok"] is True
    assert checked.json()["server_ms"] < 50

    broken = {"csrf_token": csrf, "revision": "4", "source": "id: [unclosed"}
    assert officer.post(f"{page_url}/edit", data=broken).status_code == 303  # nothing typed is lost
    unreadable = officer.get(page_url + "?tab=form").text
    assert 'id="form-unavailable"' in unreadable and "YAML 页签" in unreadable
    once = {"csrf_token": csrf, "revision": "5", "once": "ever"}
    refused = officer.post(f"{page_url}/sections/once", data=once)
    assert refused.status_code == 422 and "YAML 页签" in refused.text


def test_a_published_versions_form_is_409_and_the_page_says_why(world_app: Any) -> None:  # noqa: F811
    with make_sessionmaker(world_app.state.engine)() as session:
        service.seed(session)
        session.commit()
        published = service.all_versions(session, ("published",))[0].id
    officer, csrf = _client(world_app, "officer1")
    page_url = f"/officer/policies/versions/{published}"
    refused = officer.post(f"{page_url}/sections/once", data={"csrf_token": csrf, "revision": "1",
                                                              "once": "ever"})  # fmt: skip
    assert refused.status_code == 409 and "已发布」，不能修改" in refused.text
    page = officer.get(page_url + "?tab=form").text
    assert 'id="immutable"' in page and 'id="authoring"' not in page
    english = officer.get(page_url + "?tab=form&lang=en").text
    assert "it cannot be edited" in english
    enterprise, csrf_e = _client(world_app, "ent_a")
    denied = enterprise.post(
        f"{page_url}/sections/once", data={"csrf_token": csrf_e, "revision": "1", "once": "ever"}
    )
    assert denied.status_code in (403, 404)


def test_a_control_character_in_a_section_is_refused_naming_where() -> None:
    bad = {"conditions": [{"id": "m", "label": {"zh": "M\x00", "en": "M"}, "expr": "true"}]}
    with pytest.raises(Invalid, match=r"conditions\[0\]\.label\.zh contains U\+0000"):
        authoring.apply(authoring.document(REWARD), "conditions", bad)
    with pytest.raises(Invalid, match="U\\+D800"):
        authoring.apply(authoring.document(REWARD), "exclusions", {"exclusions": ["\ud800"]})


def test_a_section_from_the_command_line(store_env: str) -> None:
    runner = CliRunner()

    def kc(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["policies", *args])
        assert result.exit_code == code, result.output
        return result.output

    stored = seeded(store_env)
    with session_of(stored) as session:
        create_account(session, "officer1", "pass-word-1", "officer")
        session.commit()
    stored.dispose()
    created = kc("import", str(DATA / "city-growth-reward.yaml"), "--by", "officer1")
    vid = next(line.split(":")[1].strip() for line in created.splitlines()
               if line.strip().startswith("id:"))  # fmt: skip
    saved = kc("section", vid, "--section", "budget", "--content", '{"budget": null}',
               "--revision", "1", "--by", "officer1")  # fmt: skip
    assert "policy-version.section: done" in saved and "revision: 2" in saved
    stale = kc("section", vid, "--section", "once", "--content", '{"once": "ever"}',
               "--revision", "1", "--by", "officer1", code=2)  # fmt: skip
    assert "saved by officer1" in stale
    exported = kc("export", vid)
    assert "budget:" not in exported and exported.startswith("# A new city reward")


class _Forms(HTMLParser):
    """The fields each form of a page would post unchanged, by the form's id."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.current: dict[str, str] | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = self.forms.setdefault(a.get("id", ""), {})
        elif self.current is None or ("name" not in a and tag != "option"):
            return
        elif tag == "input" and (a.get("type") != "checkbox" or "checked" in a):
            self.current[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select = a["name"]
        elif (
            tag == "option"
            and self.select is not None
            and ("selected" in a or self.select not in self.current)
        ):
            self.current[self.select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def _policy(text: str) -> Any:
    return dataclasses.replace(load_policy_text(text), content_hash="", source_file="")


def test_every_shipped_policy_survives_its_forms_posted_unchanged(world_app: Any) -> None:  # noqa: F811
    with make_sessionmaker(world_app.state.engine)() as session:
        service.seed(session)
        session.commit()
        shipped = [(r.policy_id, r.source) for r in service.all_versions(session)]
    officer, csrf = _client(world_app, "officer1")
    for policy_id, text in shipped:
        draft = officer.post("/api/v1/policies/drafts", headers={"X-CSRF-Token": csrf},
                             json={"source": service.renumber(text, "form-test")})  # fmt: skip
        assert draft.status_code == 201, draft.text
        version_id = draft.json()["id"]
        page_url = f"/officer/policies/versions/{version_id}"
        parser = _Forms()
        parser.feed(officer.get(page_url + "?tab=form").text)
        revision = 1
        for section in authoring.SECTIONS:
            if f"form-{section}" not in parser.forms:
                continue  # no benefit: no once scope to set
            fields = parser.forms[f"form-{section}"] | {"revision": str(revision)}
            saved = officer.post(f"{page_url}/sections/{section}", data=fields)
            assert saved.status_code == 303, (policy_id, section, saved.text[-2000:])
            listed = officer.get("/api/v1/policies/versions").json()
            revision = next(v["revision"] for v in listed if v["id"] == version_id)
        after = officer.get(f"/api/v1/policies/versions/{version_id}/yaml").text
        before = _policy(service.renumber(text, "form-test"))
        assert _policy(after) == before, policy_id


def test_the_steps_sections_are_the_documents_sections() -> None:
    from typing import get_args

    from kechuang.policies.steps import SectionIn

    assert set(get_args(SectionIn.model_fields["section"].annotation)) == set(authoring.SECTIONS)
