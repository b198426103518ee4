"""The generated reference pages: every clause is on the page, and `policy-docs --check` works."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kechuang.cli import app
from kechuang.policies.pack import load_pack
from kechuang.policies.reference import description, page_name, pages, render
from tests.policies.test_pack import CONTRACT_IDS

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.mark.parametrize("policy", load_pack().policies, ids=lambda p: f"{p.id}-{p.version}")
def test_page_shows_every_rule_with_its_clause(policy) -> None:
    text = render(policy)
    assert policy.document_number in text
    for condition in policy.conditions:
        assert f"`{condition.id}`" in text and condition.clause in text
    for name, parameter in policy.parameters.items():
        assert f"`{name}`" in text and parameter.reference in text
    for score in policy.scores:
        assert f"`{score.id}`" in text
    if policy.id in CONTRACT_IDS:
        assert "上年度" in text  # the national pack states the year convention in each file


def test_bands_are_listed() -> None:
    text = render(load_pack().get("tsme-2017", 2024))
    assert "≥ 30% → 20; ≥ 25% → 16; ≥ 20% → 12; ≥ 15% → 8; ≥ 10% → 4; otherwise → 0" in text


def test_illustrative_amount_is_said_so() -> None:
    text = render(load_pack().get("first-above-scale-reward", 2024))
    assert "ILLUSTRATIVE" in text and "¥200,000" in text and "¥20,000,000" in text


def test_description_joins_wrapped_lines() -> None:
    assert (
        description("# 第一行\n# 第二行 and\n# more\n#\n# next\nid: x\n")
        == "第一行第二行 and more\n\nnext"
    )


def test_checked_in_pages_are_current() -> None:
    result = runner.invoke(app, ["policy-docs", "--check", "--out", str(REPO / "docs/policies")])
    assert result.exit_code == 0, result.output


def test_check_fails_on_a_stale_page_and_writing_fixes_it(tmp_path: Path) -> None:
    out = tmp_path / "policies"
    assert runner.invoke(app, ["policy-docs", "--check", "--out", str(out)]).exit_code == 1
    assert runner.invoke(app, ["policy-docs", "--out", str(out)]).exit_code == 0
    assert runner.invoke(app, ["policy-docs", "--check", "--out", str(out)]).exit_code == 0
    wanted = pages(load_pack().policies)
    assert sorted(p.name for p in out.iterdir()) == sorted(wanted)
    page = out / page_name(load_pack().get("tsme-2017", 2024))
    page.write_text(page.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    (out / "old-policy-1.md").write_text("stale", encoding="utf-8")
    result = runner.invoke(app, ["policy-docs", "--check", "--out", str(out)])
    assert result.exit_code == 1
    assert "out of date" in result.output and "no longer generated" in result.output
    assert runner.invoke(app, ["policy-docs", "--out", str(out)]).exit_code == 0
    assert not (out / "old-policy-1.md").exists()


def test_met_if_is_shown_with_the_pre_check() -> None:
    text = render(load_pack().get("srdi-sme-2022", 2024))
    assert "数据可判定的直通条件 Met by data if" in text
    assert "`award_route or rd_average_route or equity_route or maker_china_route`" in text
    text = render(load_pack().get("above-scale-2019", 2024))
    assert "`not qualification_trade and revenue_at_threshold`" in text
    assert "预检 Pre-check (false → unmet): `qualification_trade or revenue_at_threshold`" in text
