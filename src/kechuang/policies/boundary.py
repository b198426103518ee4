"""The shipped pack's boundary cases, as data: `golden_cases/<policy-id>.yaml` next to the pack.

Each file lists example enterprises on either side of a threshold of one policy, with the
clause they test, the expected outcome (and the conditions left unmet, the score, the benefit).
An enterprise is the base enterprise of `golden_cases/_base.yaml` (every fact present and valid,
three years) with a few facts changed: `base` on every year, `by_year` on a given year and
`latest` on the last one; `null` is an unknown fact. The pack's tests run these cases through
both evaluators, and `kechuang policies seed` attaches them to each seeded version as golden
cases, so the tests and the store say the same thing once.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kechuang.domain.cells import parse_cell
from kechuang.domain.panel import Kind
from kechuang.domain.values import parse_fen
from kechuang.policies import golden
from kechuang.policies.tables import PolicyVersion
from kechuang.rules import safe_yaml

DIRECTORY = Path(__file__).parent / "golden_cases"
YEAR = 2024
YEARS = (2022, 2023, 2024)


@dataclass(frozen=True)
class BoundaryCase:
    """One example enterprise of a policy's boundary, and what it must get."""

    policy_id: str
    name: str
    clause: str
    outcome: str
    year: int = YEAR
    years: tuple[int, ...] = YEARS
    base: dict[str, Any] = field(default_factory=dict)
    by_year: dict[int, dict[str, Any]] = field(default_factory=dict)
    latest: dict[str, Any] = field(default_factory=dict)
    unmet: tuple[str, ...] = ()
    score: str | None = None
    benefit_yuan: str | None = None

    @property
    def title(self) -> str:
        """The golden case's name in the store: the clause and what the case shows."""
        return f"{self.clause} · {self.name}"[:200]

    def cells(self) -> dict[str, dict[str, str]]:
        """Facts by year as panel cells (an unknown fact is left out)."""
        out: dict[str, dict[str, str]] = {}
        years = sorted(self.years)
        for year in years:
            merged = {**base_cells(), **self.base, **self.by_year.get(year, {})}
            if year == years[-1]:
                merged.update(self.latest)
            out[str(year)] = {k: _text(v) for k, v in merged.items() if v is not None}
        return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@functools.cache
def base_cells() -> dict[str, Any]:
    """The base enterprise as written in `_base.yaml` (null: unknown)."""
    data = safe_yaml.load((DIRECTORY / "_base.yaml").read_text(encoding="utf-8"))
    return dict(data["facts"])


def base_values() -> dict[str, Any]:
    """The base enterprise as typed panel values (yuan as exact Decimal yuan)."""
    out: dict[str, Any] = {}
    for name, value in base_cells().items():
        f = golden.BY_NAME[name]
        parsed = parse_cell(f, None if value is None else _text(value))
        out[name] = (
            Decimal(int(parsed)) / 100 if f.kind is Kind.YUAN and parsed is not None else parsed
        )
    return out


@functools.cache
def cases(policy_id: str) -> tuple[BoundaryCase, ...]:
    """The boundary cases of one policy (none when it has no file)."""
    path = DIRECTORY / f"{policy_id}.yaml"
    if not path.is_file():
        return ()
    data = safe_yaml.load(path.read_text(encoding="utf-8"))
    found = []
    for raw in data["cases"]:
        found.append(
            BoundaryCase(
                policy_id=policy_id, name=raw["name"], clause=raw["clause"],
                outcome=raw["outcome"], year=raw.get("year", YEAR),
                years=tuple(raw.get("years", YEARS)), base=raw.get("base", {}),
                by_year=raw.get("by_year", {}), latest=raw.get("latest", {}),
                unmet=tuple(raw.get("unmet", ())),
                score=None if raw.get("score") is None else str(raw["score"]),
                benefit_yuan=None if raw.get("benefit_yuan") is None else str(raw["benefit_yuan"]),
            )
        )  # fmt: skip
    return tuple(found)


def policy_ids() -> list[str]:
    return sorted(p.stem for p in DIRECTORY.glob("*.yaml") if not p.stem.startswith("_"))


def attach(session: Session, row: PolicyVersion, author: str) -> int:
    """Attach the policy's boundary cases the version does not have yet (by name); how many."""
    have = {c.name for c in golden.cases_of(session, row)}
    added = 0
    for case in cases(row.policy_id):
        if case.title in have:
            continue
        golden.add(
            session, row, author, name=case.title, year=case.year, facts=case.cells(),
            outcome=case.outcome, score=case.score,
            benefit_fen=None if case.benefit_yuan is None else parse_fen(case.benefit_yuan),
        )  # fmt: skip
        added += 1
    return added


def as_json(case: BoundaryCase) -> str:
    return json.dumps(case.cells(), ensure_ascii=False, sort_keys=True)
