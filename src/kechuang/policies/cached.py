"""The pack a command-line run reads, cached on disk by content: `screen` starts without
importing the store (SQLAlchemy), the YAML loader or pydantic when nothing changed.

`current_pack()` (policies.source) is the truth: the published versions of the configured
store, or the shipped pack while the store holds none. It costs SQLAlchemy's import and, the
first time in a process, parsing every policy. `cli_pack()` returns the same pack from a file
under var/cache/packs when its key matches, and otherwise asks `current_pack()` and writes the
file. The key is a hash of everything the pack is built from:

- the store's readable versions (id, content hash, period), read by the query of
  `source._stored_pack` with the standard library's sqlite3 from a SQLite store, or with psycopg
  from a PostgreSQL one (its connection parameters but the password name the store), or the
  text of every shipped policy file when there is no store or no published version;
- the sources of the packages that turn a text into a `Policy` (rules, domain, policies.pack and
  policies.source), so a changed loader never reads an old pack.

Anything else (a SQLite URL with options, another database, an unreadable store, a test that
replaced `pack.load_pack`) takes `current_pack()` as it is. Entries are pickles of `Pack`, written
atomically (mode 0600) in the var/ directory the store itself lives in; a corrupt or unreadable
entry is rebuilt. KECHUANG_NO_COMPILE_CACHE=1 turns this cache off with the compiled-query one.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from kechuang.policies import pack as pack_module
from kechuang.policies.pack import Pack
from kechuang.store import config

ENV_NO_CACHE = "KECHUANG_NO_COMPILE_CACHE"
KEEP = 8  # entries kept (a few stores or var/ directories may share one cache)
_SQLITE_PREFIX = "sqlite:///"
# The loader: every module whose code decides what Policy a text becomes.
_LOADER_PACKAGES = ("rules", "domain")
_LOADER_MODULES = ("policies/pack.py", "policies/source.py", "policies/cached.py")
# source._stored_pack's key query, in SQL (the table policies.tables.PolicyVersion).
_READABLE_SQL = (
    "SELECT id, content_hash, effective_from, effective_to FROM policy_versions "
    "WHERE state IN ('published', 'superseded') ORDER BY policy_id, effective_from"
)


def cli_pack() -> Pack:
    """The published pack (as `source.current_pack()`), from the cache when it is current."""
    key = _key() if os.environ.get(ENV_NO_CACHE) != "1" else None
    if key is None:
        return _current()
    path = config.var_dir() / "cache" / "packs" / f"{key}.pickle"
    found = _read(path)
    if found is not None:
        return found
    pack = _current()
    # Written only if the store did not change while the pack was built (a publication then).
    if _key() == key:
        _write(path, pack)
    return pack


def _current() -> Pack:
    from kechuang.policies.source import current_pack

    return current_pack()


def _key() -> str | None:
    """The cache key of the pack `current_pack()` would return now, or None if unknown."""
    if pack_module.load_pack is not pack_module.SHIPPED_LOADER:
        return None  # a test screens a pack of its own
    url = os.environ.get(config.ENV_DATABASE_URL)
    stored: list[tuple[object, ...]] | None
    if url is None:
        database = config.var_dir() / "kechuang.db"
    elif url.startswith(_SQLITE_PREFIX) and "?" not in url and url != _SQLITE_PREFIX:
        database = Path(url[len(_SQLITE_PREFIX) :])
    elif (conninfo := config.libpq_uri(url)) is not None:
        found = _postgres_keys(conninfo)
        if found is None:
            return None
        store, stored = found
        return _digest_of(store, stored)
    else:
        return None
    stored = _stored_keys(database) if database.exists() else []
    if stored is None:
        return None
    return _digest_of(str(database.resolve()), stored)


def _digest_of(store: str, stored: list[tuple[object, ...]]) -> str:
    """The key of the pack of `store` whose readable versions are `stored` ([]: shipped)."""
    digest = hashlib.sha256(_loader_digest())
    if stored:
        digest.update(b"store\0" + store.encode() + b"\0")
        for row in stored:
            digest.update(repr(row).encode() + b"\n")
    else:
        digest.update(b"shipped\0")
        for name, text in _shipped_texts():
            digest.update(name.encode() + b"\0" + hashlib.sha256(text).digest())
    return digest.hexdigest()[:32]


def _stored_keys(database: Path) -> list[tuple[object, ...]] | None:
    """The readable versions' keys of the SQLite store ([] if it has none), None if unreadable."""
    import sqlite3  # only with a store file: a run on the shipped pack does not import it

    try:
        con = sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        table = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'policy_versions'"
        ).fetchone()
        if table is None:
            return []
        rows = con.execute(_READABLE_SQL).fetchall()
    except sqlite3.Error:
        return None
    finally:
        con.close()
    return _readable(rows)


def _postgres_keys(conninfo: str) -> tuple[str, list[tuple[object, ...]]] | None:
    """The PostgreSQL store's name (its connection parameters but the password) and readable
    versions' keys ([] if it has none), None if it cannot be read. psycopg, not SQLAlchemy:
    `--engine postgres` imports it anyway, and it connects in milliseconds."""
    try:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(conninfo)
        params.pop("password", None)
        with psycopg.connect(conninfo, autocommit=True) as con:
            # As source._configured_pack: the table of the current (default) schema, or none.
            table = con.execute(
                "SELECT to_regclass(format('%I.policy_versions', current_schema()))"
            ).fetchone()
            if table is None or table[0] is None:
                return repr(sorted(params.items())), []
            rows = con.execute(_READABLE_SQL).fetchall()
    except Exception:
        return None  # a URL libpq does not take, a server down: current_pack() decides
    return repr(sorted(params.items())), _readable(rows)


def _readable(rows: Iterable[Sequence[object]]) -> list[tuple[object, ...]]:
    # As source._stored_pack: a superseded version whose period was emptied is not read.
    return [
        (r[0], r[1], str(r[2]), None if r[3] is None else str(r[3]))
        for r in rows
        if r[3] is None or str(r[3]) >= str(r[2])
    ]


def _package_root() -> Path:
    return Path(__file__).resolve().parent.parent


def _loader_digest() -> bytes:
    root = _package_root()
    files: list[Path] = []
    for package in _LOADER_PACKAGES:
        files.extend(sorted((root / package).glob("*.py")))
    files.extend(root / name for name in _LOADER_MODULES)
    # The root too: a policy records the file it was loaded from (Policy.source_file).
    return (
        str(root).encode()
        + b"\0"
        + _digest((f.relative_to(root).as_posix(), f.read_bytes()) for f in files)
    )


def _shipped_texts() -> list[tuple[str, bytes]]:
    directory = _package_root() / "policies"
    return [(p.name, p.read_bytes()) for p in sorted(directory.glob("*.yaml"))]


def _digest(items: Iterable[tuple[str, bytes]]) -> bytes:
    digest = hashlib.sha256()
    for name, data in items:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.digest()


def _read(path: Path) -> Pack | None:
    try:
        with path.open("rb") as handle:
            found = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception:
        return None
    return found if isinstance(found, Pack) else None


def _write(path: Path, pack: Pack) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "wb", dir=path.parent, suffix=".tmp", delete=False
        ) as handle:
            pickle.dump(pack, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
        # Each publication makes a new entry: keep the newest few, never read the old ones again.
        entries = sorted(path.parent.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only var/ only costs the next run a parse
