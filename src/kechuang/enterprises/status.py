"""What the platform holds right now: counts of enterprises, annual facts and import batches.

The counts are public (the start page shows them to anyone); the import batches themselves
(file names, SHA-256, when and how many rows) are operational detail for officers and admins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy import Engine, func, select

from kechuang.domain import district
from kechuang.enterprises.tables import ImportBatch, annual_facts, enterprises
from kechuang.http.fields import as_utc


@dataclass(frozen=True)
class YearCount:
    year: int
    rows: int


@dataclass(frozen=True)
class DistrictCount:
    code: str
    name_zh: str
    name_en: str
    enterprises: int


@dataclass(frozen=True)
class BatchInfo:
    id: int
    file_name: str
    sha256: str
    imported_at: dt.datetime
    row_count: int


@dataclass(frozen=True)
class Status:
    enterprises: int
    annual_facts: int
    import_batches: int
    by_year: list[YearCount]
    by_district: list[DistrictCount]


class StatusOut(BaseModel):
    """What the platform holds: counts for anyone, the import batches for officers and admins."""

    enterprises: int
    annual_facts: int
    import_batches: int
    by_year: list[YearCount]
    by_district: list[DistrictCount]
    batches: list[BatchInfo] | None = Field(
        None,
        description="Officers and admins only (absent for other callers): the latest import "
        "batches, newest first, with file name and SHA-256.",
    )


def read_status(engine: Engine) -> Status:
    with engine.connect() as conn:
        enterprise_count = conn.scalar(select(func.count()).select_from(enterprises)) or 0
        fact_count = conn.scalar(select(func.count()).select_from(annual_facts)) or 0
        batch_count = conn.scalar(select(func.count()).select_from(ImportBatch)) or 0
        years = conn.execute(
            select(annual_facts.c.year, func.count())
            .group_by(annual_facts.c.year)
            .order_by(annual_facts.c.year)
        ).all()
        districts = conn.execute(
            select(enterprises.c.district, func.count())
            .group_by(enterprises.c.district)
            .order_by(func.count().desc())
        ).all()
    return Status(
        enterprises=enterprise_count,
        annual_facts=fact_count,
        import_batches=batch_count,
        by_year=[YearCount(year, rows) for year, rows in years],
        by_district=[
            DistrictCount(
                code or "",
                district.name(code, "zh") if code in district.SHANGHAI else "未知",
                district.name(code, "en") if code in district.SHANGHAI else "unknown",
                count,
            )
            for code, count in districts
        ],
    )


def read_batches(engine: Engine, limit: int = 20) -> list[BatchInfo]:
    """The latest import batches, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                ImportBatch.id,
                ImportBatch.file_name,
                ImportBatch.sha256,
                ImportBatch.imported_at,
                ImportBatch.row_count,
            )
            .order_by(ImportBatch.id.desc())
            .limit(limit)
        ).all()
    # SQLite hands back naive datetimes: they were stored in UTC, so say so (RFC 3339 on the API).
    return [BatchInfo(id_, name, sha, as_utc(at), count) for id_, name, sha, at, count in rows]
