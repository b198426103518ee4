"""A run interrupted while storing its results is resumed without duplicates or losses."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.screening.population import COUNT, eligible_usccs

from kechuang.screening import loader, runs
from kechuang.screening.errors import IllegalTransition
from kechuang.screening.tables import Award, ScreeningResult, ScreeningRun


class Crash(RuntimeError):
    pass


def test_resume_after_a_crash_mid_load(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "CHUNK_ROWS", 2)
    real = runs.load_results

    def crash_after_two_chunks(engine: Engine, run_id: int, results: Path, already: int,
                               advance: object = None) -> int:  # fmt: skip
        real(engine, run_id, results, already, stop_after_chunks=2)
        raise Crash("power cut")

    monkeypatch.setattr(runs, "load_results", crash_after_two_chunks)
    with pytest.raises(Crash):
        runs.start_run(engine, "first-above-scale-reward", 2024, "officer-li")
    run = session.scalars(select(ScreeningRun)).one()
    assert (run.state, run.loaded_rows) == ("screening", 4)
    assert session.scalar(select(func.count()).select_from(ScreeningResult)) == 4

    monkeypatch.setattr(runs, "load_results", real)
    runs.resume_run(engine, run.id, "officer-li")
    session.expire_all()
    run = session.get(ScreeningRun, run.id)
    assert run is not None and (run.state, run.loaded_rows, run.result_rows) == (
        "screened",
        COUNT,
        COUNT,
    )
    stored = session.scalars(select(ScreeningResult.uscc).order_by(ScreeningResult.uscc)).all()
    assert len(stored) == len(set(stored)) == COUNT
    assert sorted(session.scalars(select(Award.uscc))) == eligible_usccs()
    with pytest.raises(IllegalTransition, match="is screened: cannot finish"):
        runs.resume_run(engine, run.id, "officer-li")
