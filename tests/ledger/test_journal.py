"""The journal on both stores: balanced entries only, once per key, floors held."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.ledger import (
    AccountConflict,
    AccountType,
    FloorBreached,
    IdempotencyConflict,
    InvalidPosting,
    Posting,
    Reference,
    UnbalancedEntry,
    UnknownAccount,
    balance,
    balances,
    entries,
    open_account,
    post,
    trial_balance,
)
from kechuang.ledger.tables import LedgerEntry, LedgerPosting
from tests.ledger.conftest import USCC

PAYABLE = f"payable:enterprise:{USCC}"


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
        session.scalar(select(func.count()).select_from(LedgerPosting)) or 0,
    )


def _fund(session: Session, fen: int, key: str = "fund-1") -> None:
    post(
        session,
        key,
        [("fund:compensation", fen), ("equity:city-appropriation", -fen)],
        kind="fund_capital",
    )
    session.commit()


def test_a_balanced_entry_moves_money_and_the_trial_balance_stays_zero(chart: Session) -> None:
    result = post(
        chart,
        "run:12:commit",
        [
            ("budget:first-above-scale-reward", 500_000_00),
            ("equity:city-appropriation", -500_000_00),
        ],
        kind="budget_commitment",
        description="首次升规奖励 2025 预算",
        reference=("screening_run", 12),
        created_by="officer-a",
    )
    chart.commit()
    assert result.created
    assert balance(chart, "budget:first-above-scale-reward") == 500_000_00
    assert balance(chart, "equity:city-appropriation") == -500_000_00
    assert balance(chart, "bank:treasury") == 0
    assert trial_balance(chart) == 0
    [entry] = entries(chart, reference="screening_run:12")
    assert entry.id == result.entry_id
    assert entry.reference == Reference("screening_run", "12")
    assert entry.created_by == "officer-a"
    assert entry.occurred_at.tzinfo is not None
    assert set(entry.postings) == {
        Posting("budget:first-above-scale-reward", 500_000_00),
        Posting("equity:city-appropriation", -500_000_00),
    }


@pytest.mark.parametrize(
    ("postings", "error", "message"),
    [
        (
            [("bank:treasury", 100), ("equity:city-appropriation", -99)],
            UnbalancedEntry,
            "differ by 1",
        ),
        ([("bank:treasury", 100)], UnbalancedEntry, "at least two"),
        ([], UnbalancedEntry, "at least two"),
        ([("bank:treasury", 1.5), ("equity:city-appropriation", -1.5)], InvalidPosting, "integer"),
        ([("bank:treasury", True), ("equity:city-appropriation", -1)], InvalidPosting, "integer"),
        ([("bank:treasury", 0), ("equity:city-appropriation", 0)], InvalidPosting, "zero"),
        ([("bank:treasury", 5), ("nowhere", -5)], UnknownAccount, "nowhere"),
    ],
)
def test_an_invalid_entry_is_refused_with_a_clear_error_and_nothing_is_written(
    chart: Session, postings: list[tuple[str, object]], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        post(chart, "bad", postings, kind="adjustment")  # type: ignore[arg-type]
    chart.commit()
    assert _counts(chart) == (0, 0)
    assert trial_balance(chart) == 0


def test_posting_the_same_key_twice_posts_once(chart: Session) -> None:
    lines = [(PAYABLE, 300_000_00), ("bank:treasury", -300_000_00)]
    first = post(chart, "run:12:pay:" + USCC, lines, kind="payment", reference="screening_run:12")
    chart.commit()
    again = post(
        chart,
        "run:12:pay:" + USCC,
        list(reversed(lines)),
        kind="payment",
        reference="screening_run:12",
    )
    chart.commit()
    assert first.created and not again.created
    assert again.entry_id == first.entry_id
    assert _counts(chart) == (1, 2)
    assert balance(chart, "bank:treasury") == -300_000_00


def test_the_same_key_with_different_content_is_a_conflict_naming_the_key(chart: Session) -> None:
    post(chart, "k-1", [(PAYABLE, 100), ("bank:treasury", -100)], kind="payment")
    chart.commit()
    with pytest.raises(IdempotencyConflict, match="'k-1'") as caught:
        post(chart, "k-1", [(PAYABLE, 200), ("bank:treasury", -200)], kind="payment")
    assert caught.value.key == "k-1"
    with pytest.raises(IdempotencyConflict, match="kind"):
        post(chart, "k-1", [(PAYABLE, 100), ("bank:treasury", -100)], kind="clawback")
    with pytest.raises(IdempotencyConflict, match="reference"):
        post(
            chart, "k-1", [(PAYABLE, 100), ("bank:treasury", -100)], kind="payment", reference="x:1"
        )
    chart.commit()
    assert _counts(chart) == (1, 2)


def test_a_floored_account_refuses_an_entry_that_would_take_it_below_the_floor(
    chart: Session,
) -> None:
    _fund(chart, 1_000_000)
    claim = [("expense:compensation", 600_000), ("fund:compensation", -600_000)]
    assert post(chart, "claim-1", claim, kind="compensation").created
    chart.commit()
    with pytest.raises(FloorBreached, match="fund:compensation") as caught:
        post(chart, "claim-2", claim, kind="compensation")
    chart.rollback()
    assert (caught.value.balance_fen, caught.value.change_fen) == (400_000, -600_000)
    assert balance(chart, "fund:compensation") == 400_000
    # Exactly down to the floor is allowed; paying in is always allowed.
    last = [("expense:compensation", 400_000), ("fund:compensation", -400_000)]
    assert post(chart, "claim-3", last, kind="compensation").created
    _fund(chart, 1, key="fund-2")
    assert balance(chart, "fund:compensation") == 1
    assert trial_balance(chart) == 0


def test_the_floor_applies_on_the_normal_side_of_a_credit_account(session: Session) -> None:
    open_account(session, "liability:guarantee-programme", "liability", min_balance_fen=0)
    open_account(session, "bank:treasury", "asset")
    post(
        session, "in", [("bank:treasury", 500), ("liability:guarantee-programme", -500)], "capital"
    )
    with pytest.raises(FloorBreached):
        post(
            session,
            "out",
            [("bank:treasury", -501), ("liability:guarantee-programme", 501)],
            "draw",
        )
    assert post(
        session, "out", [("bank:treasury", -500), ("liability:guarantee-programme", 500)], "draw"
    ).created
    session.commit()
    assert balance(session, "liability:guarantee-programme") == 0


def test_opening_an_account_again_is_idempotent_and_a_changed_definition_is_a_conflict(
    session: Session,
) -> None:
    first = open_account(session, "fund:x", AccountType.ASSET, min_balance_fen=0, name_zh="基金")
    session.commit()
    again = open_account(session, "fund:x", "asset", min_balance_fen=0)
    assert again.id == first.id
    with pytest.raises(AccountConflict, match="min_balance_fen"):
        open_account(session, "fund:x", "asset")
    with pytest.raises(AccountConflict, match="type"):
        open_account(session, "fund:x", "liability", min_balance_fen=0)


def test_balances_are_derived_per_account_and_as_of_a_moment(chart: Session) -> None:
    jan = dt.datetime(2025, 1, 10, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    mar = dt.datetime(2025, 3, 10, 9, tzinfo=dt.UTC)
    post(
        chart,
        "a",
        [("bank:treasury", 700), ("equity:city-appropriation", -700)],
        "capital",
        occurred_at=jan,
    )
    post(
        chart,
        "b",
        [("bank:treasury", 300), ("equity:city-appropriation", -300)],
        "capital",
        occurred_at=mar,
    )
    chart.commit()
    assert balance(chart, "bank:treasury") == 1000
    assert balance(chart, "bank:treasury", as_of=dt.datetime(2025, 2, 1, tzinfo=dt.UTC)) == 700
    assert balance(chart, "bank:treasury", as_of=jan - dt.timedelta(seconds=1)) == 0
    listed = {b.code: b for b in balances(chart)}
    assert listed["bank:treasury"].balance_fen == 1000
    assert listed["equity:city-appropriation"].normal_balance_fen == 1000
    assert listed["fund:compensation"].balance_fen == 0
    assert sum(b.balance_fen for b in listed.values()) == 0
    assert [b.code for b in balances(chart, prefix="payable:")] == [PAYABLE]
    assert [e.idempotency_key for e in entries(chart, account="bank:treasury")] == ["a", "b"]
    assert [e.idempotency_key for e in entries(chart, limit=1)] == ["b"]
    with pytest.raises(UnknownAccount):
        balance(chart, "missing")


def test_a_naive_time_is_refused(chart: Session) -> None:
    with pytest.raises(ValueError, match="time zone"):
        post(
            chart,
            "n",
            [("bank:treasury", 1), ("equity:city-appropriation", -1)],
            "capital",
            occurred_at=dt.datetime(2025, 1, 1),
        )


def test_overlong_kind_reference_or_key_is_refused_on_both_stores(chart: Session) -> None:
    lines = [("bank:treasury", 1), ("equity:city-appropriation", -1)]
    with pytest.raises(ValueError, match="kind"):
        post(chart, "x", lines, kind="k" * 65)
    with pytest.raises(ValueError, match="reference"):
        post(chart, "x", lines, kind="capital", reference=("loan", "9" * 65))
    with pytest.raises(ValueError, match="idempotency key"):
        post(chart, "x" * 201, lines, kind="capital")
    chart.commit()
    assert _counts(chart) == (0, 0)
