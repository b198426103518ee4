"""CLI commands of kechuang.screening: `kechuang screen` and `kechuang explain`.

Both follow shared/DATA-CONTRACT.md. Every input is checked before anything is written:
policies are all loaded (from the pack by id, or from a YAML file path), `--set` overrides
parsed against them, the panel opened and checked; any problem exits 2 with the reason and
leaves no output file. Screening itself is `engines.duckdb.screen` (the default),
`engines.postgres.screen` (`--engine postgres`: inside the database at KECHUANG_DATABASE_URL,
over the stored tables; no `--data`) or `engines.spark.screen` (`--engine spark`, master from
KECHUANG_SPARK_MASTER, default local[2]).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from kechuang.screening.inputs import InputError, load_policies, parse_sets, read_history

if TYPE_CHECKING:
    from kechuang.rules.ir import Value
    from kechuang.rules.policy import Policy

# Everything else is imported where it is used: `--help` and a cached run pay for no more.
err = Console(stderr=True)
out = Console()

ENGINES = ("duckdb", "postgres", "spark")


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    return typer.Exit(2)


def screen_command(
    year: Annotated[int, typer.Option("--year", help="Evaluation year")],
    policy: Annotated[
        list[str], typer.Option("--policy", help="Policy id, a policy YAML file, or 'all'")
    ],
    result: Annotated[Path, typer.Option("--out", help="RESULTS file (.csv or .parquet)")],
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Panel file (.parquet or .csv); not with --engine postgres"),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="Screening engine: duckdb, postgres or spark")
    ] = "duckdb",
    sets: Annotated[
        list[str] | None, typer.Option("--set", help="What-if: POLICY.PARAM=VALUE (repeatable)")
    ] = None,
    explain_columns: Annotated[
        bool, typer.Option("--explain-columns", help="Add one status column per condition")
    ] = False,
) -> None:
    """Screen every enterprise of a panel against policies (免申即享 screening)."""
    from kechuang.engines.common import OutputError, PanelError, output_format

    if engine not in ENGINES:
        raise fail(f"--engine {engine!r}: available engines are {', '.join(ENGINES)}")
    if engine == "postgres" and data is not None:
        raise fail("--engine postgres screens the stored panel: leave out --data")
    if engine != "postgres" and data is None:
        raise fail(f"--engine {engine} needs --data PANEL")
    try:
        output_format(result)
        policies = load_policies(policy, year)
        overrides = parse_sets(sets or [], policies)
    except (InputError, OutputError) as exc:
        raise fail(str(exc)) from None
    whole_pack = [p.lower() for p in policy] == ["all"]
    with _progress(len(policies)) as (step, scanned):
        try:
            run = _run_engine(
                engine, data, year, policies, result, overrides, whole_pack, explain_columns,
                step, scanned,
            )  # fmt: skip
        except (PanelError, OutputError) as exc:
            raise fail(str(exc)) from None
    meta = write_meta(result, year, policies, overrides, run)
    print_summary(run, overrides, meta)


@contextmanager
def _progress(
    policies: int,
) -> Iterator[tuple[Callable[[str], None] | None, Callable[[float], None] | None]]:
    """The progress display's callbacks (a policy screened, the scan's fraction) on stderr.

    The display is transient: on a stderr that is not a terminal Rich draws nothing of it,
    so there it is not started at all (None, None): no rich.progress import, no refresh
    thread, and no thread polling DuckDB's query progress while the scan runs.
    """
    if not err.is_terminal:
        yield None, None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=err, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("screening", total=policies)
        scan = progress.add_task("scanning", total=100, visible=False)

        def step(policy_id: str) -> None:
            progress.update(task, advance=1, description=f"screened {policy_id}")

        def scanned(fraction: float) -> None:
            progress.update(scan, completed=round(fraction * 100), visible=True)

        yield step, scanned


def _run_engine(
    engine: str,
    data: Path | None,
    year: int,
    policies: Sequence[Policy],
    result: Path,
    overrides: Mapping[str, Mapping[str, Value]],
    totals: bool,
    explain_columns: bool,
    step: Callable[[str], None] | None,
    scanned: Callable[[float], None] | None,
) -> object:
    """Run the chosen engine; engine-specific failures become exit-2 messages."""
    if engine == "postgres":
        from kechuang.engines import postgres
        from kechuang.store.config import database_url

        try:
            return postgres.screen(
                database_url(), year, policies, result, overrides, totals=totals,
                explain_columns=explain_columns, step=step,
            )  # fmt: skip
        except postgres.DatabaseError as exc:
            raise fail(str(exc)) from None
    assert data is not None
    if engine == "spark":
        from kechuang.engines import spark

        try:
            return spark.screen(
                data, year, policies, result, overrides, totals=totals,
                explain_columns=explain_columns, step=step,
            )  # fmt: skip
        except spark.SparkUnavailable as exc:
            raise fail(f"--engine spark: {exc}") from None
    from kechuang.engines.duckdb import screen

    return screen(
        data, year, policies, result, overrides, totals=totals,
        explain_columns=explain_columns, step=step, progress=scanned,
    )  # fmt: skip


def write_meta(
    result: Path,
    year: int,
    policies: Sequence[Policy],
    overrides: Mapping[str, Mapping[str, Value]],
    run: object,
) -> Path:  # fmt: skip
    """`<out>.meta.json`: which rules, overrides and counts produced the RESULTS file."""
    from kechuang.engines.common import ScreenResult

    assert isinstance(run, ScreenResult)
    meta = {
        "results": result.name,
        "year": year,
        "policies": [
            {
                "id": p.id,
                "version": p.version,
                "content_hash": p.content_hash,
                "counts": s.counts,
                "total_benefit_yuan": str(s.total_benefit_yuan),
                "excluded": s.excluded,
            }
            for p, s in zip(policies, run.policies, strict=True)
        ],
        "overrides": _override_values(overrides),
        "rows": run.rows,
        "excluded_by_column": run.excluded_by_column,
        "totals": run.totals.name if run.totals else None,
    }
    path = result.with_name(result.name + ".meta.json")
    staged = path.with_name(path.name + ".tmp")
    staged.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    staged.replace(path)
    return path


def _override_values(overrides: Mapping[str, Mapping[str, Value]]) -> dict[str, dict[str, Any]]:
    """The overrides as JSON values (the explainer is imported only when there are some)."""
    if not overrides:
        return {}
    from kechuang.rules.explain import json_value

    return {
        pid: {name: json_value(v) for name, v in values.items()}
        for pid, values in overrides.items()
    }


def print_summary(run: object, overrides: Mapping[str, Mapping[str, Value]], meta: Path) -> None:
    from rich.table import Table

    from kechuang.engines.common import OUTCOMES, ScreenResult

    assert isinstance(run, ScreenResult)
    table = Table(title=f"{run.out} — {run.year}")
    table.add_column("policy")
    for outcome in OUTCOMES:
        table.add_column(outcome, justify="right")
    table.add_column("benefit (yuan)", justify="right")
    for s in run.policies:
        cells = [f"{s.counts[o]:,}" for o in OUTCOMES]
        benefit = f"{s.total_benefit_yuan:,.2f}"
        if s.excluded:
            benefit += f" ({s.excluded:,} excluded)"
        table.add_row(s.policy_id, *cells, benefit)
    out.print(table)
    for policy_id, values in _override_values(overrides).items():
        for name, shown in values.items():
            # a scale reads "[[0.25, 20], ...]": printed as text, not as console markup
            out.print(f"override applied: {policy_id}.{name} = {shown}", markup=False)
    if run.totals:
        out.print(f"totals per enterprise: {run.totals}")
    out.print(f"run record: {meta}")


def explain_command(
    data: Annotated[Path, typer.Option("--data", help="Panel file (.parquet or .csv)")],
    year: Annotated[int, typer.Option("--year", help="Evaluation year")],
    policy: Annotated[str, typer.Option("--policy", help="Policy id or policy YAML file")],
    uscc: Annotated[str, typer.Option("--uscc", help="The enterprise")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text")] = False,
    lang: Annotated[str, typer.Option("--lang", help="zh or en")] = "zh",
    sets: Annotated[
        list[str] | None, typer.Option("--set", help="What-if: POLICY.PARAM=VALUE (repeatable)")
    ] = None,
) -> None:
    """Explain one enterprise's verdict: each condition, the values read, the gap."""
    from kechuang.engines.panel import PanelError
    from kechuang.rules.explain import render_text, to_json
    from kechuang.rules.scalar import evaluate

    if lang not in ("zh", "en"):
        raise fail(f"--lang {lang!r}: zh or en")
    try:
        (loaded,) = load_policies([policy], year)
        overrides = parse_sets(sets or [], [loaded])
        history = read_history(data, uscc, year, loaded.history_years)
    except (InputError, PanelError) as exc:
        raise fail(str(exc)) from None
    verdict = evaluate(loaded, history, year, overrides.get(loaded.id))
    if as_json:
        typer.echo(json.dumps(to_json(verdict), ensure_ascii=False, indent=2))
    else:
        typer.echo(render_text(verdict, loaded, lang))


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command."""
    app.command("screen")(screen_command)
    app.command("explain")(explain_command)
