"""Loader: document structure errors at file:line:col, references, cycles, history depth."""

from __future__ import annotations

import hashlib
import textwrap

import pytest

from kechuang.rules.errors import PolicyError
from kechuang.rules.ir import Reference
from kechuang.rules.load import load_policy_text
from tests.rules.policies import HEADER, HEADER_LINES, make

CONDITIONS = """\
conditions:
  - id: c
    label: {zh: 条件, en: Condition}
    expr: employees > 0
"""


def error_of(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text, "p.yaml")
    return caught.value


def test_unknown_key_is_refused_at_its_line_with_a_suggestion() -> None:
    error = error_of(HEADER + CONDITIONS + "    expresion: x\n")
    assert (error.line, error.column) == (HEADER_LINES + 5, 5)
    assert error.message == "unknown key 'expresion' in conditions.0 (did you mean 'expr'?)"


def test_missing_key_points_at_the_mapping() -> None:
    text = HEADER.replace("issuer: 市科委\n", "") + CONDITIONS
    error = error_of(text)
    assert error.message == "missing key 'issuer' in document"
    assert (error.line, error.column) == (1, 1)


def test_bad_enumeration_points_at_the_value() -> None:
    error = error_of(HEADER.replace("mode: automatic", "mode: automatc") + CONDITIONS)
    assert (error.line, error.column) == (7, 7)
    assert "automatic" in error.message


def test_yaml_syntax_error_has_a_position() -> None:
    error = error_of(HEADER + "conditions: [\n")
    assert error.file == "p.yaml" and error.line >= HEADER_LINES


def test_multiline_expression_errors_point_into_the_right_line() -> None:
    body = """\
    conditions:
      - id: c
        label: {zh: 条件, en: Condition}
        expr: >
          employees > 0
            and revenu > 1
    """
    with pytest.raises(PolicyError) as caught:
        make(body)
    assert (caught.value.line, caught.value.column) == (HEADER_LINES + 6, 13)


def test_quoted_expression_errors_count_the_quote() -> None:
    with pytest.raises(PolicyError) as caught:
        make(CONDITIONS.replace("expr: employees > 0", 'expr: "employees > revenu"'))
    assert (caught.value.line, caught.value.column) == (HEADER_LINES + 4, 24)


def test_definitions_are_referenced_and_cycles_reported() -> None:
    policy = make(
        """\
        definitions:
          - id: share
            label: {zh: 占比, en: Share}
            expr: ratio(st_staff, employees)
        conditions:
          - id: c
            label: {zh: 条件, en: Condition}
            expr: share >= 0.1
        """
    )
    assert policy.definitions[0].expr.unit == "ratio"
    cond = policy.conditions[0].expr
    assert cond is not None and isinstance(cond.left, Reference)  # type: ignore[attr-defined]

    with pytest.raises(PolicyError) as caught:
        make(
            """\
            definitions:
              - id: a
                label: {zh: a, en: a}
                expr: b + 1
              - id: b
                label: {zh: b, en: b}
                expr: a * 2
            conditions:
              - id: c
                label: {zh: 条件, en: Condition}
                expr: a > 0
            """
        )
    assert caught.value.message == "circular reference: a -> b -> a"
    assert (caught.value.line, caught.value.column) == (HEADER_LINES + 7, 11)


def test_condition_must_be_boolean_and_score_a_number() -> None:
    with pytest.raises(PolicyError, match="must be bool, not yuan"):
        make(CONDITIONS.replace("employees > 0", "revenue"))


def test_history_years_and_content_hash() -> None:
    text = HEADER + CONDITIONS.replace(
        "employees > 0", "sum_years(revenue, 3) > 0 and years_ago(employees, 4) > 0"
    )
    policy = load_policy_text(text, "p.yaml")
    assert policy.history_years == 4
    assert policy.content_hash == hashlib.sha256(text.encode()).hexdigest()


def test_names_must_be_unique_and_not_hide_facts() -> None:
    with pytest.raises(PolicyError, match="hides a built-in name"):
        make(CONDITIONS.replace("id: c", "id: revenue"))


def test_attestation_has_no_expression_and_manual_score_has_no_expr() -> None:
    with pytest.raises(PolicyError, match="attestation 'c' has no expr"):
        make(CONDITIONS + "    kind: attestation\n")


