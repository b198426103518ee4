"""Access control of every API route, generated from app.routes: a route without a case here
fails `test_every_api_route_has_a_case`.

For each route: an unauthenticated call is refused (401); a state change riding on the session
cookie without the CSRF token is refused (403); another enterprise, and a bank, asking for an
enterprise's data get 403 or 404 (404 where the route is about one party's data, so nothing
leaks about what exists). Routes whose data is shared by everyone logged in (the policy
library, who-am-I) say so, and are checked to answer the enterprise.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kechuang.store.engine import make_engine
from kechuang.store.migrate import upgrade
from kechuang.web.app import create_app
from tests.web.conftest import PASSWORD, USCC_A, USCC_B, Clock, build_world, login

ORG_A = "fudan"  # the institution whose tech-transfer office deals with enterprise A
T = "/api/v1/transfer"
RESULT = {
    "kind": "patent",
    "title_zh": "一种用于肺结节CT影像的深度学习辅助诊断方法",
    "title_en": "Deep-learning aided diagnosis of lung nodules on CT",
    "abstract_zh": "基于三维卷积神经网络对胸部CT影像中的肺结节进行自动检测与良恶性分类。",
    "keywords": "肺结节;CT;深度学习",
    "application_number": "ZL201710601862.3",
    "ipc_codes": "G06T 7/00; A61B 6/03",
    "industry_code": "I6513",
    "disclosed_on": "2024-03-01",
    "inventors": [
        {"name": "张伟", "share_bp": 5000, "main": True},
        {"name": "王芳", "share_bp": 3000, "main": True},
        {"name": "李强", "share_bp": 2000},
    ],
}
DEMAND = {
    "title_zh": "胸部CT肺结节智能识别",
    "title_en": "AI lung nodule detection on chest CT",
    "description_zh": "医院信息化厂商寻求胸部CT肺部结节自动识别算法，辅助影像科医生筛查早期肺癌。",
    "industry_code": "I6513",
    "budget_fen": 50_000_000,
}
CHALLENGE = {
    "title_zh": "晶圆缺陷检测揭榜",
    "title_en": "Wafer defect inspection challenge",
    "problem_zh": "12英寸晶圆表面30纳米颗粒检测",
    "budget_fen": 100_000_000,
    "deadline": "2099-12-31",
}
AP = "/api/v1/applications"
ROUND = {
    "policy_id": "hnte-2016",
    "title_zh": "认定",
    "title_en": "Recognition",
    "year": 2024,
    "opens_on": "2025-01-01",
    "deadline": "2099-12-31",
}
ANSWER = {"team_name": "光学检测团队", "proposal_zh": "暗场散射加深度学习分类", "asked_fen": 1}

PUBLIC = {("GET", "/api/v1/status"), ("POST", "/api/v1/session")}
PV = "/api/v1/policies/versions/{version_id}"
POLICY_DRAFT = (
    'id: access-draft\nversion: "1"\ntitle: {zh: 草稿, en: Draft}\nissuer: 市科委\n'
    'document_number: x\nsource_url: ""\neffective: {from: 2024-01-01, to: null}\n'
    "mode: automatic\nconditions:\n  - {id: m, label: {zh: M, en: M}, clause: 一, "
    "expr: \"section(industry_code) == 'M'\"}\n"
)
WHATIF_DRAFT = {"policy_id": "first-above-scale-reward", "year": 2024, "values": {"amount": "1"},
                "new_version": "9"}  # fmt: skip
GOLDEN = {"name": "n", "year": 2024, "facts": {"2024": {"industry_code": "M7320"}},
          "outcome": "eligible"}  # fmt: skip


@dataclass(frozen=True)
class Case:
    """How to call a route against enterprise A's data, and who else may see it."""

    path: str  # with {names} filled from the world's ids
    body: dict[str, Any] | None = None
    shared: bool = False  # data every logged-in role may read (no party owns it)
    query: dict[str, Any] = field(default_factory=dict)
    # Acts in the caller's own name (its register, its demand, its answer): another party
    # acts for itself (2xx, nothing of A's in the answer) or is refused (403, 404 or 422).
    own: bool = False
    # Published to every tech-transfer office: an open demand is posted for offices to answer.
    offices: bool = False
    refused: tuple[int, ...] = (403, 404)  # how another party is refused


