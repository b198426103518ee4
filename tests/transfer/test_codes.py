"""Patent application numbers (check digit) and IPC symbols."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.transfer import ipc, patent_number
from kechuang.transfer.patent_number import InvalidPatentNumber


@pytest.mark.parametrize(
    ("text", "digits", "kind", "year"),
    [
        # The worked example: (2*2+0*3+1*4+7*5+1*6+0*7+6*8+0*9+1*2+8*3+6*4+2*5) mod 11 = 3.
        ("201710601862.3", "201710601862", "invention", 2017),
        ("ZL201710601862.3", "201710601862", "invention", 2017),
        ("CN 2017106018623", "201710601862", "invention", 2017),
        # Pre-2004, 8 digits: 9*2+5*3+1*4+1*5+5*6+6*7+0*8+8*9 = 186, mod 11 = 10 -> X.
        ("ZL95115608.X", "95115608", "invention", 1995),
        ("zl95115608.x", "95115608", "invention", 1995),
    ],
)
def test_valid_numbers(text: str, digits: str, kind: str, year: int) -> None:
    parsed = patent_number.parse(text)
    assert (parsed.digits, parsed.kind, parsed.year) == (digits, kind, year)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("201710601862.4", "check character is 3"),
        ("201740601862.0", "kind digit 4"),
        ("200210601862.1", "start in 2003"),
        ("20171060186.3", "not an application number"),
        ("", "not an application number"),
    ],
)
def test_invalid_numbers(text: str, reason: str) -> None:
    with pytest.raises(InvalidPatentNumber, match=reason):
        patent_number.parse(text)


@given(
    year=st.integers(2003, 2099),
    kind=st.sampled_from("12389"),
    serial=st.integers(0, 9_999_999),
    wrong=st.integers(1, 10),
)
def test_a_changed_check_character_is_caught(year: int, kind: str, serial: int, wrong: int) -> None:
    digits = f"{year}{kind}{serial:07d}"
    good = patent_number.check_character(digits)
    assert patent_number.is_valid(f"{digits}.{good}")
    value = 10 if good == "X" else int(good)
    bad = (value + wrong) % 11
    assert not patent_number.is_valid(f"{digits}.{'X' if bad == 10 else bad}")


def test_ipc() -> None:
    assert str(ipc.parse(" g06f 16 / 33 ")) == "G06F 16/33"
    assert str(ipc.parse("A61K")) == "A61K"
    assert [str(c) for c in ipc.parse_list("G06F 16/33；A61B 6/03, H01M")] == [
        "G06F 16/33", "A61B 6/03", "H01M",
    ]  # fmt: skip
    for bad in ("Z01B", "G6F 16/33", "G00F", "G06F 16/3", "G06F16"):
        with pytest.raises(ipc.InvalidIpc):
            ipc.parse(bad)
    shared = ipc.overlap(["G06F 16/33", "A61B 6/03"], ["G06F 40/30", "A61K 31/00"])
    assert shared.subclasses == ("G06F",) and shared.classes == ("A61",)
    assert not ipc.overlap(["H01M"], ["C07D"]).any
