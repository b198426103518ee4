"""Documented limits on imported files, checked before a parser can be turned against the machine.

A hostile file can be small on disk and huge once read: an .xlsx is a zip of XML parts (a
400 MB shared string compresses to a few hundred KB), a Parquet footer or dictionary page can
claim or expand to gigabytes, and one CSV field can be as long as the file. Every reader of an
imported file (the panel, a bank's loans, a register of results) goes through these checks;
each refuses with PanelFileError naming the file, the limit and where (row and column, line,
or the part of the workbook), before anything is stored.

- A cell holds at most MAX_CELL_CHARS characters (32,767, as in Excel). The panel's contract
  columns have smaller limits of their own (domain.panel.MAX_CHARS), reported per cell.
- A header has at most MAX_COLUMNS columns, each name at most MAX_COLUMN_NAME_CHARS
  characters, in at most MAX_HEADER_BYTES; a CSV line is at most MAX_LINE_BYTES.
- An .xlsx is first inspected from its zip central directory (how many members, each part's
  and the total uncompressed size, the compression ratio of large parts); then its XML parts
  are streamed once, in bounded chunks, to refuse a DTD (entity expansion), any text or tag
  longer than a cell may be (which bounds what openpyxl holds at once), and to find formulas:
  a formula in the sheet that is read is refused, since its cached value may be stale or
  missing (paste values instead).
- A Parquet footer is size-checked and decoded with thrift limits; its row groups and column
  chunks must agree with the file (offsets and sizes inside it, row counts that add up), and
  declared decompressed sizes and ratios are capped. String columns are read as dictionaries
  and turned into text in slices of at most TEXT_SLICE_BYTES, so that a short dictionary
  repeated over many rows cannot expand in memory.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

MAX_CELL_CHARS = 32_767
MAX_COLUMNS = 1_024
MAX_COLUMN_NAME_CHARS = 256
MAX_HEADER_BYTES = 1 << 20
MAX_LINE_BYTES = 8 << 20  # also the CSV reader's block: a longer row cannot be read

MAX_XLSX_MEMBERS = 10_000
MAX_XLSX_BYTES = 4 << 30  # every part, uncompressed (a 1M-row panel sheet is about 2 GB)
MAX_XLSX_PART_BYTES = 256 << 20  # a part openpyxl reads whole: shared strings, styles, ...
MAX_XLSX_SHEET_BYTES = MAX_XLSX_BYTES  # worksheets are streamed
MAX_XLSX_RATIO = 100  # uncompressed : compressed; real sheets compress about 15 : 1
RATIO_FROM_BYTES = 1 << 20  # the ratio of a smaller part does not matter
# A text of MAX_CELL_CHARS characters written as character references (&#x10FFFF;).
MAX_XML_RUN_BYTES = 10 * MAX_CELL_CHARS
XML_CHUNK_BYTES = 1 << 20

MAX_PARQUET_FOOTER_BYTES = 16 << 20
MAX_PARQUET_CONTAINER_ITEMS = 1_000_000
MAX_PARQUET_CHUNK_BYTES = 512 << 20  # one column of one row group, decompressed
MAX_PARQUET_RATIO = 200
TEXT_SLICE_BYTES = 64 << 20


class PanelFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, header, a limit); nothing stored."""


def cell_too_long(length: int) -> str:
    return f"a cell of {length:,} characters (at most {MAX_CELL_CHARS:,} per cell)"


# Headers -----------------------------------------------------------------------------------


def check_header(name: str, header: list[str]) -> list[str]:
    """The header's names stripped; refuses too many or too long names, repeats and blanks."""
    check_header_size(name, header)
    header = [text.strip() for text in header]
    repeated = sorted({text for text in header if header.count(text) > 1})
    if repeated:
        raise PanelFileError(f"{name}: columns appear more than once: {', '.join(repeated)}")
    if any(text == "" for text in header):
        raise PanelFileError(f"{name}: a column of the header has no name")
    return header


