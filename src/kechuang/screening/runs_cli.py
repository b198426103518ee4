"""`kechuang runs ...`: the 免申即享 workflow from the command line.

`start` and `resume` (a run with progress bars), `list`, `show` and `export` are written here;
every state-changing step after the start (publish, object, approve, lapse, pay, withdraw,
decide, clawback, confirm, lodge) is the declared step of kechuang.screening.steps, the same as
the API's and the page's. `--by` names the account that acts; every refusal exits 2 with the
reason and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kechuang.accounts import audit
from kechuang.accounts.service import principal_by_username
from kechuang.domain.money import format_yuan
from kechuang.screening import runs as runs_module
from kechuang.screening.steps import STEPS
from kechuang.store.engine import make_sessionmaker
from kechuang.workflow.cli_adapter import add_step_commands, both_languages
from kechuang.workflow.errors import Refusal, lower_refusals

BAD_INPUT = 2
err = Console(stderr=True)
out = Console()
runs_app = typer.Typer(
    help="Screening runs: start, publish (公示), objections, approval, payment.",
    no_args_is_help=True,
)

By = Annotated[str, typer.Option("--by", help="The officer's account that acts")]
T = TypeVar("T")
START_ROLES = ("officer",)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]refused:[/red] {message}", highlight=False)
    return typer.Exit(BAD_INPUT)


@contextmanager
def _engine() -> Iterator[Engine]:
    from kechuang.store.engine import make_engine
    from kechuang.store.migrate import upgrade

    engine = make_engine()
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def _in_session(action: Callable[[Session], T]) -> T:
    """Run an action in a committed session; a refusal exits 2 and rolls everything back."""
    from kechuang.store.engine import session_scope

    with _engine() as engine:
        try:
            with session_scope(engine) as session:
                return action(session)
        except (Refusal, *lower_refusals()) as exc:
            raise _fail(both_languages(exc)) from None


class _RichProgress(runs_module.Progress):
    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def start(self, stage: str, total: int | None) -> None:
        self._task = self._progress.add_task(stage, total=total)

    def advance(self, amount: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)


def _bars() -> Progress:
    return Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )


@runs_app.command("start")
def start_command(
    policy: Annotated[str, typer.Option("--policy", help="Policy id of the pack")],
    year: Annotated[int, typer.Option("--year", help="Evaluation year")],
    by: By,
    sets: Annotated[list[str] | None, typer.Option("--set", help="POLICY.PARAM=VALUE")] = None,
    budget: Annotated[
        str | None, typer.Option("--budget", help="Budget cap in yuan (default: the policy's)")
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason", help="Why, when a live run of this policy version and year exists"
        ),
    ] = None,
) -> None:
    """Screen the stored population with a policy and store the run (resumable).

    An enterprise already paid under the policy's once scope (or holding a live award in
    another run) is excluded from the new run's awards, with the reason shown."""
    with _engine() as engine:
        starter = _officer(engine, by)
        with _bars() as bars:
            try:
                run_id = runs_module.start_run(
                    engine, policy, year, starter, sets or [], budget, _RichProgress(bars), reason
                )
            except Refusal as exc:
                raise _fail(both_languages(exc)) from None
        # The same audit row as the API's start (kechuang.screening.runs_router.start).
        given = {"policy_id": policy, "year": year, "budget_yuan": budget, "sets": sets or [],
                 "reason": reason}  # fmt: skip
        with make_sessionmaker(engine)() as session:
            audit.record(session, starter, "run.start", "run", run_id, None, given)
            session.commit()
    _show(run_id, awards=False)


def _officer(engine: Engine, username: str) -> str:
    """The account named by --by, which must be an officer's (as on the API); else exit 2."""
    with make_sessionmaker(engine)() as session:
        who = principal_by_username(session, username)
    if who is None:
        raise _fail(f"--by {username}: no active account of that name")
    if who.role not in START_ROLES:
        raise _fail(f"--by {username}: role {who.role} may not start a run")
    return who.username


@runs_app.command("resume")
def resume_command(run_id: Annotated[int, typer.Argument(help="Run id")], by: By) -> None:
    """Finish a run interrupted while screening or storing its results."""
    with _engine() as engine:
        starter = _officer(engine, by)
        with _bars() as bars:
            try:
                runs_module.resume_run(engine, run_id, starter, _RichProgress(bars))
            except Refusal as exc:
                raise _fail(both_languages(exc)) from None
    _show(run_id, awards=False)


@runs_app.command("list")
def list_command() -> None:
    """Every run: policy, year, state, counts and amounts."""
    from kechuang.screening.report import list_runs

    found = _in_session(list_runs)
    table = Table(title="screening runs")
    for column in ("id", "policy", "year", "state", "enterprises", "eligible", "allocated", "by"):
        table.add_column(column)
    for run in found:
        table.add_row(
            str(run.id),
            f"{run.policy_id} {run.policy_version}",
            str(run.year),
            run.state,
            f"{run.result_rows or run.loaded_rows:,}",
            str(run.counts.get("eligible", 0)),
            format_yuan(run.allocated_fen),
            run.started_by,
        )
    out.print(table)


