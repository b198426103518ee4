"""A product file is YAML read by rules.safe_yaml: an alias bomb is a ProductError, not a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from kechuang.finance.products import ProductError, _products_dir, load_product_file


def test_product_file_with_aliases_is_refused_naming_the_file(tmp_path: Path) -> None:
    shipped = _products_dir() / "performance-loan.yaml"
    text = shipped.read_text(encoding="utf-8")
    bomb = tmp_path / "bomb.yaml"
    laughs = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))
    bomb.write_text(text + "l0: &l0 [lol, lol, lol]\n" + laughs, encoding="utf-8")
    with pytest.raises(ProductError, match=r"bomb\.yaml.*anchors \(&l0\) are not allowed"):
        load_product_file(bomb)


def test_shipped_product_still_loads() -> None:
    assert load_product_file(_products_dir() / "performance-loan.yaml").id
