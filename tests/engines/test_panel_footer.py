"""engines.panel footer shortcuts and engines.lookup (explain reads one enterprise's rows)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from kechuang.engines import lookup
from kechuang.engines.panel import PanelError, open_panel, read_footer
from kechuang.enterprises.generator import write_panel
from kechuang.enterprises.snapshot import by_year
from kechuang.screening.inputs import read_history


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kechuang.enterprises import generator

    path = tmp_path_factory.mktemp("gen") / "panel.parquet"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(generator, "ROW_GROUP_ROWS", 1000)  # several row groups, as at scale
        write_panel(path, 3000, [2023, 2024], seed=5)
    return path


def test_generator_files_vouch_for_unique_keys(generated: Path) -> None:
    footer = read_footer(generated)
    assert footer is not None and footer.unique_keys
    assert {"uscc", "name", "year"} <= footer.required
    assert 0 < footer.bounds["revenue"] < 10**18


def _duplicated(generated: Path, target: Path, flag_rows: int | None) -> Path:
    table = pq.read_table(generated)
    doubled = pa.concat_tables([table, table.slice(0, 1)])
    metadata = dict(table.schema.metadata or {})
    if flag_rows is not None:
        metadata[b"kechuang.unique_keys"] = json.dumps(
            {"keys": ["uscc", "year"], "rows": flag_rows}
        ).encode()
    pq.write_table(doubled.replace_schema_metadata(metadata), target)
    return target


def test_a_flag_for_another_row_count_is_not_trusted(generated: Path, tmp_path: Path) -> None:
    # A file appended to after Kechuang wrote it keeps the old flag: the row count betrays it.
    path = _duplicated(
        generated, tmp_path / "p.parquet", flag_rows=pq.read_metadata(generated).num_rows
    )
    assert read_footer(path) is not None and not read_footer(path).unique_keys  # type: ignore[union-attr]
    with pytest.raises(PanelError, match="rows"):
        open_panel(duckdb.connect(), path)


def test_unflagged_files_are_scanned_for_duplicates(generated: Path, tmp_path: Path) -> None:
    path = _duplicated(generated, tmp_path / "p.parquet", flag_rows=None)
    with pytest.raises(PanelError, match="one row per enterprise per year"):
        open_panel(duckdb.connect(), path)


def test_explain_reads_through_the_index(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(lookup, "INDEX_MIN_ROWS", 100)
    codes = [
        r[0]
        for r in duckdb.sql(f"SELECT uscc FROM '{generated}' WHERE year = 2024 LIMIT 5").fetchall()
    ]
    for uscc in codes:
        source = lookup.source_for(generated, uscc)
        assert "kc_bucket=" in source  # the generator's file is not in uscc order
        via_index = read_history(generated, uscc, 2024, 1)
        monkeypatch.setattr(lookup, "INDEX_MIN_ROWS", 10**9)
        scanned = read_history(generated, uscc, 2024, 1)
        monkeypatch.setattr(lookup, "INDEX_MIN_ROWS", 100)
        assert via_index == scanned and 2024 in via_index
    # A changed file gets a new index (keyed by size and modification time).
    before = lookup.index_dir(generated)
    sorted_path = tmp_path / "sorted.parquet"
    pq.write_table(
        pq.read_table(generated).sort_by([("uscc", "ascending")]), sorted_path, row_group_size=500
    )
    assert lookup.index_dir(sorted_path) != before
    # A panel in uscc order needs no index: row-group statistics prune.
    assert "kc_bucket" not in lookup.source_for(sorted_path, codes[0])
    # Nor does one written as the snapshot is: in key order, each run of rows year by year.
    runs_path = tmp_path / "runs.parquet"
    table = pq.read_table(generated).sort_by([("uscc", "ascending"), ("year", "ascending")])
    with pq.ParquetWriter(runs_path, table.schema) as writer:
        for start in range(0, table.num_rows, 600):
            for part in by_year(table.slice(start, 600)):
                writer.write_table(part)
    assert "kc_bucket" not in lookup.source_for(runs_path, codes[0])
    monkeypatch.setattr(lookup, "INDEX_MIN_ROWS", 10**9)
    assert read_history(runs_path, codes[0], 2024, 1) == read_history(generated, codes[0], 2024, 1)


def _screen_into(path: Path, out: Path, year: int = 2024) -> None:
    from kechuang.engines.duckdb import screen
    from kechuang.screening.inputs import load_policies

    screen(path, year, load_policies(["tsme-2017", "above-scale-2019"], year), out)


def test_the_screening_refuses_duplicates_in_its_own_scan(generated: Path, tmp_path: Path) -> None:
    # No flag in the footer: the duplicate is found by the screening's GROUP BY (no second
    # pass), and the error still names the enterprise and the year; no RESULTS file is left.
    path = _duplicated(generated, tmp_path / "p.parquet", flag_rows=None)
    first = pq.read_table(generated).slice(0, 1).to_pylist()[0]
    out = tmp_path / "r.csv"
    with pytest.raises(PanelError, match=f"enterprise {first['uscc']} has 2 rows for year"):
        _screen_into(path, out, year=int(first["year"]))
    assert not out.exists()


def test_an_unflagged_file_without_duplicates_screens_as_a_flagged_one(
    generated: Path, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.parquet"
    table = pq.read_table(generated)
    pq.write_table(table.replace_schema_metadata({}), plain)
    assert read_footer(plain) is not None and not read_footer(plain).unique_keys  # type: ignore[union-attr]
    _screen_into(plain, tmp_path / "plain.csv")
    _screen_into(generated, tmp_path / "flagged.csv")
    plain_rows = sorted((tmp_path / "plain.csv").read_text(encoding="utf-8").splitlines())
    flagged_rows = sorted((tmp_path / "flagged.csv").read_text(encoding="utf-8").splitlines())
    assert plain_rows == flagged_rows and len(plain_rows) > 1


def test_a_vouched_panel_is_screened_without_a_group_by() -> None:
    # tsme-2017 and above-scale-2019 read only the evaluation year: with keys vouched for by the
    # footer, each of its rows is an enterprise, so the query reads them as they are; the
    # unflagged file's query keeps the GROUP BY that checks the keys (the test above shows both
    # give the same RESULTS).
    from kechuang.rules.pack import compile_pack, pack_sql
    from kechuang.screening.inputs import load_policies

    policies = load_policies(["tsme-2017", "above-scale-2019"], 2024)
    vouched = pack_sql(compile_pack(policies, 2024, check_keys=False)).query
    checked = pack_sql(compile_pack(policies, 2024, check_keys=True)).query
    assert "GROUP BY" not in vouched.upper()
    assert "GROUP BY" in checked.upper()


def test_generator_row_groups_each_hold_one_year(generated: Path) -> None:
    # The pack reads each year on its own: the statistics of `year` let the scan skip the
    # other years' row groups only if no row group mixes years.
    from kechuang.enterprises.generator import generate_batches

    meta = pq.read_metadata(generated)
    year = meta.schema.to_arrow_schema().names.index("year")
    spans = [
        (
            meta.row_group(g).column(year).statistics.min,
            meta.row_group(g).column(year).statistics.max,
        )
        for g in range(meta.num_row_groups)
    ]
    assert {low for low, _ in spans} == {2023, 2024}
    assert all(low == high for low, high in spans)
    # The same rows as the population, only in another order.
    keys = [("uscc", "ascending"), ("year", "ascending")]
    population = pa.Table.from_batches(list(generate_batches(3000, [2023, 2024], seed=5)))
    assert pq.read_table(generated).sort_by(keys).equals(population.sort_by(keys))


def test_a_panel_by_year_and_by_enterprise_give_identical_results(
    generated: Path, tmp_path: Path
) -> None:
    # The same rows enterprise by enterprise (row groups mixing years, none skipped): the whole
    # pack writes the same RESULTS rows and byte-identical totals and counts.
    from kechuang.engines.duckdb import screen
    from kechuang.policies.pack import load_pack

    table = pq.read_table(generated)
    by_enterprise = tmp_path / "by-enterprise.parquet"
    pq.write_table(
        table.sort_by([("uscc", "ascending"), ("year", "ascending")]),
        by_enterprise,
        row_group_size=1000,
        store_decimal_as_integer=True,
    )
    policies = load_pack().resolve(["all"], 2024)
    runs = {}
    for name, panel in (("year", generated), ("enterprise", by_enterprise)):
        out = tmp_path / f"r-{name}.parquet"
        result = screen(panel, 2024, policies, out, totals=True)
        rows = pq.read_table(out).sort_by([("uscc", "ascending"), ("policy_id", "ascending")])
        assert result.totals is not None
        runs[name] = (rows, result.totals.read_bytes(), [s.counts for s in result.policies])
    assert runs["year"][0].equals(runs["enterprise"][0])
    assert runs["year"][1:] == runs["enterprise"][1:]
    enterprises = len(set(table.filter(pc.equal(table["year"], 2024))["uscc"].to_pylist()))
    assert runs["year"][0].num_rows == len(policies) * enterprises > 0


def test_the_footer_counts_the_row_groups_of_a_year(generated: Path, tmp_path: Path) -> None:
    footer = read_footer(generated)
    assert footer is not None
    assert footer.groups_of_year(2024) == (3, 3000)  # 1000-row groups, one year each
    assert footer.groups_of_year(2022) == (0, 0)
    mixed = tmp_path / "mixed.parquet"
    table = pq.read_table(generated).sort_by([("uscc", "ascending"), ("year", "ascending")])
    pq.write_table(table, mixed, row_group_size=2000)
    # Each row group holds both years: all may hold 2024, with all their rows.
    assert read_footer(mixed).groups_of_year(2024) == (3, table.num_rows)  # type: ignore[union-attr]
    pq.write_table(table, mixed, write_statistics=False)
    assert read_footer(mixed).groups_of_year(2024) is None  # type: ignore[union-attr]


def test_a_one_row_group_year_is_screened_through_a_materialized_layer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One row group per year (the generator's layout below 131,072 enterprises): the years
    # read are materialized so that the layers above them use every thread; the RESULTS,
    # totals and counts are those of the same query without it.
    from kechuang.engines import compiled
    from kechuang.engines import duckdb as engine
    from kechuang.policies.pack import load_pack

    monkeypatch.setenv("KECHUANG_VAR_DIR", str(tmp_path / "var"))
    panel = tmp_path / "panel.parquet"
    write_panel(panel, 500, [2022, 2023, 2024], seed=3)
    assert read_footer(panel).groups_of_year(2024) == (1, 500)  # type: ignore[union-attr]
    seen: list[bool] = []
    original = compiled.pack_text

    def spy(*args: object, **kwargs: object) -> compiled.PackText:
        seen.append(bool(kwargs.get("materialize")))
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "pack_text", spy)
    policies = load_pack().resolve(["all"], 2024)
    runs = []
    for threads in (2, 1):  # with one thread, nothing is left idle: no materialized layer
        monkeypatch.setattr(engine, "THREADS", threads)
        out = tmp_path / f"r{threads}.parquet"
        result = engine.screen(panel, 2024, policies, out, totals=True)
        rows = pq.read_table(out).sort_by([("uscc", "ascending"), ("policy_id", "ascending")])
        assert result.totals is not None
        runs.append((rows, result.totals.read_bytes(), [s.counts for s in result.policies]))
    assert seen == [True, False]
    # policy_id and outcome are written from ENUMs (rules.pack): still String columns.
    assert runs[0][0].schema.field("outcome").type == pa.string()
    assert runs[0][0].schema.field("policy_id").type == pa.string()
    assert runs[0][0].num_rows == 500 * len(policies)
    assert runs[0][0].equals(runs[1][0]) and runs[0][1:] == runs[1][1:]
