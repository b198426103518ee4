"""Certificates import: a CSV of labels held with their validity, validated whole, idempotent.

Columns: uscc, label (a rung of ladder.yaml), certificate_no, valid_from, valid_to (YYYY-MM-DD,
valid_to not before valid_from), issuer. Any bad row refuses the file with every error and
nothing is stored; a certificate already stored (same label and number) is updated.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kechuang.cultivation import ladder
from kechuang.cultivation.tables import Certificate
from kechuang.domain.uscc import is_valid

COLUMNS = ("uscc", "label", "certificate_no", "valid_from", "valid_to", "issuer")


class ImportRefused(ValueError):
    """Bad rows; nothing stored. `errors` lists (row, column, value, reason)."""

    def __init__(self, path: str, errors: list[tuple[int, str, str, str]]) -> None:
        self.errors = errors
        lines = "\n".join(f"row {r}, {c} = {v!r}: {why}" for r, c, v, why in errors[:50])
        super().__init__(f"{path}: {len(errors)} bad value(s), nothing stored\n{lines}")


def import_certificates(engine: Engine, path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportRefused(str(path), [(0, c, "", "missing column") for c in missing])
        rows = list(reader)
    labels = set(ladder.by_id())
    errors: list[tuple[int, str, str, str]] = []
    checked = []
    seen: set[tuple[str, str]] = set()
    for i, row in enumerate(rows, start=1):
        values = {c: (row.get(c) or "").strip() for c in COLUMNS}
        if not is_valid(values["uscc"]):
            errors.append((i, "uscc", values["uscc"], "not a valid USCC (GB 32100-2015)"))
        if values["label"] not in labels:
            errors.append((i, "label", values["label"], f"one of {', '.join(sorted(labels))}"))
        if not values["certificate_no"]:
            errors.append((i, "certificate_no", "", "required"))
        key = (values["label"], values["certificate_no"])
        if key in seen:
            errors.append((i, "certificate_no", values["certificate_no"], "repeats a row"))
        seen.add(key)
        dates: dict[str, dt.date] = {}
        for column in ("valid_from", "valid_to"):
            try:
                dates[column] = dt.date.fromisoformat(values[column])
            except ValueError:
                errors.append((i, column, values[column], "a date YYYY-MM-DD"))
        if len(dates) == 2 and dates["valid_to"] < dates["valid_from"]:
            errors.append((i, "valid_to", values["valid_to"], "before valid_from"))
        checked.append({**values, **dates, "source": "import"})
    if errors:
        raise ImportRefused(str(path), errors)
    with Session(engine) as session, session.begin():
        existing = {(c.label, c.certificate_no): c for c in session.scalars(select(Certificate))}
        for values in checked:
            found = existing.get((str(values["label"]), str(values["certificate_no"])))
            if found is None:
                session.add(Certificate(**values))
            else:
                for column, value in values.items():
                    setattr(found, column, value)
    return len(checked)
