"""Which policies an enterprise meets, why, and how far it is from the others (the scalar
evaluator over its stored facts).

Verdicts are valid for a key: the data snapshot (the newest import batch) and the published pack
(its hash). They are kept at two levels under that key: in this process (the last few thousand
assessments) and in the store (screening.verdict_cache, shared by every worker and kept across
restarts). An import or a publication changes the key, so neither level answers with verdicts
of older data or rules.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Connection

from kechuang.enterprises import facts
from kechuang.http.problems import ProblemError
from kechuang.policies.source import pack_on
from kechuang.rules.policy import Policy
from kechuang.rules.scalar import evaluate
from kechuang.rules.verdict import Verdict
from kechuang.screening import verdict_cache

CACHE_SIZE = 2048


@dataclass(frozen=True)
class Assessment:
    uscc: str
    year: int
    items: list[tuple[Policy, Verdict]]


_cache: OrderedDict[tuple[object, ...], Assessment] = OrderedDict()
_lock = threading.Lock()


def latest_year(conn: Connection, uscc: str) -> int:
    years = facts.years(conn, uscc)
    if not years:
        raise ProblemError(404, f"no facts stored for enterprise {uscc}")
    return years[-1]


def assess(conn: Connection, uscc: str, year: int, snapshot: int | None = None) -> Assessment:
    """Every policy in force in `year`, evaluated for `uscc` with explanation and gaps.

    `snapshot` is the store's data version when the caller has read it already (in the same
    query as the enterprise, facts.page_state). Reads on the caller's connection: a request
    never holds two pooled connections at once.
    """
    if snapshot is None:
        snapshot = facts.data_version(conn)
    pack = pack_on(conn)
    pack_hash = verdict_cache.pack_hash(pack)
    engine = conn.engine
    key = (id(engine), str(engine.url), uscc, year, snapshot, pack_hash)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    policies = pack.resolve(["all"], year)
    verdicts = verdict_cache.read(conn, uscc, year, snapshot, pack_hash)
    if verdicts is None or [(v.policy_id, v.version) for v in verdicts] != [
        (p.id, p.version) for p in policies
    ]:
        verdicts = _evaluate(conn, uscc, year, policies)
        entry = verdict_cache.Entry(uscc, year, snapshot, pack_hash, tuple(verdicts))
        verdict_cache.save(engine, entry)
    result = Assessment(uscc, year, list(zip(policies, verdicts, strict=True)))
    with _lock:
        _cache[key] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def fresh(conn: Connection, uscc: str, year: int) -> Assessment:
    """The same assessment computed now from the facts, reading and writing no cache."""
    policies = pack_on(conn).resolve(["all"], year)
    verdicts = _evaluate(conn, uscc, year, policies)
    return Assessment(uscc, year, list(zip(policies, verdicts, strict=True)))


def _evaluate(conn: Connection, uscc: str, year: int, policies: list[Policy]) -> list[Verdict]:
    depth = max((p.history_years for p in policies), default=0)
    history = facts.history(conn, uscc, year - depth, year)
    if year not in history:
        raise ProblemError(404, f"enterprise {uscc} has no facts for {year}")
    return [evaluate(p, history, year) for p in policies]


def one(conn: Connection, uscc: str, year: int, policy_id: str) -> tuple[Policy, Verdict]:
    for policy, verdict in assess(conn, uscc, year).items:
        if policy.id == policy_id:
            return policy, verdict
    raise ProblemError(404, f"policy {policy_id!r} is not in force in {year}")
