"""Where every reader gets its policies: the published versions in the store.

`current_pack()` is the pack of the versions in force or once in force (states `published` and
`superseded`, the latter with the period its successor left it), each with the period the store
records. It is rebuilt only when the store's published set changes (a cheap fingerprint query),
so a publication is seen by the next call of any reader without a restart.

The web app reads its own store: each request runs with `bound` set to the app's engine (a
context variable, so two apps in one process never read each other's policies); a caller with a
session passes it; anything else (the CLI) reads the configured store. A store that
has not been seeded yet (no policy table, no published version, or no database file at all)
reads the shipped pack, which is exactly what `kechuang policies seed` would load into it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from kechuang.policies import pack as pack_module
from kechuang.policies.pack import Pack, _check_overlaps
from kechuang.policies.tables import PolicyVersion
from kechuang.rules.load import load_policy_text
from kechuang.rules.policy import Policy

READABLE = ("published", "superseded")

_lock = threading.Lock()
# Held while a pack is built: concurrent first readers (a worker's first burst of requests)
# wait for one build instead of each parsing and compiling every policy at once.
_build_lock = threading.RLock()
bound: ContextVar[Engine | None] = ContextVar("kechuang_policy_store", default=None)
# The pack read once per request (a page may ask for many titles): None outside a request.
_memo: ContextVar[dict[str, Pack] | None] = ContextVar("kechuang_policy_memo", default=None)
_cache: dict[tuple[str, tuple[tuple[int, str, str], ...]], Pack] = {}
_shipped: Pack | None = None
_shipped_by: object = None
# Stores known to have the policy table (checked once: a migration never removes it).
_migrated: set[str] = set()
# The fingerprint of each pack handed out (by identity; the pack is kept alive beside it).
_fingerprints: dict[int, tuple[Pack, str]] = {}
# What identifies a readable version's place in the pack, without its (large) source text.
_KEY_COLUMNS = (
    PolicyVersion.id,
    PolicyVersion.content_hash,
    PolicyVersion.effective_from,
    PolicyVersion.effective_to,
)

# Built once: every page reads it, and building a statement costs more than running it. The
# states are compared one by one: an IN list is rendered anew on every execution.
_KEYS = (
    select(*_KEY_COLUMNS)
    .where(or_(*(PolicyVersion.state == state for state in READABLE)))
    .order_by(PolicyVersion.policy_id, PolicyVersion.effective_from)
)


@contextmanager
def reading(engine: Engine) -> Iterator[None]:
    """Within this block, readers without a session read `engine`'s published policies."""
    token = bound.set(engine)
    memo = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(memo)
        bound.reset(token)


def forget() -> None:
    """Drop this request's memo (a publication changes what the rest of it must read)."""
    memo = _memo.get()
    if memo is not None:
        memo.clear()


def shipped() -> Pack:
    """The pack shipped inside the package (the seed), loaded once per process (again only if
    `pack.load_pack` is replaced, as a test replaces it to screen a policy of its own)."""
    global _shipped, _shipped_by
    loader = pack_module.load_pack
    if _shipped is not None and _shipped_by is loader:
        return _shipped
    with _build_lock:
        if _shipped is None or _shipped_by is not loader:
            _shipped, _shipped_by = loader(), loader
        return _shipped


def fingerprint(pack: Pack) -> str:
    """sha256 of what the pack's verdicts depend on: each version's id, version, source hash
    and period. Two packs with the same fingerprint give the same verdicts."""
    found = _fingerprints.get(id(pack))
    if found is not None and found[0] is pack:
        return found[1]
    digest = hashlib.sha256()
    for p in sorted(pack.policies, key=lambda p: (p.id, p.effective_from)):
        digest.update(
            f"{p.id}|{p.version}|{p.content_hash}|{p.effective_from}|{p.effective_to}\n".encode()
        )
    text = digest.hexdigest()
    with _lock:
        if len(_fingerprints) > 64:  # packs replaced by publications: never asked for again
            _fingerprints.clear()
        _fingerprints[id(pack)] = (pack, text)
    return text


