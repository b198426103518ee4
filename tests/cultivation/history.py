"""One enterprise's facts from the snapshot as the scalar evaluator reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq


def history(panel: Path, uscc: str) -> dict[int, dict[str, Any]]:
    table = pq.read_table(panel)
    rows = table.filter(pc.equal(table["uscc"], uscc)).to_pylist()
    return {int(r["year"]): r for r in rows}
