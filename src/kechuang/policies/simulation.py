"""Simulation of a draft before publication: the whole stored population screened by the draft
and by the version in force (both in DuckDB over the panel's snapshot), compared enterprise by
enterprise.

The answer counts, per outcome, who gains, loses or keeps it; sums the money by district and by
park (exact: DuckDB sums DECIMAL yuan, turned into integer fen here); gives the budget pressure
(the pro-rata factor budget / amount due, capped at 1, as an exact fraction); and lists every
enterprise whose outcome or amount changes, with the conditions it does not meet. It is saved
with the version (PolicySimulation), so the reviewer sees what the author saw.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kechuang.domain import district
from kechuang.domain.spreadsheet import csv_row
from kechuang.policies import service
from kechuang.policies.source import as_policy
from kechuang.policies.tables import PolicySimulation, PolicyVersion
from kechuang.rules.errors import PolicyError
from kechuang.rules.policy import Policy
from kechuang.workflow.errors import Invalid

CHANGE_COLUMNS = ("uscc", "district", "park", "before", "after", "before_fen", "after_fen", "unmet")


@dataclass
class Area:
    """Money and counts of one district or park, before and after."""

    key: str
    name: str
    before_count: int = 0
    after_count: int = 0
    before_fen: int = 0
    after_fen: int = 0


@dataclass
class Summary:
    year: int
    baseline: str | None  # "policy@version" of the version in force, None for a new policy
    population: int
    outcomes: dict[str, dict[str, int]]  # outcome -> {"gained": n, "lost": n, "kept": n}
    districts: list[Area]
    parks: list[Area]
    before_due_fen: int
    after_due_fen: int
    budget_fen: int | None
    before_budget_fen: int | None
    before_factor: str  # exact fraction "p/q" of what is paid of what is due (1 when covered)
    after_factor: str
    changes: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def _factor(budget_fen: int | None, due_fen: int) -> str:
    if budget_fen is None or due_fen <= budget_fen or due_fen == 0:
        return "1"
    return str(Fraction(budget_fen, due_fen))


def _screen(data: Path, policy: Policy, year: int, out: Path) -> None:
    from kechuang.engines.duckdb import screen

    screen(data, year, [policy], out, check=False)


def simulate(engine: Engine, session: Session, row: PolicyVersion, year: int) -> Summary:
    """Screen the stored population with `row` and with the version it would replace."""
    from kechuang.engines import duckdb_cursor
    from kechuang.screening.whatif import panel

    try:
        draft = service.parse(row)
    except PolicyError as exc:
        raise Invalid(f"the version does not parse: {exc}", field="source") from None
    baseline_row = service.baseline_of(session, row)
    data = panel(engine)
    with tempfile.TemporaryDirectory(prefix="kechuang-simulation-") as work:
        after = Path(work) / "after.parquet"
        _screen(data, draft, year, after)
        if baseline_row is not None:
            before = Path(work) / "before.parquet"
            _screen(data, as_policy(baseline_row), year, before)
            before_sql = f"SELECT uscc, outcome, benefit_yuan FROM read_parquet('{before}')"
        else:
            before_sql = (
                "SELECT uscc, 'none' AS outcome, CAST(NULL AS DECIMAL(18,2)) AS benefit_yuan "
                f"FROM read_parquet('{after}')"
            )
        rows = duckdb_cursor.fetchall(
            f"""
            WITH p AS (SELECT uscc, district, park FROM read_parquet('{data}') WHERE year = {year}),
                 b AS ({before_sql}),
                 n AS (SELECT uscc, outcome, benefit_yuan, unmet FROM read_parquet('{after}'))
            SELECT n.uscc, coalesce(p.district, ''), coalesce(p.park, ''),
                   coalesce(b.outcome, 'none'), n.outcome,
                   CAST(coalesce(b.benefit_yuan, 0) * 100 AS BIGINT),
                   CAST(coalesce(n.benefit_yuan, 0) * 100 AS BIGINT),
                   coalesce(n.unmet, '')
            FROM n LEFT JOIN b USING (uscc) LEFT JOIN p USING (uscc)
            ORDER BY n.uscc
            """
        )
    before_policy = as_policy(baseline_row) if baseline_row is not None else None
    return _summarise(draft, before_policy, baseline_row, year, rows)


def _budget(policy: Policy | None) -> int | None:
    return policy.budget.amount_fen if policy is not None and policy.budget else None


def _summarise(
    draft: Policy,
    before: Policy | None,
    baseline: PolicyVersion | None,
    year: int,
    rows: list[tuple[Any, ...]],
) -> Summary:
    outcomes: dict[str, dict[str, int]] = {}
    districts: dict[str, Area] = {}
    parks: dict[str, Area] = {}
    changes: list[dict[str, Any]] = []
    before_due = after_due = 0
    for uscc, code, park, was, now, was_fen, now_fen, unmet in rows:
        was_fen = int(was_fen) if was == "eligible" else 0
        now_fen = int(now_fen) if now == "eligible" else 0
        before_due += was_fen
        after_due += now_fen
        for outcome in {was, now} - {"none"}:
            tally = outcomes.setdefault(outcome, {"gained": 0, "lost": 0, "kept": 0})
            if was == now:
                tally["kept"] += 1
            elif now == outcome:
                tally["gained"] += 1
            else:
                tally["lost"] += 1
        known = code in district.SHANGHAI
        for areas, key, name in (
            (districts, code, district.name(code, "zh") if known else "未知"),
            (parks, park, park or "（无园区）"),
        ):
            area = areas.setdefault(key, Area(key, name))
            area.before_count += was == "eligible"
            area.after_count += now == "eligible"
            area.before_fen += was_fen
            area.after_fen += now_fen
        if was != now or was_fen != now_fen:
            changes.append(dict(zip(CHANGE_COLUMNS, (uscc, code, park, was, now, was_fen,
                                                    now_fen, unmet), strict=True)))  # fmt: skip
    budget = _budget(draft)
    return Summary(
        year=year,
        baseline=f"{baseline.policy_id}@{baseline.version}" if baseline is not None else None,
        population=len(rows),
        outcomes=dict(sorted(outcomes.items())),
        districts=sorted(districts.values(), key=lambda a: a.key),
        parks=sorted(parks.values(), key=lambda a: a.key),
        before_due_fen=before_due,
        after_due_fen=after_due,
        budget_fen=budget,
        before_budget_fen=_budget(before),
        before_factor=_factor(_budget(before), before_due),
        after_factor=_factor(budget, after_due),
        changes=changes,
    )


def save(session: Session, row: PolicyVersion, summary: Summary, actor: str) -> PolicySimulation:
    baseline = service.baseline_of(session, row)
    saved = PolicySimulation(
        version_id=row.id, year=summary.year,
        baseline_version_id=baseline.id if baseline is not None else None,
        summary=summary.to_json(), actor=actor, at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    session.add(saved)
    session.flush()
    return saved


def latest(session: Session, row: PolicyVersion) -> PolicySimulation | None:
    return session.scalars(
        select(PolicySimulation)
        .where(PolicySimulation.version_id == row.id)
        .order_by(PolicySimulation.id.desc())
        .limit(1)
    ).one_or_none()


def changes_csv(saved: PolicySimulation) -> str:
    """The changed enterprises as CSV (amounts in yuan, to the fen)."""
    data = json.loads(saved.summary)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CHANGE_COLUMNS)
    for change in data["changes"]:
        values = dict(change)
        for key in ("before_fen", "after_fen"):
            whole, part = divmod(int(values[key]), 100)
            values[key] = f"{whole}.{part:02d}"
        writer.writerow(csv_row(values[c] for c in CHANGE_COLUMNS))
    return out.getvalue()
