"""Background screening jobs: a run is started in a worker thread and its progress read back.

`screening.runs.start_run` does the work (snapshot, DuckDB screening, storing results, awards)
and reports through its Progress interface; a Job records the stage and counts for the page
that polls it. Jobs live in the process: a restart loses the progress display, not the run
(an interrupted run stays `screening` and `kechuang runs resume` finishes it).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select

from kechuang.screening.runs import Progress


@dataclass
class Job:
    id: str
    policy_id: str
    year: int
    actor: str
    stage: str = "queued"
    done: int = 0
    total: int | None = None
    run_id: int | None = None
    error: str | None = None
    finished: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class _JobProgress(Progress):
    def __init__(self, job: Job) -> None:
        self.job = job

    def start(self, stage: str, total: int | None) -> None:
        with self.job.lock:
            self.job.stage, self.job.total, self.job.done = stage, total, 0

    def advance(self, amount: int) -> None:
        with self.job.lock:
            self.job.done += amount


class Jobs:
    """The jobs of this process, by id."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def start(
        self,
        engine: Engine,
        policy_id: str,
        year: int,
        actor: str,
        sets: list[str],
        budget_yuan: str | None,
        on_done: Any = None,
        reason: str | None = None,
    ) -> Job:
        job = Job(uuid.uuid4().hex, policy_id, year, actor)
        with self._lock:
            self._jobs[job.id] = job
        thread = threading.Thread(
            target=self._work, args=(job, engine, sets, budget_yuan, on_done, reason), daemon=True
        )
        thread.start()
        return job

    def _work(
        self,
        job: Job,
        engine: Engine,
        sets: list[str],
        budget_yuan: str | None,
        on_done: Any,
        reason: str | None,
    ) -> None:
        from kechuang.screening.runs import start_run
        from kechuang.screening.tables import ScreeningRun
        from kechuang.workflow.errors import Refusal

        try:
            run_id = start_run(
                engine,
                job.policy_id,
                job.year,
                job.actor,
                sets,
                budget_yuan,
                _JobProgress(job),
                reason,
            )
            with job.lock:
                job.run_id, job.stage = run_id, "done"
            if on_done is not None:
                on_done(job)
        except Refusal as exc:
            with job.lock:
                job.error = str(exc)
        except Exception as exc:  # the worker must record any failure for the page to show
            with job.lock:
                job.error = f"screening failed: {type(exc).__name__}: {exc}"
            with engine.connect() as conn:
                job.run_id = conn.scalar(
                    select(func.max(ScreeningRun.id)).where(ScreeningRun.started_by == job.actor)
                )
        finally:
            with job.lock:
                job.finished = True
