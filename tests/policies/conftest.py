"""Golden-test helpers for the national policy pack.

`rows(...)` builds an enterprise's panel rows from a fully valid base enterprise (valid USCC, all
facts present, three years 2022-2024) with a few facts overridden; `check(...)` runs one policy
over those rows through the scalar evaluator AND through the SQL path (a temporary Parquet
panel screened by the DuckDB engine, as `kechuang screen` does) and asserts that both give the
expected outcome, unmet ids, score and benefit.

Money is Decimal yuan (exact to the fen); `None` as a fact means unknown (an empty cell).
"""

from __future__ import annotations

import csv
import functools
import importlib.util
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import pytest

from kechuang.domain.uscc import check_digit
from kechuang.policies import boundary, golden
from kechuang.policies.pack import load_pack
from kechuang.rules.policy import Policy
from kechuang.rules.scalar import evaluate

YEAR = 2024
YEARS = (2022, 2023, 2024)
UNSET = object()

# A science-and-technology service firm in Zhangjiang, every fact present and valid: the base
# enterprise of the pack's boundary cases (src/kechuang/policies/golden_cases/_base.yaml).
BASE: dict[str, Any] = boundary.base_values()

_serial = iter(range(1, 10**6))


def new_uscc() -> str:
    """A fresh valid 统一社会信用代码 (GB 32100-2015 check digit)."""
    first = f"91310115MA1K{next(_serial):05d}"
    return first + check_digit(first)


def money(value: object) -> object:
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def rows(
    base: Mapping[str, Any] | None = None,
    years: Iterable[int] = YEARS,
    by_year: Mapping[int, Mapping[str, Any]] | None = None,
    **latest: Any,
) -> list[dict[str, Any]]:
    """One enterprise's rows: `base` (default BASE) for every year, `by_year[y]` on year y, and
    `latest` on the last year. Money facts may be given as int/str; None means unknown."""
    uscc = new_uscc()
    years = sorted(years)
    out = []
    for year in years:
        row = {**BASE, **(base or {}), **(by_year or {}).get(year, {})}
        if year == years[-1]:
            row.update(latest)
        row.update(uscc=uscc, year=year)
        out.append({k: money(v) if _is_yuan(k) else v for k, v in row.items()})
    return out


def case_rows(case: boundary.BoundaryCase) -> list[dict[str, Any]]:
    """The panel rows of a boundary case of the pack (its data, as the store's golden case)."""
    return rows(base=case.base, years=case.years, by_year=case.by_year, **case.latest)


# The panel files written here carry the sourced facts too, as a golden case's facts do.
COLUMNS = golden.READ
_YUAN = {f.name for f in COLUMNS if f.kind == "yuan"} | {"market_share", "development_score"}


def _is_yuan(name: str) -> bool:
    return name in _YUAN


@dataclass(frozen=True)
class Result:
    outcome: str
    unmet: list[str]
    score: Fraction | None
    benefit_yuan: Decimal | None
    version: str = ""


@functools.cache
def _pack():  # type: ignore[no-untyped-def]
    return load_pack()


def pack_policy(policy_id: str, year: int = YEAR) -> Policy:
    return _pack().get(policy_id, year)


def scalar_result(
    policy: Policy, panel: list[dict[str, Any]], year: int, overrides: Mapping[str, Any] | None
) -> Result:
    history = {r["year"]: r for r in panel if r["year"] <= year}
    verdict = evaluate(policy, history, year, overrides)
    benefit = None if verdict.benefit_fen is None else Decimal(verdict.benefit_fen) / 100
    return Result(
        str(verdict.outcome), list(verdict.unmet), verdict.score, benefit, verdict.version
    )


