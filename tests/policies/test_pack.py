"""The pack as a whole: every file loads, every rule cites its clause, versions resolve by year."""

from __future__ import annotations

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


@pytest.mark.parametrize("policy_id", ["innovative-sme-2022", "srdi-sme-2022", "little-giant-2022"])
def test_sme_ladder_2022_ends_with_the_2026_revision(policy_id: str) -> None:
    pack = load_pack()
    assert pack.get(policy_id, 2025).version == "2022.1"
    with pytest.raises(PackError, match="no version in force in 2026"):
        pack.get(policy_id, 2026)


def test_every_policy_has_a_version_for_the_demo_years() -> None:
    pack = load_pack()
    for policy_id in CONTRACT_IDS:
        for year in (2022, 2023, 2024) if policy_id != "first-above-scale-reward" else (2024, 2025):
            assert pack.get(policy_id, year).id == policy_id
