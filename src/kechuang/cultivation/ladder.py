"""The cultivation ladder as data (ladder.yaml): its rungs in order, and the policy of each rung.

A rung's policy comes from the published national pack (`policies.source`) or, for the city's own
criteria without a national document (潜在独角兽), from a policy file beside this module,
written in the same policy language so that screening, explanation and gaps work alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from kechuang.policies.pack import Pack, PackError
from kechuang.policies.source import current_pack
from kechuang.rules import safe_yaml
from kechuang.rules.load import load_policy_text
from kechuang.rules.policy import Policy

_HERE = resources.files("kechuang.cultivation")
LOCAL_POLICIES = ("potential-unicorn.yaml",)


@dataclass(frozen=True)
class Rung:
    id: str
    rank: int  # 1 is the lowest rung; 0 means no label at all
    label_zh: str
    label_en: str
    # The policies whose `eligible` outcome grants the label, one per period of the law (the SRDI
    # standard of 2022 until 2026-03-31, then the 2026 one): the one in force in a year is used.
    policies: tuple[str, ...]
    fact: str | None  # a boolean panel fact that says a certificate is held (is_hnte)
    listed: bool  # held while the panel's listed_board is known
    certificate_years: int
    issuer: str

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@lru_cache(maxsize=1)
def rungs() -> tuple[Rung, ...]:
    data = safe_yaml.load((_HERE / "ladder.yaml").read_text(encoding="utf-8"))
    return tuple(
        Rung(
            id=r["id"],
            rank=i,
            label_zh=r["label"]["zh"],
            label_en=r["label"]["en"],
            policies=_ids(r.get("policy")),
            fact=r.get("fact"),
            listed=bool(r.get("listed", False)),
            certificate_years=int(r.get("certificate_years", 0)),
            issuer=r.get("issuer", ""),
        )
        for i, r in enumerate(data["rungs"], start=1)
    )


def _ids(policy: object) -> tuple[str, ...]:
    if policy is None:
        return ()
    return tuple(str(p) for p in policy) if isinstance(policy, list) else (str(policy),)


def by_id() -> dict[str, Rung]:
    return {r.id: r for r in rungs()}


def by_rank(rank: int) -> Rung | None:
    for rung in rungs():
        if rung.rank == rank:
            return rung
    return None


def tier_label(tier: str | None, lang: str) -> str:
    if not tier:
        return "未入梯队" if lang == "zh" else "No tier"
    return by_id()[tier].label(lang)


@lru_cache(maxsize=1)
def _local() -> tuple[Policy, ...]:
    local = []
    for name in LOCAL_POLICIES:
        entry = _HERE / name
        local.append(load_policy_text(entry.read_text(encoding="utf-8"), str(Path(str(entry)))))
    return tuple(local)


def pack() -> Pack:
    """The published national pack (from the store) plus the ladder's local policies."""
    return Pack(current_pack().policies + _local())


def policies(year: int) -> dict[str, Policy]:
    """Rung id -> the version of its policy in force in `year` (rungs without one are left out)."""
    found: dict[str, Policy] = {}
    for rung in rungs():
        for policy_id in rung.policies:
            try:
                found[rung.id] = pack().get(policy_id, year)
            except PackError:
                continue  # not in force that year: the label then comes from certificates only
            break
    return found