@functools.cache
def _writer() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB for writing test panels (connecting costs more than writing)."""
    con = duckdb.connect()
    columns = ", ".join(f'"{f.name}" {f.sql_type}' for f in COLUMNS)
    con.execute(f"CREATE TABLE panel ({columns})")
    return con


def write_parquet(panel: list[dict[str, Any]], path: Path) -> None:
    """The rows as a Parquet file with the contract's column types."""
    con = _writer()
    names = [f.name for f in COLUMNS]
    placeholders = ", ".join("?" for _ in names)
    con.execute("DELETE FROM panel")
    con.executemany(
        f"INSERT INTO panel VALUES ({placeholders})", [[r.get(n) for n in names] for r in panel]
    )
    con.execute(f"COPY panel TO '{path}' (FORMAT PARQUET)")


HAVE_ENGINE = importlib.util.find_spec("kechuang.engines.duckdb") is not None


def sql_result(
    policy: Policy,
    panel: list[dict[str, Any]],
    year: int,
    overrides: Mapping[str, Any] | None,
    tmp: Path,
) -> Result:
    from kechuang.engines.duckdb import screen

    data = tmp / "panel.parquet"
    out = tmp / "results.csv"
    write_parquet(panel, data)
    screen(data, year, [policy], out, overrides={policy.id: dict(overrides)} if overrides else None)
    with out.open(encoding="utf-8") as f:
        found = list(csv.DictReader(f))
    assert len(found) == 1, found
    row = found[0]
    score = Fraction(Decimal(row["score"])) if row["score"] else None
    benefit = Decimal(row["benefit_yuan"]) if row["benefit_yuan"] else None
    unmet = row["unmet"].split(";") if row["unmet"] else []
    return Result(row["outcome"], unmet, score, benefit, policy.version)


@pytest.fixture(autouse=True)
def _compile_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compile each (policy version, year, overrides, bounds) once per session: compiling
    dominates the time of a one-enterprise screening. The cached query text is returned as is
    (in memory: no test writes the on-disk cache of engines.compiled)."""
    if not HAVE_ENGINE:
        return
    import kechuang.engines.duckdb as engine

    real = _REAL_COMPILE.setdefault("f", engine.pack_text)

    def cached(policies, year, overrides=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Everything the query depends on is in the key (data-derived `bounds` included).
        key = (
            tuple((p.id, p.version, p.content_hash) for p in policies),
            year,
            repr(sorted((overrides or {}).items())),
            repr(args),
            repr(sorted(kwargs.items(), key=lambda kv: kv[0])),
        )
        if key not in _COMPILED:
            _COMPILED[key] = real(policies, year, overrides, *args, **kwargs)
        return _COMPILED[key]

    monkeypatch.setattr(engine, "pack_text", cached)


_REAL_COMPILE: dict[str, Any] = {}
_COMPILED: dict[tuple[Any, ...], Any] = {}  # the compiled (SQLGlot) query, never mutated


@pytest.fixture(params=["scalar", "sql"])
def path(request: pytest.FixtureRequest) -> str:
    """Each golden test runs twice: through the scalar evaluator and through SQL in DuckDB."""
    if request.param == "sql" and not HAVE_ENGINE:
        pytest.skip("kechuang.engines.duckdb has not landed yet")
    return str(request.param)


@pytest.fixture
def check(path: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """check(policy_id, panel, outcome, unmet=(), score=UNSET, benefit=UNSET, year=2024)."""

    def run(
        policy_id: str,
        panel: list[dict[str, Any]],
        outcome: str,
        unmet: Iterable[str] = (),
        score: object = UNSET,
        benefit: object = UNSET,
        year: int = YEAR,
        overrides: Mapping[str, Any] | None = None,
        version: str | None = None,
    ) -> Result:
        policy = pack_policy(policy_id, year)
        if path == "scalar":
            result = scalar_result(policy, panel, year, overrides)
        else:
            result = sql_result(policy, panel, year, overrides, tmp_path)
        assert (result.outcome, result.unmet) == (outcome, list(unmet)), result
        if score is not UNSET:
            expected = None if score is None else Fraction(str(score))
            assert result.score == expected, result
        if benefit is not UNSET:
            expected_benefit = None if benefit is None else Decimal(str(benefit))
            assert result.benefit_yuan == expected_benefit, result
        if version is not None:
            assert result.version == version
        return result

    return run
