"""USCC (GB 32100-2015): the check digit decides validity."""

from __future__ import annotations

import pytest

from kechuang.domain import uscc

VALID = "91310115" + "000000000"


def test_a_code_with_its_check_digit_is_valid() -> None:
    code = VALID + uscc.check_digit(VALID)
    assert uscc.validate(code) == code
    assert uscc.is_valid(code)


def test_a_wrong_check_digit_is_refused() -> None:
    right = uscc.check_digit(VALID)
    wrong = "0" if right != "0" else "1"
    with pytest.raises(uscc.InvalidUSCC, match="check digit"):
        uscc.validate(VALID + wrong)


def test_a_code_of_the_wrong_length_is_refused_with_its_length() -> None:
    with pytest.raises(uscc.InvalidUSCC, match="18 characters, this has 5"):
        uscc.validate("91310")


def test_spaces_dashes_and_case_are_normalised() -> None:
    code = VALID + uscc.check_digit(VALID)
    assert uscc.validate(" " + code[:8] + "-" + code[8:].lower()) == code


def test_mask_keeps_the_authority_and_the_last_four() -> None:
    assert uscc.mask("91310115000000000Q") == "913101********000Q"
