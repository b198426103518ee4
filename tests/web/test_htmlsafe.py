"""JSON inside HTML: one escaping helper in every Jinja environment, and templates that use it only
where it is safe; no inline script or event handler anywhere in the served templates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.http import templating as web_templating
from kechuang.http.htmlsafe import json_for_html, source_hash
from kechuang.stats import report
from kechuang.stats import templating as stats_templating

SRC = Path(__file__).resolve().parents[2] / "src" / "kechuang"
TEMPLATES = sorted(SRC.glob("*/templates/**/*.html"))
PAYLOAD = "P' onmouseover='alert(1)' x='</script><script>alert(2)</script>&amp;\"<!--"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@given(json_values)
def test_json_for_html_reads_back_as_the_same_value(value: object) -> None:
    assert json.loads(str(json_for_html(value))) == value


@given(json_values)
def test_json_for_html_has_no_character_that_ends_an_html_context(value: object) -> None:
    text = str(json_for_html(value))
    assert not set(text) & set("<>&'\u2028\u2029")


def test_a_quote_inside_a_string_is_escaped_and_a_trailing_backslash_is_kept() -> None:
    assert str(json_for_html({"k": 'a"b'})) == '{"k": "a\\u0022b"}'
    assert json.loads(str(json_for_html(["a\\", '\\"']))) == ["a\\", '\\"']


def test_the_park_payload_cannot_leave_a_single_quoted_attribute_or_a_script_block() -> None:
    text = str(json_for_html({"name": PAYLOAD}))
    assert "'" not in text and "</script" not in text and "<!--" not in text
    assert json.loads(text) == {"name": PAYLOAD}


@pytest.mark.parametrize(
    "env",
    [
        web_templating._templates.env,
        stats_templating._templates.env,
        report._environment(),
    ],
    ids=["web", "stats", "report"],
)
def test_every_environment_registers_the_one_helper(env: object) -> None:
    filters = env.filters  # type: ignore[attr-defined]
    assert filters["json"] is json_for_html
    assert filters["tojson"] is json_for_html


def test_templates_put_json_only_in_data_blocks_single_quoted_attributes_or_text() -> None:
    assert TEMPLATES
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        assert "tojson" not in text and "forceescape" not in text, path
        # Inside a double-quoted attribute the JSON's own quotes would end it.
        assert not re.search(r'="[^"]*\|\s*json', text), path


def test_no_template_runs_inline_script_or_an_event_handler() -> None:
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+\s*=", text), f"{path}: inline event handler"
        assert "javascript:" not in text and not re.search(r"\shx-on[:-]", text), path
        for tag in re.findall(r"<script\b[^>]*>", text):
            if path.name == "report.html":
                continue  # the report file's two inline scripts, allowed by their hashes
            assert 'type="application/json"' in tag or " src=" in tag, f"{path}: {tag}"
        assert "<style" not in text or path.name == "report.html", path


def test_the_report_policy_names_exactly_its_inline_scripts_and_style() -> None:
    assets = report._assets()
    policy = report.policy()
    for name in ("echarts", "charts_js", "css"):
        assert source_hash(assets[name]) in policy
    assert "'unsafe-inline' " not in policy.replace("style-src-attr 'unsafe-inline'", "")
    assert "default-src 'none'" in policy
