"""The tiers of the stored data: certificates from the store, the panel snapshot, and a cache.

`tier_files(engine)` computes (tiers.compute) once per state of the data: the snapshot file,
the certificates stored and the ladder's policy versions. The result lives under
var/cultivation/<key>/, so the dashboard, the CLI and the report share one computation and a
second report of the same data reads the files instead of screening again.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from pathlib import Path

import pyarrow as pa
from sqlalchemy import Engine, func, select

from kechuang.cultivation import ladder, tiers
from kechuang.cultivation.frames import fetch
from kechuang.cultivation.tables import Certificate
from kechuang.enterprises.snapshot import snapshot_path, write_snapshot
from kechuang.store import config

_lock = threading.Lock()


def panel(engine: Engine) -> Path:
    """The snapshot of the stored panel (written if missing)."""
    path = snapshot_path()
    if not path.exists():
        write_snapshot(engine)
    return path


def certificates(engine: Engine) -> pa.Table:
    query = select(
        Certificate.uscc,
        Certificate.label,
        Certificate.certificate_no,
        Certificate.valid_from,
        Certificate.valid_to,
    )
    return fetch(engine, query, tiers.CERTIFICATE_TYPES)


def _key(engine: Engine, data: Path) -> str:
    with engine.connect() as conn:
        count, last = conn.execute(select(func.count(), func.max(Certificate.id))).one()
    stat = data.stat()
    hashes = sorted(
        p.content_hash
        for r in ladder.rungs()
        for policy_id in r.policies
        for p in ladder.pack().versions(policy_id)
    )
    text = f"{data}:{stat.st_mtime_ns}:{stat.st_size}:{count}:{last}:{','.join(hashes)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def tier_files(engine: Engine) -> tiers.TierFiles:
    data = panel(engine)
    key = _key(engine, data)
    root = config.var_dir() / "cultivation"
    target = root / key
    with _lock:
        if (target / "tiers.parquet").exists():
            return tiers.TierFiles(
                target / "labels.parquet",
                target / "tiers.parquet",
                tuple(tiers.panel_years(data)),
            )
        # Older states are of no further use: one set of files is kept.
        if root.exists():
            for old in root.iterdir():
                if old.is_dir() and old.name != key:
                    shutil.rmtree(old, ignore_errors=True)
        return tiers.compute(data, certificates(engine), target)
