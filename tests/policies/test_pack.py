"""The pack as a whole: every file loads, every rule cites its clause, versions resolve by year."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import kechuang.policies
from kechuang.policies.pack import PackError, load_pack
from kechuang.rules.load import load_policy_text
from kechuang.rules.policy import ConditionKind

POLICY_DIR = Path(kechuang.policies.__file__).parent
FILES = sorted(POLICY_DIR.glob("*.yaml"))
CONTRACT_IDS = {
    "tsme-2017",
    "hnte-2016",
    "above-scale-2019",
    "first-above-scale-reward",
    "innovative-sme-2022",
    "srdi-sme-2022",
    "little-giant-2022",
    "srdi-sme-2026",
    "little-giant-2026",
}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_file_loads_and_cites_its_clauses(path: Path) -> None:
    policy = load_policy_text(path.read_text(encoding="utf-8"), str(path))
    assert policy.document_number
    assert path.read_text(encoding="utf-8").startswith("#"), "a header comment describes the file"
    for condition in policy.conditions:
        assert condition.clause.strip(), f"{policy.id}: condition {condition.id} cites no clause"
        assert condition.label.zh and condition.label.en
        if condition.kind == ConditionKind.ATTESTATION:
            assert condition.expr is None
    for score in policy.scores:
        assert score.clause.strip(), f"{policy.id}: score {score.id} cites no clause"
    for parameter in policy.parameters.values():
        for dated in parameter.values:
            assert dated.reference.strip(), (
                f"{policy.id}: parameter {parameter.name} from {dated.effective_from} cites nothing"
            )
    for definition in policy.definitions:
        assert definition.clause.strip(), f"{policy.id}: definition {definition.id} cites no clause"
    if policy.benefit is not None:
        assert policy.benefit.clause.strip()


def test_the_pack_has_the_contract_ids() -> None:
    # the national pack's ids (shared/DATA-CONTRACT.md); city policies may be added alongside
    assert set(load_pack().ids()) >= CONTRACT_IDS


@pytest.mark.parametrize(
    ("year", "version", "amount"),
    [(2024, "2026.2", 200000), (2025, "2026.2", 200000), (2026, "2026.2", 300000)],
)
def test_the_version_in_force_on_31_december_is_used(year: int, version: str, amount: int) -> None:
    policy = load_pack().get("first-above-scale-reward", year)
    assert policy.version == version
    assert policy.parameter_values(year)["amount"] == amount


@pytest.mark.parametrize(
    ("old", "new"), [("srdi-sme-2022", "srdi-sme-2026"), ("little-giant-2022", "little-giant-2026")]
)
def test_the_2022_srdi_standards_end_on_31_march_2026(old: str, new: str) -> None:
    # 工信部企业〔2026〕2号 is in force from 2026-04-01. A year-based screening uses the version in
    # force on 31 December: 2025 -> the 2022 standard, 2026 -> the 2026 one (although the 2022
    # standard still applied on 1 January to 31 March 2026).
    pack = load_pack()
    assert pack.get(old, 2025).effective_to == dt.date(2026, 3, 31)
    assert pack.get(new, 2026).effective_from == dt.date(2026, 4, 1)
    with pytest.raises(PackError, match="no version in force in 2026"):
        pack.get(old, 2026)
    with pytest.raises(PackError, match="no version in force in 2025"):
        pack.get(new, 2025)
    assert old in {p.id for p in pack.resolve(["all"], 2025)}
    in_2026 = {p.id for p in pack.resolve(["all"], 2026)}
    assert new in in_2026 and old not in in_2026


def test_the_innovative_sme_standard_has_no_end_date() -> None:
    # It stays in force under the 2026 办法 until a merged standard is published.
    pack = load_pack()
    assert pack.get("innovative-sme-2022", 2026).effective_to is None
    assert pack.get("innovative-sme-2022", 2026) is pack.get("innovative-sme-2022", 2025)


def test_every_policy_has_a_version_for_the_demo_years() -> None:
    pack = load_pack()
    later = {"first-above-scale-reward": (2024, 2025), "srdi-sme-2026": (2026,),
             "little-giant-2026": (2026,)}  # fmt: skip
    for policy_id in CONTRACT_IDS:
        for year in later.get(policy_id, (2022, 2023, 2024)):
            assert pack.get(policy_id, year).id == policy_id
