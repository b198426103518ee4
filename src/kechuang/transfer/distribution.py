"""Income distribution to inventors under 促进科技成果转化法 第四十五条. Pure, integer fen.

An institution's rule gives the inventors' share of each kind of income in basis points
(1 bp = 0.01%). Where the institution has no rule, the statutory minimums apply:
- licence or transfer: >= 50% of the net income (第四十五条第一款第一项);
- equity investment: >= 50% of the shares or contribution ratio (第二项);
- own implementation: >= 5% of the operating profit, for 3 to 5 years (第三项);
- the main contributors receive >= 50% of the reward (实施若干规定 and the Shanghai pilot rules).
A rule or agreement may raise a share, never lower it: below the minimum is refused.

Rounding: the inventors' pool is rounded *up* to the fen (or share), so that integer rounding
can never take the reward below the percentage the law or the agreement promises; the pool
is then split among inventors by their contribution shares with ledger.split (exact to the fen).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from kechuang.domain.money import allocate
from kechuang.workflow.errors import Invalid

FULL_BP = 10_000


class IncomeKind(enum.StrEnum):
    LICENCE = "licence"
    TRANSFER = "transfer"
    EQUITY = "equity"
    OPERATING_PROFIT = "operating_profit"


STATUTORY_MINIMUM_BP: Mapping[IncomeKind, int] = {
    IncomeKind.LICENCE: 5_000,
    IncomeKind.TRANSFER: 5_000,
    IncomeKind.EQUITY: 5_000,
    IncomeKind.OPERATING_PROFIT: 500,
}
MAIN_CONTRIBUTORS_MINIMUM_BP = 5_000
OWN_IMPLEMENTATION_YEARS = (3, 5)


class BelowStatutoryMinimum(Invalid):
    """A rule or an agreement gives the inventors less than the law requires."""


class InvalidShares(Invalid):
    """Inventors' contribution shares do not sum to 100% or the main contributors get < 50%."""


@dataclass(frozen=True)
class Rule:
    """Inventors' shares in basis points of each kind of net income."""

    licence_bp: int = STATUTORY_MINIMUM_BP[IncomeKind.LICENCE]
    transfer_bp: int = STATUTORY_MINIMUM_BP[IncomeKind.TRANSFER]
    equity_bp: int = STATUTORY_MINIMUM_BP[IncomeKind.EQUITY]
    operating_profit_bp: int = STATUTORY_MINIMUM_BP[IncomeKind.OPERATING_PROFIT]
    main_contributors_bp: int = MAIN_CONTRIBUTORS_MINIMUM_BP

    def share_bp(self, kind: IncomeKind) -> int:
        return int(getattr(self, f"{IncomeKind(kind).value}_bp"))

    def checked(self) -> Rule:
        """This rule, or BelowStatutoryMinimum naming every share under its minimum."""
        problems = []
        for kind, minimum in STATUTORY_MINIMUM_BP.items():
            value = self.share_bp(kind)
            if isinstance(value, bool) or not isinstance(value, int) or value > FULL_BP:
                problems.append(f"{kind.value}: {value!r} is not 0..{FULL_BP} basis points")
            elif value < minimum:
                problems.append(f"{kind.value}: {value} bp is below the statutory {minimum} bp")
        if not MAIN_CONTRIBUTORS_MINIMUM_BP <= self.main_contributors_bp <= FULL_BP:
            problems.append(
                f"main contributors: {self.main_contributors_bp} bp is below the statutory "
                f"{MAIN_CONTRIBUTORS_MINIMUM_BP} bp"
            )
        if problems:
            raise BelowStatutoryMinimum("; ".join(problems))
        return self

    def overridden(self, **shares_bp: int | None) -> Rule:
        """The rule with an agreement's shares, each allowed only upward (never below this)."""
        given = {name: value for name, value in shares_bp.items() if value is not None}
        lower = [
            f"{name}: {value} bp is below the institution's rule of {getattr(self, name)} bp"
            for name, value in given.items()
            if value < getattr(self, name)
        ]
        if lower:
            raise BelowStatutoryMinimum("; ".join(lower))
        return replace(self, **given).checked()


STATUTORY = Rule()


@dataclass(frozen=True)
class Contributor:
    """An inventor's key, contribution share (basis points) and whether a main contributor."""

    key: str
    share_bp: int
    main: bool


def check_contributors(contributors: Sequence[Contributor], main_minimum_bp: int) -> None:
    """Refuse shares that do not sum to 100% or that give the main contributors too little."""
    if not contributors:
        raise InvalidShares("a result needs at least one inventor", zh="成果至少需要一名完成人")
    keys = [c.key for c in contributors]
    if len(set(keys)) != len(keys):
        raise InvalidShares("an inventor is listed twice", zh="完成人重复列出")
    if any(c.share_bp <= 0 for c in contributors):
        raise InvalidShares(
            "every inventor's contribution share is more than 0%",
            zh="每名完成人的贡献比例须大于 0%",
        )
    total = sum(c.share_bp for c in contributors)
    if total != FULL_BP:
        raise InvalidShares(
            f"contribution shares sum to {total / 100}%, not 100%",
            zh=f"贡献比例合计为 {total / 100:g}%，须为 100%",
        )
    main = sum(c.share_bp for c in contributors if c.main)
    if main < main_minimum_bp:
        raise InvalidShares(
            f"main contributors hold {main / 100}% of the shares; they must receive at least "
            f"{main_minimum_bp / 100}% of the reward",
            zh=f"主要贡献人合计占 {main / 100:g}%，须不少于 {main_minimum_bp / 100:g}%",
        )


def pool(amount: int, share_bp: int) -> int:
    """The inventors' part of amount (fen or shares) at share_bp, rounded up."""
    if amount < 0:
        raise ValueError("a distributable amount is not negative")
    return -(-amount * share_bp // FULL_BP)


@dataclass(frozen=True)
class Distribution:
    """How one net amount divides: the institution keeps the rest, inventors by key."""

    net: int
    share_bp: int
    inventors_total: int
    institution: int
    inventors: dict[str, int]


def distribute(
    net: int, kind: IncomeKind, rule: Rule, contributors: Sequence[Contributor]
) -> Distribution:
    """Divide net (fen of income, or shares of equity) between institution and inventors."""
    rule.checked()
    check_contributors(contributors, rule.main_contributors_bp)
    share = rule.share_bp(kind)
    total = pool(net, share)
    parts = (
        allocate(total, [c.share_bp for c in contributors]) if total else [0] * len(contributors)
    )
    return Distribution(
        net=net,
        share_bp=share,
        inventors_total=total,
        institution=net - total,
        inventors={c.key: part for c, part in zip(contributors, parts, strict=True)},
    )


def check_own_implementation_year(year_index: int, reward_years: int) -> None:
    """Operating profit is rewarded in the first 3 to 5 years of own implementation."""
    low, high = OWN_IMPLEMENTATION_YEARS
    if not low <= reward_years <= high:
        raise BelowStatutoryMinimum(f"own implementation rewards run {low} to {high} years")
    if not 1 <= year_index <= reward_years:
        raise ValueError(f"year {year_index} is outside the {reward_years} rewarded years")
