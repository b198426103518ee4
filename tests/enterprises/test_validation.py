"""The vectorised validator agrees with the reference per-cell parser (domain.cells) on any row."""

from __future__ import annotations

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
