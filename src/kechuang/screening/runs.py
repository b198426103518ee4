"""Starting and resuming screening runs over the stored population.

A run screens the Parquet snapshot of the store (rebuilt first when missing or older than the
latest import batch) with the DuckDB engine, stores every enterprise's result, then creates the
awards of the eligible ones with the budget allocated. The run row is written first, so a
crash leaves a run in state `screening` that `resume_run` finishes: it reuses the run's
RESULTS file (or screens again if the snapshot is still the one recorded) and loads only the
rows not yet stored.

A run of a paying policy records its once scope; an eligible enterprise whose scope is already
held (paid, or a live award in another run) gets no award but an exclusion row saying by whom
(screening.once). A run that repeats a live run of the same policy, version and year needs a
reason, which is stored on the run and logged as its first workflow event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kechuang.domain.money import parse_yuan
from kechuang.engines.duckdb import screen
from kechuang.engines.sourced import policy_window, sourced_fields_read, write_sourced_facts
from kechuang.enterprises.snapshot import snapshot_path, write_snapshot
from kechuang.enterprises.tables import ImportBatch
from kechuang.rules.explain import json_value
from kechuang.rules.ir import Value
from kechuang.rules.policy import Policy
from kechuang.screening import once, workflow
from kechuang.screening.allocation import Claim, allocate
from kechuang.screening.errors import DuplicateRun, NotFound, Refused
from kechuang.screening.loader import load_results
from kechuang.screening.locking import begin_write, locked_run
from kechuang.screening.tables import Award, ScreeningRun
from kechuang.store import config
from kechuang.store.engine import make_sessionmaker
from kechuang.workflow import machines

OUTCOMES = ("eligible", "ineligible", "manual_review", "unknown")
AWARD_INSERT_ROWS = 10_000
# Runs not closed or withdrawn: another run of the same policy, version and year repeats one.
LIVE_RUN_STATES = ("screening", "screened", "published", "approved")
REASON_LENGTH = 2000
# Storing awards retries when a concurrent run of the same policy took a scope meanwhile.
CLAIM_ATTEMPTS = 3


class Progress:
    """What a run tells a progress display; the default tells nobody."""

    def start(self, stage: str, total: int | None) -> None: ...

    def advance(self, amount: int) -> None: ...


def runs_dir() -> Path:
    path = config.var_dir() / "runs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def results_file(run_id: int) -> Path:
    return runs_dir() / f"run-{run_id}.results.parquet"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def load_policy(
    policy_id: str, year: int, sets: Sequence[str], session: Session | None = None
) -> tuple[Policy, dict[str, Value]]:
    """The published version of the policy for the year (of the session's store), and the
    parsed `--set` overrides."""
    from kechuang.policies.source import current_pack
    from kechuang.rules.errors import PolicyError
    from kechuang.rules.overrides import OverrideError, parse_overrides

    try:
        policy = current_pack(session).get(policy_id, year)
        overrides = parse_overrides(list(sets), [policy]).get(policy.id, {})
    except (LookupError, PolicyError, OverrideError) as exc:
        raise Refused(str(exc)) from None
    return policy, overrides


def fresh_snapshot(engine: Engine, progress: Progress) -> tuple[Path, int | None, int]:
    """The snapshot path, rebuilt if missing or older than the latest import batch."""
    with engine.connect() as connection:
        latest, max_id, count = connection.execute(
            select(
                func.max(ImportBatch.imported_at), func.max(ImportBatch.id), func.count()
            ).select_from(ImportBatch)
        ).one()
    if not count:
        raise Refused("no enterprises have been imported: run `kechuang import PANEL` first")
    path = snapshot_path()
    if latest.tzinfo is None:  # SQLite hands back naive UTC
        latest = latest.replace(tzinfo=dt.UTC)
    stale = not path.exists() or dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) < latest
    if stale:
        progress.start("writing snapshot", None)
        write_snapshot(engine, path, advance=progress.advance)
    return path, max_id, int(count)


@dataclass(frozen=True)
class StartPlan:
    """A run that may start: the policy version, overrides, budget and why it repeats one."""

    policy: Policy
    overrides: dict[str, Value]
    budget_fen: int | None
    reason: str | None
    duplicate_of: int | None


def live_duplicate(session: Session, policy: Policy, year: int) -> ScreeningRun | None:
    """The earliest live run of this policy version and year, if there is one."""
    return session.scalars(
        select(ScreeningRun)
        .where(
            ScreeningRun.policy_id == policy.id,
            ScreeningRun.policy_version == policy.version,
            ScreeningRun.year == year,
            ScreeningRun.state.in_(LIVE_RUN_STATES),
        )
        .order_by(ScreeningRun.id)
        .limit(1)
    ).one_or_none()


def plan_start(
    session: Session,
    policy_id: str,
    year: int,
    actor: str,
    sets: Sequence[str] = (),
    budget_yuan: str | None = None,
    reason: str | None = None,
) -> StartPlan:
    """Every check of starting a run, changing nothing: Refused (DuplicateRun) if it may not."""
    if not actor or not actor.strip():
        raise Refused("a run names who starts it (--by)")
    policy, overrides = load_policy(policy_id, year, sets, session)
    budget_fen = policy.budget.amount_fen if policy.budget else None
    if budget_yuan is not None:
        try:
            budget_fen = parse_yuan(budget_yuan)
        except ValueError as exc:
            raise Refused(f"--budget {budget_yuan!r}: {exc}") from None
        if budget_fen < 0:
            raise Refused("a budget must not be negative")
    reason = reason.strip() if reason and reason.strip() else None
    if reason is not None and len(reason) > REASON_LENGTH:
        raise Refused(f"a reason has at most {REASON_LENGTH} characters")
    duplicate = live_duplicate(session, policy, year)
    if duplicate is not None and reason is None:
        raise DuplicateRun(duplicate.id, policy.id, policy.version, year, duplicate.state)
    return StartPlan(
        policy, overrides, budget_fen, reason, duplicate.id if duplicate is not None else None
    )


def start_run(
    engine: Engine,
    policy_id: str,
    year: int,
    actor: str,
    sets: Sequence[str] = (),
    budget_yuan: str | None = None,
    progress: Progress | None = None,
    reason: str | None = None,
    budget_year: int | None = None,
) -> int:
    """Screen the stored population with a policy into a new run; its id (state `screened`).

    A run repeating a live run of the same policy version and year needs `reason`.
    `budget_year` is the year whose budget pays the run (default: the evaluation year)."""
    if budget_year is not None and not year <= budget_year <= year + 5:
        raise Refused(f"the budget year of a {year} run is {year} to {year + 5}, not {budget_year}")
    progress = progress or Progress()
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        plan_start(session, policy_id, year, actor, sets, budget_yuan, reason)
    snapshot, max_batch, batches = fresh_snapshot(engine, progress)
    with sessions.begin() as session:
        # Checked again under the write lock (SQLite): a run started meanwhile counts.
        begin_write(session)
        plan = plan_start(session, policy_id, year, actor, sets, budget_yuan, reason)
        policy, overrides = plan.policy, plan.overrides
        run = ScreeningRun(
            policy_id=policy.id,
            policy_version=policy.version,
            policy_hash=policy.content_hash,
            year=year,
            budget_year=budget_year,
            overrides={name: json_value(value) for name, value in overrides.items()},
            max_batch_id=max_batch,
            batch_count=batches,
            snapshot_sha256=sha256_of(snapshot),
            budget_fen=plan.budget_fen,
            allocation=policy.budget.allocation.value if policy.budget else "pro_rata",
            state="screening",
            started_by=actor,
            started_at=dt.datetime.now(dt.UTC),
            loaded_rows=0,
            counts={},
            eligible_fen=0,
            allocated_fen=0,
            notice_provisional=False,
            confirm_provisional=False,
            once_scope=policy.benefit.once.value if policy.benefit else None,
            scope_key=policy.once_scope_key(year),
            start_reason=plan.reason,
            duplicate_of=plan.duplicate_of,
        )
        session.add(run)
        session.flush()
        run_id = run.id
        note = f"repeats run {plan.duplicate_of}: {plan.reason}" if plan.duplicate_of else ""
        workflow.log_start(session, run, actor, note or plan.reason or "")
    _complete(engine, run_id, policy, overrides, snapshot, progress)
    return run_id


def resume_run(engine: Engine, run_id: int, actor: str, progress: Progress | None = None) -> int:
    """Finish a run left in state `screening` (a crash, an interrupted load)."""
    progress = progress or Progress()
    with make_sessionmaker(engine)() as session:
        run = session.get(ScreeningRun, run_id)
        if run is None:
            raise NotFound(f"no screening run {run_id}")
        machines.check(workflow.RUN, run, "finish")
        policy, _ = load_policy(run.policy_id, run.year, (), session)
        if policy.content_hash != run.policy_hash:
            raise Refused(
                f"run {run_id} screened policy {run.policy_id} {run.policy_version} "
                f"({run.policy_hash[:12]}), which is no longer the pack's version: start a new run"
            )
        overrides = _parse_stored(policy, run.overrides)
        recorded = run.snapshot_sha256
    snapshot = snapshot_path()
    if not results_file(run_id).exists() and (
        not snapshot.exists() or sha256_of(snapshot) != recorded
    ):
        raise Refused(
            f"run {run_id}: its results file is gone and the snapshot has changed since it "
            "started; start a new run"
        )
    _complete(engine, run_id, policy, overrides, snapshot, progress, actor)
    return run_id


def _parse_stored(policy: Policy, stored: Mapping[str, object]) -> dict[str, Value]:
    from kechuang.rules.overrides import parse_overrides

    settings = [f"{policy.id}.{name}={value}" for name, value in stored.items()]
    return parse_overrides(settings, [policy]).get(policy.id, {})


def _complete(
    engine: Engine,
    run_id: int,
    policy: Policy,
    overrides: dict[str, Value],
    snapshot: Path,
    progress: Progress,
    actor: str | None = None,
) -> None:
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        run = session.get(ScreeningRun, run_id)
        assert run is not None
        year, already, actor = run.year, run.loaded_rows, actor or run.started_by
    results = results_file(run_id)
    if not results.exists():
        progress.start(f"screening {policy.id}", 1)
        # Facts the platform derives from its own records (e.g. loans) join the snapshot here.
        sourced = sourced_fields_read(policy)
        facts = (
            write_sourced_facts(
                engine,
                sourced,
                runs_dir() / f"run-{run_id}.facts.parquet",
                year,
                policy_window(policy, year, overrides),
            )
            if sourced
            else None
        )
        screen(snapshot, year, [policy], results, {policy.id: overrides} if overrides else None,
               step=lambda _pid: progress.advance(1), facts=facts)  # fmt: skip
    con = duckdb.connect()
    try:
        counts = dict.fromkeys(OUTCOMES, 0)
        for outcome, n in con.execute(
            f"SELECT outcome, count(*) FROM read_parquet('{results}') GROUP BY outcome"
        ).fetchall():
            counts[str(outcome)] = int(n)
        eligible = con.execute(
            f"""
            SELECT r.uscc, p.name, CAST(r.score AS VARCHAR),
                   CAST(coalesce(r.benefit_yuan, 0) * 100 AS BIGINT)
            FROM read_parquet('{results}') r
            JOIN (SELECT uscc, name FROM read_parquet('{snapshot}') WHERE year = {int(year)}) p
              USING (uscc)
            WHERE r.outcome = 'eligible' ORDER BY r.uscc
            """
        ).fetchall()
    finally:
        con.close()
    total = sum(counts.values())
    progress.start("storing results", total)
    progress.advance(already)
    load_results(engine, run_id, results, already, progress.advance)
    with sessions() as session:
        for attempt in range(1, CLAIM_ATTEMPTS + 1):
            try:
                _store_awards(session, run_id, eligible, counts, actor)
                session.commit()
                return
            except _ScopeTaken:
                # A concurrent run of this policy claimed one of these scopes first (the
                # unique index said so): read the holders again and store the rest.
                session.rollback()
                if attempt == CLAIM_ATTEMPTS:
                    raise Refused(
                        f"run {run_id}: other runs of {policy.id} kept claiming the same "
                        "enterprises; resume it when they are done (`kechuang runs resume`)"
                    ) from None


class _ScopeTaken(Exception):
    """A concurrent transaction holds a scope this run was about to claim."""


def _store_awards(
    session: Session,
    run_id: int,
    eligible: Sequence[tuple[str, str, str | None, int]],
    counts: dict[str, int],
    actor: str,
) -> None:
    """The run's awards with their claims, its exclusions and its `finish`, in one transaction."""
    run = locked_run(session, run_id)
    machines.check(workflow.RUN, run, "finish")
    holders = once.held(session, run.policy_id, run.scope_key) if run.scope_key else {}
    kept = [row for row in eligible if row[0] not in holders]
    claims = [Claim(u, int(fen), Decimal(s) if s is not None else None)
              for u, _n, s, fen in kept]  # fmt: skip
    allocated = allocate(claims, run.budget_fen, run.allocation)
    # A resume after a crash in this step finds no awards: they commit with the state.
    rows = [
        {"run_id": run_id, "uscc": u, "name": name, "score": s, "eligible_fen": int(fen),
         "allocated_fen": allocated[u], "state": "proposed"}
        for u, name, s, fen in kept
    ]  # fmt: skip
    for start in range(0, len(rows), AWARD_INSERT_ROWS):
        session.execute(insert(Award), rows[start : start + AWARD_INSERT_ROWS])
    try:
        once.claim_awards(session, run)
    except IntegrityError:
        raise _ScopeTaken from None
    excluded = [(u, int(fen)) for u, _n, _s, fen in eligible if u in holders]
    if excluded:
        once.exclude(session, run, excluded, holders)
    total = sum(counts.values())
    run.result_rows = total
    run.counts = counts
    run.eligible_fen = sum(c.eligible_fen for c in claims)
    run.allocated_fen = sum(allocated.values())
    run.finished_at = dt.datetime.now(dt.UTC)
    note = f"{total} enterprises screened"
    if excluded:
        note += f"; {len(excluded)} excluded: paid or awarded before in scope {run.scope_key}"
    machines.fire(session, run, workflow.RUN, "finish", actor, note)
    session.flush()
