"""Streaming readers of panel files (CSV, .xlsx, Parquet) into batches of text columns.

Every reader yields Arrow tables whose columns are all strings, named as in the file's header,
so that one validator reads every format the same way. Nothing holds the whole file.

Typed Parquet and Excel cells become the text a user would have typed: integers and Decimals
as written ('1234.50'), dates as YYYY-MM-DD, booleans as true/false. A floating-point cell
becomes its shortest round-trip text (repr), so 1234.5 is read as '1234.5' and accepted, while a
float such as 0.1 + 0.2 ('0.30000000000000004') is refused as more precise than a fen: a float is
converted only when its shortest text has at most the column's decimals, never rounded.

Every reader enforces the limits of enterprises.limits (cell and header sizes, .xlsx zip
inspection, Parquet footer sanity), so that a hostile file is refused before it is expanded.
`read_rows` is the row-by-row reader of the smaller imports (a bank's loans, a register of
results), with the same limits.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from kechuang.enterprises import limits
from kechuang.enterprises.limits import PanelFileError

__all__ = ["Batch", "PanelFileError", "PanelReader", "cell_text", "open_panel", "read_rows"]

from kechuang.domain import text as clean

BATCH_ROWS = 50_000
CSV_BLOCK_BYTES = limits.MAX_LINE_BYTES
FIRST_DATA_ROW = 2  # the header is row 1, as a spreadsheet shows it

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".pq": "parquet"}


@dataclass
class Batch:
    """Text columns of consecutive rows; `rows` holds each row's number as the user sees it.

    A Parquet reader leaves typed (non-text) columns as they are in `typed` instead of `table`;
    their text is `as_text(column)`, which the validator uses whenever it cannot read the
    typed values directly (the same values, not reparsed from text).
    """

    table: pa.Table
    rows: pa.Array
    typed: dict[str, pa.Array] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.typed or name in self.table.column_names

    def text(self, name: str) -> pa.Array:
        """The column's text (all null if the file has no such column)."""
        if name in self.typed:
            return as_text(self.typed[name])
        if name not in self.table.column_names:
            return pa.nulls(len(self.rows), pa.string())
        return self.table.column(name).combine_chunks()

    def cell(self, name: str, position: int) -> str | None:
        """One cell's text as the user sees it in an error report."""
        if not self.has(name):
            return None
        source = self.typed.get(name)
        if source is not None:
            value = as_text(source.slice(position, 1))[0].as_py()
        else:
            value = self.table.column(name)[position].as_py()
        return None if value is None else str(value)


@dataclass
class PanelReader:
    """A panel file opened for streaming: its header, format, size, and batches of text."""

    path: Path
    format: str
    header: list[str]
    total: int | None  # the unit of `position` (rows or bytes); None when unknown
    _position: Any = field(default=None, repr=False)

    def position(self) -> int:
        return int(self._position()) if self._position else 0

    def batches(self) -> Iterator[Batch]:
        readers = {"csv": _csv_batches, "xlsx": _xlsx_batches, "parquet": _parquet_batches}
        for batch in readers[self.format](self):
            limits.check_cells(self.path.name, batch.table, batch.rows)
            yield batch


def file_format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise PanelFileError(
            f"{path.name}: unknown file type {path.suffix!r} (use .csv, .xlsx or .parquet)"
        ) from None


def open_panel(path: Path) -> PanelReader:
    """Open path for streaming; raises PanelFileError if it is not a readable panel file."""
    if not path.is_file():
        raise PanelFileError(f"{path}: no such file")
    fmt = file_format(path)
    if fmt == "csv":
        header = _csv_header(path)
        return PanelReader(path, fmt, header, total=path.stat().st_size)
    if fmt == "xlsx":
        header, total = _xlsx_header(path)
        return PanelReader(path, fmt, header, total=total)
    parquet = limits.open_parquet(path)
    try:
        header = _check_header(path, list(parquet.schema_arrow.names))
        return PanelReader(path, fmt, header, total=parquet.metadata.num_rows)
    finally:
        parquet.close()


def _check_header(path: Path, header: list[str]) -> list[str]:
    header = limits.check_header(path.name, header)
    for number, name in enumerate(header, start=1):
        # Extra columns' names are stored (as JSON keys), so they must be clean text too.
        bad = clean.forbidden_character(name)
        if bad is not None:
            raise PanelFileError(
                f"{path.name}: column {number} of the header ({clean.visible(name)}) "
                + clean.reason(*bad)
            )
    return header


