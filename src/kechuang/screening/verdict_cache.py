"""The verdict cache in the store: one enterprise's verdicts for one year, kept with the key they
are valid for, (data snapshot, published pack), in `screening_verdict_cache`.

Computing an enterprise's verdicts (every policy in force, with the gap search) costs tens of
milliseconds; reading them back costs about one. A row is read only when both parts of its key
match the store now: an import makes a new snapshot (the newest import batch) and a publication
makes a new pack hash, so a stale row is never shown; the next view replaces it. Rows are filled
lazily, per enterprise viewed, by one writer thread per process: a request never waits for the
write nor holds a second pooled connection for it, and a write that fails (a busy store) only
costs the next view a recomputation.

The payload is the verdict dataclasses pickled (exact: Fractions, Decimals, dates and enums come
back as they were), written and read only by this module from the platform's own store. The key
carries the codec and the package version, so rows written by another version are not read.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import pickle
import queue
import threading
import zlib
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, and_, bindparam, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from kechuang import __version__
from kechuang.policies.pack import Pack
from kechuang.policies.source import fingerprint
from kechuang.rules.verdict import Verdict
from kechuang.screening.tables import VerdictCache

CODEC = 1  # bump when the stored shape of a Verdict changes
log = logging.getLogger(__name__)
_table = VerdictCache.__table__
_READ = select(_table.c.payload).where(
    and_(
        _table.c.uscc == bindparam("uscc"),
        _table.c.year == bindparam("year"),
        _table.c.snapshot == bindparam("snapshot"),
        _table.c.pack_hash == bindparam("pack_hash"),
    )
)


@dataclass(frozen=True)
class Entry:
    uscc: str
    year: int
    snapshot: int
    pack_hash: str
    verdicts: tuple[Verdict, ...]


def pack_hash(pack: Pack) -> str:
    """The pack part of the key: the pack's fingerprint, this codec and this package version."""
    text = f"{CODEC}|{__version__}|{fingerprint(pack)}"
    return hashlib.sha256(text.encode()).hexdigest()


def read(conn: Connection, uscc: str, year: int, snapshot: int, pack: str) -> list[Verdict] | None:
    """The stored verdicts for exactly this key, or None (none stored, or stored for another)."""
    payload = conn.scalar(
        _READ, {"uscc": uscc, "year": year, "snapshot": snapshot, "pack_hash": pack}
    )
    if payload is None:
        return None
    try:
        found = pickle.loads(zlib.decompress(payload))
    except Exception:  # a damaged row is a miss, recomputed and replaced
        log.warning("verdict cache row of %s %s unreadable; recomputing", uscc, year)
        return None
    return list(found)


def write(engine: Engine, entry: Entry) -> None:
    """Replace the row of (uscc, year) with this entry, in its own transaction."""
    payload = zlib.compress(pickle.dumps(entry.verdicts, protocol=pickle.HIGHEST_PROTOCOL), 1)
    with engine.begin() as conn:
        conn.execute(delete(_table).where(_table.c.uscc == entry.uscc, _table.c.year == entry.year))
        conn.execute(
            insert(_table).values(
                uscc=entry.uscc,
                year=entry.year,
                snapshot=entry.snapshot,
                pack_hash=entry.pack_hash,
                payload=payload,
            )
        )


class _Writer:
    """One daemon thread writing queued entries, one at a time, on one connection at most."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[Engine, Entry]] = queue.Queue(maxsize=10_000)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def put(self, engine: Engine, entry: Entry) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="kechuang-verdict-cache", daemon=True
                )
                self._thread.start()
        with contextlib.suppress(queue.Full):  # far behind: this view is simply not cached
            self._queue.put_nowait((engine, entry))

    def _run(self) -> None:
        while True:
            engine, entry = self._queue.get()
            try:
                write(engine, entry)
            except SQLAlchemyError as exc:
                log.info("verdict cache not written for %s: %s", entry.uscc, type(exc).__name__)
            finally:
                self._queue.task_done()

    def flush(self) -> None:
        self._queue.join()


_writer = _Writer()


def save(engine: Engine, entry: Entry) -> None:
    """Store the entry in the background (the caller's request goes on at once)."""
    _writer.put(engine, entry)


def flush() -> None:
    """Wait until every entry handed to `save` is written (tests, and before a process ends)."""
    _writer.flush()
