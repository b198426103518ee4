"""Vectorised validation of panel batches: text columns in, typed columns and cell errors out.

Per cell Python over millions of rows is too slow, so each column takes one of two paths,
both of which agree with the reference domain.cells.parse_row (a property test checks it):

- columns with few distinct values (codes, names, dates, booleans, years) are parsed once per
  distinct value by the reference parser and mapped back onto the rows;
- numeric columns (counts, yuan, ratios) take a fast Arrow path for canonical text such as
  '1234.5' and fall back to the reference parser, cell by cell, for anything else ('1,234',
  ' ¥12', '1e3'), so the rare unusual cell costs Python time and the usual one does not.

Yuan come out as integer fen (int64); the staged batch keeps the file's row numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kechuang.domain import cells
from kechuang.domain import text as clean
from kechuang.domain.panel import FIELDS, Field, Kind
from kechuang.domain.periods import FIRST_YEAR, current_year
from kechuang.domain.values import InvalidValue
from kechuang.enterprises.readers import Batch

ROW = "_row"
EXTRA = "extra"
DUPLICATE_COLUMN = "uscc, year"

_STAGED_TYPES: dict[Kind, pa.DataType] = {
    Kind.TEXT: pa.string(),
    Kind.CODE: pa.string(),
    Kind.YEAR: pa.int32(),
    Kind.DATE: pa.date32(),
    Kind.BOOL: pa.bool_(),
    Kind.COUNT: pa.int64(),
    Kind.YUAN: pa.int64(),  # fen
    Kind.RATIO: pa.decimal128(9, 6),
    Kind.NUMBER: pa.decimal128(9, 6),
}

# Text the Arrow fast path reads itself; everything else goes to the reference parser.
_CANONICAL: dict[Kind, str] = {
    Kind.COUNT: r"^[0-9]{1,18}$",
    Kind.YUAN: r"^-?[0-9]{1,16}(\.[0-9]{1,2})?$",
    Kind.RATIO: r"^-?[0-9]{1,3}(\.[0-9]{1,6})?$",
    Kind.NUMBER: r"^-?[0-9]{1,3}(\.[0-9]{1,6})?$",
}
_BLANK = r"^[ \t\r\n]*$"
_HUNDRED = pa.scalar(Decimal(100), pa.decimal128(3, 0))
_CENT = pa.scalar(Decimal("0.01"), pa.decimal128(3, 2))


# A bad cell's value is reported as far as this (a cell may hold 32,767 characters): enough to
# recognise it, without the report of a hostile file growing to gigabytes.
SHOWN_VALUE_CHARS = 200


def shown(value: str | None) -> str | None:
    """value as an error report shows it: cut after SHOWN_VALUE_CHARS characters, marked …"""
    if value is None or len(value) <= SHOWN_VALUE_CHARS:
        return value
    return value[:SHOWN_VALUE_CHARS] + "…"


@dataclass(frozen=True)
class CellError:
    """One bad cell: the row number as the user sees it in the file, column, text, reason."""

    row: int
    column: str
    value: str | None
    reason: str


@dataclass
class Validated:
    table: pa.Table  # staged_schema()
    errors: list[CellError]


def staged_type(f: Field) -> pa.DataType:
    return _STAGED_TYPES[f.kind]


def staged_schema() -> pa.Schema:
    """Typed batch: contract columns (yuan as int64 fen), the extras as JSON text, row numbers."""
    return pa.schema(
        [pa.field(f.name, staged_type(f)) for f in FIELDS]
        + [pa.field(EXTRA, pa.string()), pa.field(ROW, pa.int64())]
    )


def fen_to_decimal(fen: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """int64 fen -> DECIMAL(18,2) yuan, exactly."""
    as_decimal = pc.cast(fen, pa.decimal128(19, 0))
    return pc.cast(pc.multiply(as_decimal, _CENT), pa.decimal128(18, 2))


def decimal_to_fen(yuan: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """DECIMAL(18,2) yuan -> int64 fen, exactly."""
    return pc.cast(pc.multiply(yuan, _HUNDRED), pa.int64())


# A column's errors: positions in the batch and the reason for each.
_Errors = list[tuple[int, str]]


# GB 32100-2015 (the rules of stdnum.cn.uscc): 8 digits, 10 characters of the code alphabet, the
# last a check digit. Text that is already in this compact form and whose check digit holds is
# exactly what the reference validator returns; any other text goes to the reference validator.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_COMPACT = r"^[0-9]{8}[0-9A-HJ-NP-RTUWXY]{10}$"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], np.int64)
_USCC_VALUE = np.zeros(256, np.int64)
for _index, _char in enumerate(_USCC_ALPHABET):
    _USCC_VALUE[ord(_char)] = _index


def uscc_fast_valid(texts: pa.Array) -> np.ndarray:
    """Which texts are compact USCCs with a correct check digit (False for null, never wrong)."""
    compact = pc.fill_null(pc.match_substring_regex(texts, _USCC_COMPACT), False)
    valid = np.zeros(len(texts), dtype=bool)
    positions = np.flatnonzero(compact.to_numpy(zero_copy_only=False))
    if len(positions) == 0:
        return valid
    chosen = pc.cast(_take(texts, positions), pa.binary())
    chosen = pa.concat_arrays([chosen])  # fresh buffers: 18 ASCII bytes per code, back to back
    offsets = np.frombuffer(chosen.buffers()[1], np.int32)[chosen.offset :][: len(chosen) + 1]
    data = np.frombuffer(chosen.buffers()[2], np.uint8)[offsets[0] : offsets[-1]]
    values = _USCC_VALUE[data.reshape(len(chosen), 18)]
    check = (31 - (values[:, :17] @ _USCC_WEIGHTS) % 31) % 31
    valid[positions] = check == values[:, 17]
    return valid


def _by_distinct(f: Field, raw: pa.Array) -> tuple[pa.Array, _Errors]:
    encoded = pc.dictionary_encode(raw)
    dictionary = encoded.dictionary
    # Distinct texts known good without the reference parser (their value is the text itself);
    # the others, and every one of a column without a fast check, go to the reference parser.
    fast = uscc_fast_valid(dictionary) if f.name == "uscc" else np.zeros(len(dictionary), bool)
    slow = np.flatnonzero(~fast)
    parsed: list[cells.Value] = []
    reasons: list[str | None] = [None] * len(dictionary)
    for position, text in zip(slow.tolist(), _take(dictionary, slow).to_pylist(), strict=True):
        try:
            parsed.append(cells.parse_cell(f, text))
        except InvalidValue as exc:
            parsed.append(None)
            reasons[position] = str(exc)
    if fast.any():
        values = pc.replace_with_mask(dictionary, pa.array(~fast), pa.array(parsed, pa.string()))
    else:
        values = pa.array(parsed, staged_type(f))
    indices = encoded.indices
    typed = values.take(indices)
    errors: _Errors = []
    bad = [i for i, reason in enumerate(reasons) if reason is not None]
    if bad:
        index_values = indices.to_numpy(zero_copy_only=False)
        hit = pc.fill_null(pc.is_in(indices, pa.array(bad, indices.type)), False)
        for position in np.flatnonzero(hit.to_numpy(zero_copy_only=False)):
            errors.append((int(position), str(reasons[int(index_values[position])])))
    if indices.null_count:
        try:
            cells.parse_cell(f, None)
        except InvalidValue as exc:
            missing = pc.is_null(indices).to_numpy(zero_copy_only=False)
            errors.extend((int(p), str(exc)) for p in np.flatnonzero(missing))
    return typed, errors


def _take(array: pa.Array, positions: np.ndarray) -> pa.Array:
    return array.take(pa.array(positions, pa.int64()))


def _numeric(f: Field, raw: pa.Array) -> tuple[pa.Array, _Errors]:
    canonical = pc.fill_null(pc.match_substring_regex(raw, _CANONICAL[f.kind]), False)
    blank = pc.fill_null(pc.match_substring_regex(raw, _BLANK), True)
    fast_text = pc.if_else(canonical, raw, pa.scalar(None, pa.string()))
    if f.kind is Kind.COUNT:
        typed = pc.cast(fast_text, pa.int64())
    elif f.kind is Kind.YUAN:
        typed = decimal_to_fen(pc.cast(fast_text, pa.decimal128(18, 2)))
    else:
        typed = pc.cast(fast_text, pa.decimal128(9, 6))

    errors, bad_mask = _bound_errors(f, typed)
    unusual = pc.and_(pc.invert(canonical), pc.invert(blank)).to_numpy(zero_copy_only=False)
    positions = np.flatnonzero(unusual)
    if len(positions) == 0 and not bad_mask.any():
        return typed, errors
    values = typed.to_pylist()
    texts = raw.to_pylist()
    for position in positions:
        try:
            values[position] = cells.parse_cell(f, texts[position])
        except InvalidValue as exc:
            values[position] = None
            errors.append((int(position), str(exc)))
    for position in np.flatnonzero(bad_mask):
        values[position] = None
    return pa.array(values, staged_type(f)), errors


def _typed(f: Field, column: pa.Array) -> tuple[pa.Array, _Errors] | None:
    """A typed Parquet column read directly, when its values are exactly what the reference
    parser would make of their text; None when the column must go through its text."""
    kind = column.type
    if f.kind is Kind.BOOL and pa.types.is_boolean(kind):
        return column, []
    if f.kind is Kind.DATE and pa.types.is_date32(kind):
        years = pc.year(column)  # four-digit years, as the text path and Python's dates have
        low, high = pc.min(years).as_py(), pc.max(years).as_py()
        return (column, []) if low is None or (low >= 1000 and high <= 9999) else None
    if f.kind is Kind.YEAR and pa.types.is_integer(kind) and not column.null_count:
        low, high = pc.min(column).as_py(), pc.max(column).as_py()
        if low is not None and low >= FIRST_YEAR and high <= current_year():
            return pc.cast(column, pa.int32()), []
        return None
    if f.kind is Kind.COUNT and pa.types.is_integer(kind) and kind != pa.uint64():
        low = pc.min(column).as_py()
        if low is not None and low < -cells.MAX_COUNT:  # -2**63: "too large to store"
            return None
        return _bounded(f, pc.cast(column, pa.int64()))
    if pa.types.is_decimal(kind) and kind.bit_width == 128 and kind.scale >= 0:
        whole, decimals = kind.precision - kind.scale, kind.scale
        if f.kind is Kind.YUAN and decimals <= 2 and whole <= 16:
            return _bounded(f, decimal_to_fen(pc.cast(column, pa.decimal128(18, 2))))
        if f.kind in (Kind.RATIO, Kind.NUMBER) and decimals <= 6 and whole <= 3:
            return _bounded(f, pc.cast(column, pa.decimal128(9, 6)))
    return None


def _bounded(f: Field, typed: pa.Array) -> tuple[pa.Array, _Errors]:
    """Typed values with those outside the column's bounds made unknown and reported."""
    errors, bad_mask = _bound_errors(f, typed)
    if bad_mask.any():
        typed = pc.if_else(pa.array(bad_mask), pa.scalar(None, typed.type), typed)
    return typed, errors