# CSV ---------------------------------------------------------------------------------------


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(limits.header_lines(path.name, handle)), None)
    except UnicodeDecodeError as exc:
        raise PanelFileError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc
    except csv.Error as exc:
        problem = _csv_problem(exc).replace("a cell", "a column name")
        raise PanelFileError(f"{path.name}: row 1: {problem}") from None
    if not header:
        raise PanelFileError(f"{path.name}: the file is empty (no header row)")
    return _check_header(path, header)


def _csv_batches(reader: PanelReader) -> Iterator[Batch]:
    handle: IO[bytes] = reader.path.open("rb")
    reader._position = handle.tell
    names = reader.header
    try:
        stream = pcsv.open_csv(
            handle,
            read_options=pcsv.ReadOptions(
                column_names=names, skip_rows=1, block_size=CSV_BLOCK_BYTES
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        next_row = FIRST_DATA_ROW
        for record_batch in stream:
            table = pa.Table.from_batches([record_batch])
            yield Batch(table, _row_numbers(next_row, table.num_rows))
            next_row += table.num_rows
    except pa.ArrowInvalid as exc:
        if "straddling" in str(exc):  # a row longer than a block: find it and say where
            raise _long_csv_row(reader.path, next_row) from None
        raise PanelFileError(f"{reader.path.name}: cannot read as UTF-8 CSV ({exc})") from exc
    finally:
        handle.close()


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        limit = csv.field_size_limit()
        return f"a cell of more than {limit:,} characters (at most {limits.MAX_CELL_CHARS:,})"
    return f"not readable as CSV ({exc})"


def _long_csv_row(path: Path, after: int) -> PanelFileError:
    """Where a CSV holds a row too long to read, found by a bounded second pass."""
    name = path.name
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = csv.reader(limits.bounded_lines(name, handle, CSV_BLOCK_BYTES))
        header: list[str] = []
        row = 0
        try:
            for row, record in enumerate(records, start=1):
                header = header or record
                for position, text in enumerate(record):
                    column = header[position] if position < len(header) else position + 1
                    limits.check_value(name, row, column, text)
        except csv.Error as exc:
            return PanelFileError(f"{name}: row {row + 1}: {_csv_problem(exc)}")
        except PanelFileError as exc:
            return exc
    return PanelFileError(
        f"{name}: a row after row {after - 1} is longer than {CSV_BLOCK_BYTES:,} bytes"
    )


def _row_numbers(first: int, count: int) -> pa.Array:
    return pa.array(range(first, first + count), type=pa.int64())


# Excel -------------------------------------------------------------------------------------


def _open_workbook(path: Path) -> Any:
    """The workbook, read-only, after limits.inspect_xlsx found it safe to open."""
    from openpyxl import load_workbook

    inspected = limits.inspect_xlsx(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise PanelFileError(f"{path.name}: not a readable .xlsx workbook ({exc})") from exc
    if not workbook.worksheets:
        workbook.close()
        raise PanelFileError(f"{path.name}: the workbook has no sheet")
    # openpyxl keeps the part of a read-only sheet here; without it every sheet is checked.
    part = getattr(workbook.worksheets[0], "_worksheet_path", None)
    try:
        limits.check_formulas(path, inspected, part)
    except PanelFileError:
        workbook.close()
        raise
    return workbook


def _xlsx_header(path: Path) -> tuple[list[str], int | None]:
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        first = next(
            sheet.iter_rows(min_row=1, max_row=1, max_col=limits.MAX_COLUMNS + 1, values_only=True),
            None,
        )
        if not first:
            raise PanelFileError(f"{path.name}: the first sheet is empty (no header row)")
        header = [cell_text(cell) or "" for cell in first]
        while header and header[-1] == "":
            header.pop()  # trailing formatted-but-empty cells
        total = sheet.max_row - 1 if sheet.max_row else None
        return _check_header(path, header), total
    finally:
        workbook.close()


def cell_text(value: object) -> str | None:
    """The text a user typed for a typed spreadsheet/Parquet cell (see the module docstring)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _xlsx_batches(reader: PanelReader) -> Iterator[Batch]:
    workbook = _open_workbook(reader.path)
    width = len(reader.header)
    done = 0
    reader._position = lambda: done
    try:
        sheet = workbook.worksheets[0]
        columns: list[list[str | None]] = [[] for _ in range(width)]
        rows: list[int] = []
        # max_col: a sheet's dimension may claim 16,384 columns; only the header's are read.
        for number, values in enumerate(
            sheet.iter_rows(min_row=FIRST_DATA_ROW, max_col=width, values_only=True),
            start=FIRST_DATA_ROW,
        ):
            if values.count(None) == len(values):
                continue  # blank rows (often trailing, or a gap the sheet skips) are not data
            texts = [cell_text(v) for v in values[:width]]
            if all(t is None for t in texts):
                continue
            texts.extend([None] * (width - len(texts)))
            for column, text in zip(columns, texts, strict=True):
                column.append(text)
            rows.append(number)
            if len(rows) == BATCH_ROWS:
                yield _text_batch(reader.header, columns, rows)
                done = number - 1
                columns = [[] for _ in range(width)]
                rows = []
        if rows:
            yield _text_batch(reader.header, columns, rows)
        done = reader.total or 0
    finally:
        workbook.close()


def _text_batch(header: list[str], columns: list[list[str | None]], rows: list[int]) -> Batch:
    table = pa.table(
        {name: pa.array(col, pa.string()) for name, col in zip(header, columns, strict=True)}
    )
    return Batch(table, pa.array(rows, pa.int64()))


# Parquet -----------------------------------------------------------------------------------


def as_text(array: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """A typed Arrow column as the text cell_text would give (floats: shortest repr)."""
    kind = array.type
    if pa.types.is_dictionary(kind):
        array = pc.cast(array, kind.value_type)
        kind = array.type
    if pa.types.is_string(kind):
        return array
    if pa.types.is_large_string(kind):
        return pc.cast(array, pa.string())
    if pa.types.is_timestamp(kind):
        texts = [cell_text(v) for v in array.to_pylist()]
        return pa.array(texts, pa.string())
    return pc.cast(array, pa.string())


def _is_textual(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _parquet_batches(reader: PanelReader) -> Iterator[Batch]:
    parquet = limits.open_parquet(reader.path)
    done = 0
    reader._position = lambda: done
    next_row = FIRST_DATA_ROW
    try:
        for whole in parquet.iter_batches(batch_size=BATCH_ROWS):
            for record_batch in limits.text_slices(whole, next_row, reader.path.name):
                yield _parquet_batch(reader, record_batch, next_row)
                next_row += record_batch.num_rows
                done += record_batch.num_rows
    except pa.ArrowException as exc:
        raise PanelFileError(f"{reader.path.name}: cannot read the Parquet file ({exc})") from exc
    finally:
        parquet.close()


def _parquet_batch(reader: PanelReader, record_batch: pa.RecordBatch, next_row: int) -> Batch:
    texts: dict[str, pa.Array] = {}
    typed: dict[str, pa.Array] = {}
    for name, column in zip(reader.header, record_batch.columns, strict=True):
        if _is_textual(column.type):
            texts[name] = as_text(column)
        else:
            typed[name] = column
    count = record_batch.num_rows
    return Batch(pa.table(texts), _row_numbers(next_row, count), typed)


# Row by row (the smaller imports) ------------------------------------------------------------


def read_rows(path: Path) -> Iterator[tuple[int, tuple[object, ...]]]:
    """(row number, cell values) of a .csv (UTF-8) or the first sheet of an .xlsx, the header
    as row 1; CSV cells are text, spreadsheet cells typed as openpyxl reads them.

    The same limits as the panel readers hold; PanelFileError names the file, row and column.
    """
    fmt = file_format(path)
    if fmt == "csv":
        yield from _csv_rows(path)
    elif fmt == "xlsx":
        yield from _xlsx_rows(path)
    else:
        raise PanelFileError(f"{path.name}: a .csv or .xlsx file")


def _csv_rows(path: Path) -> Iterator[tuple[int, tuple[object, ...]]]:
    name = path.name
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = csv.reader(limits.bounded_lines(name, handle, CSV_BLOCK_BYTES))
        row = 0
        try:
            for row, record in enumerate(records, start=1):
                if row == 1:
                    limits.check_header_size(name, record)
                for position, text in enumerate(record, start=1):
                    limits.check_value(name, row, position, text)
                yield row, tuple(record)
        except csv.Error as exc:
            raise PanelFileError(f"{name}: row {row + 1}: {_csv_problem(exc)}") from None
        except UnicodeDecodeError as exc:
            raise PanelFileError(f"{name}: not UTF-8 text ({exc.reason})") from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, tuple[object, ...]]]:
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        first = next(
            sheet.iter_rows(max_row=1, max_col=limits.MAX_COLUMNS + 1, values_only=True), ()
        )
        header = list(first)
        while header and header[-1] is None:
            header.pop()
        limits.check_header_size(path.name, [cell_text(v) or "" for v in header])
        yield 1, tuple(header)
        if not header:
            return
        for row, values in enumerate(
            sheet.iter_rows(min_row=2, max_col=len(header), values_only=True), start=2
        ):
            for position, value in enumerate(values, start=1):
                limits.check_value(path.name, row, position, value)
            yield row, values
    finally:
        workbook.close()
