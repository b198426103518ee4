"""The OpenFisca peer of tsme-2017 and above-scale-2019 (bench/openfisca_peer) against Kechuang.

Kechuang's scalar evaluator (exact) is the reference. The peer is written as an OpenFisca user
writes it (float32 money, float ratios, defaults for missing data), so the specification is:
- on inputs float32 holds exactly and ratios away from a band edge, the two agree (hypothesis);
- on a generated panel every verdict that differs sits within float32 resolution of a threshold
  (the failure the issue measures at scale), and every enterprise gets both verdicts;
- where Kechuang says unknown, the peer gives a definite verdict from default values.
Skips when openfisca-core is not installed (it is in the `bench` extras, not in dev).
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

pytest.importorskip(
    "openfisca_core", reason="openfisca-core is not installed (pip install 'kechuang[bench]')"
)

from bench.openfisca_peer.compare import compare
from bench.openfisca_peer.run import POLICIES, simulate
from bench.openfisca_peer.variables import INPUTS, _threshold_key

from kechuang.cli import app
from kechuang.enterprises.generator import write_panel
from kechuang.enterprises.snapshot import panel_arrow_schema
from kechuang.policies.pack import load_pack
from kechuang.rules.scalar import evaluate

YEAR = 2024
ROOT = Path(__file__).resolve().parents[2]
MONEY_LIMITS = (200_000_000, 20_000_000, 10_000_000, 5_000_000, 2_000_000)
RATIO_EDGES = (0.02, 0.03, 0.04, 0.05, 0.06, 0.10, 0.15, 0.20, 0.25, 0.30)
COMPLETE: dict[str, Any] = {
    "name": "测试企业", "industry_code": "M7320", "mainland_resident": True,
    "employees": 100, "st_staff": 20, "revenue": Decimal("10000000.00"),
    "main_business_revenue": Decimal("9000000.00"), "cost_expense_total": Decimal("8000000.00"),
    "total_assets": Decimal("50000000.00"), "rd_expense": Decimal("500000.00"),
    "ip_class1": 0, "ip_class2": 2, "is_hnte": False, "national_award_5y": False,
    "provincial_rd_institution": False, "led_standard_5y": False, "major_accident": False,
    "misconduct": False, "abnormal_list": False, "dishonest_list": False,
}  # fmt: skip


def kechuang_outcomes(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    pack = load_pack()
    out: dict[str, list[str]] = {}
    for policy_id in POLICIES:
        policy = pack.get(policy_id, YEAR)
        out[policy_id] = [evaluate(policy, {YEAR: r}, YEAR, gaps=False).outcome.value for r in rows]
    return out


def peer_table(rows: list[dict[str, Any]]) -> pa.Table:
    """The rows as the runner reads them from a panel file."""
    schema = panel_arrow_schema()
    full = [{f.name: r.get(f.name) for f in schema} for r in rows]
    return pa.Table.from_pylist(full, schema).select(["uscc", *INPUTS])


def peer_outcomes(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    result = simulate(peer_table(rows), YEAR)
    return {p: [str(v) for v in result[p]] for p in POLICIES}


def peer_scores(rows: list[dict[str, Any]]) -> list[float]:
    return list(simulate(peer_table(rows), YEAR)["tsme-2017 score"])


def enterprise(i: int, **facts: Any) -> dict[str, Any]:
    return {**COMPLETE, "uscc": f"9131011500000{i:05d}", "year": YEAR, **facts}


def test_threshold_key_is_the_longest_listed_prefix() -> None:
    import numpy as np

    codes = np.array(["K7020", "F5176", "F5212", "Q8411", "Q8520", "C3581", "K7010", "E4710",
                      "A0111", "K7090", ""])  # fmt: skip
    assert list(_threshold_key(codes)) == [
        "K702", "F51", "F52", "Q84", "Q85", "C", "", "", "", "K709", "",
    ]  # fmt: skip


def test_industry_routes_and_the_exact_threshold_agree() -> None:
    rows = [
        enterprise(1, industry_code="K7020", revenue=Decimal("10000000.00")),  # at 1000万: met
        enterprise(2, industry_code="K7020", revenue=Decimal("9999984.00")),  # below
        enterprise(3, industry_code="E4710"),  # construction: manual review
        enterprise(4, industry_code="K7010"),  # real-estate development: manual review
        enterprise(5, industry_code="A0111", revenue=Decimal("90000000.00")),  # out of scope
        enterprise(6, industry_code="C3581", main_business_revenue=Decimal("20000000.00")),
        enterprise(
            7,
            industry_code="C3581",
            revenue=Decimal("30000000.00"),
            main_business_revenue=Decimal("19999984.00"),
        ),
        enterprise(8, is_hnte=True, ip_class2=0, st_staff=0),  # direct route
        enterprise(9, abnormal_list=True, is_hnte=True),
        enterprise(
            10, ip_class1=1, employees=500, st_staff=150
        ),  # 500 employees is within the limit
        enterprise(11, ip_class1=1, employees=501, st_staff=150),
    ]
    ours, theirs = kechuang_outcomes(rows), peer_outcomes(rows)
    assert ours == theirs
    assert ours["above-scale-2019"][:7] == [
        "eligible", "ineligible", "manual_review", "manual_review", "ineligible", "eligible",
        "ineligible",
    ]  # fmt: skip
    assert ours["tsme-2017"][7:] == ["eligible", "ineligible", "eligible", "ineligible"]


def test_float32_misses_a_revenue_one_fen_over_the_limit() -> None:
    """The kind of error the issue counts: 200,000,000.01 yuan is 200,000,000 in float32."""
    rows = [enterprise(1, revenue=Decimal("200000000.01"), is_hnte=True)]
    assert kechuang_outcomes(rows)["tsme-2017"] == ["ineligible"]
    assert peer_outcomes(rows)["tsme-2017"] == ["eligible"]


def near_edge(top: int, bottom: int) -> bool:
    return bottom != 0 and any(abs(Fraction(top, bottom) - Fraction(str(e))) < Fraction(1, 10**5)
                               for e in RATIO_EDGES)  # fmt: skip


# Money that float32 holds exactly: multiples of 16 yuan below 2^28 (the limits are such too).
money = st.integers(0, 2**24 - 1).map(lambda k: Decimal(16 * k))
CODES = ["C3581", "F5176", "F5212", "H6110", "I6513", "K7020", "K7010", "E4710", "M7320", "O8010",
         "Q8411", "Q8520", "R8626", "A0111", "J6610"]  # fmt: skip
codes = st.sampled_from(CODES)
enterprises = st.fixed_dictionaries({
    "industry_code": codes, "mainland_resident": st.booleans(),
    "employees": st.integers(1, 700), "st_staff": st.integers(0, 400),
    "revenue": money, "main_business_revenue": money, "cost_expense_total": money,
    "total_assets": money, "rd_expense": money, "ip_class1": st.integers(0, 2),
    "ip_class2": st.integers(0, 5), "is_hnte": st.booleans(),
    "national_award_5y": st.just(False), "provincial_rd_institution": st.just(False),
    "led_standard_5y": st.booleans(), "major_accident": st.booleans(),
    "misconduct": st.just(False), "abnormal_list": st.booleans(), "dishonest_list": st.just(False),
})  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(enterprises, min_size=1, max_size=25))
def test_agrees_with_kechuang_where_float32_is_exact(facts: list[dict[str, Any]]) -> None:
    for f in facts:
        assume(not near_edge(f["st_staff"], f["employees"]))
        assume(not near_edge(int(f["rd_expense"]), int(f["revenue"])))
        assume(not near_edge(int(f["rd_expense"]), int(f["cost_expense_total"])))
    rows = [enterprise(i, **f) for i, f in enumerate(facts)]
    assert peer_outcomes(rows) == kechuang_outcomes(rows)
    tsme = load_pack().get("tsme-2017", YEAR)
    ours = [evaluate(tsme, {YEAR: r}, YEAR, gaps=False).score for r in rows]
    assert [Fraction(float(s)) for s in peer_scores(rows)] == ours


# ----- a generated panel, both whole processes ----------------------------------------------


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    work = tmp_path_factory.mktemp("openfisca-peer")
    panel, ours, theirs = work / "panel.parquet", work / "k.csv", work / "p.csv"
    write_panel(panel, 2000, [2022, 2023, 2024], seed=1)
    args = ["screen", "--data", str(panel), "--year", str(YEAR), "--out", str(ours)]
    for p in POLICIES:
        args += ["--policy", p]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    subprocess.run(
        [sys.executable, "-m", "bench.openfisca_peer", str(panel), str(YEAR), str(theirs)],
        check=True, cwd=ROOT, capture_output=True,
    )  # fmt: skip
    return panel, ours, theirs


def float32_sensitive(r: dict[str, Any]) -> bool:
    """A compared amount within float32 resolution of a limit, or a ratio at a band edge."""
    amounts = [r["revenue"], r["total_assets"], r["main_business_revenue"]]
    near_limit = any(
        a is not None and abs(Fraction(a) - t) <= Fraction(t, 2**22)
        for a in amounts for t in MONEY_LIMITS
    )  # fmt: skip

    def edge(top: Any, bottom: Any) -> bool:
        if top is None or not bottom:
            return False
        ratio = Fraction(top) / Fraction(bottom)
        return any(abs(ratio - Fraction(str(e))) <= Fraction(1, 10**6) for e in RATIO_EDGES)

    ratios = [(r["rd_expense"], r["revenue"]), (r["rd_expense"], r["cost_expense_total"]),
              (r["st_staff"], r["employees"])]  # fmt: skip
    return near_limit or any(edge(top, bottom) for top, bottom in ratios)


def test_every_enterprise_gets_both_verdicts(screened: tuple[Path, Path, Path]) -> None:
    panel, ours, theirs = screened
    result = compare(ours, theirs)
    assert result.missing == 0
    here = pq.read_table(panel, columns=["year"], filters=[("year", "=", YEAR)]).num_rows
    assert result.compared + sum(result.unknown_in_kechuang.values()) == 2 * here


def test_differences_are_float32_rounding_only(screened: tuple[Path, Path, Path]) -> None:
    panel, ours, theirs = screened
    con = duckdb.connect()
    differing = con.execute(
        "SELECT k.uscc FROM read_csv(?, all_varchar = true) k "
        "JOIN read_csv(?, all_varchar = true) p USING (uscc, policy_id) "
        "WHERE k.outcome <> p.outcome AND k.outcome <> 'unknown'",
        [str(ours), str(theirs)],
    ).fetchall()
    assert len(differing) == compare(ours, theirs).differ
    table = pq.read_table(panel, filters=[("year", "=", YEAR)]).to_pylist()
    by_uscc = {r["uscc"]: r for r in table}
    assert [u for (u,) in differing if not float32_sensitive(by_uscc[u])] == []


def test_where_kechuang_says_unknown_the_peer_decides(screened: tuple[Path, Path, Path]) -> None:
    _, ours, theirs = screened
    unknown = duckdb.sql(
        f"SELECT count(*) FROM read_csv('{ours}', all_varchar = true) WHERE outcome = 'unknown'"
    ).fetchone()
    result = compare(ours, theirs)
    assert unknown is not None and unknown[0] > 0  # the generator leaves gaps
    assert sum(result.unknown_in_kechuang.values()) == unknown[0]
    assert set(result.unknown_in_kechuang) <= {"eligible", "ineligible"}