CASES: dict[tuple[str, str], Case] = {
    ("DELETE", "/api/v1/session"): Case("/api/v1/session", shared=True),
    ("GET", "/api/v1/me"): Case("/api/v1/me", shared=True),
    ("GET", "/api/v1/accounts"): Case("/api/v1/accounts"),
    ("GET", "/api/v1/audit"): Case("/api/v1/audit"),
    ("POST", "/api/v1/accounts/{username}/unlock"): Case("/api/v1/accounts/ent_a/unlock"),
    ("POST", "/api/v1/accounts"): Case(
        "/api/v1/accounts",
        {"username": "intruder", "role": "admin", "password": "a-strong-pass-9"},
        refused=(403,),
    ),
    ("POST", "/api/v1/accounts/{username}/password"): Case(
        "/api/v1/accounts/ent_a/password", {"password": "taken-over-9x"}, refused=(403,)
    ),
    ("GET", "/api/v1/policies"): Case("/api/v1/policies", shared=True),
    ("GET", "/api/v1/policies/{policy_id}"): Case(
        "/api/v1/policies/first-above-scale-reward", shared=True
    ),
    # The policy workbench: officers author, admins read, nobody else sees a draft.
    ("GET", "/api/v1/policies/versions"): Case("/api/v1/policies/versions"),
    ("GET", PV): Case(PV),
    ("GET", f"{PV}/yaml"): Case(f"{PV}/yaml"),
    ("GET", f"{PV}/history"): Case(f"{PV}/history"),
    ("GET", f"{PV}/diff"): Case(f"{PV}/diff"),
    ("GET", f"{PV}/cases"): Case(f"{PV}/cases"),
    ("GET", f"{PV}/comments"): Case(f"{PV}/comments"),
    ("POST", f"{PV}/comment"): Case(f"{PV}/comment", {"body": "see clause 3"}),
    ("POST", "/api/v1/policy-check"): Case("/api/v1/policy-check", {"source": "id: x"}),
    ("POST", "/api/v1/policies/drafts"): Case("/api/v1/policies/drafts", {"source": "id: x"}),
    ("POST", "/api/v1/policies/drafts/what-if"): Case(
        "/api/v1/policies/drafts/what-if",
        WHATIF_DRAFT,
    ),
    ("POST", f"{PV}/copy"): Case(f"{PV}/copy", {"new_version": "9"}),
    ("POST", f"{PV}/edit"): Case(f"{PV}/edit", {"source": POLICY_DRAFT, "revision": 1}),
    ("POST", f"{PV}/section"): Case(
        f"{PV}/section", {"section": "once", "content": {"once": "ever"}, "revision": 1}
    ),
    ("POST", "/api/v1/policy-check/expression"): Case(
        "/api/v1/policy-check/expression",
        {"source": POLICY_DRAFT, "expression": "revenue > 0", "kind": "condition"},
    ),
    ("POST", f"{PV}/add-case"): Case(f"{PV}/add-case", GOLDEN),
    ("POST", f"{PV}/submit"): Case(f"{PV}/submit"),
    ("POST", f"{PV}/simulate"): Case(f"{PV}/simulate", {"year": 2024}),
    ("GET", f"{PV}/simulation.csv"): Case(f"{PV}/simulation.csv"),
    ("POST", f"{PV}/approve"): Case(f"{PV}/approve", {}),
    ("POST", f"{PV}/send-back"): Case(f"{PV}/send-back", {"reason": "r"}),
    ("POST", f"{PV}/publish"): Case(f"{PV}/publish"),
    ("POST", f"{PV}/withdraw"): Case(f"{PV}/withdraw", {"reason": "r"}),
    ("GET", "/api/v1/enterprises"): Case("/api/v1/enterprises", query={"q": USCC_A}),
    ("GET", "/api/v1/enterprises/{uscc}"): Case("/api/v1/enterprises/{uscc}"),
    ("GET", "/api/v1/enterprises/{uscc}/policies"): Case("/api/v1/enterprises/{uscc}/policies"),
    ("GET", "/api/v1/enterprises/{uscc}/policies/{policy_id}"): Case(
        "/api/v1/enterprises/{uscc}/policies/first-above-scale-reward"
    ),
    ("GET", "/api/v1/enterprises/{uscc}/awards"): Case("/api/v1/enterprises/{uscc}/awards"),
    # kechuang.notices: an enterprise's channels, the caller's own inbox, officers' dead letters.
    ("GET", "/api/v1/enterprises/{uscc}/objections"): Case("/api/v1/enterprises/{uscc}/objections"),
    ("GET", "/api/v1/enterprises/{uscc}/notice-channels"): Case(
        "/api/v1/enterprises/{uscc}/notice-channels"
    ),
    ("PUT", "/api/v1/enterprises/{uscc}/notice-channels"): Case(
        "/api/v1/enterprises/{uscc}/notice-channels",
        {"email": "cfo@a.example.cn", "email_on": True},
    ),
    ("GET", "/api/v1/inbox"): Case("/api/v1/inbox", own=True),
    ("GET", "/api/v1/notices/dead-letters"): Case("/api/v1/notices/dead-letters"),
    ("POST", "/api/v1/enterprises/{uscc}/awards/{award_id}/bank-account"): Case(
        "/api/v1/enterprises/{uscc}/awards/{award_id}/bank-account",
        {"account_name": "x", "bank": "y", "account_number": "12345678"},
    ),
    ("POST", "/api/v1/enterprises/{uscc}/awards/{award_id}/objections"): Case(
        "/api/v1/enterprises/{uscc}/awards/{award_id}/objections", {"reason": "r"}
    ),
    ("POST", "/api/v1/runs"): Case(
        "/api/v1/runs", {"policy_id": "first-above-scale-reward", "year": 2024}
    ),
    ("GET", "/api/v1/jobs/{job_id}"): Case("/api/v1/jobs/{job_id}"),
    ("GET", "/api/v1/runs"): Case("/api/v1/runs"),
    ("GET", "/api/v1/runs/{run_id}"): Case("/api/v1/runs/{run_id}"),
    ("GET", "/api/v1/runs/{run_id}/results"): Case("/api/v1/runs/{run_id}/results"),
    ("GET", "/api/v1/runs/{run_id}/awards"): Case("/api/v1/runs/{run_id}/awards"),
    ("GET", "/api/v1/runs/{run_id}/objections"): Case("/api/v1/runs/{run_id}/objections"),
    ("POST", "/api/v1/runs/{run_id}/publish"): Case("/api/v1/runs/{run_id}/publish", {}),
    ("POST", "/api/v1/runs/{run_id}/approve"): Case("/api/v1/runs/{run_id}/approve", {}),
    ("POST", "/api/v1/objections/{objection_id}/decision"): Case(
        "/api/v1/objections/{objection_id}/decision", {"decision": "rejected", "reason": "r"}
    ),
    ("POST", "/api/v1/runs/{run_id}/pay"): Case("/api/v1/runs/{run_id}/pay"),
    ("POST", "/api/v1/runs/{run_id}/lapse"): Case("/api/v1/runs/{run_id}/lapse"),
    ("POST", "/api/v1/runs/{run_id}/object"): Case(
        "/api/v1/runs/{run_id}/object",
        {"uscc": USCC_A, "reason": "r", "name": "张三", "contact": "13800000000"},
    ),
    ("POST", "/api/v1/runs/{run_id}/withdraw"): Case(
        "/api/v1/runs/{run_id}/withdraw", {"reason": "r"}
    ),
    ("POST", "/api/v1/runs/{run_id}/awards/{uscc}/clawback"): Case(
        "/api/v1/runs/{run_id}/awards/{uscc}/clawback", {"reason": "r"}
    ),
    ("GET", "/api/v1/runs/{run_id}/export/{kind}"): Case("/api/v1/runs/{run_id}/export/notice"),
    ("POST", "/api/v1/whatif"): Case(
        "/api/v1/whatif", {"policy_id": "first-above-scale-reward", "year": 2024}
    ),
    ("GET", "/api/v1/stats"): Case("/api/v1/stats"),
    # kechuang.stats and kechuang.cultivation: analysts' aggregates, no party's own data.
    ("GET", "/api/v1/indicators"): Case("/api/v1/indicators"),
    ("GET", "/api/v1/indicators/{indicator_id}/values"): Case(
        "/api/v1/indicators/enterprises/values"
    ),
    ("GET", "/api/v1/cultivation/funnel"): Case("/api/v1/cultivation/funnel"),
    ("GET", "/api/v1/cultivation/moves"): Case("/api/v1/cultivation/moves"),
    ("GET", "/api/v1/cultivation/watch"): Case("/api/v1/cultivation/watch"),
    ("GET", "/api/v1/cultivation/incubators"): Case("/api/v1/cultivation/incubators"),
    ("GET", "/api/v1/stats.csv"): Case("/api/v1/stats.csv"),
    # Finance (kechuang.finance.router; its own access tests are tests/finance/test_api.py).
    ("GET", "/api/v1/finance/products"): Case("/api/v1/finance/products", shared=True),
    ("GET", "/api/v1/finance/loans"): Case("/api/v1/finance/loans"),
    ("GET", "/api/v1/finance/loans/{loan_id}"): Case("/api/v1/finance/loans/1"),
    # A bank may apply for any enterprise; this one is not in the store (404).
    ("POST", "/api/v1/finance/loans"): Case(
        "/api/v1/finance/loans",
        {
            "product_id": "performance-loan",
            "uscc": "91310115MA19999998",
            "partner_org": "p",
            "bank_ref": "r",
            "principal_fen": 100_000_000,
            "term_months": 12,
            "method": "interest_only",
        },
    ),
    **{
        ("POST", f"/api/v1/finance/loans/{{loan_id}}/{step}"): Case(
            f"/api/v1/finance/loans/1/{step}", {}
        )
        for step in ("approve", "disburse", "default", "claim")
    },
    **{
        ("POST", f"/api/v1/finance/loans/{{loan_id}}/{step}"): Case(
            f"/api/v1/finance/loans/1/{step}", {"reason": "r"}
        )
        for step in ("refuse", "close")
    },
    # The officers' steps: the daily overdue run, funds and the fund of funds.
    ("POST", "/api/v1/finance/overdue"): Case("/api/v1/finance/overdue", {}, refused=(403,)),
    ("POST", "/api/v1/finance/funds"): Case(
        "/api/v1/finance/funds", {"product_id": "performance-loan", "size_fen": 1}, refused=(403,)
    ),
    ("POST", "/api/v1/finance/sub-funds"): Case(
        "/api/v1/finance/sub-funds",
        {
            "name": "n",
            "manager": "m",
            "industry": "i",
            "target_size_fen": 2,
            "requested_fen": 1,
            "criteria": {"team": 80},
        },
        refused=(403,),
    ),
    ("POST", "/api/v1/finance/sub-funds/{sub_fund_id}/decide"): Case(
        "/api/v1/finance/sub-funds/1/decide", {"approve": True}, refused=(403,)
    ),
    **{
        ("POST", f"/api/v1/finance/sub-funds/{{sub_fund_id}}/{verb}"): Case(
            f"/api/v1/finance/sub-funds/1/{verb}",
            {"amount_fen": 1, "key": f"k-{verb}"},
            refused=(403,),
        )
        for verb in ("commit", "call", "distribute", "value")
    },
    ("POST", "/api/v1/finance/sub-funds/{sub_fund_id}/invest"): Case(
        "/api/v1/finance/sub-funds/1/invest",
        {"amount_fen": 1, "key": "k-invest", "uscc": USCC_A},
        refused=(403,),
    ),
    **{
        ("POST", f"/api/v1/finance/loans/{{loan_id}}/{kind}"): Case(
            f"/api/v1/finance/loans/1/{kind}", {"ref": "r", "amount_fen": 1}
        )
        for kind in ("repayments", "recoveries")
    },
    # Claims: the insurer or guarantor of the loan, then an officer (no claim 1 here: 404/403).
    **{
        ("POST", f"/api/v1/finance/claims/{{claim_id}}/{verb}"): Case(
            f"/api/v1/finance/claims/1/{verb}", body
        )
        for verb, body in (
            ("confirm", {}),
            ("dispute", {"reason": "r"}),
            ("pay", {}),
            ("resolve", {"reason": "r"}),
            ("approve", {}),
            ("refuse", {"reason": "r"}),
        )
    },
    ("POST", "/api/v1/finance/fof/capitalise"): Case(
        "/api/v1/finance/fof/capitalise", {"amount_fen": 1, "key": "k-capital"}, refused=(403,)
    ),
    ("GET", "/api/v1/finance/indicators"): Case("/api/v1/finance/indicators"),
    # An insurer's or a guarantor's own loans: no other role reaches the route.
    ("GET", "/api/v1/finance/partner/loans"): Case("/api/v1/finance/partner/loans"),
    ("GET", "/api/v1/finance/sub-funds"): Case("/api/v1/finance/sub-funds"),
    ("GET", "/api/v1/finance/returns"): Case("/api/v1/finance/returns"),
    # Technology transfer (kechuang.transfer.router; its own access tests are
    # tests/transfer/test_api_access.py): fudan's office holds the result, the 赋权 case and a
    # licence to enterprise A; enterprise A posted a demand and a challenge.
    ("GET", f"{T}/results"): Case(f"{T}/results"),
    ("POST", f"{T}/results"): Case(
        f"{T}/results", {**RESULT, "kind": "know_how", "application_number": None}, own=True
    ),
    ("GET", f"{T}/results/{{result_id}}"): Case(f"{T}/results/{{result_id}}"),
    ("GET", f"{T}/rule"): Case(f"{T}/rule", own=True),
    ("PUT", f"{T}/rule"): Case(f"{T}/rule", {"licence_bp": 6000}, own=True),
    # Linking an inventor's account is the result's own office's step.
    ("POST", f"{T}/results/{{result_id}}/inventor-account"): Case(
        f"{T}/results/{{result_id}}/inventor-account", {"inventor": "李强", "account": "nobody"}
    ),
    ("POST", f"{T}/results/{{result_id}}/empowerments"): Case(
        f"{T}/results/{{result_id}}/empowerments", {"note": "n"}
    ),
    ("GET", f"{T}/empowerments/{{case_id}}"): Case(f"{T}/empowerments/{{case_id}}"),
    ("POST", f"{T}/empowerments/{{case_id}}/review"): Case(f"{T}/empowerments/{{case_id}}/review"),
    ("POST", f"{T}/empowerments/{{case_id}}/rejection"): Case(
        f"{T}/empowerments/{{case_id}}/rejection", {"reason": "r"}
    ),
    ("POST", f"{T}/empowerments/{{case_id}}/agreement"): Case(
        f"{T}/empowerments/{{case_id}}/agreement",
        {
            "checklist": {"pricing_method": "listing", "venue": "上海技术交易所"},
            "kind": "long_term_use",
            "term_years": 10,
            "licence_bp": 6000,
            "transfer_bp": 5000,
            "equity_bp": 5000,
            "decision_rights": "d",
            "costs": "c",
            "agreed_on": "2024-05-01",
        },
    ),
    ("POST", f"{T}/empowerments/{{case_id}}/registration"): Case(
        f"{T}/empowerments/{{case_id}}/registration",
        {"registration_number": "BA-1", "registered_on": "2024-06-01"},
    ),
    ("POST", f"{T}/results/{{result_id}}/deals"): Case(
        f"{T}/results/{{result_id}}/deals",
        {
            "kind": "transfer",
            "counterparty_name": "x",
            "counterparty_uscc": USCC_B,
            "contract_amount_minor": 1,
            "signed_on": "2024-07-01",
        },
    ),
    ("GET", f"{T}/deals"): Case(f"{T}/deals"),
    ("GET", f"{T}/deals/{{deal_id}}"): Case(f"{T}/deals/{{deal_id}}"),
    ("POST", f"{T}/deals/{{deal_id}}/export-clearance"): Case(
        f"{T}/deals/{{deal_id}}/export-clearance", {"licence_number": "L-1"}
    ),
    ("POST", f"{T}/deals/{{deal_id}}/incomes"): Case(
        f"{T}/deals/{{deal_id}}/incomes",
        {"kind": "upfront", "receipt": "R-2", "received_on": "2024-07-02", "amount_minor": 1},
    ),
    ("GET", f"{T}/deals/{{deal_id}}/incomes"): Case(f"{T}/deals/{{deal_id}}/incomes"),
    ("POST", f"{T}/incomes/{{income_id}}/payment"): Case(f"{T}/incomes/{{income_id}}/payment"),
    ("POST", f"{T}/deals/{{deal_id}}/financings"): Case(
        f"{T}/deals/{{deal_id}}/financings",
        {"round_name": "A轮", "amount_fen": 1, "raised_on": "2024-08-01"},
    ),
    ("POST", f"{T}/demands"): Case(f"{T}/demands", DEMAND, own=True),
    ("GET", f"{T}/demands"): Case(f"{T}/demands", offices=True),
    ("GET", f"{T}/demands/{{demand_id}}/matches"): Case(
        f"{T}/demands/{{demand_id}}/matches", offices=True
    ),
    ("GET", f"{T}/results/{{result_id}}/demands"): Case(f"{T}/results/{{result_id}}/demands"),
    # The public listing of results (titles, abstracts, classes) is there to be searched.
    ("GET", f"{T}/listing"): Case(f"{T}/listing", shared=True, query={"q": "肺结节"}),
    ("GET", f"{T}/listing/results"): Case(
        f"{T}/listing/results", shared=True, query={"lang": "en"}
    ),
    ("POST", f"{T}/challenges"): Case(f"{T}/challenges", CHALLENGE, own=True),
    # An open challenge (揭榜挂帅) is public; answering it is what other parties do.
    ("GET", f"{T}/challenges"): Case(f"{T}/challenges", shared=True),
    ("POST", f"{T}/challenges/{{challenge_id}}/answers"): Case(
        f"{T}/challenges/{{challenge_id}}/answers", {**ANSWER, "team_name": "其他团队"}, own=True
    ),
    ("GET", f"{T}/challenges/{{challenge_id}}/answers"): Case(
        f"{T}/challenges/{{challenge_id}}/answers"
    ),
    ("POST", f"{T}/challenges/{{challenge_id}}/evaluation"): Case(
        f"{T}/challenges/{{challenge_id}}/evaluation"
    ),
    ("POST", f"{T}/challenges/{{challenge_id}}/answers/{{answer_id}}/score"): Case(
        f"{T}/challenges/{{challenge_id}}/answers/{{answer_id}}/score", {"score": 90}
    ),
    ("POST", f"{T}/challenges/{{challenge_id}}/award"): Case(
        f"{T}/challenges/{{challenge_id}}/award", {"answer_id": 1}
    ),
    ("POST", f"{T}/challenges/{{challenge_id}}/close"): Case(
        f"{T}/challenges/{{challenge_id}}/close", {"reason": "r"}
    ),
    # Designating a pilot unit is an officer's act; the service refuses other roles with 422.
    ("PUT", f"{T}/pilot-units"): Case(
        f"{T}/pilot-units",
        {"institution": ORG_A, "name_zh": "复旦大学", "name_en": "Fudan", "since_year": 2024},
        refused=(403, 404, 422),
    ),
    ("GET", f"{T}/indicators"): Case(f"{T}/indicators"),
    # Applications (申报): enterprise A's application, an expert's seat on it, its milestone.
    ("GET", f"{AP}/rounds"): Case(f"{AP}/rounds", shared=True),
    ("POST", f"{AP}/rounds/open"): Case(f"{AP}/rounds/open", ROUND, refused=(403,)),
    ("POST", f"{AP}/experts/enrol"): Case(
        f"{AP}/experts/enrol",
        {"username": "expert_a", "name": "x", "org": "y", "fields": "M"},
        refused=(403,),
    ),
    ("POST", f"{AP}/experts/{{expert_id}}/availability"): Case(
        f"{AP}/experts/{{expert_id}}/availability", {"available": False}
    ),
    ("POST", f"{AP}/rounds/{{round_id}}/apply"): Case(
        f"{AP}/rounds/{{round_id}}/apply", {"partners": ""}, own=True
    ),
    ("GET", f"{AP}"): Case(f"{AP}"),
    ("GET", f"{AP}/assignments"): Case(f"{AP}/assignments"),
    ("GET", f"{AP}/assignments/{{assignment_id}}/scores"): Case(
        f"{AP}/assignments/{{assignment_id}}/scores"
    ),
    ("GET", f"{AP}/{{application_id}}"): Case(f"{AP}/{{application_id}}"),
    ("GET", f"{AP}/{{application_id}}/panel"): Case(f"{AP}/{{application_id}}/panel"),
    ("POST", f"{AP}/{{application_id}}/answer"): Case(
        f"{AP}/{{application_id}}/answer", {"condition": "supported_field", "text": "t"}
    ),
    ("POST", f"{AP}/{{application_id}}/correct"): Case(
        f"{AP}/{{application_id}}/correct", {"fact": "employees", "value": "1", "reason": "r"}
    ),
    ("POST", f"{AP}/{{application_id}}/attest"): Case(
        f"{AP}/{{application_id}}/attest", {"condition": "x"}
    ),
    ("POST", f"{AP}/{{application_id}}/plan"): Case(
        f"{AP}/{{application_id}}/plan",
        {"budget_fen": 1, "requested_fen": 1, "matching_fen": 0},
    ),
    ("POST", f"{AP}/{{application_id}}/milestone"): Case(
        f"{AP}/{{application_id}}/milestone",
        {"title": "t", "due_on": "2025-12-31", "amount_fen": 1},
    ),
    ("POST", f"{AP}/{{application_id}}/attach"): Case(
        f"{AP}/{{application_id}}/attach",
        {
            "requirement": "other",
            "file_name": "a.pdf",
            "media_type": "application/pdf",
            "content_base64": "JVBERi0xLjQK",
        },
    ),
    ("POST", f"{AP}/{{application_id}}/submit"): Case(f"{AP}/{{application_id}}/submit"),
    ("POST", f"{AP}/{{application_id}}/withdraw"): Case(f"{AP}/{{application_id}}/withdraw"),
    ("POST", f"{AP}/{{application_id}}/object"): Case(
        f"{AP}/{{application_id}}/object", {"reason": "r"}
    ),
    **{
        ("POST", f"{AP}/{{application_id}}/{verb}"): Case(f"{AP}/{{application_id}}/{verb}", body)
        for verb, body in (
            ("return", {"reasons": "r"}),
            ("accept", None),
            ("assign", None),
            ("close", None),
            ("publish", None),
            ("approve", None),
            ("dismiss", {"reasons": "r"}),
            ("uphold", {"reasons": "r"}),
        )
    },
    **{
        ("POST", f"{AP}/assignments/{{assignment_id}}/{verb}"): Case(
            f"{AP}/assignments/{{assignment_id}}/{verb}", body
        )
        for verb, body in (
            ("accept", None),
            ("decline", {"reason": "r"}),
            ("declare", {"relation": "r"}),
            ("score", {"item": "organisation_points", "points": 1, "comment": "comment"}),
            ("submit", None),
        )
    },
    ("POST", f"{AP}/milestones/{{milestone_id}}/pay"): Case(
        f"{AP}/milestones/{{milestone_id}}/pay"
    ),
    ("POST", f"{AP}/milestones/{{milestone_id}}/fail"): Case(
        f"{AP}/milestones/{{milestone_id}}/fail", {"reason": "r"}
    ),
}
# Lists scoped to the caller rather than refused: a 200 must hold nothing of enterprise A.
SCOPED = {
    ("GET", "/api/v1/enterprises"),
    ("GET", "/api/v1/finance/loans"),
    ("GET", "/api/v1/finance/indicators"),
    ("GET", f"{T}/results"),
    ("GET", f"{T}/deals"),
    ("GET", f"{T}/demands"),
    ("GET", f"{T}/challenges/{{challenge_id}}/answers"),
    ("GET", f"{T}/indicators"),
    ("GET", AP),
    ("GET", f"{AP}/assignments"),
}


