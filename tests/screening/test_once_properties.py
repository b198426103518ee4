"""Property (hypothesis, stateful): for random sequences of runs of the one-off reward, approvals,
confirmations, payments (repeated, and racing each other in threads), lapses, clawbacks,
withdrawals and runs stored as before once scopes existed, no enterprise is ever paid twice
under the policy's once scope, the trial balance stays zero and every run reconciles with the
ledger; each claim follows its award's state. On SQLite and on PostgreSQL, a fresh store per
example.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import Engine, create_engine, select
from tests.conftest import ENV_POSTGRES, _postgres_url
from tests.screening.population import eligible_usccs, import_population
from tests.screening.steps import (
    APPROVED,
    CONFIRMED,
    POLICY,
    PUBLISHED,
    assert_paid_once_and_balanced,
)

from kechuang.screening import once, service
from kechuang.screening.errors import DuplicateRun, IllegalTransition, Refused
from kechuang.screening.runs import live_duplicate, load_policy, start_run
from kechuang.screening.tables import Award, OnceClaim, ScreeningRun
from kechuang.store.engine import make_engine, make_sessionmaker
from kechuang.store.migrate import upgrade

_examples = itertools.count()


class Store:
    """A fresh migrated store holding the constructed population, and its own var/ directory."""

    def __init__(self, kind: str, directory: Path) -> None:
        n = next(_examples)
        self.schema: str | None = None
        self.var = directory / f"var-{n}"
        if kind == "sqlite":
            url = f"sqlite:///{directory / f'example-{n}.db'}"
        else:
            base = os.environ[ENV_POSTGRES]
            self.schema = f"kc_prop_{secrets.token_hex(4)}_{n}"
            self.admin = create_engine(base)
            with self.admin.begin() as connection:
                connection.exec_driver_sql(f"CREATE SCHEMA {self.schema}")
            url = _postgres_url(self.schema, base)
        self.saved_var = os.environ.get("KECHUANG_VAR_DIR")
        os.environ["KECHUANG_VAR_DIR"] = str(self.var)
        self.engine: Engine = make_engine(url, pool_size=6, max_overflow=0)
        upgrade(self.engine)
        population = directory / f"population-{n}"
        population.mkdir()
        import_population(self.engine, population)

    def close(self) -> None:
        self.engine.dispose()
        if self.saved_var is None:
            os.environ.pop("KECHUANG_VAR_DIR", None)
        else:
            os.environ["KECHUANG_VAR_DIR"] = self.saved_var
        if self.schema is not None:
            with self.admin.begin() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            self.admin.dispose()


class OnceScopeMachine(RuleBasedStateMachine):
    kind = "sqlite"
    directory = Path(".")

    def __init__(self) -> None:
        super().__init__()
        self.store: Store | None = None
        self.runs: list[int] = []

    @initialize(legacy=st.booleans(), which=st.sets(st.integers(0, 4)), racing=st.integers(1, 3))
    def open_store(self, legacy: bool, which: set[int], racing: int) -> None:
        """Every example starts from a run stored with claims or (as before once scopes)
        without, approved, some accounts confirmed and paid by `racing` payers at once: the
        random steps then run against money already paid, never against an empty ledger."""
        self.store = Store(self.kind, self.directory)
        self.sessions = make_sessionmaker(self.store.engine)
        if legacy:
            self.start_as_before_once_scopes()
        else:
            self.start(with_reason=False)
        self.approve_and_confirm(0, which)
        self._race([self.runs[0]] * racing)

    def teardown(self) -> None:
        if self.store is not None:
            self.store.close()

    @property
    def engine(self) -> Engine:
        assert self.store is not None
        return self.store.engine

    def run_in(self, state: str, pick: int) -> int | None:
        with self.sessions() as session:
            found = session.scalars(
                select(ScreeningRun.id).where(ScreeningRun.state == state).order_by(ScreeningRun.id)
            ).all()
        return found[pick % len(found)] if found else None

    # Runs ----------------------------------------------------------------------------------

    @rule(with_reason=st.booleans())
    def start(self, with_reason: bool) -> None:
        policy, _ = load_policy(POLICY, 2024, ())
        with self.sessions() as session:
            live = live_duplicate(session, policy, 2024)
        if live is not None and not with_reason:
            with pytest.raises(DuplicateRun, match=f"run {live.id} already screens"):
                start_run(self.engine, POLICY, 2024, "officer-li")
            return
        reason = "再次筛查" if with_reason else None
        self.runs.append(start_run(self.engine, POLICY, 2024, "officer-li", reason=reason))

    @rule()
    def start_as_before_once_scopes(self) -> None:
        """A run stored as the code before claims did: its awards hold no claim (as 0015 leaves
        the duplicates of a store that already paid twice); only payment can stop them."""
        with (
            mock.patch.object(once, "held", lambda *_: {}),
            mock.patch.object(once, "claim_awards", lambda *_: None),
        ):
            self.runs.append(start_run(self.engine, POLICY, 2024, "officer-li", reason="旧数据"))

    def states(self) -> set[str]:
        if self.store is None:
            return set()
        with self.sessions() as session:
            return set(session.scalars(select(ScreeningRun.state).distinct()))

    @precondition(lambda self: "screened" in self.states())
    @rule(pick=st.integers(0, 9))
    def publish(self, pick: int) -> None:
        run_id = self.run_in("screened", pick)
        assert run_id is not None
        with self.sessions() as session:
            service.publish(session, run_id, "officer-li", on=PUBLISHED)
            session.commit()

    @precondition(lambda self: self.states() & {"screened", "published"})
    @rule(pick=st.integers(0, 9), which=st.sets(st.integers(0, 4)))
    def approve_and_confirm(self, pick: int, which: set[int]) -> None:
        run_id = self.run_in("published", pick) or self.run_in("screened", pick)
        assert run_id is not None
        with self.sessions() as session:
            if session.get(ScreeningRun, run_id).state == "screened":  # type: ignore[union-attr]
                service.publish(session, run_id, "officer-li", on=PUBLISHED)
            service.approve(session, run_id, "officer-wang", on=APPROVED)
            session.commit()
        self.confirm_in(run_id, which)

    @precondition(lambda self: "approved" in self.states())
    @rule(pick=st.integers(0, 9), which=st.sets(st.integers(0, 4)))
    def confirm(self, pick: int, which: set[int]) -> None:
        run_id = self.run_in("approved", pick)
        assert run_id is not None
        self.confirm_in(run_id, which)

    def confirm_in(self, run_id: int, which: set[int]) -> None:
        usccs = [eligible_usccs()[i] for i in sorted(which)]
        with self.sessions() as session:
            for uscc in usccs:
                try:
                    service.confirm_account(session, run_id, uscc, uscc, "中国银行",
                                            "6217000012345678", uscc, on=CONFIRMED)  # fmt: skip
                    session.commit()
                except (Refused, IllegalTransition):  # no award, or not approved any more
                    session.rollback()

    @precondition(lambda self: "approved" in self.states())
    @rule(pick=st.integers(0, 9), racing=st.integers(1, 3))
    def pay(self, pick: int, racing: int) -> None:
        """Pay a run, `racing` payers at once (a retry racing the first attempt)."""
        run_id = self.run_in("approved", pick) or self.run_in("closed", pick)
        if run_id is not None:
            self._race([run_id] * racing)

    @precondition(lambda self: "approved" in self.states())
    @rule(first=st.integers(0, 9), second=st.integers(0, 9))
    def pay_two_runs_at_once(self, first: int, second: int) -> None:
        a, b = self.run_in("approved", first), self.run_in("approved", second)
        if a is not None and b is not None and a != b:
            self._race([a, b])

    def _race(self, run_ids: list[int]) -> None:
        barrier = threading.Barrier(len(run_ids))

        def pay(run_id: int) -> service.PayResult:
            with self.sessions() as own:
                own.connection()  # a connection each before the barrier: all start together
                barrier.wait(timeout=30)
                return service.pay(own, run_id, "finance-chen")

        with ThreadPoolExecutor(max_workers=len(run_ids)) as pool:
            list(pool.map(pay, run_ids))

    @precondition(lambda self: "approved" in self.states())
    @rule(pick=st.integers(0, 9))
    def lapse(self, pick: int) -> None:
        run_id = self.run_in("approved", pick)
        if run_id is None:
            return
        with self.sessions() as session:
            run = session.get(ScreeningRun, run_id)
            assert run is not None and run.confirm_by is not None
            service.lapse(session, run_id, "officer-wang", run.confirm_by + dt.timedelta(days=1))
            session.commit()

    @rule(pick=st.integers(0, 99))
    def claw_back(self, pick: int) -> None:
        with self.sessions() as session:
            paid = session.execute(
                select(Award.run_id, Award.uscc).where(Award.state == "paid").order_by(Award.id)
            ).all()
            if not paid:
                return
            run_id, uscc = paid[pick % len(paid)]
            service.claw_back(session, run_id, uscc, "审计发现虚报", "officer-zhao")
            session.commit()

    @precondition(lambda self: self.states() & {"screened", "published"})
    @rule(pick=st.integers(0, 9), state=st.sampled_from(["screened", "published"]))
    def withdraw(self, pick: int, state: str) -> None:
        run_id = self.run_in(state, pick)
        if run_id is None:
            return
        with self.sessions() as session:
            service.withdraw_run(session, run_id, "数据有误", "officer-li")
            session.commit()

    # Invariants ----------------------------------------------------------------------------

    @invariant()
    def paid_once_and_balanced(self) -> None:
        if self.store is None:
            return
        with self.sessions() as session:
            assert_paid_once_and_balanced(session)

    @invariant()
    def claims_follow_their_awards(self) -> None:
        if self.store is None:
            return
        with self.sessions() as session:
            rows = session.execute(
                select(Award.state, OnceClaim.state).join(OnceClaim, OnceClaim.award_id == Award.id)
            ).all()
        assert all(once.claim_state(award) == claim for award, claim in rows), rows


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_no_enterprise_is_paid_twice_under_one_scope(kind: str, tmp_path: Path) -> None:
    if kind == "postgresql" and not os.environ.get(ENV_POSTGRES):
        pytest.skip(f"{ENV_POSTGRES} not set")
    machine = type(
        f"OnceScope{kind.title()}", (OnceScopeMachine,), {"kind": kind, "directory": tmp_path}
    )
    machine.TestCase.settings = settings(
        max_examples=6,
        stateful_step_count=10,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    machine.TestCase().runTest()
