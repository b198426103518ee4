"""The vectorised validator agrees with the reference per-cell parser (domain.cells) on any row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.domain.cells import parse_row
from kechuang.domain.panel import COLUMNS, FIELDS, Kind
from kechuang.enterprises.readers import Batch
from kechuang.enterprises.validation import validate_batch
from tests.enterprises.panels import uscc_for, valid_row

ODD_TEXT = [
    "",
    " ",
    "\u3000",
    "\t",
    "-",
    ".",
    "1.",
    ".5",
    "1e3",
    "-0",
    "+5",
    "007",
    "1,234",
    "1_000",
    "¥12.30",
    "NaN",
    "Infinity",
    "0.125",
    "1.234",
    "-3.5",
    "9" * 17,
    "9" * 20,
    "１２",
    " 42 ",
]
NUMERIC = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.integers(min_value=-(10**6), max_value=10**19).map(str),
    st.decimals(min_value=-(10**6), max_value=10**8, places=3, allow_nan=False).map(str),
    st.text(alphabet="0123456789.-, e", max_size=8),
)
BY_KIND: dict[Kind, st.SearchStrategy[str]] = {
    Kind.COUNT: NUMERIC,
    Kind.YUAN: NUMERIC,
    Kind.RATIO: NUMERIC,
    Kind.NUMBER: NUMERIC,
    Kind.BOOL: st.sampled_from(["true", "FALSE", "1", "0", "是", "否", "yes", "maybe", "", " "]),
    Kind.DATE: st.sampled_from(["2015-06-01", "2030-01-01", "2020/01/01", "20200101", "", "x"]),
    Kind.YEAR: st.sampled_from(["2024", "2023", "1989", "2999", " 2022 ", "2024.0", "", "y"]),
}
SPECIAL: dict[str, st.SearchStrategy[str]] = {
    "uscc": st.sampled_from([uscc_for(1), uscc_for(2), uscc_for(1)[:-1] + "0", "abc", ""]),
    "district": st.sampled_from(["310115", " 310112", "110105", ""]),
    "industry_code": st.sampled_from(["M7320", "c2710", "C7320", "Z99", ""]),
    "listed_board": st.sampled_from(["科创板", "纳斯达克", "", " 主板 "]),
    "name": st.sampled_from(["上海甲科技有限公司", "", "  ", " 乙 "]),
}


def cell(name: str) -> st.SearchStrategy[str | None]:
    field = next(f for f in FIELDS if f.name == name)
    if name in SPECIAL:
        strategy = SPECIAL[name]
    elif field.kind in BY_KIND:
        strategy = BY_KIND[field.kind]
    else:
        strategy = st.text(max_size=6)
    return st.one_of(st.just(valid_row(3)[name]), st.none(), strategy)


ROW = st.fixed_dictionaries({name: cell(name) for name in COLUMNS})


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(ROW, min_size=1, max_size=8))
def test_vectorised_and_per_cell_validators_agree(rows: list[dict[str, str | None]]) -> None:
    table = pa.table({name: pa.array([r[name] for r in rows], pa.string()) for name in COLUMNS})
    numbers = pa.array(range(2, 2 + len(rows)), pa.int64())
    validated = validate_batch(Batch(table, numbers), [])
    typed_rows = validated.table.to_pylist()
    for index, row in enumerate(rows):
        expected_values, expected_errors = parse_row(row)
        got = {name: typed_rows[index][name] for name in COLUMNS}
        assert got == expected_values, row
        got_errors = sorted((e.column, e.reason) for e in validated.errors if e.row == index + 2)
        assert got_errors == sorted(expected_errors), row


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXYZIOSVabc -"


def _near_uscc(code: str, edits: list[tuple[int, str]]) -> str:
    chars = list(code)
    for position, char in edits:
        chars[position % len(chars)] = char
    return "".join(chars)


@settings(max_examples=300, deadline=None)
@given(
    seeds=st.lists(st.integers(min_value=0, max_value=10**9 - 1), min_size=1, max_size=20),
    edits=st.lists(
        st.tuples(st.integers(min_value=0, max_value=17), st.sampled_from(USCC_CHARS)), max_size=2
    ),
    noise=st.lists(st.text(alphabet=USCC_CHARS, min_size=0, max_size=20), max_size=5),
)
def test_fast_uscc_check_never_accepts_what_the_reference_refuses(
    seeds: list[int], edits: list[tuple[int, str]], noise: list[str]
) -> None:
    from kechuang.domain import uscc
    from kechuang.enterprises.validation import uscc_fast_valid

    codes = [uscc_for(s) for s in seeds]
    texts = [*codes, *(_near_uscc(c, edits) for c in codes), *noise, None]
    fast = uscc_fast_valid(pa.array(texts, pa.string()))
    for text, accepted in zip(texts, fast, strict=True):
        valid = text is not None and uscc.is_valid(text) and uscc.normalise(text) == text
        assert bool(accepted) == valid, text


def typed_cell(kind: pa.DataType) -> st.SearchStrategy[object]:
    """Values of a typed Parquet column, inside and outside the contract's bounds."""
    if pa.types.is_boolean(kind):
        return st.booleans()
    if pa.types.is_date32(kind):
        return st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
    if pa.types.is_integer(kind):
        top = 2 ** (kind.bit_width - 1) - 1
        edges = [v for v in (2024, 2023, 1989, 2999, 0, -1, 5, 2**62, 10**18) if abs(v) <= top]
        return st.one_of(st.sampled_from(edges), st.integers(min_value=-top - 1, max_value=top))
    whole, scale = kind.precision - kind.scale, kind.scale
    top = 10 ** (whole + scale) - 1
    unscaled = st.one_of(
        st.integers(min_value=-top, max_value=top),
        st.integers(min_value=-(10**scale) * 3, max_value=10**scale * 3),
    )
    return unscaled.map(lambda n: Decimal(n).scaleb(-scale))