def _bound_errors(f: Field, typed: pa.Array) -> tuple[_Errors, np.ndarray]:
    errors: _Errors = []
    scale = 100 if f.kind is Kind.YUAN else 1
    checks = []
    if f.min_value is not None:
        checks.append((pc.less(typed, _bound(f, f.min_value * scale)), cells.below_min(f)))
    if f.max_value is not None:
        checks.append((pc.greater(typed, _bound(f, f.max_value * scale)), cells.above_max(f)))
    bad_mask = np.zeros(len(typed), dtype=bool)
    for mask, reason in checks:
        hits = pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
        errors.extend((int(p), reason) for p in np.flatnonzero(hits))
        bad_mask |= hits
    return errors, bad_mask


def _bound(f: Field, value: int) -> pa.Scalar:
    if f.kind in (Kind.RATIO, Kind.NUMBER):
        return pa.scalar(Decimal(value), pa.decimal128(9, 6))
    return pa.scalar(value, pa.int64())


def _extras(batch: Batch, names: list[str]) -> tuple[pa.Array, list[tuple[int, str, str]]]:
    """The extra columns of each row as JSON text, and their cells that hold a character no
    stored text may (extras are free text: tab and line feed are allowed)."""
    if not names:
        return pa.nulls(len(batch.rows), pa.string()), []
    columns = [batch.text(name).to_pylist() for name in names]
    out: list[str | None] = []
    errors: list[tuple[int, str, str]] = []
    for position, texts in enumerate(zip(*columns, strict=True)):
        kept = {
            n: clean.normalise_line_ends(t)
            for n, t in zip(names, texts, strict=True)
            if t is not None and t.strip()
        }
        for name, text in kept.items():
            bad = clean.forbidden_character(text, multiline=True)
            if bad is not None:
                errors.append((position, name, clean.reason(*bad)))
        out.append(json.dumps(kept, ensure_ascii=False) if kept else None)
    return pa.array(out, pa.string()), errors


