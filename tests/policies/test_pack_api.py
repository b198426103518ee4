"""The pack API: load_pack over a directory, versions by year, overlaps, errors with paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from kechuang.policies.pack import PackError, load_pack
from kechuang.rules.errors import PolicyError

POLICY = """\
id: demo
version: "{version}"
title: {{zh: 示例, en: Demo}}
issuer: 市科委
document_number: 示〔2024〕1号
effective: {{from: {start}, to: {end}}}
mode: automatic
conditions:
  - id: c
    label: {{zh: 条件, en: Condition}}
    expr: employees > 0
"""


def write(directory: Path, name: str, version: str, start: str, end: str) -> None:
    text = POLICY.format(version=version, start=start, end=end)
    (directory / name).write_text(text, encoding="utf-8")


def test_the_shipped_pack_loads() -> None:
    pack = load_pack()
    assert pack.ids()
    for policy_id in pack.ids():
        for policy in pack.versions(policy_id):
            assert policy.content_hash and policy.source_file.endswith(".yaml")


def test_versions_resolve_by_the_end_of_the_year(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "2024", "2024-01-01", "2025-12-31")
    write(tmp_path, "b.yaml", "2026", "2026-01-01", "null")
    pack = load_pack(tmp_path)
    assert pack.get("demo", 2025).version == "2024"
    assert pack.get("demo", 2030).version == "2026"
    assert [p.version for p in pack.resolve(["all"], 2026)] == ["2026"]
    with pytest.raises(PackError, match="no version in force in 2020"):
        pack.get("demo", 2020)
    with pytest.raises(PackError, match="unknown policy 'nope'"):
        pack.resolve(["nope"], 2024)


def test_overlapping_versions_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "1", "2024-01-01", "null")
    write(tmp_path, "b.yaml", "2", "2025-01-01", "null")
    with pytest.raises(PolicyError, match="overlap"):
        load_pack(tmp_path)


def test_a_bad_file_raises_with_its_path(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "1", "2024-01-01", "null")
    (tmp_path / "b.yaml").write_text(
        POLICY.format(version="2", start="2030-01-01", end="null").replace("employees", "employes"),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as caught:
        load_pack(tmp_path)
    assert caught.value.file == str(tmp_path / "b.yaml")
    assert (caught.value.line, caught.value.column) == (11, 11)