def check_header_size(name: str, header: list[str]) -> None:
    """Refuse a header of more than MAX_COLUMNS names or a name over MAX_COLUMN_NAME_CHARS."""
    if len(header) > MAX_COLUMNS:
        raise PanelFileError(
            f"{name}: the header has {len(header):,} columns (at most {MAX_COLUMNS:,})"
        )
    for position, text in enumerate(header, start=1):
        if len(text) > MAX_COLUMN_NAME_CHARS:
            raise PanelFileError(
                f"{name}: row 1, column {position}: a column name of {len(text):,} characters "
                f"(at most {MAX_COLUMN_NAME_CHARS} per name)"
            )


# Cells -------------------------------------------------------------------------------------


def check_cells(name: str, table: pa.Table, rows: pa.Array) -> None:
    """Refuse the first cell of a batch of text columns longer than MAX_CELL_CHARS."""
    for column in table.column_names:
        values = table.column(column)
        if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
            continue
        lengths = pc.utf8_length(values)
        longest = pc.max(lengths).as_py()
        if longest is None or longest <= MAX_CELL_CHARS:
            continue
        over = pc.fill_null(pc.greater(lengths, MAX_CELL_CHARS), False)
        first = int(np.flatnonzero(over.to_numpy(zero_copy_only=False))[0])
        length = lengths[first].as_py()
        raise PanelFileError(
            f"{name}: row {rows[first].as_py()}, column {column}: {cell_too_long(length)}"
        )


def check_value(name: str, row: int, column: str | int, value: object) -> None:
    """One cell read by a row-by-row reader (finance, transfer)."""
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise PanelFileError(f"{name}: row {row}, column {column}: {cell_too_long(len(value))}")


# CSV ---------------------------------------------------------------------------------------


def bounded_lines(name: str, handle: IO[str], limit: int) -> Iterator[str]:
    """The lines of a text handle, refusing a line longer than `limit` characters.

    A line is read with readline(limit + 1), so a file without line breaks is never held
    whole; line numbers are the file's physical lines, counted from 1.
    """
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit:
            raise PanelFileError(
                f"{name}: line {number} is longer than {limit:,} characters "
                f"(a row is at most {limit:,}; a cell at most {MAX_CELL_CHARS:,})"
            )
        yield line


def header_lines(name: str, handle: IO[str]) -> Iterator[str]:
    """Lines for reading a header record: refuses one that runs past MAX_HEADER_BYTES."""
    total = 0
    for line in bounded_lines(name, handle, MAX_HEADER_BYTES):
        total += len(line)
        if total > MAX_HEADER_BYTES:
            raise PanelFileError(
                f"{name}: the header row is longer than {MAX_HEADER_BYTES:,} characters"
            )
        yield line


# .xlsx -------------------------------------------------------------------------------------

_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>]")
_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3}[0-9]{1,7})"')


@dataclass
class Workbook:
    """What the inspection of an .xlsx found: the first formula cell of each worksheet part."""

    formulas: dict[str, str] = field(default_factory=dict)


def _is_sheet(member: str) -> bool:
    return member.startswith("xl/worksheets/") and member.endswith(".xml")


def inspect_xlsx(path: Path) -> Workbook:
    """Check an .xlsx before openpyxl opens it (see the module docstring)."""
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PanelFileError(f"{name}: not a readable .xlsx workbook ({exc})") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_XLSX_MEMBERS:
            raise PanelFileError(
                f"{name}: the workbook holds {len(members):,} parts (at most {MAX_XLSX_MEMBERS:,})"
            )
        total = 0
        for info in members:
            _check_member(name, info)
            total += info.file_size
        if total > MAX_XLSX_BYTES:
            raise PanelFileError(
                f"{name}: the workbook unpacks to {total:,} bytes (at most {MAX_XLSX_BYTES:,})"
            )
        found = Workbook()
        for info in members:
            if info.filename.endswith((".xml", ".rels")):
                _scan_xml(name, archive, info, found)
        return found


def _check_member(name: str, info: zipfile.ZipInfo) -> None:
    limit = MAX_XLSX_SHEET_BYTES if _is_sheet(info.filename) else MAX_XLSX_PART_BYTES
    if info.file_size > limit:
        raise PanelFileError(
            f"{name}: part {info.filename} unpacks to {info.file_size:,} bytes (at most {limit:,})"
        )
    if info.file_size >= RATIO_FROM_BYTES:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > MAX_XLSX_RATIO:
            raise PanelFileError(
                f"{name}: part {info.filename} unpacks {ratio:,.0f} times its packed size "
                f"(at most {MAX_XLSX_RATIO} times): a zip bomb, not a workbook"
            )


