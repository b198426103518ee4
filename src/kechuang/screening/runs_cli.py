"""`kechuang runs ...`: the 免申即享 workflow from the command line.

Each command calls the service functions the web API will call (screening.runs, .service,
.export), names the acting person with `--by`, and exits 2 with the reason when an action is
refused (nothing is changed then).
"""

from __future__ import annotations

import datetime as dt
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

from kechuang.domain.money import format_yuan
from kechuang.ledger import LedgerError
from kechuang.screening import runs as runs_module
from kechuang.screening.errors import Refused

BAD_INPUT = 2
err = Console(stderr=True)
out = Console()
runs_app = typer.Typer(
    help="Screening runs: start, publish (公示), objections, approval, payment.",
    no_args_is_help=True,
)

By = Annotated[str, typer.Option("--by", help="Who acts (officer or enterprise)")]
On = Annotated[
    str | None, typer.Option("--on", help="The day it happens, YYYY-MM-DD (default today)")
]
T = TypeVar("T")


def _date(text: str | None, option: str = "--on") -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _fail(f"{option} {text!r}: a date is YYYY-MM-DD") from None


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
        except (Refused, LedgerError) as exc:
            raise _fail(str(exc)) from None


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
    with _engine() as engine, _bars() as bars:
        try:
            run_id = runs_module.start_run(
                engine, policy, year, by, sets or [], budget, _RichProgress(bars), reason
            )
        except Refused as exc:
            raise _fail(str(exc)) from None
    _show(run_id, awards=False)


@runs_app.command("resume")
def resume_command(run_id: Annotated[int, typer.Argument(help="Run id")], by: By) -> None:
    """Finish a run interrupted while screening or storing its results."""
    with _engine() as engine, _bars() as bars:
        try:
            runs_module.resume_run(engine, run_id, by, _RichProgress(bars))
        except Refused as exc:
            raise _fail(str(exc)) from None
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


@runs_app.command("publish")
def publish_command(
    run_id: Annotated[int, typer.Argument(help="Run id")],
    by: By,
    on: On = None,
    notice_days: Annotated[
        int | None, typer.Option("--notice-days", help="Working days (default: policy, else 5)")
    ] = None,
) -> None:
    """Publish the run for public notice (公示)."""
    from kechuang.screening.service import publish

    day = _date(on)
    run = _in_session(lambda s: publish(s, run_id, by, day, notice_days))
    provisional = " (provisional)" if run.notice_provisional else ""
    out.print(
        f"run {run_id} published on {run.published_on}; notice ends {run.notice_ends_on}"
        f"{provisional}"
    )


@runs_app.command("object")
def object_command(
    run_id: Annotated[int, typer.Argument(help="Run id")],
    uscc: Annotated[str, typer.Option("--uscc", help="The award objected to")],
    reason: Annotated[str, typer.Option("--reason")],
    by: By,
    objector_uscc: Annotated[
        str | None, typer.Option("--objector-uscc", help="An enterprise objecting")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="A person objecting")] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="Their contact")] = None,
    on: On = None,
) -> None:
    """Record an objection lodged during the notice period."""
    from kechuang.screening.service import Objector, lodge_objection

    day = _date(on)
    objection = _in_session(
        lambda s: lodge_objection(
            s, run_id, uscc, Objector(objector_uscc, name, contact), reason, by, day
        )
    )
    out.print(f"objection {objection.id} recorded against {uscc} in run {run_id}")


@runs_app.command("decide")
def decide_command(
    objection_id: Annotated[int, typer.Argument(help="Objection id")],
    reason: Annotated[str, typer.Option("--reason")],
    by: By,
    uphold: Annotated[
        bool, typer.Option("--uphold/--reject", help="Uphold (withdraw the award) or reject")
    ],
) -> None:
    """Decide an objection: uphold it (the award is withdrawn) or reject it."""
    from kechuang.screening.service import decide_objection

    decision = "upheld" if uphold else "rejected"
    _in_session(lambda s: decide_objection(s, objection_id, decision, reason, by))
    out.print(f"objection {objection_id} {decision}")