def api_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every API route, included routers flattened."""

    def flat(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from flat(route.original_router.routes)
            else:
                yield route

    return {
        (method, route.path)
        for route in flat(app.routes)
        if route.path.startswith("/api/")
        for method in getattr(route, "methods", set()) - {"HEAD"}
    }


@dataclass
class World:
    app: Any
    ids: dict[str, Any]

    def client(self, username: str | None = None) -> TestClient:
        client = TestClient(self.app)
        if username:
            client.headers["X-CSRF-Token"] = login(client, username)
        return client


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A published run in which enterprise A has an award and an objection."""
    tmp = tmp_path_factory.mktemp("access")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KECHUANG_VAR_DIR", str(tmp / "var"))
        engine = make_engine(f"sqlite:///{tmp / 'access.db'}")
        upgrade(engine)
        build_world(engine)
        app = create_app(engine)
        app.state.clock = Clock()
        world = World(app, {"uscc": USCC_A, "kind": "notice"})
        officer = world.client("officer1")
        job = officer.post("/api/v1/runs", json=CASES[("POST", "/api/v1/runs")].body).json()
        deadline = time.monotonic() + 60
        while not officer.get(f"/api/v1/jobs/{job['id']}").json()["finished"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        run_id = officer.get(f"/api/v1/jobs/{job['id']}").json()["run_id"]
        officer.post(f"/api/v1/runs/{run_id}/publish", json={})
        enterprise = world.client("ent_a")
        award_id = enterprise.get(f"/api/v1/enterprises/{USCC_A}/awards").json()["items"][0]["id"]
        objection = enterprise.post(
            f"/api/v1/enterprises/{USCC_A}/awards/{award_id}/objections", json={"reason": "r"}
        ).json()
        world.ids.update(
            job_id=job["id"], run_id=run_id, award_id=award_id, objection_id=objection["id"]
        )
        world.ids.update(_transfer_world(engine, world))
        draft = officer.post("/api/v1/policies/drafts", json={"source": POLICY_DRAFT})
        assert draft.status_code == 201, draft.text
        world.ids["version_id"] = draft.json()["id"]
        world.ids.update(_applications_world(engine))
        yield world
        engine.dispose()


def _transfer_world(engine: Any, world: World) -> dict[str, int]:
    """Fudan's office: a result, a 赋权 case, a licence to A with an income; A: a demand and a
    challenge that fudan's office answered. Tongji's office is the other institution."""
    from kechuang.accounts.service import create_account
    from kechuang.store.engine import session_scope

    with session_scope(engine) as session:
        for username, org in (("tto_a", ORG_A), ("tto_other", "tongji")):
            create_account(session, username, PASSWORD, "tech_transfer", org=org)

    def ok(response: Any) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    tto, enterprise = world.client("tto_a"), world.client("ent_a")
    result_id = ok(tto.post(f"{T}/results", json=RESULT))["id"]
    case_id = ok(tto.post(f"{T}/results/{result_id}/empowerments", json={"note": "n"}))["id"]
    deal = {
        "kind": "licence",
        "counterparty_name": "A公司",
        "counterparty_uscc": USCC_A,
        "exclusive": False,
        "territory": "中国",
        "contract_amount_minor": 10_000_000,
        "signed_on": "2024-07-01",
    }
    deal_id = ok(tto.post(f"{T}/results/{result_id}/deals", json=deal))["id"]
    income = {"kind": "upfront", "receipt": "R-1", "received_on": "2024-07-02", "amount_minor": 1}
    income_id = ok(tto.post(f"{T}/deals/{deal_id}/incomes", json=income))["id"]
    demand_id = ok(enterprise.post(f"{T}/demands", json=DEMAND))["id"]
    challenge_id = ok(enterprise.post(f"{T}/challenges", json=CHALLENGE))["id"]
    answer_id = ok(tto.post(f"{T}/challenges/{challenge_id}/answers", json=ANSWER))["id"]
    return {
        "result_id": result_id,
        "case_id": case_id,
        "deal_id": deal_id,
        "income_id": income_id,
        "demand_id": demand_id,
        "challenge_id": challenge_id,
        "answer_id": answer_id,
    }


def _applications_world(engine: Any) -> dict[str, int]:
    """Enterprise A's HNTE application with an expert's seat on it and a milestone."""
    import datetime as dt

    from kechuang.accounts.service import Principal, create_account
    from kechuang.applications import apply, panel, rounds
    from kechuang.applications.tables import Assignment, Milestone
    from kechuang.store.engine import session_scope

    with session_scope(engine) as session:
        round_ = rounds.open_round(
            session,
            "officer1",
            policy_id="hnte-2016",
            kind="recognition",
            title_zh="认定",
            title_en="Recognition",
            year=2024,
            opens_on=dt.date(2025, 1, 1),
            deadline=dt.date(2099, 12, 31),
        )
        a = Principal(0, "ent_a", "A", "enterprise", USCC_A, None)
        application = apply.start(session, a, round_.id, dt.date(2025, 6, 2), [])
        create_account(session, "expert_a", PASSWORD, "expert", org="fudan-experts")
        expert = panel.enrol(session, "expert_a", "专家", "fudan-experts", ["M"])
        seat = Assignment(
            application_id=application.id,
            expert_id=expert.id,
            state="invited",
            note="",
            assigned_at=dt.datetime.now(dt.UTC),
        )
        milestone = Milestone(
            application_id=application.id,
            seq=1,
            title="m",
            due_on=dt.date(2025, 12, 31),
            amount_fen=1,
            state="planned",
            paid_fen=0,
        )
        session.add_all([seat, milestone])
        session.flush()
        return {
            "round_id": round_.id,
            "application_id": application.id,
            "assignment_id": seat.id,
            "milestone_id": milestone.id,
            "expert_id": expert.id,
        }


def _call(client: TestClient, method: str, case: Case, ids: dict[str, Any]) -> Any:
    return client.request(method, case.path.format(**ids), params=case.query, json=case.body)


def test_every_api_route_has_a_case(world: World) -> None:
    routes = api_routes(world.app)
    missing = routes - set(CASES) - PUBLIC
    assert not missing, f"API routes without an access case: {sorted(missing)}"
    assert not set(CASES) - routes, "cases of routes that no longer exist"


@pytest.mark.parametrize(("method", "path"), sorted(CASES))
def test_unauthenticated_call_is_refused(world: World, method: str, path: str) -> None:
    response = _call(world.client(), method, CASES[(method, path)], world.ids)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401


@pytest.mark.parametrize(
    ("method", "path"), sorted(k for k in CASES if k[0] in {"POST", "PUT", "PATCH", "DELETE"})
)
def test_state_change_without_csrf_token_is_refused(world: World, method: str, path: str) -> None:
    for username in ("officer2", "ent_a"):
        client = world.client(username)
        del client.headers["X-CSRF-Token"]
        response = _call(client, method, CASES[(method, path)], world.ids)
        assert response.status_code == 403, (username, response.text)
        assert response.json()["type"].endswith("/csrf")
        client.headers["X-CSRF-Token"] = "forged"
        assert _call(client, method, CASES[(method, path)], world.ids).status_code == 403


def _nothing_of_a(response: Any) -> None:
    body = response.json()
    if isinstance(body, dict) and "items" in body:
        for item in body["items"]:
            assert item.get("uscc") != USCC_A and item.get("counterparty_uscc") != USCC_A, item
            assert item.get("institution") != ORG_A, item
    else:
        assert USCC_A not in response.text and ORG_A not in response.text, response.text


@pytest.mark.parametrize("username", ["ent_b", "bank1", "tto_other"])
@pytest.mark.parametrize(("method", "path"), sorted(CASES))
def test_another_party_cannot_reach_enterprise_a(
    world: World, username: str, method: str, path: str
) -> None:
    """ent_b: another enterprise; bank1: a bank; tto_other: another institution's office."""
    case = CASES[(method, path)]
    client = world.client(username)
    response = _call(client, method, case, world.ids)
    if case.shared or (case.offices and username == "tto_other"):
        # Shared outside transfer means shared by the roles it serves: an office may be refused.
        outsider = username == "tto_other" and not path.startswith(T)
        assert response.status_code in ((200, 204, 403) if outsider else (200, 204)), response.text
        return
    if case.own and response.status_code in (200, 201):
        _nothing_of_a(response)
        return
    if (method, path) in SCOPED and response.status_code == 200:
        # A list is scoped, not refused: it holds nothing of A.
        _nothing_of_a(response)
        return
    refused = (*case.refused, 422) if case.own else case.refused
    assert response.status_code in refused, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_enterprise_sees_only_itself_in_the_list(world: World) -> None:
    items = world.client("ent_b").get("/api/v1/enterprises").json()["items"]
    assert [i["uscc"] for i in items] != [] and all(i["uscc"] != USCC_A for i in items)
    assert len(items) == 1


def test_bearer_token_needs_no_csrf_token(world: World) -> None:
    client = TestClient(world.app)
    token = client.post(
        "/api/v1/session", json={"username": "analyst1", "password": PASSWORD}
    ).json()["token"]
    bare = TestClient(world.app)  # no cookie: the token is not ambient, nothing to forge
    response = bare.post(
        "/api/v1/whatif",
        json={"policy_id": "first-above-scale-reward", "year": 2024, "overrides": {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text


def test_pages_and_forms_need_login_and_csrf(world: World, tmp_path: Path) -> None:
    anonymous = TestClient(world.app, follow_redirects=False)
    page = anonymous.get("/officer/runs")
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    officer = world.client("officer1")
    del officer.headers["X-CSRF-Token"]
    form = officer.post(f"/officer/runs/{world.ids['run_id']}/pay", data={"csrf_token": "no"})
    assert form.status_code == 403
    login_form = anonymous.post("/login", data={"username": "officer1", "password": PASSWORD})
    assert login_form.status_code == 403  # no double-submit token: no login CSRF