def test_parameter_values_are_parsed_in_their_unit() -> None:
    params = """\
    parameters:
      amount:
        label: {zh: 金额, en: Amount}
        unit: yuan
        values:
          - {from: 2020-01-01, value: 100.005}
    """
    with pytest.raises(PolicyError, match="more precise than a fen") as caught:
        make(textwrap.dedent(params) + CONDITIONS)
    assert caught.value.line == HEADER_LINES + 6


def test_benefit_amount_may_be_a_literal_or_a_lookup() -> None:
    policy = make(
        CONDITIONS
        + "benefit:\n"
        + """  amount: 'lookup(industry_code, {"M": 300000, "C": 200000}, 100000)'\n"""
        + "  cap: 250000\n"
        + "  once: per_period\n"
    )
    assert policy.benefit is not None
    assert policy.benefit.amount.unit == "yuan" and policy.benefit.cap is not None
    assert policy.benefit.cap.unit == "yuan"
    with pytest.raises(PolicyError, match="the benefit amount must be yuan, not count"):
        make(CONDITIONS + "benefit:\n  amount: employees\n  once: ever\n")


BENEFIT = "benefit:\n  amount: 1000\n"


@pytest.mark.parametrize(
    ("once", "keys"),
    [
        ("ever", ("ever", "ever")),
        ("per_year", ("year:2023", "year:2024")),
        ("per_period", ("period:2000-01-01", "period:2000-01-01")),
    ],
)
def test_a_benefit_says_what_once_means(once: str, keys: tuple[str, str]) -> None:
    policy = load_policy_text(HEADER + CONDITIONS + BENEFIT + f"  once: {once}\n", "p.yaml")
    assert policy.benefit is not None and policy.benefit.once == once
    assert (policy.once_scope_key(2023), policy.once_scope_key(2024)) == keys


def test_a_benefit_without_once_is_refused_at_the_benefit() -> None:
    error = error_of(HEADER + CONDITIONS + BENEFIT)
    assert error.message == "missing key 'once' in benefit"
    assert error.line == HEADER_LINES + 6  # the benefit mapping, under `benefit:`
    error = error_of(HEADER + CONDITIONS + BENEFIT + "  once: twice\n")
    assert "ever" in error.message and "per_year" in error.message


def test_a_policy_without_benefit_has_no_once_scope() -> None:
    assert load_policy_text(HEADER + CONDITIONS, "p.yaml").once_scope_key(2024) is None


def _parameter(lines: str) -> str:
    return (
        "parameters:\n  amount:\n    label: {zh: 金额, en: Amount}\n"
        + lines
        + "    values:\n      - {from: 2016-01-01, value: 10}\n"
    )


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("    unit: yuan\n    min: 20\n", "amount must be at least 20 (unit yuan)"),
        ("    unit: count\n    max: 5\n", "amount must be at most 5 (unit count)"),
        ("    unit: ratio\n    min: 1\n    max: 0\n", "max is below min"),
        ("    unit: bool\n    min: 0\n", "bounds belong to numeric parameters, not bool"),
    ],
)
def test_parameter_bounds_are_checked_on_the_files_own_values(lines: str, message: str) -> None:
    assert message in error_of(HEADER + _parameter(lines) + CONDITIONS).message


def test_amounts_counts_and_ratios_are_never_negative_unless_declared() -> None:
    for unit in ("yuan", "count", "ratio"):
        text = HEADER + _parameter(f"    unit: {unit}\n").replace("value: 10", "value: -1")
        assert "amount must be at least 0" in error_of(text + CONDITIONS).message
    lowered = _parameter("    unit: ratio\n    min: -1\n").replace("value: 10", "value: -0.5")
    policy = load_policy_text(HEADER + lowered + CONDITIONS, "p.yaml")
    assert policy.parameters["amount"].minimum == -1


def test_a_control_character_yaml_refuses_is_a_policy_error_at_its_line_and_column() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_text("id: x\nname: a\x1fb\n", "draft.yaml")
    assert (caught.value.line, caught.value.column) == (2, 8)
    assert "special characters" in caught.value.message


def test_an_unknown_key_spelled_with_a_bracket_is_named_not_a_crash() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_text("0[: 1\n", "draft.yaml")  # found by fuzzing the workbench's live check
    assert (caught.value.line, caught.value.column) == (1, 1)
    with pytest.raises(PolicyError, match=r"unknown key 'x\[' in document"):
        make("""
            x[: 1
            conditions:
              - id: c
                label: {zh: 条件, en: condition}
                clause: 第一条
                expr: "employees >= 1"
        """)
