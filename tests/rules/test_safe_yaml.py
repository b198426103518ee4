"""rules.safe_yaml: no anchors or aliases, bounded nesting and length, else yaml.safe_load.

The refusals come as yaml.MarkedYAMLError at the line and column of the offending text, and
the policy loader turns them into PolicyError like any YAML error. For documents within the
limits the loader agrees with PyYAML's own safe_load (a property test).
"""

from __future__ import annotations

import textwrap

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.rules import safe_yaml
from kechuang.rules.errors import PolicyError
from kechuang.rules.load import load_policy_text

BILLION_LAUGHS = textwrap.dedent(
    """\
    a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
    f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
    g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
    h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
    i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
    """
)


def refusal(text: str) -> yaml.MarkedYAMLError:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        safe_yaml.load(text)
    return caught.value


def test_billion_laughs_is_refused_at_the_first_anchor() -> None:
    error = refusal(BILLION_LAUGHS)
    assert "anchors (&a) are not allowed" in str(error.problem)
    assert error.problem_mark is not None
    assert (error.problem_mark.line, error.problem_mark.column) == (0, 3)


def test_an_alias_is_refused_even_without_its_anchor() -> None:
    error = refusal("amount: 1\ncap: *amount\n")
    assert "aliases (*amount) are not allowed" in str(error.problem)
    assert error.problem_mark is not None and error.problem_mark.line == 1


def test_a_merge_key_needs_an_alias_and_is_refused() -> None:
    assert "anchors" in str(refusal("base: &b {x: 1}\nother:\n  <<: *b\n").problem)


@pytest.mark.parametrize("levels", [safe_yaml.MAX_DEPTH + 1, 100_000])
def test_nesting_deeper_than_the_limit_is_refused_not_a_recursion_error(levels: int) -> None:
    error = refusal("value: " + "[" * levels + "]" * levels)
    assert f"nested more than {safe_yaml.MAX_DEPTH} levels deep" in str(error.problem)


def test_block_nesting_counts_as_well() -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(safe_yaml.MAX_DEPTH + 1)) + "  " * 40 + "x"
    assert "nested more than" in str(refusal(text).problem)


def test_nesting_up_to_the_limit_loads() -> None:
    # The top-level mapping is level 1 and the value 1 the deepest level.
    depth = safe_yaml.MAX_DEPTH - 2
    assert safe_yaml.load("v: " + "[" * depth + "1" + "]" * depth) is not None
    assert "nested" in str(refusal("v: " + "[" * (depth + 1) + "1" + "]" * (depth + 1)).problem)


def test_a_document_longer_than_the_limit_is_refused() -> None:
    error = refusal("a: " + "x" * safe_yaml.MAX_CHARS)
    assert "longer than 1,048,576 characters" in str(error.problem)


def test_policy_loader_reports_an_alias_bomb_at_file_line_column() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_text(BILLION_LAUGHS, "bomb.yaml")
    assert str(caught.value).startswith("bomb.yaml:1:4: YAML: anchors (&a) are not allowed")


_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(_DATA)
def test_within_the_limits_it_loads_what_safe_load_loads(data: object) -> None:
    text = yaml.safe_dump({"doc": data}, allow_unicode=True)
    assert safe_yaml.load(text) == yaml.safe_load(text)
