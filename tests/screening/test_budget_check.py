"""Paid against budget per policy and budget year (the officers' page): a policy never shows more
paid than its budget without a visible reason; a run that paid above the policy's budget is
flagged with the reason found in the records, and a row no record explains says so."""

from __future__ import annotations

import dataclasses
import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.screening.people import PASSWORD
from tests.screening.population import ELIGIBLE
from tests.screening.steps import POLICY, approve_and_confirm

from kechuang.policies.pack import Pack, load_pack
from kechuang.rules.policy import Budget
from kechuang.screening import budget_check, service
from kechuang.screening.budget_check import RunPaid
from kechuang.screening.runs import start_run
from kechuang.web.app import create_app

FEN = 100
BUDGET_FEN = 20_000_000 * FEN  # the reward's budget in the shipped pack


def test_a_run_within_the_budget_is_not_flagged(engine: Engine, session: Session) -> None:
    run = start_run(engine, POLICY, 2024, "officer-li")
    approve_and_confirm(session, run)
    service.pay(session, run, "finance-chen")
    [row] = budget_check.budget_rows(session)
    assert (row.policy_id, row.budget_year, row.budget_fen) == (POLICY, 2024, BUDGET_FEN)
    assert row.paid_fen == len(ELIGIBLE) * 200_000 * FEN and not row.over and row.reasons == ()


def test_paid_above_the_budget_is_flagged_with_the_runs_own_budget(
    engine: Engine, session: Session
) -> None:
    # 5 enterprises at 5,000,000 yuan each, on a run budget of 30,000,000: 25,000,000 paid.
    run = start_run(engine, POLICY, 2024, "officer-li", sets=[f"{POLICY}.amount=5000000"],
                    budget_yuan="30000000")  # fmt: skip
    approve_and_confirm(session, run)
    service.pay(session, run, "finance-chen")
    [row] = budget_check.budget_rows(session)
    assert row.paid_fen == 25_000_000 * FEN > row.budget_fen == BUDGET_FEN
    assert row.over and not row.unexplained
    assert [r.zh for r in row.reasons] == [f"第{run}批次启动时自设预算¥30,000,000.00，高于政策预算"]


def test_the_officers_page_shows_the_flagged_row_and_its_reason(
    engine: Engine, session: Session, people: None
) -> None:
    run = start_run(engine, POLICY, 2024, "officer-li", sets=[f"{POLICY}.amount=5000000"],
                    budget_yuan="30000000")  # fmt: skip
    approve_and_confirm(session, run)
    service.pay(session, run, "finance-chen")
    client = TestClient(create_app(engine))
    signed_in = client.post(
        "/api/v1/session", json={"username": "officer-li", "password": PASSWORD}
    )
    assert signed_in.status_code == 201, signed_in.text
    page = client.get("/officer/runs?lang=zh").text
    row = page.split(f'id="budget-{POLICY}-2024"')[1].split("</tr>")[0]
    assert row.startswith(' class="flagged"')
    assert "已拨付超过预算" in row and "自设预算¥30,000,000.00" in row
    english = client.get("/officer/runs?lang=en").text
    assert "Paid above the budget" in english and "above the policy&#39;s" in english


def _pack_with(budgets: dict[str, int]) -> Pack:
    """The shipped pack, the reward's versions given the budgets named by version."""
    pack = load_pack()
    policies = [
        dataclasses.replace(p, budget=Budget(budgets[p.version]))
        if p.id == POLICY and p.version in budgets
        else p
        for p in pack.policies
    ]
    return Pack(tuple(policies))


def test_several_runs_of_one_budget_year_are_a_reason() -> None:
    paid = [RunPaid(1, POLICY, 2024, BUDGET_FEN, 15_000_000 * FEN),
            RunPaid(2, POLICY, 2024, BUDGET_FEN, 10_000_000 * FEN)]  # fmt: skip
    [row] = budget_check.assess(paid, load_pack())
    assert row.over and row.runs == (1, 2) and not row.unexplained
    assert "2 runs paid from this budget year" in row.reasons[0].en


def test_a_later_version_that_raised_the_budget_is_a_reason() -> None:
    version = load_pack().get(POLICY, 2024).version
    later = dataclasses.replace(
        load_pack().get(POLICY, 2024),
        version="2027.1",
        effective_from=dt.date(2027, 1, 1),
        budget=Budget(40_000_000 * FEN),
    )
    pack = Pack((*_pack_with({version: BUDGET_FEN}).policies, later))
    [row] = budget_check.assess([RunPaid(1, POLICY, 2024, None, 25_000_000 * FEN)], pack)
    assert row.over and "later version 2027.1" in row.reasons[0].en


def test_paid_above_the_budget_with_no_record_to_explain_it_says_so() -> None:
    [row] = budget_check.assess([RunPaid(1, POLICY, 2024, None, BUDGET_FEN + 1)], load_pack())
    assert row.over and row.unexplained
    assert row.reasons[0].zh.startswith("未找到原因")


def test_a_policy_without_a_budget_is_unknown_never_flagged() -> None:
    [row] = budget_check.assess([RunPaid(1, "hnte-2016", 2024, None, 10 * FEN)], load_pack())
    assert row.budget_fen is None and not row.over