@runs_app.command("approve")
def approve_command(
    run_id: Annotated[int, typer.Argument(help="Run id")],
    by: By,
    on: On = None,
    confirm_days: Annotated[
        int, typer.Option("--confirm-days", help="Working days to confirm a bank account")
    ] = 10,
) -> None:
    """Approve the run (four-eyes: not the officer who published it); commits the budget."""
    from kechuang.screening.service import approve

    day = _date(on)
    run = _in_session(lambda s: approve(s, run_id, by, day, confirm_days))
    out.print(f"run {run_id} approved by {by}; bank accounts to confirm by {run.confirm_by}")


@runs_app.command("confirm")
def confirm_command(
    run_id: Annotated[int, typer.Argument(help="Run id")],
    uscc: Annotated[str, typer.Option("--uscc")],
    account_name: Annotated[str, typer.Option("--account-name")],
    bank: Annotated[str, typer.Option("--bank")],
    account: Annotated[str, typer.Option("--account", help="Account number")],
    by: By,
    on: On = None,
) -> None:
    """An enterprise confirms the bank account its award is paid into."""
    from kechuang.screening.service import confirm_account

    day = _date(on)
    _in_session(lambda s: confirm_account(s, run_id, uscc, account_name, bank, account, by, day))
    out.print(f"account confirmed for {uscc} in run {run_id}")


@runs_app.command("lapse")
def lapse_command(
    run_id: Annotated[int, typer.Argument(help="Run id")],
    by: By,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD (default today)")] = None,
) -> None:
    """Lapse the awards whose bank account was not confirmed in time."""
    from kechuang.screening.service import lapse

    day = _date(as_of, "--as-of")
    lapsed = _in_session(lambda s: [a.uscc for a in lapse(s, run_id, by, day)])
    out.print(f"{len(lapsed)} award(s) lapsed" + (f": {', '.join(lapsed)}" if lapsed else ""))


@runs_app.command("withdraw")
def withdraw_command(
    run_id: Annotated[int, typer.Argument(help="Run id")],
    reason: Annotated[str, typer.Option("--reason")],
    by: By,
) -> None:
    """Withdraw a run before approval: its proposed awards are withdrawn, scopes released."""
    from kechuang.screening.service import withdraw_run

    _in_session(lambda s: withdraw_run(s, run_id, reason, by))
    out.print(f"run {run_id} withdrawn")


@runs_app.command("pay")
def pay_command(
    run_id: Annotated[int, typer.Argument(help="Run id")],
    by: By,
    value_date: Annotated[
        str | None,
        typer.Option("--value-date", help="The disbursement's value date (default today)"),
    ] = None,
) -> None:
    """Pay every confirmed award once (safe to repeat: pays nothing more)."""
    from kechuang.screening.service import pay

    day = _date(value_date, "--value-date")
    result = _in_session(lambda s: pay(s, run_id, by, value_date=day))
    excluded = (
        f"; {result.excluded} not paid: already paid under the policy's once scope"
        if result.excluded
        else ""
    )
    out.print(
        f"paid {result.paid} award(s), {format_yuan(result.paid_fen)}; "
        f"{result.waiting} still awaiting a bank account{excluded}"
    )


@runs_app.command("clawback")
def clawback_command(
    run_id: Annotated[int, typer.Argument(help="Run id")],
    uscc: Annotated[str, typer.Option("--uscc")],
    reason: Annotated[str, typer.Option("--reason")],
    by: By,
) -> None:
    """Claw back a paid award that a later finding voids (reverses it in the ledger)."""
    from kechuang.screening.service import claw_back

    _in_session(lambda s: claw_back(s, run_id, uscc, reason, by))
    out.print(f"award of {uscc} in run {run_id} clawed back")


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


def register(app: typer.Typer) -> None:
    """Add the `runs` commands to the `kechuang` command."""
    app.add_typer(runs_app, name="runs")
