"""Finance benchmark: a portfolio of N loans (default 100,000), whole processes, with baselines.

- `schedules`: the exact Decimal/Fraction schedules of every loan (kechuang.finance.schedule,
  actual/365, equal instalments and interest-only mixed, 6-36 months), summed to a checksum.
  Baseline: numpy-financial's float annuity (ipmt/ppmt, vectorised per term) for the same loans.
- `indicators`: `kechuang finance indicators` (overall, by product, bank and district, fund
  usage) over a SQLite store holding the N loans (10% defaulted and compensated, a third of those
  with a recovery). Baseline: the same totals by a plain Python loop over every loan row.
The store is filled by a bulk insert (measured as setup, not part of the figures).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

from bench.harness import Measurement, kechuang, measure

TITLE = "finance"
START = dt.date(2025, 1, 15)
RECORDED_AT = dt.datetime(2025, 1, 15, 4, tzinfo=dt.UTC)
BANKS = ("icbc-sh", "boc-sh", "ccb-sh", "abc-sh", "bocom-sh", "spdb")
DISTRICTS = ("310115", "310112", "310104", "310105", "310106", "310107", "310110", "310113")


def _loans(n: int) -> list[tuple[int, int, str, int]]:
    """(principal fen, months, method, rate in basis points) of each loan, seeded."""
    rng = random.Random(7)
    return [
        (rng.randrange(100_000_00, 10_000_000_00), rng.choice((6, 12, 24, 36)),
         rng.choice(("equal_instalment", "interest_only")), rng.choice((365, 395, 435, 480)))
        for _ in range(n)
    ]  # fmt: skip


def schedules(n: int) -> None:
    from kechuang.finance.schedule import build_schedule

    total = 0
    for principal, months, method, bp in _loans(n):
        rate = Decimal(bp) / 10_000
        for row in build_schedule(principal, rate, months, START, method):  # type: ignore[arg-type]
            total += row.principal_fen + row.interest_fen
    print(total)


def schedules_numpy(n: int) -> None:
    import numpy as np
    import numpy_financial as npf

    loans = _loans(n)
    total = 0.0
    principal = np.array([p for p, _, _, _ in loans], dtype=float)
    months = np.array([m for _, m, _, _ in loans])
    rate = np.array([bp for _, _, _, bp in loans], dtype=float) / 10_000 / 12
    level = np.array([method == "equal_instalment" for _, _, method, _ in loans])
    for term in np.unique(months):
        chosen = months == term
        periods = np.arange(1, term + 1)[:, None]
        p, r, eq = principal[chosen], rate[chosen], level[chosen]
        ipmt = npf.ipmt(r, periods, term, -p)
        ppmt = npf.ppmt(r, periods, term, -p)
        total += float((ipmt + ppmt)[:, eq].sum()) + float((p * r * term + p)[~eq].sum())
    print(round(total))


def populate(url: str, n: int) -> None:
    from sqlalchemy import insert

    from kechuang.domain.uscc import check_digit
    from kechuang.finance import capacity
    from kechuang.finance.tables import Claim, Loan, Recovery
    from kechuang.store.engine import make_engine, make_sessionmaker
    from kechuang.store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        for code in ("sh-compensation-fund", "national-guarantee-programme"):
            capacity.create_fund(session, code, code, code, 5_000_000_000_00, Decimal(10),
                                 "bench", START)  # fmt: skip
        session.commit()
    rng = random.Random(11)
    rows, claims, recoveries = [], [], []
    for i, (principal, months, method, bp) in enumerate(_loans(n), start=1):
        first = f"91310115MA1{i % 1_000_000:06d}"
        guarantee = i % 3 == 0
        state = rng.choices(("disbursed", "repaid", "overdue", "compensated"), (70, 18, 2, 10))[0]
        outstanding = (
            0 if state in ("repaid", "compensated") else principal * rng.randint(1, 10) // 10
        )
        rows.append({
            "id": i, "product_id": "tech-guarantee-2024" if guarantee else "performance-loan",
            "product_version": "x", "fund_code": "national-guarantee-programme" if guarantee
            else "sh-compensation-fund", "uscc": first + check_digit(first),
            "enterprise_name": f"企业{i}", "district": DISTRICTS[i % len(DISTRICTS)],
            "tier": "tier_b" if guarantee else None, "bank_org": BANKS[i % len(BANKS)],
            "partner_org": "shcg" if guarantee else "picc-sh", "bank_ref": f"B{i}",
            "principal_fen": principal, "annual_rate": str(Decimal(bp) / 10_000),
            "term_months": months, "method": method, "state": state, "applied_on": START,
            "admission_year": 2024, "admission_outcome": "eligible", "admission": {},
            "approved_on": START, "disbursed_on": START, "shares": None,
            "premium_fen": principal // 50, "charge_kind": "guarantee_fee" if guarantee
            else "premium", "premium_paid_on": START, "outstanding_fen": outstanding,
            "ever_overdue": state in ("overdue", "compensated"), "overdue_year": None,
            "settled_on": None, "settled_year": None, "defaulted_on": None,
            "defaulted_fen": principal if state == "compensated" else None,
            "claim_deadline": None, "claim_deadline_provisional": False, "created_by": "bench",
            "live_since": START,
        })  # fmt: skip
        if state == "compensated":
            parts = {"compensation_fund": principal // 4, "insurer": principal * 45 // 100}
            parts["bank"] = principal - sum(parts.values())
            claims.append({"loan_id": i, "claimed_on": START, "loss_fen": principal,
                           "parts": parts, "claimed_by": "bench"})  # fmt: skip
            if i % 3 == 1:
                back = {k: v // 10 for k, v in parts.items()}
                recoveries.append({"loan_id": i, "bank_ref": "R", "received_on": START,
                                   "amount_fen": sum(back.values()), "parts": back,
                                   "recorded_by": "bench", "recorded_on": START,
                                   "recorded_at": RECORDED_AT})  # fmt: skip
    with engine.begin() as connection:
        for table, batch in ((Loan, rows), (Claim, claims), (Recovery, recoveries)):
            for start in range(0, len(batch), 20_000):
                connection.execute(insert(table), batch[start : start + 20_000])
    engine.dispose()


def indicators_python(url: str) -> None:
    from sqlalchemy import select

    from kechuang.finance.tables import Loan
    from kechuang.store.engine import make_engine, make_sessionmaker

    engine = make_engine(url)
    totals: dict[str, dict[str, int]] = {}
    with make_sessionmaker(engine)() as session:
        for loan in session.scalars(select(Loan)):
            for key in (loan.product_id, loan.bank_org, loan.district or ""):
                t = totals.setdefault(key, {"loans": 0, "granted": 0, "outstanding": 0})
                t["loans"] += 1
                t["granted"] += loan.principal_fen
                t["outstanding"] += loan.outstanding_fen
    print(len(totals))
    engine.dispose()


def run(size: int) -> list[Measurement]:
    me = [sys.executable, "-m", "bench.finance"]
    with tempfile.TemporaryDirectory(prefix="kechuang-bench-finance-") as work:
        url = f"sqlite:///{Path(work) / 'finance.db'}"
        env = {"KECHUANG_DATABASE_URL": url, "KECHUANG_VAR_DIR": str(Path(work) / "var")}
        return [
            measure("schedules (exact, actual/365)", [*me, "schedules", str(size)],
                    f"{size:,} loans"),
            measure("schedules baseline (numpy-financial float)",
                    [*me, "schedules-numpy", str(size)], f"{size:,} loans"),
            measure("store N loans (setup)", [*me, "populate", url, str(size)],
                    "bulk insert, SQLite"),
            measure("kechuang finance indicators", kechuang("finance", "indicators"),
                    "SQLite, overall + by product, bank, district; funds", env),
            measure("indicators baseline (Python loop over loans)",
                    [*me, "indicators-python", url], "SQLite, ORM rows"),
        ]  # fmt: skip


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "schedules":
        schedules(int(args[0]))
    elif command == "schedules-numpy":
        schedules_numpy(int(args[0]))
    elif command == "populate":
        populate(args[0], int(args[1]))
    elif command == "indicators-python":
        indicators_python(args[0])
    else:
        raise SystemExit(f"unknown command {command}")
