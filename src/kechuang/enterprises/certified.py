"""Certificates issued on the platform written into the panel as facts (is_hnte).

A recognition decided here (kechuang.applications: an HNTE certificate) sets the boolean fact on
the enterprise's stored rows of the years it covers. It is recorded like an import: one
`import_batches` row (format `certificate`, the certificate number as its file name) that the
changed rows point to, so that cached verdicts and the Parquet snapshot, which are valid while
the newest batch stays the same, see the change at the next screening.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import and_, insert, update
from sqlalchemy.orm import Session

from kechuang.enterprises.tables import ImportBatch, annual_facts

CERTIFIED_FACTS = ("is_hnte",)


def record_certificate(
    session: Session, uscc: str, fact: str, years: list[int], number: str
) -> int:
    """Set `fact` true on the stored rows of `uscc` in `years`; the number of rows changed."""
    if fact not in CERTIFIED_FACTS:
        raise ValueError(f"{fact} is not a certified fact: one of {', '.join(CERTIFIED_FACTS)}")
    batch_id = session.execute(
        insert(ImportBatch).values(
            file_name=f"certificate {number}",
            sha256=hashlib.sha256(f"{number}:{uscc}:{fact}".encode()).hexdigest(),
            format="certificate",
            imported_at=dt.datetime.now(dt.UTC),
            row_count=0,
            enterprise_count=1,
            years=sorted(years),
        )
    ).inserted_primary_key[0]
    changed = session.execute(
        update(annual_facts)
        .where(and_(annual_facts.c.uscc == uscc, annual_facts.c.year.in_(years)))
        .values({fact: True, "batch_id": batch_id})
    ).rowcount
    session.execute(
        update(ImportBatch).where(ImportBatch.id == batch_id).values(row_count=int(changed or 0))
    )
    return int(changed or 0)
