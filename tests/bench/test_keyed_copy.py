"""The floor's second layout (bench.peers.keyed_copy): the same rows as the panel, in key order."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from bench.peers import keyed_copy

from kechuang.enterprises.generator import write_panel


def test_the_keyed_copy_holds_the_panels_rows_in_key_order(tmp_path: Path) -> None:
    panel = tmp_path / "panel.parquet"
    write_panel(panel, 500, [2023, 2024], seed=3)
    copy = keyed_copy(panel, tmp_path / "keyed.parquet")
    original, keyed = pq.read_table(panel), pq.read_table(copy)
    keys = [(r["uscc"], r["year"]) for r in keyed.select(["uscc", "year"]).to_pylist()]
    assert keys == sorted(keys) and len(keys) == original.num_rows
    order = [("uscc", "ascending"), ("year", "ascending")]
    assert keyed.equals(original.sort_by(order).cast(keyed.schema))
    assert [(r["uscc"], r["year"]) for r in original.to_pylist()] != keys  # it was not already
