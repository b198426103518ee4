"""Tiers over time: labels from rules, facts and certificates; moves with reasons; the funnel,
the cohort table and the watch list."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from sqlalchemy import delete, insert

from kechuang.cultivation import ladder, transitions, watch
from kechuang.cultivation.service import tier_files
from kechuang.cultivation.tables import Certificate
from kechuang.cultivation.tiers import TierFiles
from kechuang.rules.scalar import evaluate
from tests.cultivation.history import history
from tests.stats.world import World


def _rows(files: TierFiles, sql: str) -> list[tuple[object, ...]]:
    return duckdb.sql(sql.format(labels=f"'{files.labels}'", tiers=f"'{files.tiers}'")).fetchall()


def test_labels_follow_their_rules(world_env: World) -> None:
    files = tier_files(world_env.engine)
    # Held exactly when a basis holds; the tier is the highest rung held; several at once.
    bad = _rows(
        files,
        """
        SELECT count(*) FROM read_parquet({labels})
        WHERE held <> (by_rule OR by_fact OR by_listing OR certificate_no IS NOT NULL)""",
    )
    assert bad == [(0,)]
    hnte = _rows(
        files,
        """
        SELECT count(*) FROM read_parquet({labels}) l
        JOIN read_parquet({tiers}) t USING (uscc, year)
        WHERE l.label = 'hnte' AND l.held AND NOT list_contains(t.labels, 'hnte')""",
    )
    assert hnte == [(0,)]
    top = _rows(
        files,
        """
        SELECT count(*) FROM read_parquet({tiers})
        WHERE rank > 0 AND labels[len(labels)] <> tier""",
    )
    assert top == [(0,)]
    several = _rows(files, "SELECT count(*) FROM read_parquet({tiers}) WHERE len(labels) >= 2")
    assert several[0][0] > 0  # type: ignore[operator]


def test_a_certificate_grants_its_label_while_valid_then_the_loss_says_why(
    world_env: World,
) -> None:
    files = tier_files(world_env.engine)
    (uscc,) = _rows(
        files,
        """
        SELECT uscc FROM read_parquet({tiers}) WHERE year = 2023 AND rank < 5
        AND uscc IN (SELECT uscc FROM read_parquet({tiers}) WHERE year = 2024)
        ORDER BY uscc LIMIT 1""",
    )[0]
    with world_env.engine.begin() as conn:
        conn.execute(
            insert(Certificate).values(
                uscc=uscc,
                label="little_giant",
                certificate_no="TEST-XJR-1",
                valid_from=dt.date(2021, 7, 1),
                valid_to=dt.date(2024, 6, 30),
                issuer="工业和信息化部",
                source="import",
            )
        )
    try:
        files = tier_files(world_env.engine)
        tiers = dict(
            _rows(files, f"SELECT year, tier FROM read_parquet({{tiers}}) WHERE uscc = '{uscc}'")
        )
        assert tiers[2023] in ("little_giant", "potential_unicorn", "listed")
        assert tiers[2024] != "little_giant"
        moves = transitions.moves(files, 2024, loss_limit=100_000)
        loss = next(x for x in moves.losses if x.uscc == uscc and x.label == "little_giant")
        kinds = [r.kind for r in loss.reasons]
        assert kinds[0] == "certificate_expired" and "2024-06-30" in loss.reasons[0].text_zh
        # With the certificate gone, the rules' verdict explains why the label is not held.
        assert {"unmet", "pending", "unknown"} & set(kinds)
    finally:
        with world_env.engine.begin() as conn:
            conn.execute(delete(Certificate).where(Certificate.certificate_no == "TEST-XJR-1"))


def test_funnel_and_cohort_add_up(world_env: World) -> None:
    files = tier_files(world_env.engine)
    for year in files.years:
        rows = [r for r in transitions.funnel(files) if r.year == year]
        above = [r.at_or_above for r in rows]
        assert above == sorted(above, reverse=True)
        assert all(r.holders <= r.at_or_above or r.rank < max(x.rank for x in rows) for r in rows)
    cohort = transitions.cohort(files)
    base = dict(
        _rows(
            files,
            f"SELECT coalesce(tier, ''), count(*) FROM read_parquet({{tiers}}) "
            f"WHERE year = {cohort.base_year} GROUP BY 1",
        )
    )
    for start, per_year in cohort.rows:
        assert sum(per_year[0].values()) == base[start]
        assert per_year[0] == {start: base[start]}
        for counts in per_year[1:]:
            assert sum(counts.values()) <= base[start]
    moves = transitions.moves(files, 2024)
    assert moves.up + moves.down + moves.same == moves.compared == sum(moves.matrix.values())


def test_watch_list_gaps_come_from_the_explain_engine(world_env: World) -> None:
    files = tier_files(world_env.engine)
    items = watch.watch_list(files, world_env.panel, 2024, limit=20)
    assert items, "some enterprises are one condition away"
    rungs = ladder.by_id()
    policies = ladder.policies(2024)
    for item in items:
        assert rungs[item.next_rung].rank > (rungs[item.tier].rank if item.tier else 0)
        verdict = evaluate(policies[item.next_rung], history(world_env.panel, item.uscc), 2024)
        assert verdict.unmet == [item.condition]
        assert item.gap_zh and item.gap_en
    assert [i.closeness for i in items] == sorted(i.closeness for i in items)


@pytest.mark.parametrize("year", [2016, 2030])
def test_ladder_policies_by_year(year: int) -> None:
    found = ladder.policies(year)
    assert "potential_unicorn" in found
    assert all(p.in_force(dt.date(year, 12, 31)) for p in found.values())


@pytest.mark.parametrize(
    ("year", "srdi", "giant"),
    [(2025, "srdi-sme-2022", "little-giant-2022"), (2026, "srdi-sme-2026", "little-giant-2026")],
)
def test_the_srdi_rungs_follow_the_standard_in_force(year: int, srdi: str, giant: str) -> None:
    # 工信部企业〔2026〕2号 replaces the 2022 standards from 2026-04-01; the innovative-SME
    # standard of 2022 stays in force.
    found = ladder.policies(year)
    assert (found["srdi_sme"].id, found["little_giant"].id) == (srdi, giant)
    assert found["innovative_sme"].id == "innovative-sme-2022"
