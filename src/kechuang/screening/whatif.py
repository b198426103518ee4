"""What-if: screen the demo population with a policy as it is and with changed parameters, and
count by district how many enterprises and how much money change.

Both sides run in DuckDB (engines.duckdb.screen) over the stored panel's snapshot; the side
without overrides is cached per (policy version, year, snapshot file), so a what-if costs one
screening. Money stays exact: DuckDB sums DECIMAL yuan, converted to integer fen here.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Engine

from kechuang.domain import district
from kechuang.engines import duckdb_cursor
from kechuang.enterprises.snapshot import snapshot_path, write_snapshot
from kechuang.http.problems import ProblemError
from kechuang.policies import catalogue
from kechuang.rules.ir import Value
from kechuang.rules.overrides import OverrideError, parse_overrides
from kechuang.rules.policy import Policy

_lock = threading.Lock()
_base_files: dict[tuple[str, str, int, str], Path] = {}
_work = Path(tempfile.mkdtemp(prefix="kechuang-whatif-"))


@dataclass(frozen=True)
class DistrictChange:
    code: str
    name_zh: str
    name_en: str
    base_count: int
    new_count: int
    base_fen: int
    new_fen: int
    gained: int  # eligible now, not before
    lost: int  # eligible before, not now


@dataclass(frozen=True)
class WhatIf:
    policy_id: str
    version: str
    year: int
    overrides: dict[str, str]
    districts: list[DistrictChange]

    @property
    def base_count(self) -> int:
        return sum(d.base_count for d in self.districts)

    @property
    def new_count(self) -> int:
        return sum(d.new_count for d in self.districts)

    @property
    def base_fen(self) -> int:
        return sum(d.base_fen for d in self.districts)

    @property
    def new_fen(self) -> int:
        return sum(d.new_fen for d in self.districts)


def panel(engine: Engine) -> Path:
    path = snapshot_path()
    if not path.exists():
        write_snapshot(engine)
    return path


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_mtime_ns}-{stat.st_size}"


def _screen(data: Path, policy: Policy, year: int, overrides: dict[str, Value], out: Path) -> None:
    from kechuang.engines.duckdb import screen

    screen(data, year, [policy], out, {policy.id: overrides} if overrides else None, check=False)


def _base(data: Path, policy: Policy, year: int) -> Path:
    key = (policy.id, policy.version, year, _stamp(data))
    with _lock:
        cached = _base_files.get(key)
        if cached is not None and cached.exists():
            return cached
        out = _work / f"base-{len(_base_files)}-{policy.id}-{year}.parquet"
        _screen(data, policy, year, {}, out)
        _base_files[key] = out
        return out


def _field(name: str, message: str) -> dict[str, Any]:
    return {"loc": ["body", "overrides", name], "msg": message, "type": "value_error"}


def parse(policy: Policy, settings: dict[str, str]) -> dict[str, Value]:
    """The overrides as Values of their parameters' units; 422 naming every bad one."""
    overrides: dict[str, Value] = {}
    errors = []
    for name, value in settings.items():
        if not value.strip():
            continue
        try:
            parsed = parse_overrides([f"{policy.id}.{name}={value}"], [policy])
        except OverrideError as exc:
            errors.append(_field(name, str(exc).replace("--set ", "")))
            continue
        overrides.update(parsed.get(policy.id, {}))
    if errors:
        detail = "; ".join(e["msg"] for e in errors)
        raise ProblemError(422, detail, "bad-override", errors)
    return overrides


@contextmanager
def _in_range(settings: dict[str, str]) -> Iterator[None]:
    """Values each within its bounds can still multiply past what an amount can hold (a rate
    of 10^17 times a revenue): DuckDB refuses the arithmetic, and the overrides are at fault."""
    try:
        yield
    except duckdb.DataError:
        detail = "with these values an amount is out of range (10^16 yuan)"
        errors = [_field(name, detail) for name, value in settings.items() if value.strip()]
        raise ProblemError(422, detail, "out-of-range", errors) from None


def simulate(engine: Engine, policy_id: str, year: int, settings: dict[str, str]) -> WhatIf:
    policy = catalogue.version(policy_id, year=year)
    overrides = parse(policy, settings)
    data = panel(engine)
    base = _base(data, policy, year)
    with tempfile.TemporaryDirectory(dir=_work) as work, _in_range(settings):
        scenario = Path(work) / "scenario.parquet"
        _screen(data, policy, year, overrides, scenario)
        rows = duckdb_cursor.fetchall(
            f"""
            WITH p AS (SELECT uscc, district FROM read_parquet('{data}') WHERE year = {year}),
                 b AS (SELECT uscc, outcome = 'eligible' AS ok, coalesce(benefit_yuan, 0) AS y
                       FROM read_parquet('{base}')),
                 n AS (SELECT uscc, outcome = 'eligible' AS ok, coalesce(benefit_yuan, 0) AS y
                       FROM read_parquet('{scenario}'))
            SELECT coalesce(p.district, ''),
                   count(*) FILTER (WHERE b.ok), count(*) FILTER (WHERE n.ok),
                   CAST(coalesce(sum(b.y) FILTER (WHERE b.ok), 0) * 100 AS BIGINT),
                   CAST(coalesce(sum(n.y) FILTER (WHERE n.ok), 0) * 100 AS BIGINT),
                   count(*) FILTER (WHERE n.ok AND NOT b.ok),
                   count(*) FILTER (WHERE b.ok AND NOT n.ok)
            FROM b JOIN n USING (uscc) LEFT JOIN p USING (uscc)
            GROUP BY 1 ORDER BY 1
            """
        )
    changes = []
    for code, bc, nc, bf, nf, gained, lost in rows:
        known = code in district.SHANGHAI
        changes.append(
            DistrictChange(
                code,
                district.name(code, "zh") if known else "未知",
                district.name(code, "en") if known else "unknown",
                int(bc),
                int(nc),
                int(bf),
                int(nf),
                int(gained),
                int(lost),
            )
        )
    return WhatIf(policy.id, policy.version, year, dict(settings), changes)