def validate_batch(batch: Batch, extra_columns: list[str]) -> Validated:
    """Parse and check every cell of batch, then the checks between columns of each row."""
    typed: dict[str, pa.Array] = {}
    found: list[tuple[int, str, str]] = []
    for f in FIELDS:
        direct = _typed(f, batch.typed[f.name]) if f.name in batch.typed else None
        if direct is not None:
            typed[f.name], column_errors = direct
            found.extend((position, f.name, reason) for position, reason in column_errors)
            continue
        raw = batch.text(f.name)
        if f.kind in _CANONICAL:
            typed[f.name], column_errors = _numeric(f, raw)
        else:
            typed[f.name], column_errors = _by_distinct(f, raw)
        found.extend((position, f.name, reason) for position, reason in column_errors)

    for f in FIELDS:
        if f.max_field is not None:
            over = pc.greater(typed[f.name], typed[f.max_field])
            found.extend((p, f.name, cells.above_field(f)) for p in _positions(over))
    founded_late = pc.greater(pc.year(typed["founded_on"]), typed["year"])
    years = typed["year"].to_numpy(zero_copy_only=False)
    found.extend(
        (p, "founded_on", cells.founded_after_year(int(years[p]))) for p in _positions(founded_late)
    )

    extras, extra_errors = _extras(batch, extra_columns)
    found.extend(extra_errors)

    rows = batch.rows.to_numpy(zero_copy_only=False)
    order = {name: i for i, name in enumerate([f.name for f in FIELDS] + extra_columns)}
    found.sort(key=lambda e: (e[0], order[e[1]]))
    errors = [
        CellError(int(rows[p]), name, shown(batch.cell(name, p)), reason)
        for p, name, reason in found
    ]
    columns = [typed[f.name] for f in FIELDS] + [extras, batch.rows]
    return Validated(pa.Table.from_arrays(columns, schema=staged_schema()), errors)


def _positions(mask: pa.Array) -> list[int]:
    return [
        int(p) for p in np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))
    ]
