"""The engines package's table: rows written in the database by `--engine postgres`.

`screening_engine_results` (migration file 0007_engine_results) holds one row per enterprise
per policy of an
engine run (`run_id`), written by INSERT ... SELECT from the compiled policies and deleted once
exported to the RESULTS file. It is a staging table, not the workflow's `screening_results`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.store.base import Base


class EngineResult(Base):
    __tablename__ = "screening_engine_results"

    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    score: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    benefit_yuan: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    unmet: Mapped[str | None] = mapped_column(Text, nullable=True)
    excluded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    statuses: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
