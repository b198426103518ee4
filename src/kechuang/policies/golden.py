"""Golden cases: example enterprises a version must get right, run through both evaluators.

A case holds facts by year as the text a panel cell would hold (`{"2024": {"revenue":
"6100000", "industry_code": "M7320"}}`; an absent fact is unknown), the evaluation year, and the
expected outcome, score and benefit. `run` evaluates it with the scalar evaluator and with the
SQL the DuckDB engine runs on a one-enterprise Parquet panel; a case passes only when both give
what is expected, so a draft cannot rely on a path the screening does not take.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.domain.cells import parse_cell
from kechuang.domain.panel import FIELDS, SOURCED_FIELDS, Kind
from kechuang.domain.uscc import check_digit
from kechuang.domain.values import InvalidValue
from kechuang.policies.tables import GoldenCase, PolicyVersion
from kechuang.rules.errors import PolicyError
from kechuang.rules.load import load_policy_text
from kechuang.rules.policy import Policy
from kechuang.workflow.errors import Invalid

# A case's facts: the contract's columns and the sourced facts (a windowed one as its sum over
# the policy's window, under the evaluation year), which the engines read from the panel file.
READ = (*FIELDS, *SOURCED_FIELDS)
BY_NAME = {f.name: f for f in READ}
# A valid USCC for every example enterprise (its facts, not its identity, are what is tested).
_FIRST = "91310000MAGOLDEN0".replace("O", "0")
EXAMPLE_USCC = _FIRST + check_digit(_FIRST)
EXAMPLE_NAME = "典型案例企业"


@dataclass(frozen=True)
class Got:
    outcome: str
    score: Fraction | None
    benefit_fen: int | None


@dataclass(frozen=True)
class CaseResult:
    case: GoldenCase
    scalar: Got | None
    sql: Got | None
    error: str = ""

    def path_passed(self, path: str) -> bool:
        """Whether one evaluator (`scalar` or `sql`) gave what the case expects."""
        got = self.scalar if path == "scalar" else self.sql
        return not self.error and got is not None and _matches(self.case, got)

    def got_text(self, path: str) -> str:
        got = self.scalar if path == "scalar" else self.sql
        return self.error if got is None else _got_text(got)

    @property
    def passed(self) -> bool:
        if self.error or self.scalar is None or self.sql is None:
            return False
        return _matches(self.case, self.scalar) and _matches(self.case, self.sql)

    def describe(self) -> str:
        if self.error:
            return f"golden case {self.case.name!r}: {self.error}"
        expected = expected_text(self.case)
        got = {"scalar": self.scalar, "SQL": self.sql}
        wrong = [
            f"{path} gave {_got_text(g)}"
            for path, g in got.items()
            if g and not _matches(self.case, g)
        ]
        return f"golden case {self.case.name!r} expects {expected}; " + "; ".join(wrong)


def parse_facts(raw: Any) -> dict[int, dict[str, Any]]:
    """Facts by year from their JSON form, every cell read as the panel's importer reads it
    (yuan to exact Decimal yuan); Invalid naming the year and fact when one is not acceptable."""
    if not isinstance(raw, dict) or not raw:
        raise Invalid('facts are {"YEAR": {"fact": "value", ...}, ...}', field="facts",
                      zh='事实数据格式为 {"年度": {"指标": "值"}}')  # fmt: skip
    out: dict[int, dict[str, Any]] = {}
    for year_text, cells in raw.items():
        try:
            year = int(year_text)
        except (TypeError, ValueError):
            raise Invalid(f"facts: {year_text!r} is not a year", field="facts") from None
        if not isinstance(cells, dict):
            raise Invalid(f"facts of {year}: a mapping of fact to value", field="facts")
        row: dict[str, Any] = {}
        for name, text in cells.items():
            field = BY_NAME.get(name)
            if field is None or name in ("uscc", "year"):
                raise Invalid(
                    f"facts of {year}: {name!r} is not a fact of the data contract",
                    field="facts",
                    zh=f"{year} 年：{name!r} 不是数据规范中的指标",
                )
            try:
                value = parse_cell(field, None if text is None else str(text))
            except InvalidValue as exc:
                raise Invalid(f"facts of {year}: {name}: {exc}", field="facts") from None
            if field.kind is Kind.YUAN and value is not None:
                value = Decimal(int(value)) / 100
            row[name] = value
        out[year] = row
    return out


def panel_rows(facts: dict[int, dict[str, Any]], uscc: str = EXAMPLE_USCC) -> list[dict[str, Any]]:
    rows = []
    for year in sorted(facts):
        row = {f.name: None for f in READ}
        row.update(facts[year])
        row.update(uscc=uscc, year=year)
        row["name"] = row["name"] or EXAMPLE_NAME
        rows.append(row)
    return rows


def scalar_got(policy: Policy, facts: dict[int, dict[str, Any]], year: int) -> Got:
    from kechuang.rules.scalar import evaluate

    rows = {r["year"]: r for r in panel_rows(facts) if r["year"] <= year}
    if year not in rows:
        rows[year] = {**{f.name: None for f in READ}, "uscc": EXAMPLE_USCC, "year": year}
    verdict = evaluate(policy, rows, year, gaps=False)
    return Got(str(verdict.outcome), verdict.score, verdict.benefit_fen)


def _uscc(n: int) -> str:
    """A valid USCC of the n-th example enterprise of one screening."""
    first = f"91310000MAG{n:06d}"
    return first + check_digit(first)


def sql_got(policy: Policy, facts: dict[int, dict[str, Any]], year: int) -> Got:
    return sql_many(policy, year, [facts])[0]


def sql_many(policy: Policy, year: int, enterprises: list[dict[int, dict[str, Any]]]) -> list[Got]:
    """What the SQL the DuckDB engine runs gives each example enterprise for `year`, screened
    together in one Parquet panel (each its own USCC; an enterprise's verdict reads only its own
    rows), so the query is compiled and run once for all the cases of a year."""
    import duckdb

    from kechuang.engines.duckdb import screen

    rows: list[dict[str, Any]] = []
    codes = [_uscc(n) for n in range(len(enterprises))]
    for uscc, facts in zip(codes, enterprises, strict=True):
        rows += panel_rows(facts, uscc)
        if year not in facts:
            rows.append(
                {**{f.name: None for f in READ}, "uscc": uscc, "name": EXAMPLE_NAME,
                 "year": year}
            )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="kechuang-golden-") as tmp:
        data = Path(tmp) / "panel.parquet"
        out = Path(tmp) / "results.csv"
        con = duckdb.connect()
        try:
            columns = ", ".join(f'"{f.name}" {f.sql_type}' for f in READ)
            con.execute(f"CREATE TABLE panel ({columns})")
            names = [f.name for f in READ]
            marks = ", ".join("?" for _ in names)
            con.executemany(
                f"INSERT INTO panel VALUES ({marks})", [[r.get(n) for n in names] for r in rows]
            )
            con.execute(f"COPY panel TO '{data}' (FORMAT PARQUET)")
        finally:
            con.close()
        screen(data, year, [policy], out)
        with out.open(encoding="utf-8") as handle:
            found = {row["uscc"]: row for row in csv.DictReader(handle)}
    return [_got_of(found[uscc]) for uscc in codes]


def _got_of(row: dict[str, str]) -> Got:
    score = Fraction(Decimal(row["score"])) if row["score"] else None
    benefit = int(Decimal(row["benefit_yuan"]) * 100) if row["benefit_yuan"] else None
    return Got(row["outcome"], score, benefit)


def _matches(case: GoldenCase, got: Got) -> bool:
    if got.outcome != case.expected_outcome:
        return False
    if case.expected_score is not None and got.score != Fraction(Decimal(case.expected_score)):
        return False
    benefit = case.expected_benefit_fen
    return benefit is None or got.benefit_fen == benefit


def _yuan(fen: int | None) -> str:
    return "none" if fen is None else f"{Decimal(fen) / 100:.2f} yuan"


def expected_text(case: GoldenCase) -> str:
    parts = [case.expected_outcome]
    if case.expected_score is not None:
        parts.append(f"score {case.expected_score}")
    if case.expected_benefit_fen is not None:
        parts.append(_yuan(case.expected_benefit_fen))
    return ", ".join(parts)


def _got_text(got: Got) -> str:
    parts = [got.outcome]
    if got.score is not None:
        parts.append(f"score {float(got.score):g}")
    parts.append(_yuan(got.benefit_fen))
    return ", ".join(parts)


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def facts_of(session: Session, row: PolicyVersion, uscc: str, year: int) -> dict[str, Any]:
    """A stored enterprise's facts for `year` and the years the version reads before it, as
    cells: the case keeps them, so it tests the same facts after the panel changes."""
    from kechuang.enterprises.facts import history

    try:
        reads = load_policy_text(row.source, "draft.yaml").history_years
    except PolicyError:
        reads = 0
    found = history(session.connection(), uscc, year - max(reads, 1), year)
    if year not in found:
        raise Invalid(f"no stored facts of {uscc} for {year}", field="uscc",
                      zh=f"库中没有 {uscc} 在 {year} 年度的数据")  # fmt: skip
    return {
        str(y): {
            name: _cell(value) for name, value in facts.items()
            if name not in ("uscc", "year") and value is not None
        }
        for y, facts in sorted(found.items())
    }  # fmt: skip


def facts_read(policy: Policy) -> list[str]:
    """The panel facts the policy reads (its conditions, scores, definitions and benefit), in
    the order of the data contract: the rows the golden-case table offers first."""
    from kechuang.rules.ir import Fact, PeriodAggregate
    from kechuang.rules.walk import walk

    exprs = [d.expr for d in policy.definitions] + [s.expr for s in policy.scores]
    exprs += [c.expr for c in policy.conditions]
    if policy.benefit is not None:
        exprs += [policy.benefit.amount] + ([policy.benefit.cap] if policy.benefit.cap else [])
    found: set[str] = set()
    for expr in exprs:
        for node in walk(expr) if expr is not None else ():
            if isinstance(node, Fact):
                found.add(node.name)
            elif isinstance(node, PeriodAggregate):
                found.add(node.fact)
    return [f.name for f in READ if f.name in found]


def cases_of(session: Session, row: PolicyVersion) -> list[GoldenCase]:
    return list(
        session.scalars(
            select(GoldenCase).where(GoldenCase.version_id == row.id).order_by(GoldenCase.id)
        )
    )


def run_case(policy: Policy, case: GoldenCase) -> CaseResult:
    try:
        facts = parse_facts(json.loads(case.facts))
        return CaseResult(
            case, scalar_got(policy, facts, case.year), sql_got(policy, facts, case.year)
        )
    except (Invalid, ValueError) as exc:
        return CaseResult(case, None, None, str(exc))


def run(session: Session, row: PolicyVersion) -> list[CaseResult]:
    """Every golden case of the version, through both evaluators (none when it does not parse).
    The SQL path screens the cases of one year together; should that screening fail, each case
    is screened alone so that the failure is the failing case's own."""
    try:
        policy = load_policy_text(row.source, f"{row.policy_id}@{row.version}.yaml")
    except PolicyError:
        return []
    cases = cases_of(session, row)
    parsed: dict[int, dict[int, dict[str, Any]]] = {}
    for case in cases:
        try:
            parsed[case.id] = parse_facts(json.loads(case.facts))
        except (Invalid, ValueError):
            continue
    by_sql: dict[int, Got] = {}
    for year in sorted({c.year for c in cases if c.id in parsed}):
        batch = [c for c in cases if c.id in parsed and c.year == year]
        try:
            got = sql_many(policy, year, [parsed[c.id] for c in batch])
        except (Invalid, ValueError):
            continue
        by_sql.update((c.id, g) for c, g in zip(batch, got, strict=True))
    results = []
    for case in cases:
        if case.id in parsed and case.id in by_sql:
            try:
                scalar = scalar_got(policy, parsed[case.id], case.year)
            except (Invalid, ValueError) as exc:
                results.append(CaseResult(case, None, None, str(exc)))
                continue
            results.append(CaseResult(case, scalar, by_sql[case.id]))
        else:
            results.append(run_case(policy, case))
    return results


