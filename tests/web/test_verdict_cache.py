"""The verdict cache as a specification, on SQLite and PostgreSQL: what the enterprise page and
API read from the store (screening.verdict_cache) is exactly what evaluating the facts now gives,
and neither an import of new facts nor the publication of a new policy version lets an older
verdict be shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from kechuang.accounts import service as accounts
from kechuang.screening import eligibility, verdict_cache
from kechuang.screening.enterprise_router import verdict_out
from kechuang.screening.tables import VerdictCache
from kechuang.web.app import create_app
from tests.policies.workbench_helpers import session_of
from tests.web.cache_helpers import import_larger_figures, populated, publish_reward

YEAR = 2024
SAMPLE = 8


@pytest.fixture
def store(store_env: str, tmp_path: Path) -> Iterator[Engine]:
    """A seeded store holding a generated population of 40 enterprises (2023-2024)."""
    engine = populated(store_env, tmp_path / "panel.csv", 40, seed=11)
    yield engine
    verdict_cache.flush()
    engine.dispose()


def _usccs(engine: Engine, n: int = SAMPLE) -> list[str]:
    with engine.connect() as conn:
        query = text("SELECT DISTINCT uscc FROM annual_facts WHERE year = :y ORDER BY uscc")
        return list(conn.scalars(query, {"y": YEAR}))[:n]


def _assess(engine: Engine, uscc: str) -> eligibility.Assessment:
    with engine.connect() as conn:
        return eligibility.assess(conn, uscc, YEAR)


def _fresh(engine: Engine, uscc: str) -> eligibility.Assessment:
    with engine.connect() as conn:
        return eligibility.fresh(conn, uscc, YEAR)


def _shown(found: eligibility.Assessment) -> list[tuple[str, str, object]]:
    return [(p.id, p.version, v) for p, v in found.items]


def _stored(engine: Engine) -> dict[str, tuple[int, str]]:
    verdict_cache.flush()
    with engine.connect() as conn:
        rows = conn.execute(
            select(VerdictCache.uscc, VerdictCache.snapshot, VerdictCache.pack_hash)
        )
        return {r.uscc: (r.snapshot, r.pack_hash) for r in rows}


def _from_the_table_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on an assessment can only come from the store: nothing is evaluated, and this
    process's own level is empty."""
    eligibility._cache.clear()

    def refuse(*_: object) -> None:
        raise AssertionError("evaluated although the store held the verdicts")

    monkeypatch.setattr(eligibility, "_evaluate", refuse)


def test_cached_verdicts_are_exactly_the_fresh_ones(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    usccs = _usccs(store)
    first = {u: _assess(store, u) for u in usccs}
    assert sorted(_stored(store)) == sorted(usccs)

    _from_the_table_only(monkeypatch)
    for uscc in usccs:
        cached = _assess(store, uscc)
        monkeypatch.undo()
        fresh = _fresh(store, uscc)
        _from_the_table_only(monkeypatch)
        assert _shown(cached) == _shown(fresh) == _shown(first[uscc])
        assert [verdict_out(p, v) for p, v in cached.items] == [
            verdict_out(p, v) for p, v in fresh.items
        ]
    # Every outcome of a verdict, not one kind only, went through the store.
    outcomes = {v.outcome.value for u in usccs for _, v in first[u].items}
    assert {"eligible", "ineligible"} <= outcomes


def test_an_import_of_new_facts_is_never_answered_from_the_old_verdicts(
    store: Engine, tmp_path: Path
) -> None:
    uscc = _usccs(store, 1)[0]
    before = _assess(store, uscc)
    old_key = _stored(store)[uscc]

    # The same enterprise again, its 2024 revenue and R&D spending ten times larger.
    import_larger_figures(store, tmp_path / "panel.csv", uscc, YEAR)

    after = _assess(store, uscc)
    assert _shown(after) == _shown(_fresh(store, uscc))
    assert _shown(after) != _shown(before)
    snapshot, pack = _stored(store)[uscc]
    assert snapshot > old_key[0] and pack == old_key[1]


def test_a_publication_is_never_answered_from_the_old_verdicts(store: Engine) -> None:
    uscc = _usccs(store, 1)[0]
    before = _assess(store, uscc)
    old_key = _stored(store)[uscc]
    assert "city-growth-reward" not in {p.id for p, _ in before.items}

    publish_reward(store, YEAR)

    after = _assess(store, uscc)
    assert "city-growth-reward" in {p.id for p, _ in after.items}
    assert _shown(after) == _shown(_fresh(store, uscc))
    snapshot, pack = _stored(store)[uscc]
    assert snapshot == old_key[0] and pack != old_key[1]


def test_the_api_answers_the_fresh_verdicts_in_one_read_of_the_enterprise(
    store: Engine,
) -> None:
    uscc = _usccs(store, 1)[0]
    with session_of(store) as session:
        accounts.create_account(
            session, username="ent-cache", password="verdict-cache-pw-1", role="enterprise",
            uscc=uscc, actor="test",
        )  # fmt: skip
        session.commit()
    fresh = [verdict_out(p, v).model_dump() for p, v in _fresh(store, uscc).items]
    with TestClient(create_app(store)) as client:
        token = client.post(
            "/api/v1/session", json={"username": "ent-cache", "password": "verdict-cache-pw-1"}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(2):  # computed, then from the cache
            answer = client.get(f"/api/v1/enterprises/{uscc}/policies?limit=100", headers=headers)
            assert answer.status_code == 200, answer.text
            assert answer.json()["items"] == fresh
    assert list(_stored(store)) == [uscc]
