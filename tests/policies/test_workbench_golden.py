"""Golden cases as a specification: the shipped pack's boundary cases are data
(src/kechuang/policies/golden_cases/<policy-id>.yaml), run here through the scalar evaluator and
through the SQL the DuckDB engine runs; `seed` attaches them to every seeded version, where they
pass through both evaluators on SQLite and PostgreSQL; a golden case written in the page's table
is saved through the add-case step with the same validation."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from kechuang.policies import boundary, golden, service, source
from kechuang.policies.tables import GoldenCase
from kechuang.store.engine import make_sessionmaker
from tests.policies.conftest import UNSET, case_rows
from tests.policies.workbench_helpers import REWARD, seeded, session_of
from tests.web.conftest import engine, login, world_app, world_engine  # noqa: F401 - fixtures

ALL = [case for policy_id in boundary.policy_ids() for case in boundary.cases(policy_id)]


@pytest.mark.parametrize("case", ALL, ids=[f"{c.policy_id}: {c.name}" for c in ALL])
def test_boundary_case_of_the_pack(check, case: boundary.BoundaryCase) -> None:  # type: ignore[no-untyped-def]
    check(
        case.policy_id, case_rows(case), case.outcome, case.unmet,
        score=UNSET if case.score is None else case.score,
        benefit=UNSET if case.benefit_yuan is None else case.benefit_yuan,
        year=case.year,
    )  # fmt: skip


def test_every_shipped_policy_has_boundary_cases() -> None:
    shipped = {p.id for p in source.shipped().policies}
    assert set(boundary.policy_ids()) <= shipped
    assert shipped == set(boundary.policy_ids())


def test_thresholds_are_exact_to_the_fen() -> None:
    by_name = {c.name: c for c in boundary.cases("above-scale-2019")}
    on = by_name["K7020 revenue exactly 10,000,000 is above scale"].cells()["2024"]["revenue"]
    below = by_name["K7020 revenue 9,999,999.99 is not"].cells()["2024"]["revenue"]
    assert (on, below) == ("10000000", "9999999.99")


@pytest.fixture
def store(database_url: str) -> Iterator[Engine]:
    seeded_engine = seeded(database_url)
    yield seeded_engine
    seeded_engine.dispose()


def test_seed_attaches_the_boundary_cases_once_and_they_pass_both_evaluators(
    store: Engine,
) -> None:
    with session_of(store) as session:
        again = service.seed(session)
        session.commit()
        assert again.added == []
        total = session.scalar(select(func.count()).select_from(GoldenCase))
        assert total == len(ALL)
        for row in service.all_versions(session, ("published",)):
            results = golden.run(session, row)
            assert len(results) == len(boundary.cases(row.policy_id))
            failing = [r.describe() for r in results if not r.passed]
            assert failing == [], failing
            assert all(r.scalar is not None and r.sql is not None for r in results)


def test_a_store_seeded_before_the_cases_gets_them_on_the_next_seed(store: Engine) -> None:
    with session_of(store) as session:
        session.query(GoldenCase).delete()
        session.commit()
        service.seed(session)
        session.commit()
        assert session.scalar(select(func.count()).select_from(GoldenCase)) == len(ALL)


# -- the table on the page ----------------------------------------------------------------------


def _officer(app: Any, user: str = "officer1") -> tuple[TestClient, str]:
    client = TestClient(app, follow_redirects=False)
    return client, login(client, user)


def _table_facts(rows: dict[str, dict[str, str]]) -> str:
    """What static/golden-table.js submits: the filled cells as {"YEAR": {"fact": "cell"}}."""
    out: dict[str, dict[str, str]] = {}
    for fact, by_year in rows.items():
        for year, cell in by_year.items():
            out.setdefault(year, {})[fact] = cell
    return json.dumps(out)


def test_the_golden_table_offers_the_facts_the_policy_reads_and_saves_through_the_step(
    world_app: Any,  # noqa: F811
) -> None:
    officer, csrf = _officer(world_app)
    created = officer.post("/officer/policies/drafts", data={"source": REWARD, "csrf_token": csrf})
    page_url = created.headers["location"].split("?")[0]
    page = officer.get(page_url).text
    start = page.index('id="golden-table"')
    table = page[start : page.index("</table>", start)]
    assert table.count('class="golden-fact"') == 2  # industry_code and revenue: what it reads
    assert '<option value="revenue" selected>' in table and '<option value="employees">' in table
    assert table.count('class="golden-year"') == 2 and 'value="2023"' in table
    assert 'action="' + page_url + '/add-case"' in page and "/static/golden-table.js" in page

    grown = {"industry_code": {"2023": "M7320", "2024": "M7320"},
             "revenue": {"2023": "5000000", "2024": "6250000.00"}}  # fmt: skip
    form = {"name": "grows 25%", "year": "2024", "outcome": "eligible", "score": "",
            "benefit_yuan": "100000.00", "uscc": "", "facts": _table_facts(grown),
            "csrf_token": csrf}  # fmt: skip
    assert officer.post(f"{page_url}/add-case", data=form).status_code == 303
    # One fen too little for the expected amount: saved, and both evaluators say it fails.
    off = {**form, "name": "one fen off", "benefit_yuan": "99999.99"}
    assert officer.post(f"{page_url}/add-case", data=off).status_code == 303
    page = officer.get(page_url + "?lang=en").text
    rows = re.findall(r'<tr class="(ok|error)" data-passed="(true|false)"><td>([^<]+)</td>', page)
    assert [(name, passed) for _, passed, name in rows] == [
        ("grows 25%", "true"), ("one fen off", "false")]  # fmt: skip
    assert page.count('class="path-scalar" data-passed="false"') == 1
    assert page.count('class="path-sql" data-passed="false"') == 1
    assert "100000.00 yuan" in page  # what each evaluator gave, to the fen

    # The same validation as the step: a fact outside the data contract, a benefit in thirds
    # of a fen, nothing saved.
    bad = {**form, "name": "bad", "facts": _table_facts({"revenu": {"2024": "1"}})}
    refused = officer.post(f"{page_url}/add-case", data=bad)
    assert refused.status_code == 422 and "revenu" in refused.text
    thirds = {**form, "name": "thirds", "benefit_yuan": "100000.333"}
    assert officer.post(f"{page_url}/add-case", data=thirds).status_code == 422
    with make_sessionmaker(world_app.state.engine)() as session:
        row = service.get(session, int(page_url.rsplit("/", 1)[1]))
        saved = {c.name: c.expected_benefit_fen for c in golden.cases_of(session, row)}
    assert saved == {"grows 25%": 10_000_000, "one fen off": 9_999_999}


def test_the_cases_api_says_what_each_evaluator_gave(world_app: Any) -> None:  # noqa: F811
    with make_sessionmaker(world_app.state.engine)() as session:
        service.seed(session)
        session.commit()
        row = service.find(session, "tsme-2017", "2017.1")
        assert row is not None
    admin = TestClient(world_app)
    login(admin, "admin1")
    found = admin.get(f"/api/v1/policies/versions/{row.id}/cases").json()
    assert {c["name"] for c in found} == {c.title for c in boundary.cases("tsme-2017")}
    assert all(c["scalar_passed"] and c["sql_passed"] for c in found)
    assert all("score" in c["scalar_got"] for c in found)


def test_the_simulation_is_drawn_as_charts_over_its_tables_in_both_languages(
    world_app: Any,  # noqa: F811
) -> None:
    officer, csrf = _officer(world_app)
    created = officer.post("/officer/policies/drafts", data={"source": REWARD, "csrf_token": csrf})
    page_url = created.headers["location"].split("?")[0]
    simulated = officer.post(f"{page_url}/simulate", data={"year": "2024", "csrf_token": csrf})
    assert simulated.status_code == 303, simulated.text
    for lang, words in (
        ("zh", ("符合", "万元", "现行")),
        ("en", ("Eligible", "10k yuan", "in force")),
    ):
        page = officer.get(f"{page_url}?lang={lang}").text
        assert "/static/vendor/echarts.min.js" in page and "/static/charts.js" in page
        for chart, table in (("outcomes", "outcomes"), ("districts", "districts"),
                             ("parks", "parks"), ("factor", "factor")):  # fmt: skip
            at = page.index(f'id="chart-{chart}" data-chart="spec"')
            assert at < page.index(f'id="simulation-{table}"')  # the table follows its chart
        spec = json.loads(
            re.search(r'id="chart-outcomes" data-chart="spec"><script type="application/json">'
                      r"(.*?)</script>", page).group(1)  # type: ignore[union-attr]
        )  # fmt: skip
        assert words[0] in spec["categories"]
        assert all(word in page for word in words)
        factor = page[page.index('id="chart-factor"') : page.index('id="simulation-factor"')]
        assert "[1.0, 1.0]" in factor  # the budget covers what is due, before and after


MONEY = st.integers(min_value=0, max_value=3_000_000_000).map(
    lambda fen: f"{fen // 100}.{fen % 100:02d}"
)
ENTERPRISE = st.fixed_dictionaries(
    {
        "industry_code": st.sampled_from(["M7320", "C2710", "K7020", "E4710", "S9421", "A0111"]),
        "revenue": st.one_of(st.none(), MONEY),
        "main_business_revenue": st.one_of(st.none(), MONEY),
    }
)


@settings(max_examples=8, deadline=None)
@given(st.lists(ENTERPRISE, min_size=1, max_size=3))
def test_cases_screened_together_get_what_each_gets_alone_and_the_scalar_gets(
    enterprises: list[dict[str, str | None]],
) -> None:
    policy = source.shipped().get("above-scale-2019", 2024)
    facts = [golden.parse_facts({"2024": {k: v for k, v in e.items() if v is not None}})
             for e in enterprises]  # fmt: skip
    together = golden.sql_many(policy, 2024, facts)
    alone = [golden.sql_got(policy, f, 2024) for f in facts]
    scalar = [golden.scalar_got(policy, f, 2024) for f in facts]
    assert together == alone
    assert [(g.outcome, g.benefit_fen) for g in together] == [
        (g.outcome, g.benefit_fen) for g in scalar
    ]
