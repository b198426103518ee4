"""Migration files sort in the order they apply: each file's down_revision is the previous file's
revision, so reading the folder top to bottom is reading the schema's history."""

from __future__ import annotations

import ast
from pathlib import Path

import kechuang.store.migrations.versions as versions_package

VERSIONS = Path(versions_package.__file__).parent


def _revision_pair(path: Path) -> tuple[str, str | None]:
    values: dict[str, str | None] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id in ("revision", "down_revision")
            and node.value is not None
        ):
            values[node.target.id] = ast.literal_eval(node.value)
    return str(values["revision"]), values.get("down_revision")


def test_sorted_file_names_follow_the_down_revision_chain() -> None:
    files = sorted(p for p in VERSIONS.glob("[0-9]*.py"))
    assert files, "no migration files found"
    previous: str | None = None
    for path in files:
        revision, down_revision = _revision_pair(path)
        assert down_revision == previous, (
            f"{path.name} revises {down_revision!r}, "
            f"but the file before it is revision {previous!r}"
        )
        previous = revision


def test_file_numbers_are_unique() -> None:
    numbers = [p.name.split("_", 1)[0] for p in VERSIONS.glob("[0-9]*.py")]
    assert len(numbers) == len(set(numbers))
