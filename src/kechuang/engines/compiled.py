"""Compiled pack queries cached on disk by content: a repeated screening skips the compiler.

The key is a hash of everything the query text depends on: each policy's content hash, the
year, the parameter overrides, the options (explain columns, the Parquet bounds, the key
check), the dialect, and the compiler's own source (rules.sql, rules.sql_numeric, rules.pack),
so a changed policy, datum bound or compiler gives a new entry and a stale query is never
read. Entries are small JSON files under var/cache/compiled, written atomically; an unreadable
entry is recompiled. SQLGlot and the compiler are imported only on a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kechuang.rules.ir import Value
from kechuang.rules.policy import Policy
from kechuang.store import config

_COMPILER_SOURCES = ("sql.py", "sql_numeric.py", "pack.py")
ENV_NO_CACHE = "KECHUANG_NO_COMPILE_CACHE"


@dataclass(frozen=True)
class PackText:
    """A pack query as SQL text, the statements to run before it on the same connection
    (rules.pack.PackSQL.setup), the names of its output columns, and the texts of each
    policy's unmet mask where it sends one (rules.pack.PackSQL.unmet_terms), and its columns
    sent as integer hundredths (rules.pack.PackSQL.hundredths)."""

    sql: str
    output_columns: tuple[str, ...]
    status_names: tuple[str, ...]
    setup: tuple[str, ...] = ()
    unmet_terms: tuple[tuple[str, ...] | None, ...] = ()
    hundredths: tuple[tuple[str, ...], ...] = ()


def _compiler_digest() -> str:
    rules = Path(__file__).resolve().parent.parent / "rules"
    digest = hashlib.sha256()
    for name in _COMPILER_SOURCES:
        digest.update((rules / name).read_bytes())
    return digest.hexdigest()


def cache_key(
    policies: Sequence[Policy],
    year: int,
    overrides: Mapping[str, Mapping[str, Value]],
    explain_columns: bool,
    bounds: Mapping[str, int],
    check_keys: bool,
    dialect: str,
    yuan_as_fen: bool = False,
    unpivot: bool = True,
    materialize: bool = False,
) -> str:
    identity = {
        "policies": [[p.id, p.version, p.content_hash] for p in policies],
        "year": year,
        "overrides": {k: sorted((n, repr(v)) for n, v in o.items()) for k, o in overrides.items()},
        "explain": explain_columns,
        "bounds": sorted(bounds.items()),
        "check_keys": check_keys,
        "dialect": dialect,
        "yuan_as_fen": yuan_as_fen,
        "unpivot": unpivot,
        "materialize": materialize,
        "compiler": _compiler_digest(),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


def pack_text(
    policies: Sequence[Policy],
    year: int,
    overrides: Mapping[str, Mapping[str, Value]] | None = None,
    explain_columns: bool = False,
    bounds: Mapping[str, int] | None = None,
    check_keys: bool = False,
    dialect: str = "duckdb",
    yuan_as_fen: bool = False,
    unpivot: bool = True,
    materialize: bool = False,
) -> PackText:
    """The pack query of `policies` (rules.pack), from the cache or compiled and cached;
    without `unpivot`, one row per enterprise; with `materialize`, the years read are a
    materialized layer (rules.pack.pack_sql)."""
    overrides = overrides or {}
    bounds = bounds or {}
    use_cache = os.environ.get(ENV_NO_CACHE) != "1"
    path = None
    if use_cache:
        key = cache_key(
            policies,
            year,
            overrides,
            explain_columns,
            bounds,
            check_keys,
            dialect,
            yuan_as_fen,
            unpivot,
            materialize,
        )
        path = config.var_dir() / "cache" / "compiled" / f"{key}.json"
        found = _read(path)
        if found is not None:
            return found
    from kechuang.rules.pack import compile_pack, pack_sql

    pack = compile_pack(
        policies,
        year,
        overrides,
        explain_columns,
        bounds=bounds,
        yuan_as_fen=yuan_as_fen,
        check_keys=check_keys,
        # The years are joined side by side where the keys are known unique (rules.pack):
        # DuckDB's caller says so (check_keys off), PostgreSQL's annual_facts has (uscc, year)
        # as its primary key. Each aggregate of a GROUP BY is a transition call per row in
        # PostgreSQL; the joined rows are read as columns.
        join_years=dialect in ("duckdb", "postgres"),
    )
    statements = pack_sql(pack, dialect, unpivot, materialize)
    text = PackText(
        statements.query,
        tuple(pack.output_columns),
        pack.status_names,
        statements.setup,
        statements.unmet_terms,
        statements.hundredths,
    )
    if path is not None:
        _write(path, text)
    return text


def _read(path: Path) -> PackText | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return PackText(
            str(data["sql"]),
            tuple(data["output_columns"]),
            tuple(data["status_names"]),
            tuple(str(s) for s in data["setup"]),
            tuple(None if t is None else tuple(str(x) for x in t) for t in data["unmet_terms"]),
            tuple(tuple(str(x) for x in t) for t in data["hundredths"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(path: Path, text: PackText) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "sql": text.sql,
            "output_columns": list(text.output_columns),
            "status_names": list(text.status_names),
            "setup": list(text.setup),
            "unmet_terms": [None if t is None else list(t) for t in text.unmet_terms],
            "hundredths": [list(t) for t in text.hundredths],
        }
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as handle:
            json.dump(data, handle)
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only var/ only costs the next run a compile