def _scan_xml(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, found: Workbook) -> None:
    """Stream one XML part: refuse a DTD and an over-long text or tag; note the first formula."""
    part = info.filename
    sheet = _is_sheet(part)
    run = 0  # length of the text without '<' that ends the bytes read so far
    done = 0
    tail = b""  # the end of the previous chunk, where a formula's cell may have started
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(XML_CHUNK_BYTES):
                if _DTD.search(tail[-16:] + chunk):
                    raise PanelFileError(
                        f"{name}: part {part} declares a DTD or entities, which a workbook "
                        "never needs (entity expansion is refused)"
                    )
                run = _longest_run(name, part, chunk, run, done)
                if sheet and part not in found.formulas:
                    where = _formula_cell(tail + chunk)
                    if where is not None:
                        found.formulas[part] = where
                tail = chunk[-4096:]
                done += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise PanelFileError(f"{name}: part {part} cannot be unpacked ({exc})") from exc


def _longest_run(name: str, part: str, chunk: bytes, run: int, offset: int) -> int:
    """Refuse a run of more than MAX_XML_RUN_BYTES bytes without '<'; the run at the end."""
    opens = np.flatnonzero(np.frombuffer(chunk, np.uint8) == ord("<"))
    if len(opens) == 0:
        longest = run + len(chunk)
        ending = longest
    else:
        gaps = np.diff(opens)
        inner = int(gaps.max()) - 1 if len(gaps) else 0
        longest = max(run + int(opens[0]), inner)
        ending = len(chunk) - int(opens[-1]) - 1
    if longest > MAX_XML_RUN_BYTES:
        raise PanelFileError(
            f"{name}: part {part} holds a text or tag of more than {MAX_XML_RUN_BYTES:,} bytes "
            f"near byte {offset:,} (a cell holds at most {MAX_CELL_CHARS:,} characters)"
        )
    return ending


def _formula_cell(data: bytes) -> str | None:
    """The reference (e.g. 'B5') of the cell holding the first formula in data, '?' if unsure."""
    match = _FORMULA.search(data)
    if match is None:
        return None
    starts = list(_CELL_START.finditer(data, 0, match.start()))
    if starts:
        ref = _CELL_REF.search(data, starts[-1].start(), match.start())
        if ref is not None:
            return ref.group(1).decode("ascii")
    return "?"


def check_formulas(path: Path, workbook: Workbook, sheet_part: str | None) -> None:
    """Refuse a formula in the sheet that is read (every sheet when its part is unknown)."""
    parts = [sheet_part] if sheet_part else sorted(workbook.formulas)
    for part in parts:
        where = workbook.formulas.get(part)
        if where is not None:
            cell = f"cell {where}" if where != "?" else "a cell"
            raise PanelFileError(
                f"{path.name}: {cell} of the sheet holds a formula; imports read values only "
                "(copy the sheet and paste it as values)"
            )


# Parquet -----------------------------------------------------------------------------------


def open_parquet(path: Path) -> pq.ParquetFile:
    """A Parquet file whose footer and row groups are sane, string columns as dictionaries."""
    name = path.name
    size = path.stat().st_size
    with path.open("rb") as handle:
        if size < 12 or handle.read(4) != b"PAR1":
            raise PanelFileError(f"{name}: not a readable Parquet file (no PAR1 header)")
        handle.seek(size - 8)
        footer_length, magic = struct.unpack("<I4s", handle.read(8))
    if magic != b"PAR1":
        raise PanelFileError(f"{name}: not a readable Parquet file (no PAR1 footer)")
    if footer_length > min(MAX_PARQUET_FOOTER_BYTES, size - 12):
        raise PanelFileError(
            f"{name}: the Parquet footer claims {footer_length:,} bytes in a file of {size:,} "
            f"(at most {MAX_PARQUET_FOOTER_BYTES:,})"
        )
    limits = {
        "thrift_string_size_limit": MAX_PARQUET_FOOTER_BYTES,
        "thrift_container_size_limit": MAX_PARQUET_CONTAINER_ITEMS,
    }
    try:
        meta = pq.ParquetFile(path, **limits).metadata
        _check_row_groups(name, meta, size)
        schema = meta.schema.to_arrow_schema()
        strings = [
            f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
        ]
        return pq.ParquetFile(path, read_dictionary=strings, **limits)
    except (pa.ArrowException, OSError) as exc:
        raise PanelFileError(f"{name}: not a readable Parquet file ({exc})") from exc


