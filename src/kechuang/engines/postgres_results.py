"""The client's side of the in-database screening (engines.postgres): the rows each session
COPYs out become the RESULTS file, the per-outcome counts and the totals file as they arrive.

Each session's thread feeds its rows to one `Assembly` while its COPY is still running, so the
parse, the Parquet write and the bookkeeping overlap the other session's query instead of
starting after both end. PostgreSQL sends every row of a COPY TO as one CopyData message
(protocol, "COPY Operations"), so a block of messages ends at a row boundary and Arrow parses
each block on its own, from a native buffer (a Python file-like object under Arrow's streaming
reader risks aborts at interpreter exit). A block is about ROW_GROUP_ROWS result rows, one
Parquet row group, as DuckDB writes them. The server computes the pack, the client the
bookkeeping (a GROUP BY of text and NUMERIC over every row costs PostgreSQL more than Arrow);
with one row per enterprise, its totals are added across its policies' columns (no GROUP BY).
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import threading
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from kechuang.engines.common import OUTCOMES
from kechuang.engines.durable import Sync
from kechuang.rules.columns import outcome_code

Counts = dict[tuple[str, str], tuple[int, Decimal, int]]
Lines = tuple[str, str, Any]  # a block's first and last code, its totals lines (Arrow)
# Result rows per parsed block and Parquet row group: DuckDB's default row group size.
ROW_GROUP_ROWS = 122_880
# A count of hundredths of DECIMAL(18, 2) is below this in magnitude (18 digits).
HUNDREDTHS_LIMIT = 10**18
# Each outcome's text by the code it may travel as (rules.columns.outcome_code).
_OUTCOME_TEXTS = {outcome_code(o): o for o in OUTCOMES}


def import_arrow() -> None:
    """Load the modules the assembly uses (a few tenths of a second), e.g. ahead of time."""
    _arrow()
    import numpy  # noqa: F401  (_unpivot's)


def _arrow() -> tuple[Any, Any, Any, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    return pa, pc, pacsv, pq


class Assembly:
    """The RESULTS file (`fmt` csv or parquet) at `staged`, the counts of each (policy,
    outcome) and, if `totals` is given, the totals file, from the rows the sessions send as
    CSV (no header). With `policy_ids` a row is one enterprise's whole pack (the pack not
    unpivoted, Parquet only), unpivoted here (`_unpivot`). Thread-safe: each session's thread
    calls `stream`; `finish` once all have returned."""

    def __init__(
        self,
        fmt: str,
        staged: Path,
        names: Sequence[str],
        year: int,
        totals: Path | None,
        policy_ids: Sequence[str] | None = None,
        unmet_terms: Sequence[Sequence[str] | None] = (),
        hundredths: Sequence[Sequence[str]] = (),
    ) -> None:
        pa, _, pacsv, pq = _arrow()
        types = {
            "year": pa.int32(),
            "score": pa.decimal128(18, 2),
            "benefit_yuan": pa.decimal128(18, 2),
        }
        self.fmt, self.staged, self.names, self.year = fmt, staged, list(names), year
        self.totals, self.policy_ids = totals, policy_ids
        # Per policy of a wide row: its unmet conditions' texts where the server sends a mask
        # of them (rules.pack.PackSQL.unmet_terms), else None (text).
        self.unmet_terms = list(unmet_terms) or [None] * len(policy_ids or ())
        # Per policy of a wide row: its DECIMAL(18, 2) columns the server sends as integer
        # hundredths (rules.pack.PackSQL.hundredths).
        self.hundredths = [tuple(h) for h in hundredths] or [()] * len(policy_ids or ())
        self.synced: Sync | None = None
        self.schema = pa.schema([pa.field(n, types.get(n, pa.string())) for n in names])
        # The text columns other than the code repeat a few values (policy ids, outcomes,
        # unmet ids): held as dictionaries, the unpivot's take moves indices, the counts group
        # them, and the Parquet writer takes each block's dictionary as it is instead of
        # hashing every value. The file's columns are the same strings (`store_schema=False`
        # below: no Arrow schema that would make readers see dictionaries).
        self._coded = pa.schema([_coded(f) for f in self.schema])
        source = (
            self._coded
            if policy_ids is None
            else _wide_schema(self._coded, len(policy_ids), self.unmet_terms, self.hundredths)
        )
        # The rows left the server as COPY text (no Python object per value) and Arrow's CSV
        # reader parses them column-wise: several times cheaper than a cursor's tuples of
        # Decimal. PostgreSQL's CSV writes NULL unquoted-empty and '' as "", so only an
        # unquoted empty field is null ("NA", "NULL" ... stay text).
        # One thread per block: the sessions' threads already parse side by side while the
        # server's backends use the cores, and Arrow's parallel chunking of a 1 MB-block
        # buffer cost about 40% more CPU for the same parse (no wall gained at 1M).
        self._read = pacsv.ReadOptions(
            column_names=source.names, block_size=1 << 20, use_threads=False
        )
        self._convert = pacsv.ConvertOptions(
            column_types=source,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            # The server sends its own encoding's valid text (UTF-8, `stream`'s caller).
            check_utf8=False,
        )
        # A quoted field may hold a line break (policy text is free): read it as one value.
        self._parse = pacsv.ParseOptions(newlines_in_values=True)
        self._excluded = "excluded_by" if "excluded_by" in names else "uscc"
        self._lock = threading.Lock()
        # The codes are nearly unique per row group (an enterprise's few rows): a dictionary
        # of them costs the writer CPU and the file bytes; the other text columns repeat.
        # An encoding only: the file's values and schema are the same.
        dictionary = [n for n in self.schema.names if n != "uscc"]
        self._writer = (
            pq.ParquetWriter(
                staged,
                self._coded,
                compression="zstd",
                use_dictionary=dictionary,
                store_schema=False,
            )
            if fmt == "parquet"
            else None
        )
        self.counts: Counts = {}
        self._sums: list[Any] = []
        self._lines: list[Lines | None] = []  # each block's totals, formatted (`_block_lines`)

    def stream(self, messages: Any, part: BinaryIO | None = None) -> None:
        """Take one session's rows, one CopyData message (one row) at a time, as they arrive;
        for a CSV file, also copy them into `part`, the session's share of it."""
        per_message = 1 if self.policy_ids is None else max(1, len(self.policy_ids))
        block_messages = max(1, ROW_GROUP_ROWS // per_message)
        block = bytearray()
        held = 0
        for message in messages:
            if part is not None:
                part.write(message)
            block += message
            held += 1
            if held == block_messages:
                self._add(block)
                block, held = bytearray(), 0
        if held:
            self._add(block)

    def _add(self, block: bytearray) -> None:
        pa, pc, pacsv, _ = _arrow()
        parsed = pacsv.read_csv(
            pa.py_buffer(block),
            read_options=self._read,
            parse_options=self._parse,
            convert_options=self._convert,
        ).combine_chunks()
        if self.policy_ids is None:
            table = parsed
        else:
            parsed = _outcome_texts(parsed, len(self.policy_ids), self._coded)
            parsed = _decimals_of_hundredths(parsed, self.hundredths, self._coded)
            table = _unpivot(parsed, self.policy_ids, self.year, self._coded, self.unmet_terms)
        grouped = table.group_by(["policy_id", "outcome"], use_threads=False).aggregate(
            [("uscc", "count"), ("benefit_yuan", "sum"), (self._excluded, "count")]
        )
        sums = lines = None
        if self.totals is not None and self.policy_ids is not None:
            sums = _wide_sums(parsed, len(self.policy_ids), self._coded)
            lines = _block_lines(sums, self.year)
        elif self.totals is not None:
            eligible = pc.cast(pc.equal(table["outcome"], "eligible"), pa.int64())
            part_sums = pa.table({"uscc": table["uscc"], "e": eligible, "b": table["benefit_yuan"]})
            sums = part_sums.group_by("uscc", use_threads=False).aggregate(
                [("e", "sum"), ("b", "sum")]
            )
        with self._lock:
            # One write per block: its rows stay together (an enterprise's rows in pack
            # order), one row group; blocks of the sessions interleave as they arrive.
            if self._writer is not None:
                self._writer.write_table(table)
            for row in grouped.to_pylist():
                key = (row["policy_id"], row["outcome"])
                n, benefit, n_excluded = self.counts.get(key, (0, Decimal(0), 0))
                self.counts[key] = (
                    n + row["uscc_count"],
                    benefit + (row["benefit_yuan_sum"] or 0),
                    n_excluded
                    + (row[f"{self._excluded}_count"] if self._excluded != "uscc" else 0),
                )
            if sums is not None:
                self._sums.append(sums)
                self._lines.append(lines)

    def finish(self, parts: Sequence[Path] = ()) -> Counts:
        """Close the RESULTS file (a CSV file: its header, then the sessions' `parts` in
        order), start its sync (`synced`), write the totals file, and return the counts."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        else:
            with self.staged.open("wb") as handle:
                handle.write((",".join(self.names) + "\n").encode())
                for path in parts:
                    with path.open("rb") as source:
                        shutil.copyfileobj(source, handle, 1 << 20)
        # On disk while the totals are written (engines.durable).
        self.synced = Sync(self.staged)
        if self.totals is not None:
            _write_totals(self._sums, self.year, self.totals, self._lines)
        return self.counts

    def close(self) -> None:
        """Release the Parquet writer if `finish` was not reached (a session failed)."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
            self._writer = None


def _coded(field: Any) -> Any:
    """`field` as the assembly holds it: a text column other than the code as a dictionary."""
    import pyarrow as pa

    if field.name == "uscc" or field.type != pa.string():
        return field
    return pa.field(field.name, pa.dictionary(pa.int32(), pa.string()))


def _per_policy(schema: Any) -> list[Any]:
    """The fields of `schema` (the RESULTS rows) each policy has its own of in a wide row."""
    return [f for f in schema if f.name not in ("uscc", "policy_id", "year")]


def _column_of(schema: Any, k: int, name: str) -> int:
    """The index in a wide row (`_wide_schema`) of policy k's column `name` of `schema`."""
    names = [f.name for f in _per_policy(schema)]
    return 1 + k * len(names) + names.index(name)


def _wide_schema(
    schema: Any,
    policies: int,
    unmet_terms: Sequence[Sequence[str] | None],
    hundredths: Sequence[Sequence[str]] = (),
) -> Any:
    """The columns of the pack's one row per enterprise (rules.pack.pack_sql without
    unpivot): uscc, then per policy its columns of `schema` after policy_id and year, its
    unmet column a 64-bit mask where `unmet_terms` has its texts, and its columns in
    `hundredths` 64-bit counts of hundredths."""
    import pyarrow as pa

    per_policy = _per_policy(schema)
    fields = [schema.field("uscc")]
    for k in range(policies):
        counted = {"unmet"} if unmet_terms[k] is not None else set()
        counted |= set(hundredths[k]) if hundredths else set()
        fields += [
            pa.field(f"p{k}_{j}", pa.int64() if f.name in counted else f.type)
            for j, f in enumerate(per_policy)
        ]
    return pa.schema(fields)


def _decimals_of_hundredths(batch: Any, hundredths: Sequence[Sequence[str]], schema: Any) -> Any:
    """`batch` (one row per enterprise, `_wide_schema`) with each column the server sent as
    integer hundredths (rules.pack._hundredths_outputs) made the DECIMAL(18, 2) of `schema`:
    the count is the decimal's unscaled value, so its 128-bit integer (a cast to DECIMAL(19,
    0), exact for any 64-bit count) is read with two decimals, no arithmetic. A count of 19
    digits is refused, as PostgreSQL's cast to DECIMAL(18, 2) would refuse its value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for k, names in enumerate(hundredths):
        for name in names:
            i = _column_of(schema, k, name)
            count = batch.column(i).combine_chunks()
            extremes = pc.min_max(count).as_py()
            if any(v is not None and abs(v) >= HUNDREDTHS_LIMIT for v in extremes.values()):
                raise ValueError(f"{name}: a value beyond DECIMAL(18, 2) ({extremes} hundredths)")
            whole = count.cast(pa.decimal128(19, 0))
            decimal = pa.Array.from_buffers(
                schema.field(name).type, len(whole), whole.buffers(), whole.null_count, whole.offset
            )
            batch = batch.set_column(i, batch.schema.field(i).with_type(decimal.type), decimal)
    return batch


def _outcome_texts(batch: Any, policies: int, schema: Any) -> Any:
    """`batch` (one row per enterprise, `_wide_schema`) with each outcome column's codes
    made the outcomes' texts (the server sends an outcome as its code where it can,
    rules.pack._code_outcomes): the column's dictionary of a few values is replaced, its
    indices kept. A text that is no code (a column sent as text) stays as it is."""
    import pyarrow as pa

    for k in range(policies):
        i = _column_of(schema, k, "outcome")
        column = batch.column(i).combine_chunks()
        texts = [_OUTCOME_TEXTS.get(v, v) for v in column.dictionary.to_pylist()]
        decoded = pa.DictionaryArray.from_arrays(column.indices, pa.array(texts, pa.string()))
        batch = batch.set_column(i, batch.schema.field(i), decoded)
    return batch


def _unpivot(
    batch: Any,
    policy_ids: Sequence[str],
    year: int,
    schema: Any,
    unmet_terms: Sequence[Sequence[str] | None],
) -> Any:
    """The RESULTS rows (`schema`) of a batch of one row per enterprise: each enterprise's
    rows together, its policies in pack order (as the server's LATERAL VALUES gives them);
    an unmet mask made its text (`_unmet_texts`)."""
    import numpy as np
    import pyarrow as pa

    n = batch.num_rows
    width = len(schema) - 3  # outcome, score, benefit_yuan, unmet and the status columns
    unmet = schema.names.index("unmet") - 3
    year_column = pa.repeat(pa.scalar(year, pa.int32()), n)
    policies = pa.array(policy_ids, pa.string())
    tables = []
    for k in range(len(policy_ids)):
        own = [batch.column(1 + k * width + j) for j in range(width)]
        terms = unmet_terms[k]
        if terms is not None:
            own[unmet] = _unmet_texts(own[unmet], terms)
        policy = pa.DictionaryArray.from_arrays(pa.array(np.full(n, k, np.int32)), policies)
        columns = [batch.column(0), policy, year_column]
        tables.append(pa.Table.from_arrays([*columns, *own], schema=schema))
    # Row k * n + i of the concatenation is enterprise i's row of policy k.
    order = np.arange(n * len(policy_ids)).reshape(len(policy_ids), n).T.ravel()
    # Each policy's text columns were parsed with their own dictionaries: one per column
    # (of the policies' values) before the take, so the block is written with one.
    return pa.concat_tables(tables).unify_dictionaries().combine_chunks().take(order)


def _unmet_texts(masks: Any, terms: Sequence[str]) -> Any:
    """The unmet texts of a column of masks (rules.pack._mask_unmet): each distinct mask's
    text made once, the texts of its bits joined by ';', as a dictionary (a block of rows
    holds a few hundred distinct masks)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = masks.combine_chunks() if isinstance(masks, pa.ChunkedArray) else masks
    distinct = pc.unique(column).drop_null()
    texts = [
        ";".join(t for i, t in enumerate(terms) if mask >> i & 1) for mask in distinct.to_pylist()
    ]
    indices = pc.cast(pc.index_in(column, value_set=distinct), pa.int32())
    return pa.DictionaryArray.from_arrays(indices, pa.array(texts, pa.string()))


def _wide_sums(batch: Any, policies: int, schema: Any) -> Any:
    """Each enterprise's eligible policies and benefit total (`_write_totals`' per-block
    sums) from its one row of the pack (`_wide_schema`): added across its policies' columns,
    no hash of the codes. A benefit a policy leaves unknown adds nothing, as in a group's sum
    (an enterprise without any: 0.00 either way, `_write_totals`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    eligible = None
    total = None
    for k in range(policies):
        own_outcome = batch.column(_column_of(schema, k, "outcome"))
        own_benefit = batch.column(_column_of(schema, k, "benefit_yuan"))
        met = pc.cast(pc.equal(own_outcome, "eligible"), pa.int64())
        # fill_null: an unknown benefit adds 0; the outcome is never null (a pack's column).
        paid = pc.fill_null(own_benefit, pa.scalar(0, own_benefit.type))
        eligible = met if eligible is None else pc.add(eligible, met)
        total = paid if total is None else pc.add(total, paid)
    return pa.table({"uscc": batch.column(0), "e_sum": eligible, "b_sum": total})


def _block_lines(sums: Any, year: int) -> Lines | None:
    """The totals lines of a block's sums (`_wide_sums`: one row per enterprise), formatted in
    its session's thread as it arrives, with its first and last code, when its codes strictly
    increase (the merge-joined plan sends them in key order); None otherwise."""
    import pyarrow.compute as pc

    codes = sums["uscc"]
    if len(codes) == 0:
        return None
    if len(codes) > 1 and not pc.all(pc.greater(codes[1:], codes[:-1])).as_py():
        return None
    return str(codes[0].as_py()), str(codes[-1].as_py()), _total_lines(sums, year)


def _in_code_order(blocks: Sequence[Lines | None]) -> list[Any] | None:
    """The blocks' lines in code order, when every block has its lines (`_block_lines`) and,
    ordered by their first codes, each block ends below the next one's first code: their
    lines are then those of all the sums sorted, each code once. None otherwise."""
    if not blocks or any(b is None for b in blocks):
        return None
    ordered = sorted((b for b in blocks if b is not None), key=lambda b: b[0])
    if any(a[1] >= b[0] for a, b in itertools.pairwise(ordered)):
        return None
    return [b[2] for b in ordered]


def _write_totals(
    sums: Sequence[Any], year: int, path: Path, blocks: Sequence[Lines | None] = ()
) -> None:
    """One row per enterprise in code order (bytes, as DuckDB's): eligible policies and the
    total benefit (0.00 when none), from the per-block sums (an enterprise's rows may span
    two blocks; not so with one row per enterprise, `_wide_sums`, where the codes sorted are
    already distinct and no second sum is needed). Where the blocks' lines were formatted as
    they came and their codes do not interleave (`_in_code_order`: the shares' rows in key
    order), they are only written in order: nothing is sorted after the sessions end."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ordered = _in_code_order(blocks) if len(blocks) == len(sums) else None
    if ordered is None:
        table = pa.concat_tables(sums).sort_by("uscc")
        codes = table["uscc"]
        if len(table) > 1 and pc.any(pc.equal(codes[1:], codes[:-1])).as_py():
            table = (
                table.group_by("uscc", use_threads=False)
                .aggregate([("e_sum", "sum"), ("b_sum", "sum")])
                .rename_columns(["uscc", "e_sum", "b_sum"])
                .sort_by("uscc")
            )
        ordered = [_total_lines(table, year)]
    with path.open("wb") as handle:
        handle.write(b"uscc,year,policies_eligible,total_benefit_yuan\n")
        for lines in ordered:
            _write_lines(handle, lines)


def _total_lines(table: Any, year: int) -> Any:
    """The totals file's lines of `table` (uscc, e_sum, b_sum), each with its line feed, as
    one Arrow text array. The lines are joined by Arrow (no Python string per line): codes
    are checked at import (GB 32100: digits and capitals), so no field needs quoting."""
    import pyarrow as pa
    import pyarrow.compute as pc

    benefit = table["b_sum"]
    zero = pa.scalar(Decimal("0.00"), benefit.type)
    fields = pc.binary_join_element_wise(
        table["uscc"],
        pa.scalar(str(int(year))),
        pc.cast(table["e_sum"], pa.string()),
        # Arrow prints a decimal with its scale (2): as PostgreSQL's NUMERIC(18, 2).
        pc.cast(pc.fill_null(benefit, zero), pa.string()),
        ",",
    )
    # Each line with its line feed (joined to an empty string by one): the array's data is
    # then the file's body, from the first line's offset to the end of the last.
    return pc.cast(pc.binary_join_element_wise(fields, pa.scalar(""), "\n"), pa.large_string())


def _write_lines(handle: BinaryIO, lines: Any) -> None:
    """`lines` (`_total_lines`) written from Arrow's buffers."""
    import numpy as np

    for chunk in lines.chunks:
        if len(chunk) == 0:
            continue
        _, offsets, data = chunk.buffers()
        ends = np.frombuffer(offsets, dtype=np.int64)[chunk.offset : chunk.offset + len(chunk) + 1]
        handle.write(memoryview(data)[int(ends[0]) : int(ends[-1])])
