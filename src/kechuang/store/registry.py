"""Finds every feature package's `tables` module so that metadata (and Alembic) sees all tables.

A package owns its tables in `kechuang/<package>/tables.py`; importing this module's
`load_all_tables()` registers them on store.base.Base.metadata without the store naming them.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from sqlalchemy import MetaData

import kechuang
from kechuang.store.base import Base


def table_modules() -> list[str]:
    """Dotted names of the `tables` modules of kechuang's subpackages, sorted."""
    names = []
    for package in pkgutil.iter_modules(kechuang.__path__):
        if not package.ispkg:
            continue
        dotted = f"kechuang.{package.name}.tables"
        if importlib.util.find_spec(dotted) is not None:
            names.append(dotted)
    return sorted(names)


def load_all_tables() -> MetaData:
    for name in table_modules():
        importlib.import_module(name)
    return Base.metadata
