"""One expression checked as a field of a document (the workbench form's live check): the
document's names are known, errors are at line:column of the expression itself, a broken
document still leaves the panel's facts, and an item with an error of its own is reported at
the reference to it."""

from __future__ import annotations

import pytest

from kechuang.rules.errors import PolicyError
from kechuang.rules.ir import Unit
from kechuang.rules.load import check_expression
from tests.policies.workbench_helpers import REWARD


def _error(expression: str, document: str = REWARD) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        check_expression(expression, document, expect=Unit.BOOL)
    return caught.value


def test_the_documents_parameters_and_conditions_are_known() -> None:
    node = check_expression("growth and revenue > min_revenue", REWARD, expect=Unit.BOOL)
    assert node.unit == Unit.BOOL


def test_an_error_is_at_the_line_and_column_of_the_expression() -> None:
    error = _error("revenue > 1 and\nrevenue > min_revenu")
    assert (error.line, error.column) == (2, 11)
    assert "did you mean 'min_revenue'" in error.message


def test_the_unit_the_field_needs_is_checked() -> None:
    with pytest.raises(PolicyError, match="must be yuan, not bool"):
        check_expression("growth", REWARD, expect=Unit.YUAN)


def test_a_broken_document_still_knows_the_panel() -> None:
    assert check_expression("revenue > 0", "id: [", expect=Unit.BOOL).unit == Unit.BOOL
    assert "unknown name 'min_revenue'" in _error("revenue > min_revenue", "id: [").message


def test_an_item_with_its_own_error_is_reported_at_the_reference() -> None:
    broken = REWARD.replace("expr: revenue > min_revenue", "expr: revenue > nothing")
    error = _error("growth and revenue_above", broken)
    assert (error.line, error.column) == (1, 12)
    assert "'revenue_above' cannot be used: unknown name 'nothing'" in error.message


def test_referring_to_the_item_being_edited_is_a_cycle() -> None:
    with pytest.raises(PolicyError, match="circular reference: growth -> growth"):
        check_expression("growth", REWARD, expect=Unit.BOOL, own="growth")
    check_expression("growth", REWARD, expect=Unit.BOOL, own="revenue_above")
