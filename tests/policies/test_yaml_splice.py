"""A form save keeps the draft's comments: only the top-level keys whose value changes are
rewritten; the result always reads back as exactly the new document (else the new text is used
whole), which a property test checks over random edits of every shipped policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kechuang.policies import authoring
from kechuang.policies.yaml_splice import splice
from kechuang.rules import safe_yaml
from tests.policies.test_workbench_forms import NEW_CONDITIONS
from tests.policies.workbench_helpers import REWARD

PACK = Path(authoring.__file__).parent
SHIPPED = sorted(PACK.glob("*.yaml"))
HEADER = "# A new city reward written for the workbench tests"


def _comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def test_a_conditions_save_keeps_the_header_and_the_other_sections_comments() -> None:
    source = (PACK / "sts-major-project.yaml").read_text(encoding="utf-8")
    new = authoring.to_yaml(authoring.apply(authoring.document(source), "conditions",
                                            NEW_CONDITIONS))  # fmt: skip
    spliced = splice(source, new)
    assert safe_yaml.load(spliced) == safe_yaml.load(new)
    assert _comments(new) == []  # the form's text alone has none
    assert spliced.startswith("# 科技服务业重大投资项目支持 (申报)")
    assert "# The experts' score table (第七条, 示意): five parts, 100 points in all." in spliced
    assert "section(industry_code) == 'M'" in spliced
    assert "id: no_double_funding" not in spliced


def test_an_unchanged_key_keeps_its_text_as_typed() -> None:
    new = authoring.to_yaml(authoring.apply(authoring.document(REWARD), "budget",
                                            {"budget": None}))  # fmt: skip
    spliced = splice(REWARD, new)
    assert "budget:" not in spliced and spliced.startswith(HEADER)
    assert "value: 0.20}" in spliced  # the parameters' lines are the draft's own


def test_an_added_key_goes_after_its_predecessor_in_the_new_order() -> None:
    old = "# head\nid: x\n# about b\nb: 1\n"
    new = "id: x\na: 2\nb: 1\nc: 3\n"
    assert splice(old, new) == "# head\nid: x\na: 2\n# about b\nb: 1\nc: 3\n"


def test_a_text_that_cannot_be_spliced_is_the_new_text() -> None:
    assert splice("a: [1\n", "a: 1\n") == "a: 1\n"  # the stored text does not parse
    assert splice("a: 1\n'b': 2\n", "a: 1\nb: 3\n") == "a: 1\nb: 3\n"  # a quoted top-level key


scalars = st.one_of(
    st.integers(-(10**12), 10**12),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), inner, max_size=3)
    ),
    max_leaves=8,
)


edits_of_top_keys = st.dictionaries(
    st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True),
    st.one_of(st.just("drop"), values),
    max_size=4,
)


@given(st.sampled_from(SHIPPED), edits_of_top_keys)
def test_a_splice_always_reads_back_as_the_new_document(path: Path, edits: dict[str, Any]) -> None:
    source = path.read_text(encoding="utf-8")
    document = dict(safe_yaml.load(source))
    for key, value in edits.items():
        if value == "drop":
            document.pop(key, None)
        else:
            document[key] = value
    new = authoring.to_yaml(document)
    spliced = splice(source, new)
    assert safe_yaml.load(spliced) == safe_yaml.load(new)
    if spliced != new and "id" in document:
        assert _comments(source)[0] in spliced  # the header survives