def add(
    session: Session,
    row: PolicyVersion,
    author: str,
    *,
    name: str,
    year: int,
    facts: dict[str, Any],
    outcome: str,
    score: str | None,
    benefit_fen: int | None,
) -> GoldenCase:
    """Attach a golden case to a draft (its facts checked as the importer checks a panel)."""
    parse_facts(facts)
    if any(c.name == name for c in cases_of(session, row)):
        raise Invalid(f"the version already has a golden case named {name!r}", field="name",
                      zh=f"已有名为「{name}」的典型案例")  # fmt: skip
    if score is not None:
        try:
            Decimal(score)
        except ArithmeticError:
            raise Invalid(f"score {score!r} is not a number", field="score") from None
    case = GoldenCase(
        version_id=row.id, name=name, year=year, facts=json.dumps(facts, ensure_ascii=False),
        expected_outcome=outcome, expected_score=score, expected_benefit_fen=benefit_fen,
        author=author, at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    session.add(case)
    session.flush()
    return case


def copy_cases(session: Session, source: PolicyVersion, target: PolicyVersion, author: str) -> None:
    """A copied version keeps the golden cases of the version it copies."""
    for case in cases_of(session, source):
        session.add(
            GoldenCase(
                version_id=target.id, name=case.name, year=case.year, facts=case.facts,
                expected_outcome=case.expected_outcome, expected_score=case.expected_score,
                expected_benefit_fen=case.expected_benefit_fen, author=author,
                at=dt.datetime.now(dt.UTC),
            )
        )  # fmt: skip
