"""Tiers read back for people: the funnel per year, moves between years, and the cohort table.

- funnel: per year and rung, enterprises holding the label, at or above the rung (the funnel
  proper), and pending (the rung's policy says `manual_review`: the data is met, experts decide);
- moves: for enterprises with rows in both Y-1 and Y, who moved up, who moved down, and every
  label lost, with the reasons: the unmet conditions of the rung's policy in Y (by id and
  label), a certificate that ran out, the fact or listing that is no longer there;
- cohort: enterprises grouped by their tier in the first year, counted by tier in each later year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from kechuang.cultivation import ladder
from kechuang.cultivation.tiers import TierFiles
from kechuang.engines import duckdb_cursor
from kechuang.engines.sqltext import string_literal


@dataclass(frozen=True)
class FunnelRow:
    year: int
    rung: str
    rank: int
    holders: int
    at_or_above: int
    pending: int


def funnel(files: TierFiles) -> list[FunnelRow]:
    labels, tiers = string_literal(str(files.labels)), string_literal(str(files.tiers))
    rows = duckdb_cursor.fetchall(
        f"""
        SELECT l.year, l.label, l.rank,
               count(*) FILTER (WHERE l.held),
               (SELECT count(*) FROM read_parquet({tiers}) t
                 WHERE t.year = l.year AND t.rank >= l.rank),
               count(*) FILTER (WHERE NOT l.held AND l.outcome = 'manual_review')
        FROM read_parquet({labels}) l GROUP BY l.year, l.label, l.rank ORDER BY 1, 3
        """
    )
    return [FunnelRow(int(y), str(r), int(k), int(h), int(a), int(p)) for y, r, k, h, a, p in rows]


@dataclass(frozen=True)
class Reason:
    kind: str  # unmet | certificate_expired | fact | listing | no_data | pending | unknown
    condition: str | None = None
    text_zh: str = ""
    text_en: str = ""


@dataclass(frozen=True)
class Loss:
    uscc: str
    name: str
    year: int
    label: str
    reasons: list[Reason] = field(default_factory=list)


@dataclass(frozen=True)
class Moves:
    year: int
    compared: int  # enterprises with rows in both years
    up: int
    down: int
    same: int
    matrix: dict[tuple[str, str], int]  # (tier in Y-1, tier in Y) -> enterprises
    losses: list[Loss]
    lost_by_label: dict[str, int]
    gained_by_label: dict[str, int]


def _condition_labels(year: int) -> dict[tuple[str, str], tuple[str, str]]:
    """(rung, condition id) -> (zh, en) label, from the policy in force in `year`."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for rung, policy in ladder.policies(year).items():
        for c in policy.conditions:
            out[(rung, c.id)] = (c.label.zh, c.label.en)
    return out


def _reasons(
    rung: ladder.Rung, row: tuple[object, ...], names: dict[tuple[str, str], tuple[str, str]]
) -> list[Reason]:
    outcome, unmet, had_certificate, had_valid_to, fact_before, listed_before = row
    reasons: list[Reason] = []
    if outcome is None and rung.policies:
        reasons.append(Reason("no_data", None, "当年无该企业数据", "no facts for the year"))
    if had_certificate:
        reasons.append(
            Reason(
                "certificate_expired",
                None,
                f"证书有效期至 {had_valid_to} 已届满",
                f"certificate valid to {had_valid_to} has expired",
            )
        )
    if fact_before:
        reasons.append(
            Reason(
                "fact", None, "企业不再申报持有有效证书", "no longer reports a valid certificate"
            )
        )
    if listed_before:
        reasons.append(Reason("listing", None, "不再处于上市状态", "no longer listed"))
    if outcome == "manual_review":
        reasons.append(
            Reason("pending", None, "数据达标，待专家评审", "data met, awaiting experts")
        )
    elif outcome == "unknown":
        reasons.append(Reason("unknown", None, "数据不全，无法判断", "data missing, cannot decide"))
    for cid in str(unmet or "").split(";"):
        if cid:
            zh, en = names.get((rung.id, cid), (cid, cid))
            reasons.append(Reason("unmet", cid, f"未满足：{zh}", f"unmet: {en}"))
    return reasons


