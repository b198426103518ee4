"""A repayment file's bad rows are named with their reasons in the page's language (issue 20,
readable everywhere): Chinese by default, English with ?lang=en; nothing is stored either way."""

from __future__ import annotations

import re

from tests.finance.conftest import START
from tests.finance.test_finance_forms import (  # noqa: F401 - the forms' world fixture
    Browser,
    World,
    _disbursed,
    _repayments,
    world,
)

HEAD = "loan_ref,repayment_ref,received_on,amount_yuan\n"
BAD = HEAD + "L1,R1,2025-03-19,12x\nNOPE,R3,2025-03-19,5\nL1,R4,,5\n"


def _reasons(bank: Browser, lang: str, content: str) -> dict[tuple[str, str], str]:
    answer = bank.client.post(
        f"/finance/repayments/import?lang={lang}", data={"csrf_token": bank.csrf},
        files={"file": ("repayments.csv", content.encode(), "text/csv")},
    )  # fmt: skip
    assert answer.status_code == 422, answer.text[:300]
    rows = re.findall(
        r'<tr class="bad-row"><td>(\d+)</td><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td>',
        answer.text,
    )
    return {(row, column): reason for row, column, reason in rows}


def test_row_reasons_are_in_chinese_on_a_chinese_page(world: World) -> None:  # noqa: F811
    _disbursed(world, "L1")
    world.clock.day = START.replace(day=20)
    reasons = _reasons(Browser(world.app, "icbc"), "zh", BAD)
    assert reasons[("2", "amount_yuan")].startswith("格式不正确")
    assert reasons[("4", "received_on")] == "必填"
    assert _repayments(world) == 0
    # A row whose loan the bank does not have is found once the file parses.
    unknown = _reasons(Browser(world.app, "icbc"), "zh", HEAD + "NOPE,R3,2025-03-19,5\n")
    assert unknown[("2", "loan_ref")] == "本行没有此编号的贷款"


def test_row_reasons_are_in_english_on_an_english_page(world: World) -> None:  # noqa: F811
    _disbursed(world, "L1")
    world.clock.day = START.replace(day=20)
    reasons = _reasons(Browser(world.app, "icbc"), "en", BAD)
    assert reasons[("4", "received_on")] == "required"
    assert "格式" not in reasons[("2", "amount_yuan")]
    unknown = _reasons(Browser(world.app, "icbc"), "en", HEAD + "NOPE,R3,2025-03-19,5\n")
    assert unknown[("2", "loan_ref")].startswith("no loan of ")
    assert _repayments(world) == 0