def _show(run_id: int, awards: bool = True, events: bool = False) -> None:
    from kechuang.screening.report import run_report

    report = _in_session(lambda s: run_report(s, run_id))
    run = report.run
    out.print(
        f"[bold]run {run.id}[/bold]: {run.policy_id} {run.policy_version} "
        f"({run.policy_hash[:12]}), year {run.year} — [bold]{run.state}[/bold]"
    )
    out.print(
        f"  started by {run.started_by} at {run.started_at:%Y-%m-%d %H:%M}; snapshot "
        f"{run.snapshot_sha256[:12]} (batches ≤ {run.max_batch_id}, {run.batch_count})"
    )
    if run.overrides:
        out.print(f"  overrides: {run.overrides}")
    if run.scope_key:
        out.print(f"  once scope: {run.once_scope} (key {run.scope_key})")
    if run.duplicate_of:
        out.print(f"  repeats run {run.duplicate_of}: {run.start_reason}")
    counts = ", ".join(f"{k} {v:,}" for k, v in run.counts.items())
    out.print(f"  results: {run.loaded_rows:,} stored; {counts}")
    budget = format_yuan(run.budget_fen) if run.budget_fen is not None else "none"
    out.print(
        f"  eligible {format_yuan(run.eligible_fen)}; budget {budget} ({run.allocation}); "
        f"allocated {format_yuan(run.allocated_fen)}"
    )
    if run.published_on:
        provisional = (
            " (provisional: holiday calendar not yet published)" if run.notice_provisional else ""
        )
        out.print(
            f"  published by {run.published_by} on {run.published_on}; notice "
            f"{run.notice_days} working days, ends {run.notice_ends_on}{provisional}"
        )
    if run.approved_on:
        out.print(
            f"  approved by {run.approved_by} on {run.approved_on}; accounts to confirm "
            f"by {run.confirm_by}"
        )
    for state, (n, total) in sorted(report.by_state.items()):
        out.print(f"  awards {state}: {n} ({format_yuan(total)})")
    if awards and report.awards:
        table = Table(title="awards (eligible vs allocated)")
        for column in ("uscc", "name", "score", "eligible", "allocated", "state"):
            table.add_column(column)
        for a in report.awards:
            table.add_row(
                a.uscc,
                a.name,
                a.score or "",
                format_yuan(a.eligible_fen),
                format_yuan(a.allocated_fen),
                a.state,
            )
        out.print(table)
    if report.excluded:
        out.print(
            f"  excluded by the once scope: {report.excluded} eligible enterprise(s) "
            "already paid or holding a live award"
        )
        if awards:
            from kechuang.screening.once import exclusions

            table = Table(title="excluded (paid once already)")
            for column in ("uscc", "eligible", "held by", "held as"):
                table.add_column(column)
            for x in _in_session(lambda s: list(exclusions(s, run_id))):
                table.add_row(
                    x.uscc,
                    format_yuan(x.eligible_fen),
                    f"run {x.held_by_run_id}, award {x.held_by_award_id}",
                    x.held_state,
                )
            out.print(table)
    if report.objections:
        table = Table(title="objections")
        for column in ("id", "award", "by", "reason", "decision", "decided by", "why"):
            table.add_column(column)
        uscc_of = {a.id: a.uscc for a in report.awards}
        for o in report.objections:
            who = o.objector_uscc or f"{o.objector_name} ({o.objector_contact})"
            table.add_row(
                str(o.id),
                uscc_of.get(o.award_id, ""),
                who,
                o.reason,
                o.decision or "open",
                o.decided_by or "",
                o.decision_reason or "",
            )
        out.print(table)
    if events:
        table = Table(title="transitions")
        for column in ("at", "subject", "event", "from", "to", "by", "why"):
            table.add_column(column)
        uscc_of = {a.id: a.uscc for a in report.awards}
        for e in report.events:
            subject = "run" if e.subject_type == "run" else uscc_of.get(e.subject_id, "")
            table.add_row(
                f"{e.at:%Y-%m-%d %H:%M:%S}",
                subject,
                e.event,
                e.from_state or "",
                e.to_state,
                e.actor,
                e.reason,
            )
        out.print(table)


@runs_app.command("show")
def show_command(
    run_id: Annotated[int, typer.Argument(help="Run id")],
    events: Annotated[bool, typer.Option("--events", help="Also list every transition")] = False,
) -> None:
    """A run: its policy, snapshot, counts, who got what, objections (and its log)."""
    _show(run_id, awards=True, events=events)


@runs_app.command("export")
def export_command(
    run_id: Annotated[int, typer.Argument(help="Run id")],
    notice: Annotated[Path | None, typer.Option("--notice", help="公示名单 .xlsx")] = None,
    payments: Annotated[Path | None, typer.Option("--payments", help="Payment list .xlsx")] = None,
) -> None:
    """Write the public notice list and/or the payment list for the finance bureau."""
    from kechuang.screening.export import notice_list, payment_list

    if notice is None and payments is None:
        raise _fail("name --notice FILE.xlsx and/or --payments FILE.xlsx")
    for path in (p for p in (notice, payments) if p is not None):
        if path.suffix.lower() != ".xlsx" or not path.parent.is_dir():
            raise _fail(f"{path}: an .xlsx file in an existing directory")
    if notice is not None:
        n = _in_session(lambda s: notice_list(s, run_id, notice))
        out.print(f"notice list: {notice} ({n} enterprises)")
    if payments is not None:
        n = _in_session(lambda s: payment_list(s, run_id, payments))
        out.print(f"payment list: {payments} ({n} payments)")


# publish, object, approve, lapse, pay, withdraw, decide, clawback, confirm, lodge: the declared
# steps (screening.steps), each `kechuang runs <verb> KEY... --by ACCOUNT`.
add_step_commands(runs_app, STEPS)


def register(app: typer.Typer) -> None:
    """Add the `runs` commands to the `kechuang` command."""
    app.add_typer(runs_app, name="runs")