def moves(files: TierFiles, year: int, loss_limit: int = 500) -> Moves:
    """What changed from year-1 to `year` (losses listed up to `loss_limit`, largest rung first)."""
    labels, tiers = string_literal(str(files.labels)), string_literal(str(files.tiers))
    con = duckdb.connect()
    try:
        pairs = con.sql(
            f"""
            SELECT coalesce(a.tier, ''), coalesce(b.tier, ''), a.rank, b.rank
            FROM read_parquet({tiers}) a JOIN read_parquet({tiers}) b
              ON a.uscc = b.uscc AND a.year = {year - 1} AND b.year = {year}
            """
        ).fetchall()
        matrix: dict[tuple[str, str], int] = {}
        up = down = same = 0
        for before, after, r0, r1 in pairs:
            matrix[(before, after)] = matrix.get((before, after), 0) + 1
            if r1 > r0:
                up += 1
            elif r1 < r0:
                down += 1
            else:
                same += 1
        # Labels held in year-1 and not in year (the enterprise still has a row in year).
        lost_sql = f"""
            FROM read_parquet({labels}) a JOIN read_parquet({labels}) b
              ON a.uscc = b.uscc AND a.label = b.label
             AND a.year = {year - 1} AND b.year = {year}
            WHERE a.held AND NOT b.held
        """
        gained_sql = lost_sql.replace("WHERE a.held AND NOT b.held", "WHERE NOT a.held AND b.held")
        lost_by_label = dict(con.sql(f"SELECT a.label, count(*) {lost_sql} GROUP BY 1").fetchall())
        gained = dict(con.sql(f"SELECT a.label, count(*) {gained_sql} GROUP BY 1").fetchall())
        names_join = f"JOIN read_parquet({tiers}) t ON t.uscc = b.uscc AND t.year = b.year"
        rows = con.sql(
            f"""
            SELECT a.uscc, t.name, a.label, b.outcome, b.unmet,
                   a.certificate_no IS NOT NULL, a.certificate_valid_to, a.by_fact, a.by_listing
            {lost_sql.replace("WHERE", f"{names_join} WHERE")}
            ORDER BY a.rank DESC, a.uscc LIMIT {int(loss_limit)}
            """
        ).fetchall()
    finally:
        con.close()
    names = _condition_labels(year)
    rungs = ladder.by_id()
    losses = [
        Loss(
            str(uscc), str(name), year, str(label), _reasons(rungs[str(label)], tuple(rest), names)
        )
        for uscc, name, label, *rest in rows
    ]
    return Moves(
        year,
        len(pairs),
        up,
        down,
        same,
        matrix,
        losses,
        {str(k): int(v) for k, v in lost_by_label.items()},
        {str(k): int(v) for k, v in gained.items()},
    )


@dataclass(frozen=True)
class Cohort:
    base_year: int
    years: list[int]
    rows: list[tuple[str, list[dict[str, int]]]]  # base tier -> per later year: tier -> count


def cohort(files: TierFiles) -> Cohort:
    """Enterprises by their tier in the first year, followed through every later year."""
    tiers = string_literal(str(files.tiers))
    years = sorted(files.years)
    if not years:
        return Cohort(0, [], [])
    base = years[0]
    found = duckdb_cursor.fetchall(
        f"""
        SELECT coalesce(a.tier, ''), b.year, coalesce(b.tier, ''), count(*)
        FROM read_parquet({tiers}) a JOIN read_parquet({tiers}) b
          ON a.uscc = b.uscc AND a.year = {base} AND b.year >= {base}
        GROUP BY ALL
        """
    )
    counts: dict[str, dict[int, dict[str, int]]] = {}
    for start, year, tier, n in found:
        counts.setdefault(start, {}).setdefault(int(year), {})[tier] = int(n)
    order = [""] + [r.id for r in ladder.rungs()]
    rows = [
        (start, [counts[start].get(y, {}) for y in years]) for start in order if start in counts
    ]
    return Cohort(base, years, rows)
