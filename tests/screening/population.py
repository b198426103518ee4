"""A small constructed population for first-above-scale-reward, imported by the real importer.

Enterprises 1..9 (by uscc_for(i)); section M unless i % 3 == 0 (C2710). Eligible for 2024:
section M, revenue below 10 million yuan in 2023 and at or above it in 2024.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from tests.enterprises.panels import uscc_for, valid_row, write_csv

from kechuang.enterprises.importer import import_panel

ELIGIBLE = (1, 2, 4, 5, 7)
ABOVE_ALREADY = (8,)  # above scale in 2023 too: not a first time
COUNT = 9


def rows() -> list[dict[str, str]]:
    result = []
    for i in range(1, COUNT + 1):
        for year in (2023, 2024):
            row = valid_row(i, year)
            below = year == 2023 and i not in ABOVE_ALREADY
            row["revenue"] = "9500000" if below else f"{12_000_000 + i}"
            result.append(row)
    return result


def eligible_usccs() -> list[str]:
    return sorted(uscc_for(i) for i in ELIGIBLE)


def import_population(engine: Engine, directory: Path) -> None:
    path = write_csv(directory / "population.csv", rows())
    import_panel(path, engine)
