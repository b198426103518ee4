"""Parser: names, units, folding, hostile input, and exact error positions."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kechuang.rules.errors import PolicyError
from kechuang.rules.ir import And, Arithmetic, Band, Call, Compare, Fact, Literal, Unit
from kechuang.rules.parse import parse_expression
from tests.rules.policies import CONDITION_COLUMN, CONDITION_LINE, condition


def error_of(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_expression(text, file="x.yaml")
    return caught.value


def test_literals_are_exact_fractions_and_adapt_to_the_other_side() -> None:
    node = parse_expression("revenue >= 20_000_000.01")
    assert isinstance(node, Compare)
    assert node.right == Literal(Unit.YUAN, Fraction(2000000001, 100))


def test_literal_arithmetic_is_folded() -> None:
    node = parse_expression("revenue >= 2 * 10_000_000 + 0.1 - 0.1")
    assert isinstance(node, Compare)
    assert node.right == Literal(Unit.YUAN, Fraction(20_000_000))


def test_chained_comparison_becomes_and_of_comparisons() -> None:
    node = parse_expression("0 < employees <= 500")
    assert isinstance(node, And)
    assert [c.operator for c in node.operands if isinstance(c, Compare)] == ["<", "<="]


def test_ratio_of_counts_is_a_ratio() -> None:
    node = parse_expression("ratio(st_staff, employees)")
    assert isinstance(node, Call) and node.unit == Unit.RATIO


def test_band_table_is_sorted_descending() -> None:
    node = parse_expression("band(ip_class2, [[1, 6], [4, 24], [2, 12]])")
    assert isinstance(node, Band)
    assert [lower for lower, _ in node.bands] == [4, 2, 1]


def test_growth_desugars_to_ratio_minus_one() -> None:
    node = parse_expression("growth(revenue, 2)")
    assert isinstance(node, Arithmetic) and node.unit == Unit.RATIO
    assert isinstance(node.left, Call)
    assert node.left.arguments[1] == Fact(Unit.YUAN, "revenue", 2)


def test_yuan_times_ratio_is_yuan() -> None:
    assert parse_expression("revenue * market_share").unit == Unit.YUAN
    assert parse_expression("revenue / 2").unit == Unit.YUAN
    assert parse_expression("revenue / total_assets").unit == Unit.RATIO


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("revenue > employees", "cannot compare yuan with count ('revenue' > 'employees')", 1),
        ("1 + (rd_expense + employees)", "cannot add yuan with count", 6),
        ("revenue * employees", "cannot multiply yuan by count", 1),
        ("mainland_resident + 1", "'+' needs", 1),
        ("revenue and true", "'and' needs bool", 1),
        ('industry_code > "C"', "cannot order values of unit code", 1),
        ("sum_years(revenue + 1, 3)", "sum_years() takes a panel fact name", 11),
        ("sum_years(revenue, 11)", "1..10 years", 20),
        ("years_ago(revenue, n)", "literal whole number of years", 20),
        ("ratio(revenue)", "ratio() takes 2 to 3 arguments, not 1", 1),
        ("1 / 0 > revenue", "division by zero", 1),
    ],
)
def test_type_and_unit_errors_name_the_place(text: str, message: str, column: int) -> None:
    error = error_of(text)
    assert message in error.message
    assert (error.file, error.line, error.column) == ("x.yaml", 1, column)


def test_unknown_name_suggests_the_closest() -> None:
    error = error_of("revenu > 1")
    assert str(error) == "x.yaml:1:1: unknown name 'revenu' (did you mean 'revenue'?)"


def test_unknown_function_lists_the_library() -> None:
    error = error_of("employees > 1 or eval('1')")
    assert error.column == 18
    assert "function 'eval' is not in the library (min, max, abs, ratio, band" in error.message


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("employees.__class__", "attribute access is not allowed", 1),
        ("1 + employees.__class__.__bases__", "attribute access is not allowed", 5),
        ("employees[0]", "subscripts are not allowed", 1),
        ("(lambda: 1)()", "lambdas are not allowed", 2),
        ("[x for x in (1, 2)]", "comprehensions are not allowed", 1),
        ("__import__('os')", "function '__import__' is not in the library", 1),
        ("min(*employees)", "starred arguments are not allowed", 5),
        ("(x := 1)", "assignment expressions (:=) are not allowed", 2),
        ("f'{employees}' == 'x'", "f-strings are not allowed", 1),
        ("2 ** 1000000", "exponentiation (**) is not allowed", 1),
        ("employees % 2", "operator Mod is not allowed", 1),
        ("import os", "syntax error", 1),
        ("min(employees, key=abs)", "keyword arguments are not allowed", 1),
        ("employees is None", "'is' is not allowed", 1),
        ("revenue > 1e999999999", "numbers must be below 10^18", 11),
        ("revenue > 10**18", "exponentiation (**) is not allowed", 11),
        ("revenue > 1000000000000000000", "numbers must be below 10^18", 11),
        ("market_share > 0.0000000000001", "at most 12 decimals", 16),
    ],
)
def test_hostile_input_is_rejected_not_executed(text: str, message: str, column: int) -> None:
    error = error_of(text)
    assert message in error.message
    assert error.column == column


def test_deep_nesting_is_rejected() -> None:
    error = error_of("-" * 60 + "employees")
    assert "nested deeper than 50" in error.message
    assert error_of("(" * 300 + "1" + ")" * 300).message


def test_overlong_text_is_rejected() -> None:
    error = error_of("employees + " * 500 + "1")
    assert "longer than 5000 characters" in error.message


def test_errors_inside_a_policy_point_at_the_file_line_and_column() -> None:
    with pytest.raises(PolicyError) as caught:
        condition("revenue >= 1 and employes > 2")
    error = caught.value
    assert error.file == "t.yaml"
    assert (error.line, error.column) == (CONDITION_LINE, CONDITION_COLUMN + 17)
    assert "did you mean 'employees'" in error.message


def test_column_counts_characters_not_bytes() -> None:
    error = error_of('industry_code == "科技" and revenu > 1')
    assert error.column == 27


def test_comments_inside_an_expression_are_refused() -> None:
    # joined lines would otherwise let `# ...` silently cut off the rest of the rule
    error = error_of("revenue > 1  # big\nand employees > 2")
    assert "comments are not allowed" in error.message
    assert (error.line, error.column) == (1, 14)


def test_leading_blanks_are_allowed_and_counted() -> None:
    node = parse_expression("   revenue > 1")
    assert node.span.column == 4
    assert error_of("  revenu > 1").column == 3
