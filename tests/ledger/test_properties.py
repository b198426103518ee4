"""Property: any sequence of balanced entries keeps the trial balance at zero and each account's
balance equal to the sum of the postings made to it (on both stores)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from kechuang.ledger import balance, balances, open_account, post, trial_balance

ACCOUNTS = [
    ("asset:a", "asset"),
    ("asset:b", "asset"),
    ("liability:c", "liability"),
    ("equity:d", "equity"),
    ("income:e", "income"),
    ("expense:f", "expense"),
]
_keys = itertools.count()

amount = st.integers(min_value=-(10**13), max_value=10**13).filter(bool)
entry = st.lists(
    st.tuples(st.sampled_from([c for c, _ in ACCOUNTS]), amount), min_size=1, max_size=5
)


def _balanced(lines: list[tuple[str, int]], against: str) -> list[tuple[str, int]]:
    total = sum(a for _, a in lines)
    return [*lines, (against, -total)] if total else lines


# The session fixture is shared by the examples on purpose: the expected balances accumulate
# across them, so later examples post onto a journal that earlier ones filled.
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(entries=st.lists(st.tuples(entry, st.sampled_from([c for c, _ in ACCOUNTS])), max_size=6))
def test_random_balanced_entries_keep_the_books_balanced(
    session: Session, entries: list[tuple[list[tuple[str, int]], str]]
) -> None:
    for code, account_type in ACCOUNTS:
        open_account(session, code, account_type)
    expected = {b.code: b.balance_fen for b in balances(session)}
    for lines, against in entries:
        postings = _balanced(lines, against)
        if len(postings) < 2:
            continue
        assert post(session, f"p{next(_keys)}", postings, kind="random").created
        session.commit()
        for code, fen in postings:
            expected[code] += fen
        assert trial_balance(session) == 0
    for code, _ in ACCOUNTS:
        assert balance(session, code) == expected[code]
