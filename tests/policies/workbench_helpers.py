"""Helpers of the workbench tests: a migrated, seeded store and the new city reward's text."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kechuang.policies import service
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade

DATA = Path(__file__).parent / "workbench_data"
REWARD = (DATA / "city-growth-reward.yaml").read_text(encoding="utf-8")

# Golden cases of the reward in 2024 (facts as panel cells; yuan): met, too little growth, too
# small, and not in section M.
CASES = [
    ("grows 25% to 6.25m", {"2023": {"industry_code": "M7320", "revenue": "5000000"},
                            "2024": {"industry_code": "M7320", "revenue": "6250000"}},
     "eligible", 10_000_000),
    ("grows 19.9%", {"2023": {"industry_code": "M7320", "revenue": "5000000"},
                     "2024": {"industry_code": "M7320", "revenue": "5995000"}},
     "ineligible", None),
    ("exactly 5m is not above", {"2023": {"industry_code": "M7320", "revenue": "4000000"},
                                 "2024": {"industry_code": "M7320", "revenue": "5000000"}},
     "ineligible", None),
]  # fmt: skip


def seeded(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        service.seed(session)
        session.commit()
    return engine


def session_of(engine: Engine) -> Session:
    return make_sessionmaker(engine)()
