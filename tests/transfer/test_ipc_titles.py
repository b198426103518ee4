"""The Chinese IPC title table: every code valid, every title non-empty, the source named."""

from __future__ import annotations

import pytest

from kechuang.transfer import ipc
from kechuang.transfer.ipc_titles import IpcTitlesError, load, parse

HEADER = "# Source: github.com/example/ipc at abc\ncode\tlevel\ttitle_zh\n"


def test_the_shipped_table_names_its_source_and_holds_every_subclass_and_main_groups() -> None:
    table = load()
    assert "Jingyou-design/cr_zl_v2" in table.source
    subclasses = [c for c in table.titles if "/" not in c]
    groups = [c for c in table.titles if "/" in c]
    assert len(subclasses) >= 600 and len(groups) >= 7000
    assert table.title("B23K") and "焊接" in table.title("B23K")
    assert "激光" in table.title("B23K26/00")


def test_every_code_is_a_valid_subclass_or_main_group_with_a_non_empty_title() -> None:
    for code, title in load().titles.items():
        parsed = ipc.parse(code)
        assert parsed.subgroup in (None, "00"), code
        assert title.strip(), code


def test_a_symbol_finds_its_subclass_and_main_group_and_words_drop_references() -> None:
    table = load()
    assert table.keys_of("B23K 26/342") == ("B23K", "B23K26/00")
    assert table.keys_of("A01B") == ("A01B",)
    words = table.words("A01B13/00")  # 专门用途的犁或类似的机具（排水用的入E02B11/02）
    assert "犁" in words and "E02B" not in words and "（" not in words


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("code\tlevel\ttitle_zh\nA01B\tsubclass\t农业\n", "source"),
        (HEADER + "A01B\tsubclass\t\n", "line 3"),
        (HEADER + "A01\tsubclass\t农业\n", "A01"),
        (HEADER + "A01B1/00\tsubclass\t手动工具\n", "line 3"),
        (HEADER + "A01B\tgroup\t农业\n", "level"),
        (HEADER + "A01B\tsubclass\t农业\nA01B\tsubclass\t农业\n", "twice"),
        ("# Source: x\ncode\ttitle\n", "columns"),
    ],
)
def test_a_malformed_table_is_refused_naming_what_is_wrong(text: str, named: str) -> None:
    with pytest.raises((IpcTitlesError, ipc.InvalidIpc), match=named):
        parse(text)
