"""What changes an enterprise's verdicts in the store, for the tests of the caches in front of
them (the verdict cache, the page cache): an import of new facts, a publication."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Engine

from kechuang.enterprises.generator import write_panel
from kechuang.enterprises.importer import import_panel
from kechuang.policies import golden
from kechuang.policies import service as policies
from kechuang.screening import eligibility
from tests.policies.workbench_helpers import CASES, REWARD, seeded, session_of


def populated(url: str, panel: Path, enterprises: int, seed: int) -> Engine:
    """A seeded store at `url` holding a generated population (2023-2024) written to `panel`,
    this process's verdicts forgotten."""
    engine = seeded(url)
    write_panel(panel, enterprises, [2023, 2024], seed=seed)
    import_panel(panel, engine)
    eligibility._cache.clear()
    return engine


def import_larger_figures(store: Engine, panel: Path, uscc: str, year: int) -> None:
    """Import `uscc` again from `panel` with its `year`'s revenue and R&D ten times larger."""
    with panel.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    row = next(r for r in rows if r["uscc"] == uscc and r["year"] == str(year))
    for column in ("revenue", "main_business_revenue", "rd_expense"):
        if row[column]:
            row[column] = str(int(float(row[column]) * 10) + 1_000_000)
    changed = panel.with_name("changed.csv")
    with changed.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerow(row)
    import_panel(changed, store)


def publish_reward(store: Engine, year: int) -> None:
    """Publish the workbench's city-growth-reward (four eyes, its golden cases for `year`)."""
    with session_of(store) as session:
        draft = policies.create_draft(session, "officer1", REWARD)
        for name, facts, outcome, fen in CASES:
            golden.add(session, draft, "officer1", name=name, year=year, facts=facts,
                       outcome=outcome, score=None, benefit_fen=fen)  # fmt: skip
        policies.submit(session, "officer1", draft)
        policies.approve(session, "officer2", draft, "checked")
        policies.publish(session, "officer2", draft)
        session.commit()
