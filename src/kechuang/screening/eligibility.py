"""Which policies an enterprise meets, why, and how far it is from the others (the scalar
evaluator over its stored facts), cached until the next import changes the data."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Connection

from kechuang.enterprises import facts
from kechuang.http.problems import ProblemError
from kechuang.policies import catalogue
from kechuang.rules.policy import Policy
from kechuang.rules.scalar import evaluate
from kechuang.rules.verdict import Verdict

CACHE_SIZE = 2048


@dataclass(frozen=True)
class Assessment:
    uscc: str
    year: int
    items: list[tuple[Policy, Verdict]]


_cache: OrderedDict[tuple[str, int, int], Assessment] = OrderedDict()
_lock = threading.Lock()


def latest_year(conn: Connection, uscc: str) -> int:
    years = facts.years(conn, uscc)
    if not years:
        raise ProblemError(404, f"no facts stored for enterprise {uscc}")
    return years[-1]


def assess(conn: Connection, uscc: str, year: int) -> Assessment:
    """Every policy in force in `year`, evaluated for `uscc` with explanation and gaps.

    Reads on the caller's connection: a request never holds two pooled connections at once.
    """
    version = facts.data_version(conn)
    key = (uscc, year, version)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    policies = catalogue.in_force(year)
    depth = max((p.history_years for p in policies), default=0)
    history = facts.history(conn, uscc, year - depth, year)
    if year not in history:
        raise ProblemError(404, f"enterprise {uscc} has no facts for {year}")
    items = [(p, evaluate(p, history, year)) for p in policies]
    result = Assessment(uscc, year, items)
    with _lock:
        _cache[key] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def one(conn: Connection, uscc: str, year: int, policy_id: str) -> tuple[Policy, Verdict]:
    for policy, verdict in assess(conn, uscc, year).items:
        if policy.id == policy_id:
            return policy, verdict
    raise ProblemError(404, f"policy {policy_id!r} is not in force in {year}")