def label(row: PolicyVersion) -> str:
    """The file name a stored version's errors are reported against."""
    return f"{row.policy_id}@{row.version}.yaml"


def as_policy(row: PolicyVersion) -> Policy:
    """A stored version as the evaluators take it, with the period the store records."""
    policy = load_policy_text(row.source, label(row))
    return dataclasses.replace(
        policy, effective_from=row.effective_from, effective_to=row.effective_to
    )


def in_force_rows(session: Session) -> list[PolicyVersion]:
    """The versions readers see: published, or superseded with a period left (not emptied)."""
    rows = session.scalars(
        select(PolicyVersion)
        .where(PolicyVersion.state.in_(READABLE))
        .order_by(PolicyVersion.policy_id, PolicyVersion.effective_from)
    ).all()
    return [r for r in rows if r.effective_to is None or r.effective_to >= r.effective_from]


def pack_of(session: Session) -> Pack | None:
    """The published pack of this session's store, or None when nothing is published there."""
    return _stored_pack(session.connection())


def _stored_pack(conn: Connection) -> Pack | None:
    # A light query says which versions are readable; their sources are read and compiled only
    # when that set changed since the last call (a publication), once however many ask.
    keys = [
        r
        for r in conn.execute(_KEYS)
        if r.effective_to is None or r.effective_to >= r.effective_from
    ]
    if not keys:
        return None
    key = (
        conn.engine.url.render_as_string(hide_password=True),
        tuple((r.id, r.content_hash, str(r.effective_from), str(r.effective_to)) for r in keys),
    )
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    with _build_lock:
        with _lock:
            found = _cache.get(key)
        if found is not None:
            return found
        ids = [r.id for r in keys]
        rows = {
            r.id: r
            for r in conn.execute(select(PolicyVersion.__table__).where(PolicyVersion.id.in_(ids)))
        }
        policies = [as_policy(rows[i]) for i in ids]  # type: ignore[arg-type]
        _check_overlaps(policies)
        pack = Pack(tuple(policies))
        with _lock:
            # Keep only the newest pack of each store: old ones are never asked for again.
            for stale in [k for k in _cache if k[0] == key[0]]:
                del _cache[stale]
            _cache[key] = pack
    return pack


def pack_on(conn: Connection) -> Pack:
    """The published pack of the store behind `conn`, read on that connection (a request never
    holds two pooled connections); the shipped pack while it holds no published version."""
    url = conn.engine.url.render_as_string(hide_password=True)
    if url not in _migrated:
        if not inspect(conn).has_table(PolicyVersion.__tablename__):
            return shipped()
        _migrated.add(url)
    found = _stored_pack(conn)
    return found if found is not None else shipped()


def _engine() -> tuple[Engine | None, bool]:
    """The engine to read, and whether it was made here (to dispose of it)."""
    engine = bound.get()
    if engine is not None:
        return engine, False
    from kechuang.store import config
    from kechuang.store.engine import make_engine

    url = make_url(config.database_url())
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:" or not Path(database).exists():
            return None, False
    return make_engine(str(url.render_as_string(hide_password=False))), True


def current_pack(session: Session | None = None) -> Pack:
    """The published pack: of the session's store if given, else of the bound or configured
    store; the shipped pack while that store holds no published version."""
    if session is not None:
        return _pack_or_shipped(session)
    memo = _memo.get()
    if memo is not None and "pack" in memo:
        return memo["pack"]
    found = _configured_pack()
    if memo is not None:
        memo["pack"] = found
    return found


def _configured_pack() -> Pack:
    engine, own = _engine()
    if engine is None:
        return shipped()
    try:
        url = engine.url.render_as_string(hide_password=True)
        if url not in _migrated:
            if not inspect(engine).has_table(PolicyVersion.__tablename__):
                return shipped()
            _migrated.add(url)
        with Session(engine) as session:
            return _pack_or_shipped(session)
    finally:
        if own:
            engine.dispose()


def _pack_or_shipped(session: Session) -> Pack:
    found = pack_of(session)
    return found if found is not None else shipped()
