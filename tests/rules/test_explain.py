"""Explanations: clause, values, gap sentence in the text; JSON round-trips."""

from __future__ import annotations

import json
from decimal import Decimal

from kechuang.rules.explain import render_text, to_json
from kechuang.rules.scalar import evaluate
from tests.rules.gap_policy import GAP_POLICY
from tests.rules.policies import make


def verdict_and_policy():  # type: ignore[no-untyped-def]
    policy = make(GAP_POLICY)
    history = {
        2024: {"st_staff": 8, "employees": 100, "rd_expense": Decimal("1800000"),
               "revenue": Decimal("40000000"), "ip_class1": 0, "ip_class2": 1},
        2023: {"rd_expense": Decimal("1000000"), "revenue": Decimal("30000000")},
        2022: {"rd_expense": Decimal("1000000"), "revenue": Decimal("30000000")},
    }  # fmt: skip
    return evaluate(policy, history, 2024, {"amount": "250000"}), policy


def test_text_cites_the_clause_and_says_the_gap() -> None:
    verdict, policy = verdict_and_policy()
    text = render_text(verdict, policy, "zh")
    assert "结论: 不符合" in text
    assert "✗ 科技人员占比不低于10% (st_staff_share) [第十一条（四）]" in text
    assert "科技人员数 st_staff = 8" in text
    assert "差距: 科技人员数再增加 2 即可达到 10% 标准" in text
    assert "研发费用再增加 ¥1,200,000 即可达到 5% 标准" in text
    assert "☐ 不生产禁止类产品 (no_banned) [第六条（二）]" in text
    assert "专家评审" in text and "7–27" in text
    assert "amount = ¥250,000" in text
    english = render_text(verdict, policy, "en")
    assert "Increase S&T staff by 2 to reach the 10% threshold" in english


def test_json_is_exact_and_round_trips() -> None:
    verdict, _ = verdict_and_policy()
    data = to_json(verdict)
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again == data
    assert data["outcome"] == "ineligible"
    assert data["unmet"] == ["st_staff_share", "rd_share"]
    assert data["conditions"][1]["gap"]["change"] == "1200000"
    assert data["definitions"]["rd_ratio_3y"] == "0.038"
    assert data["overrides"] == {"amount": "250000"}
    assert data["score_range"] == ["7", "27"]


def test_benefit_in_fen_and_yuan_when_eligible() -> None:
    policy = make(GAP_POLICY)
    history = {2024: {"st_staff": 20, "employees": 100, "rd_expense": Decimal("5000000"),
                      "revenue": Decimal("40000000"), "ip_class1": 0, "ip_class2": 1}}  # fmt: skip
    verdict = evaluate(policy, history, 2024)
    data = to_json(verdict)
    assert data["outcome"] == "manual_review"
    assert data["benefit_fen"] is None
