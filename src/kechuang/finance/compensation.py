"""Sharing a loss, and recoveries, between the parties exactly to the fen (pure, no I/O).

The parts always add up to the whole (ledger.split: largest remainder, ties to the earlier
party in the product's order). A recovery is shared in the shares of the claim, and the parties
are never paid back more than they lost: the recovered total is capped at the loss still open,
and each part at what that party still has open, with any remainder re-split among the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from kechuang.ledger import split


def split_loss(loss_fen: int, shares: Mapping[str, Decimal]) -> dict[str, int]:
    """Each party's part of the loss, in the product's shares, summing to loss_fen exactly."""
    if loss_fen < 0:
        raise ValueError("a loss is not negative")
    if loss_fen == 0:
        return dict.fromkeys(shares, 0)
    return split(loss_fen, {party: share for party, share in shares.items()})


def split_recovery(
    amount_fen: int, shares: Mapping[str, Decimal], open_fen: Mapping[str, int]
) -> dict[str, int]:
    """Each party's part of a recovery: in the shares, never more than its open loss."""
    total_open = sum(open_fen.values())
    if amount_fen < 0 or amount_fen > total_open:
        raise ValueError(f"a recovery is 0..{total_open} fen (the loss still open)")
    parts = dict.fromkeys(shares, 0)
    remaining = amount_fen
    active = {p: s for p, s in shares.items() if open_fen.get(p, 0) > 0 and s > 0}
    while remaining > 0 and active:
        proposal = split(remaining, active)
        capped = False
        for party, part in proposal.items():
            room = open_fen[party] - parts[party]
            take = min(part, room)
            parts[party] += take
            remaining -= take
            if take < part:
                capped = True
        active = {p: s for p, s in active.items() if open_fen[p] - parts[p] > 0}
        if not capped:
            break
    return parts
