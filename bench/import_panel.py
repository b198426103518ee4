"""Import benchmark: whole-process `kechuang import` of N enterprises × 3 years into a fresh store.

SQLite always; PostgreSQL too when KECHUANG_BENCH_POSTGRES_URL (or KECHUANG_TEST_POSTGRES_URL) is
set, into a fresh schema that is dropped afterwards. Each note carries the load average before
and after, since the machine is shared.

The panel comes from `kechuang generate` when that command exists, else from a simple random
but valid writer here. The baseline is a naive importer (csv rows, per-cell reference parser,
one ORM object per row, session.add) run on a slice and extrapolated; it is labelled as such.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bench.harness import Measurement, kechuang, measure

TITLE = "import panel (N enterprises × 3 years)"
YEARS = (2022, 2023, 2024)
BASELINE_ENTERPRISES = 5_000


def _has_generate() -> bool:
    probe = subprocess.run(kechuang("generate", "--help"), capture_output=True)
    return probe.returncode == 0


def write_random_panel(path: Path, enterprises: int, seed: int = 7) -> None:
    """A valid panel from independent random draws (no realism, only the contract's rules)."""
    from kechuang.domain.uscc import check_digit
    from kechuang.enterprises.snapshot import panel_arrow_schema
    from kechuang.enterprises.validation import fen_to_decimal

    rng = np.random.default_rng(seed)
    schema = panel_arrow_schema()
    codes = []
    for i in range(enterprises):
        first = f"91310115{i:09d}"
        codes.append(first + check_digit(first))
    with pq.ParquetWriter(path, schema) as writer:
        step = 100_000
        for start in range(0, enterprises, step):
            ids = np.arange(start, min(start + step, enterprises))
            for year in YEARS:
                n = len(ids)
                employees = rng.integers(1, 2000, n)
                revenue = rng.integers(0, 10**12, n)
                rd = rng.integers(0, 10**10, n)

                def fen(values: np.ndarray) -> pa.Array:
                    return fen_to_decimal(pa.array(values, pa.int64()))

                columns = {
                    "uscc": pa.array([codes[i] for i in ids]),
                    "name": pa.array([f"上海{i}科技有限公司" for i in ids]),
                    "year": pa.array(np.full(n, year, dtype=np.int32)),
                    "district": pa.array(np.where(ids % 2 == 0, "310115", "310112")),
                    "park": pa.array(np.where(ids % 2 == 0, "张江", "大零号湾")),
                    "industry_code": pa.array(np.where(ids % 3 == 0, "C2710", "M7320")),
                    "founded_on": pa.array(
                        np.datetime64("2010-01-01") + rng.integers(0, 4000, n), pa.date32()
                    ),
                    "mainland_resident": pa.array(np.ones(n, dtype=bool)),
                    "employees": pa.array(employees),
                    "st_staff": pa.array(employees // 2),
                    "rd_staff": pa.array(employees // 3),
                    "revenue": fen(revenue),
                    "main_business_revenue": fen(revenue // 2),
                    "cost_expense_total": fen(rng.integers(0, 10**12, n)),
                    "total_assets": fen(rng.integers(0, 10**12, n)),
                    "total_liabilities": fen(rng.integers(0, 10**12, n)),
                    "net_assets": fen(rng.integers(-(10**11), 10**12, n)),
                    "rd_expense": fen(rd),
                    "rd_expense_domestic": fen(rd // 2),
                    "hightech_revenue": fen(revenue // 3),
                    "ip_class1": pa.array(rng.integers(0, 20, n)),
                    "ip_class2": pa.array(rng.integers(0, 50, n)),
                    "transformations": pa.array(rng.integers(0, 5, n)),
                    "equity_financing": fen(rng.integers(0, 10**10, n)),
                    "niche_years": pa.array(rng.integers(0, 20, n)),
                    "market_share": pa.nulls(n, pa.decimal128(9, 6)),
                }
                for name in schema.names:
                    if name not in columns:
                        kind = schema.field(name).type
                        if pa.types.is_boolean(kind):
                            columns[name] = pa.array(rng.random(n) < 0.1)
                        else:
                            columns[name] = pa.nulls(n, kind)
                writer.write_table(pa.table(columns, schema=schema))


def naive_import(path: Path, url: str) -> int:
    """The baseline: per-row csv reading, per-cell reference parsing, ORM session.add per row."""
    import csv

    from sqlalchemy.orm import Session

    from kechuang.domain.cells import parse_row
    from kechuang.domain.panel import Kind
    from kechuang.enterprises.tables import (
        FACT_FIELDS,
        STATIC_FIELDS,
        AnnualFact,
        Enterprise,
        ImportBatch,
        column_name,
    )
    from kechuang.store.engine import make_engine
    from kechuang.store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    rows = 0
    import datetime as dt

    with Session(engine) as session, path.open(encoding="utf-8-sig", newline="") as handle:
        batch = ImportBatch(
            file_name=path.name,
            sha256="-",
            format="csv",
            imported_at=dt.datetime.now(dt.UTC),
            row_count=0,
            enterprise_count=0,
            years=[],
        )
        session.add(batch)
        session.flush()
        seen: set[str] = set()
        for cells in csv.DictReader(handle):
            values, errors = parse_row(cells)
            if errors:
                raise SystemExit(f"bad row: {errors}")
            uscc = str(values["uscc"])
            if uscc not in seen:
                seen.add(uscc)
                static = {column_name(f): values[f.name] for f in STATIC_FIELDS}
                session.add(
                    Enterprise(
                        uscc=uscc, attributes_year=values["year"], batch_id=batch.id, **static
                    )
                )
                session.flush()  # the naive way to get the parent row in before its facts
            facts = {column_name(f): values[f.name] for f in FACT_FIELDS if f.kind is not Kind.TEXT}
            facts["listed_board"] = values["listed_board"]
            session.add(AnnualFact(uscc=uscc, year=values["year"], batch_id=batch.id, **facts))
            rows += 1
        session.commit()
    return rows


def _load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def _measure_import(name: str, panel: Path, note: str, env: dict[str, str]) -> Measurement:
    before = _load()
    m = measure(name, kechuang("import", str(panel)), note=note, env=env)
    m.note = f"{note}; load avg {before} → {_load()}"
    return m


@contextmanager
def _postgres_schema() -> Iterator[str | None]:
    """A URL of a fresh PostgreSQL schema (dropped afterwards), or None when none is set up."""
    base = os.environ.get("KECHUANG_BENCH_POSTGRES_URL") or os.environ.get(
        "KECHUANG_TEST_POSTGRES_URL"
    )
    if not base:
        yield None
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"kc_bench_{secrets.token_hex(4)}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


def run(size: int) -> list[Measurement]:
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="kc-bench-import-") as tmp:
        work = Path(tmp)
        panel = work / "panel.parquet"
        if _has_generate():
            subprocess.run(
                kechuang(
                    "generate",
                    "--enterprises",
                    str(size),
                    "--years",
                    "2022-2024",
                    "--seed",
                    "1",
                    "--out",
                    str(panel),
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
            source = "kechuang generate"
        else:
            write_random_panel(panel, size)
            source = "random writer"
        rows = pq.ParquetFile(panel).metadata.num_rows
        env = {
            "KECHUANG_VAR_DIR": str(work / "var"),
            "KECHUANG_DATABASE_URL": f"sqlite:///{work / 'var' / 'kechuang.db'}",
        }
        m = _measure_import(
            f"kechuang import ({size:,} × 3 = {rows:,} rows, parquet)",
            panel,
            f"SQLite, panel from {source}, incl. snapshot",
            env,
        )
        m.extra = {"rows": rows, "enterprises": size}
        results.append(m)
        with _postgres_schema() as postgres:
            if postgres:
                pg = _measure_import(
                    f"kechuang import ({size:,} × 3 = {rows:,} rows, parquet) into PostgreSQL",
                    panel,
                    f"PostgreSQL (fresh schema), panel from {source}, incl. snapshot",
                    {"KECHUANG_VAR_DIR": str(work / "var-pg"), "KECHUANG_DATABASE_URL": postgres},
                )
                pg.extra = {"rows": rows, "enterprises": size, "store": "postgresql"}
                results.append(pg)

        slice_n = min(size, BASELINE_ENTERPRISES)
        import duckdb

        slice_csv = work / "slice.csv"
        duckdb.sql(
            f"COPY (SELECT * FROM read_parquet('{panel}') ORDER BY uscc, year "
            f"LIMIT {slice_n * 3}) TO '{slice_csv}' (HEADER)"
        )
        baseline_url = f"sqlite:///{work / 'baseline.db'}"
        code = (
            "import sys; from pathlib import Path; from bench.import_panel import naive_import; "
            f"naive_import(Path({str(slice_csv)!r}), {baseline_url!r})"
        )
        b = measure(
            f"naive per-row ORM import ({slice_n * 3:,} rows)",
            [sys.executable, "-c", code],
            note="baseline: csv + per-cell parse_row + session.add",
            env={"PYTHONPATH": os.getcwd()},
        )
        factor = rows / (slice_n * 3)
        b.extra = {"rows": slice_n * 3}
        results.append(b)
        results.append(
            Measurement(
                f"naive per-row ORM import, extrapolated to {rows:,} rows",
                b.seconds * factor,
                b.peak_mb,
                note=f"EXTRAPOLATED ×{factor:.0f} from the slice (time only; memory grows too)",
            )
        )
    return results
