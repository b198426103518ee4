"""The three pillars' indicators (screening payments, loans, deals) over hand-made stored rows,
against sums computed here: the relations join the panel for district, park and industry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

from kechuang.cultivation.service import tier_files
from kechuang.stats import sources
from kechuang.stats.catalogue import catalogue
from kechuang.stats.compute import compute
from tests.stats.world import World

UTC = dt.UTC


def _table(name: str, rows: list[dict[str, object]]) -> pa.Table:
    types = sources.table_types()[name]
    return pa.Table.from_pylist(rows, schema=pa.schema(list(types.items())))


def test_pillar_indicators(world_env: World) -> None:
    firms = pq.read_table(world_env.panel, columns=["uscc", "year", "district"]).to_pylist()
    latest = {r["uscc"]: r["district"] for r in sorted(firms, key=lambda r: r["year"])}
    a, b, c = sorted(latest)[:3]
    tables = {name: _table(name, []) for name in sources.table_types()}
    tables["runs_in"] = _table(
        "runs_in",
        [
            {
                "id": 1,
                "policy_id": "p",
                "year": 2024,
                "state": "paid",
                "eligible_fen": 300,
                "allocated_fen": 300,
            },
            {
                "id": 2,
                "policy_id": "p",
                "year": 2023,
                "state": "paid",
                "eligible_fen": 1,
                "allocated_fen": 1,
            },
        ],
    )
    tables["awards_in"] = _table(
        "awards_in",
        [
            {
                "run_id": 1,
                "uscc": a,
                "state": "paid",
                "eligible_fen": 100_000_000,
                "allocated_fen": 100_000_000,
                "paid_at": dt.datetime(2024, 5, 1, tzinfo=UTC),
            },
            {
                "run_id": 1,
                "uscc": b,
                "state": "paid",
                "eligible_fen": 50_000_000,
                "allocated_fen": 50_000_000,
                "paid_at": dt.datetime(2024, 6, 1, tzinfo=UTC),
            },
            {
                "run_id": 1,
                "uscc": c,
                "state": "approved",
                "eligible_fen": 7,
                "allocated_fen": 7,
                "paid_at": None,
            },
        ],
    )
    tables["loans_in"] = _table(
        "loans_in",
        [
            {
                "id": 1,
                "uscc": a,
                "product_id": "x",
                "district": None,
                "state": "disbursed",
                "principal_fen": 300_000_000,
                "outstanding_fen": 0,
                "disbursed_on": dt.date(2024, 3, 1),
            },
            {
                "id": 2,
                "uscc": a,
                "product_id": "x",
                "district": "310101",
                "state": "repaid",
                "principal_fen": 200_000_000,
                "outstanding_fen": 0,
                "disbursed_on": dt.date(2024, 9, 1),
            },
            {
                "id": 3,
                "uscc": b,
                "product_id": "x",
                "district": None,
                "state": "applied",
                "principal_fen": 999,
                "outstanding_fen": 0,
                "disbursed_on": None,
            },
        ],
    )
    tables["deals_in"] = _table(
        "deals_in",
        [
            {
                "id": 1,
                "institution": "u",
                "kind": "licence",
                "counterparty_uscc": b,
                "contract_amount_fen": 123_456_789,
                "signed_on": dt.date(2024, 2, 2),
            },
            {
                "id": 2,
                "institution": "u",
                "kind": "own_implementation",
                "counterparty_uscc": None,
                "contract_amount_fen": 5,
                "signed_on": dt.date(2024, 2, 2),
            },
        ],
    )
    con = sources.connect(tables, str(world_env.panel), tier_files(world_env.engine))
    try:
        wanted = [
            i for i in catalogue() if i.section in ("policy_supply", "finance", "transformation")
        ]
        values = {
            (v.indicator, v.dimension, v.key, v.year): v.value
            for v in compute(con, wanted, [2023, 2024])
        }
    finally:
        con.close()
    assert values[("screening_runs", "total", None, 2024)] == 1
    assert values[("payments_paid", "total", None, 2024)] == Decimal(150_000_000) / 1_000_000
    assert values[("payments_paid", "total", None, 2023)] == 0
    assert values[("enterprises_paid", "total", None, 2024)] == 2
    assert values[("loans_count", "total", None, 2024)] == 2
    assert values[("loans_amount", "total", None, 2024)] == Decimal(500_000_000) / 1_000_000
    assert values[("loan_enterprises", "total", None, 2024)] == 1
    # A loan's own district wins; without one, the enterprise's district is used.
    by_district = {
        k: v
        for (i, d, k, y), v in values.items()
        if i == "loans_amount" and d == "district" and y == 2024
    }
    expected: dict[str, Decimal] = {"310101": Decimal(200)}
    expected[latest[a]] = expected.get(latest[a], Decimal(0)) + Decimal(300)
    assert by_district == expected
    assert values[("deals_count", "total", None, 2024)] == 1
    assert values[("deals_amount", "total", None, 2024)] == Decimal("123.45678900")


def test_payments_count_in_the_year_of_their_value_date(world_env: World) -> None:
    """A payment instructed in 2026 for a 2024 disbursement (value date 2024-11-26) is 2024
    money; one without a value date (paid before value dates existed) counts when instructed."""
    a, b = sorted(
        {r["uscc"] for r in pq.read_table(world_env.panel, columns=["uscc"]).to_pylist()}
    )[:2]
    tables = {name: _table(name, []) for name in sources.table_types()}
    tables["runs_in"] = _table(
        "runs_in",
        [{"id": 1, "policy_id": "p", "year": 2024, "state": "closed", "eligible_fen": 3,
          "allocated_fen": 3, "budget_year": 2024}],
    )  # fmt: skip
    instructed = dt.datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
    tables["awards_in"] = _table(
        "awards_in",
        [
            {"run_id": 1, "uscc": a, "state": "paid", "eligible_fen": 70_000_000,
             "allocated_fen": 70_000_000, "paid_at": instructed,
             "value_date": dt.date(2024, 11, 26)},
            {"run_id": 1, "uscc": b, "state": "paid", "eligible_fen": 20_000_000,
             "allocated_fen": 20_000_000, "paid_at": dt.datetime(2023, 6, 1, 9, 0, tzinfo=UTC)},
        ],
    )  # fmt: skip
    con = sources.connect(tables, str(world_env.panel), tier_files(world_env.engine))
    try:
        wanted = [i for i in catalogue() if i.id in ("payments_paid", "enterprises_paid")]
        values = {
            (v.indicator, v.dimension, v.key, v.year): v.value
            for v in compute(con, wanted, [2023, 2024, 2026])
        }
    finally:
        con.close()
    assert values[("payments_paid", "total", None, 2024)] == Decimal(70_000_000) / 1_000_000
    assert values[("payments_paid", "total", None, 2023)] == Decimal(20_000_000) / 1_000_000
    assert values[("payments_paid", "total", None, 2026)] == 0
    assert values[("enterprises_paid", "total", None, 2024)] == 1
