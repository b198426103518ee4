"""Budget allocation over the eligible enterprises of a run, exact to the fen. Pure, no I/O.

When the eligible amounts fit in the budget (or there is none), everyone gets their eligible
amount. Otherwise the policy's rule applies:

- pro_rata: the budget is split in proportion to the eligible amounts by the largest remainder
  method (domain.money.allocate), so the parts add up to the budget exactly; since the budget is
  below the eligible sum, each share is below its eligible amount (a remainder fen never lifts a
  share above it: floor(b*e/E) + 1 <= e whenever b < E).
- by_score: enterprises are ranked by score (highest first, no score last), then by USCC; each
  is paid in full while the budget lasts, the first who no longer fits gets the remainder
  (a partial award), and those after get nothing. A partial award pays out the whole budget,
  which is what a budget is for; the notice list shows it as partial.

In both cases sum(allocated) == min(budget, sum(eligible)) and nobody gets above eligible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from kechuang.domain.money import allocate as split_fen

PRO_RATA = "pro_rata"
BY_SCORE = "by_score"
RULES = (PRO_RATA, BY_SCORE)


@dataclass(frozen=True)
class Claim:
    """An eligible enterprise's claim on the budget."""

    uscc: str
    eligible_fen: int
    score: Decimal | None = None


def allocate(claims: Sequence[Claim], budget_fen: int | None, rule: str) -> dict[str, int]:
    """The allocated fen of each claim's USCC under `budget_fen` (None: no cap) and `rule`."""
    if rule not in RULES:
        raise ValueError(f"unknown allocation rule {rule!r} (known: {', '.join(RULES)})")
    if budget_fen is not None and budget_fen < 0:
        raise ValueError("a budget must not be negative")
    for claim in claims:
        if claim.eligible_fen < 0:
            raise ValueError(f"{claim.uscc}: an eligible amount must not be negative")
    total = sum(c.eligible_fen for c in claims)
    if budget_fen is None or total <= budget_fen:
        return {c.uscc: c.eligible_fen for c in claims}
    if rule == PRO_RATA:
        # Key order makes the remainder fen go to the same enterprise every time.
        ordered = sorted(claims, key=lambda c: c.uscc)
        parts = split_fen(budget_fen, [c.eligible_fen for c in ordered])
        return {c.uscc: part for c, part in zip(ordered, parts, strict=True)}
    return _by_score(claims, budget_fen)


def _by_score(claims: Sequence[Claim], budget_fen: int) -> dict[str, int]:
    ranked = sorted(
        claims,
        key=lambda c: (c.score is None, -(c.score or Decimal(0)), c.uscc),
    )
    left = budget_fen
    result: dict[str, int] = {}
    for claim in ranked:
        share = min(claim.eligible_fen, left)
        result[claim.uscc] = share
        left -= share
    return result