TYPED_COLUMNS: dict[str, list[pa.DataType]] = {
    "year": [pa.int32(), pa.int64()],
    "founded_on": [pa.date32()],
    "is_hnte": [pa.bool_()],
    "employees": [pa.int64(), pa.int16()],
    "st_staff": [pa.int64()],
    "revenue": [pa.decimal128(18, 2), pa.decimal128(10, 0), pa.decimal128(20, 2)],
    "main_business_revenue": [pa.decimal128(18, 2), pa.decimal128(12, 3)],
    "net_assets": [pa.decimal128(18, 2)],
    "market_share": [pa.decimal128(9, 6), pa.decimal128(5, 4), pa.decimal128(12, 6)],
}


@st.composite
def typed_batches(draw: st.DrawFn) -> tuple[pa.Table, dict[str, pa.Array]]:
    count = draw(st.integers(min_value=1, max_value=6))
    rows = [valid_row(i % 3) for i in range(count)]
    texts = {n: pa.array([r[n] for r in rows], pa.string()) for n in COLUMNS}
    typed: dict[str, pa.Array] = {}
    for name, kinds in TYPED_COLUMNS.items():
        kind = draw(st.sampled_from(kinds))
        cell = st.one_of(st.none(), typed_cell(kind))
        values = draw(st.lists(cell, min_size=count, max_size=count))
        typed[name] = pa.array(values, kind)
        del texts[name]
    return pa.table(texts), typed


@settings(max_examples=50, deadline=None)
@given(batch=typed_batches())
def test_typed_parquet_columns_read_as_their_text_would_be(
    batch: tuple[pa.Table, dict[str, pa.Array]],
) -> None:
    from kechuang.enterprises.readers import as_text

    table, typed = batch
    numbers = pa.array(range(2, 2 + table.num_rows), pa.int64())
    as_texts = table
    for name, column in typed.items():
        as_texts = as_texts.append_column(name, as_text(column))
    direct = validate_batch(Batch(table, numbers, typed), [])
    through_text = validate_batch(Batch(as_texts, numbers), [])
    assert direct.table.equals(through_text.table)
    assert direct.errors == through_text.errors
