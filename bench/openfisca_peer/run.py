"""Run the peer over a Parquet panel: read the year's rows, simulate, write one CSV.

The CSV has Kechuang's first columns (uscc, policy_id, year, outcome, score), one row per
enterprise per policy, so the two files compare row by row (bench.openfisca_peer.compare).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from openfisca_core.simulations import SimulationBuilder

from bench.openfisca_peer.system import KechuangPeer
from bench.openfisca_peer.variables import INPUTS

POLICIES = ("tsme-2017", "above-scale-2019")


def read_year(panel: Path, year: int) -> pa.Table:
    """The panel's rows of `year`, only the columns the two policies read."""
    return pq.read_table(
        panel, columns=["uscc", *INPUTS], filters=[("year", "=", year)], pre_buffer=True
    )


def as_input(column: pa.ChunkedArray, kind: type) -> np.ndarray:
    """A column as OpenFisca input values, a null as the variable's default (0, False, '')."""
    if kind is float:
        return pc.fill_null(column.cast(pa.float64()), 0.0).to_numpy()
    if kind is int:
        return pc.fill_null(column, 0).to_numpy()
    if kind is bool:
        return pc.fill_null(column, False).to_numpy(zero_copy_only=False)
    return pc.fill_null(column, "").to_numpy(zero_copy_only=False).astype(str)


def simulate(table: pa.Table, year: int) -> dict[str, np.ndarray]:
    """The two verdicts and the tsme score for every row of `table`.

    A null cell becomes the variable's default value (fill_null above uses the same 0, False
    and '' as OpenFisca's defaults), since a numpy input has no unknown."""
    system = KechuangPeer()
    simulation = SimulationBuilder().build_default_simulation(system, count=table.num_rows)
    period = str(year)
    for name, (kind, _) in INPUTS.items():
        simulation.set_input(name, period, as_input(table.column(name), kind))
    tsme = simulation.calculate("tsme_2017_eligible", period)
    above = simulation.calculate("above_scale_2019_outcome", period).decode_to_str()
    return {
        "tsme-2017": np.where(tsme, "eligible", "ineligible"),
        "above-scale-2019": np.asarray(above, dtype=str),
        "tsme-2017 score": simulation.calculate("tsme_2017_score", period),
    }


def run(panel: Path, year: int, out: Path) -> int:
    """Screen the panel's `year` with the peer and write `out` (CSV); the rows written."""
    table = read_year(panel, year)
    result = simulate(table, year)
    n = table.num_rows
    uscc = table.column("uscc").combine_chunks()
    scores = np.round(result["tsme-2017 score"].astype(np.float64), 2)
    parts = []
    for policy in POLICIES:
        parts.append(
            pa.table(
                {
                    "uscc": uscc,
                    "policy_id": pa.array([policy] * n) if n else pa.array([], pa.string()),
                    "year": pa.array(np.full(n, year, dtype=np.int32)),
                    "outcome": pa.array(result[policy]),
                    "score": pa.array(scores)
                    if policy == "tsme-2017"
                    else pa.nulls(n, pa.float64()),
                }
            )
        )
    pacsv.write_csv(pa.concat_tables(parts), out)
    return 2 * n