def _check_row_groups(name: str, meta: pq.FileMetaData, size: int) -> None:
    if meta.num_columns > MAX_COLUMNS:
        raise PanelFileError(
            f"{name}: the file has {meta.num_columns:,} columns (at most {MAX_COLUMNS:,})"
        )
    rows = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        if group.num_rows < 0:
            raise PanelFileError(f"{name}: row group {g} claims {group.num_rows} rows")
        rows += group.num_rows
        for c in range(group.num_columns):
            _check_chunk(name, g, group.column(c), size)
    if rows != meta.num_rows:
        raise PanelFileError(
            f"{name}: the footer claims {meta.num_rows:,} rows but its row groups hold {rows:,}"
        )


def _check_chunk(name: str, group: int, chunk: pq.ColumnChunkMetaData, size: int) -> None:
    where = f"{name}: row group {group}, column {chunk.path_in_schema}"
    start = chunk.data_page_offset
    if chunk.has_dictionary_page and chunk.dictionary_page_offset is not None:
        start = min(start, chunk.dictionary_page_offset)
    packed, unpacked = chunk.total_compressed_size, chunk.total_uncompressed_size
    if start < 0 or packed < 0 or unpacked < 0 or start + packed > size:
        raise PanelFileError(f"{where}: the footer places the data outside the file")
    if unpacked > MAX_PARQUET_CHUNK_BYTES:
        raise PanelFileError(
            f"{where}: unpacks to {unpacked:,} bytes (at most {MAX_PARQUET_CHUNK_BYTES:,} per "
            "column of a row group)"
        )
    if unpacked >= RATIO_FROM_BYTES and unpacked > MAX_PARQUET_RATIO * max(packed, 1):
        raise PanelFileError(
            f"{where}: unpacks {unpacked / max(packed, 1):,.0f} times its packed size "
            f"(at most {MAX_PARQUET_RATIO} times)"
        )


def text_slices(batch: pa.RecordBatch, first_row: int, name: str) -> Iterator[pa.RecordBatch]:
    """batch in consecutive slices whose text, once out of its dictionaries, is bounded.

    A cell longer than MAX_CELL_CHARS is refused (row and column named); a run of rows is cut
    where their text would pass TEXT_SLICE_BYTES."""
    sizes = np.zeros(batch.num_rows, np.int64)
    for column, values in zip(batch.schema.names, batch.columns, strict=True):
        if not pa.types.is_dictionary(values.type) or len(values.dictionary) == 0:
            continue
        # Per row, through the dictionary: nothing is expanded to find the lengths.
        indices = pc.fill_null(values.indices, 0)
        chars = pc.take(pc.utf8_length(values.dictionary), indices)
        chars = pc.if_else(values.is_valid(), chars, 0).to_numpy(zero_copy_only=False)
        over = np.flatnonzero(chars > MAX_CELL_CHARS)
        if len(over):
            position = int(over[0])
            raise PanelFileError(
                f"{name}: row {first_row + position}, column {column}: "
                f"{cell_too_long(int(chars[position]))}"
            )
        size = pc.take(pc.binary_length(values.dictionary), indices)
        sizes += pc.if_else(values.is_valid(), size, 0).to_numpy(zero_copy_only=False)
    if int(sizes.sum()) <= TEXT_SLICE_BYTES:
        yield batch
        return
    start = 0
    while start < batch.num_rows:
        ends = np.cumsum(sizes[start:])
        count = max(1, int(np.searchsorted(ends, TEXT_SLICE_BYTES, side="right")))
        yield batch.slice(start, count)
        start += count
