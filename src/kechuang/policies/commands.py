"""CLI commands of kechuang.policies: `kechuang policies validate | list | show` (the published
pack), `seed | export | import | check | history | diff`, and the workbench steps (`draft | copy |
edit | add-case | submit | approve | send-back | publish | withdraw`, from policies.steps)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from kechuang.domain.money import format_yuan
from kechuang.policies.pack import Pack, PackError, read_policy_file
from kechuang.policies.source import current_pack
from kechuang.rules.errors import PolicyError
from kechuang.rules.format import show
from kechuang.rules.load import load_policy_text
from kechuang.rules.policy import ONCE_SCOPE_TEXT, Policy

console = Console()
# Diagnostics read "file:line:col: message"; editors and CI parse them, so never wrap them.
errors = Console(stderr=True, soft_wrap=True)
policies_app = typer.Typer(
    help="Policies: the shipped pack, and the workbench's versions (draft, review, publish).",
    no_args_is_help=True,
)


@policies_app.command("validate")
def validate_command(
    files: list[Path] = typer.Argument(..., help="Policy YAML files to check."),
) -> None:
    """Check policy files: `ok` per file, or file:line:col: message and exit 2."""
    failed = False
    for path in files:
        try:
            load_policy_text(read_policy_file(path), str(path))
        except UnicodeDecodeError:
            errors.print(f"{path}: not UTF-8 text", markup=False, highlight=False)
            failed = True
        except OSError as exc:
            errors.print(f"{path}: cannot read: {exc.strerror}", markup=False, highlight=False)
            failed = True
        except PolicyError as exc:
            errors.print(str(exc), markup=False, highlight=False)
            failed = True
        else:
            console.print(f"{path}: ok", markup=False, highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(2)


def _pack_or_exit() -> Pack:
    try:
        return current_pack()
    except PolicyError as exc:
        errors.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2) from None


def _period(policy: Policy) -> str:
    return f"{policy.effective_from} – {policy.effective_to or ''}".rstrip()


@policies_app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """Every policy of the pack with its versions."""
    pack = _pack_or_exit()
    rows = [p for pid in pack.ids() for p in pack.versions(pid)]
    if as_json:
        data = [
            {
                "id": p.id,
                "version": p.version,
                "title": {"zh": p.title.zh, "en": p.title.en},
                "issuer": p.issuer,
                "document_number": p.document_number,
                "mode": p.mode.value,
                "effective_from": p.effective_from.isoformat(),
                "effective_to": p.effective_to.isoformat() if p.effective_to else None,
                "content_hash": p.content_hash,
            }
            for p in rows
        ]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = Table(title="政策 Policies")
    for column in ("id", "version", "title", "issuer", "document", "mode", "effective"):
        table.add_column(column)
    for p in rows:
        table.add_row(
            p.id, p.version, p.title.zh, p.issuer, p.document_number, p.mode.value, _period(p)
        )
    # Piped output would be squeezed to 80 columns; a wide table stays readable in files.
    wide = Console(width=None if console.is_terminal else 200)
    wide.print(table)


@policies_app.command("show")
def show_command(
    policy_id: str = typer.Argument(..., help="The policy id, e.g. hnte-2016."),
    year: int | None = typer.Option(None, "--year", help="The version in force in this year."),
    lang: str = typer.Option("zh", "--lang", help="zh or en."),
) -> None:
    """A policy's metadata, parameters, definitions, scores, conditions and benefit."""
    if lang not in ("zh", "en"):
        errors.print(f"--lang must be zh or en, not {lang!r}", markup=False, highlight=False)
        raise typer.Exit(2)
    pack = _pack_or_exit()
    try:
        policy = pack.get(policy_id, year) if year else pack.versions(policy_id)[-1]
    except PackError as exc:
        errors.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2) from None
    typer.echo(describe(policy, lang))


def describe(policy: Policy, lang: str = "zh") -> str:
    """A policy as readable text (also used by the web pages)."""
    zh = lang.startswith("zh")
    out = [
        f"{policy.title.get(lang)} — {policy.id} {policy.version}",
        f"  {'发文机关' if zh else 'Issuer'}: {policy.issuer}",
        f"  {'文号' if zh else 'Document'}: {policy.document_number}",
    ]
    if policy.source_url:
        out.append(f"  {'来源' if zh else 'Source'}: {policy.source_url}")
    out.append(f"  {'有效期' if zh else 'Effective'}: {_period(policy)}")
    out.append(f"  {'方式' if zh else 'Mode'}: {policy.mode.value}")
    if policy.exclusions:
        out.append(f"  {'不得重复享受' if zh else 'Excludes'}: {', '.join(policy.exclusions)}")
    if policy.budget:
        out.append(
            f"  {'预算' if zh else 'Budget'}: {format_yuan(policy.budget.amount_fen)}"
            f" ({policy.budget.allocation.value})"
        )
    if policy.parameters:
        out.append("")
        out.append("参数 Parameters:" if zh else "Parameters:")
        for p in policy.parameters.values():
            ref = f" [{p.reference}]" if p.reference else ""
            out.append(f"  {p.name} ({p.unit.value}) {p.label.get(lang)}{ref}")
            for dated in p.values:
                since = "自" if zh else "from"
                cited = f" [{dated.reference}]" if dated.reference != p.reference else ""
                out.append(
                    f"    {since} {dated.effective_from}: {show(dated.value, p.unit)}{cited}"
                )
    if policy.definitions:
        out.append("")
        out.append("定义 Definitions:" if zh else "Definitions:")
        for d in policy.definitions:
            out.append(f"  {d.id} {d.label.get(lang)}: {_source(d.expr.span.source)}")
    if policy.scores:
        out.append("")
        out.append("评分 Scores:" if zh else "Scores:")
        for s in policy.scores:
            clause = f" [{s.clause}]" if s.clause else ""
            flags = []
            if s.manual_max:
                flags.append("专家评审" if zh else "expert-scored")
            if not s.in_total:
                flags.append("不计入总分" if zh else "not in total")
            flag = f" ({', '.join(flags)})" if flags else ""
            out.append(f"  {s.id} {s.label.get(lang)} (max {s.max_points}){flag}{clause}")
            if s.expr is not None:
                out.append(f"      {_source(s.expr.span.source)}")
    out.append("")
    out.append("条件 Conditions:" if zh else "Conditions:")
    for c in policy.conditions:
        clause = f" [{c.clause}]" if c.clause else ""
        out.append(f"  {c.id} ({c.kind.value}) {c.label.get(lang)}{clause}")
        if c.expr is not None:
            out.append(f"      {_source(c.expr.span.source)}")
    if policy.benefit:
        b = policy.benefit
        out.append("")
        clause = f" [{b.clause}]" if b.clause else ""
        out.append(f"{'补贴' if zh else 'Benefit'}: {b.label.get(lang)}{clause}")
        out.append(f"  amount: {_source(b.amount.span.source)}")
        if b.cap is not None:
            out.append(f"  cap: {_source(b.cap.span.source)}")
        out.append(f"  once: {b.once} ({ONCE_SCOPE_TEXT[b.once].get(lang)})")
    return "\n".join(out)


def _source(text: str) -> str:
    return " ".join(text.split())


# -- the store: seed, export/import, check, history, diff, and the declared steps ---------------


def _session_of(engine: Any) -> Any:
    from kechuang.store.engine import make_sessionmaker

    return make_sessionmaker(engine)()


@policies_app.command("seed")
def seed_command() -> None:
    """Load the shipped pack into the store as published versions (idempotent)."""
    from kechuang.policies import service
    from kechuang.workflow.cli_adapter import migrated_engine

    with migrated_engine() as engine, _session_of(engine) as session:
        done = service.seed(session)
        session.commit()
    console.print(
        f"policies seed: {len(done.added)} added, {len(done.kept)} already stored",
        markup=False,
        highlight=False,
    )


def _stored(session: Any, ref: str) -> Any:
    """A stored version by id (`12`) or by `policy-id@version`."""
    from kechuang.policies import service

    if ref.isdigit():
        return service.get(session, int(ref))
    policy_id, _, version = ref.partition("@")
    row = service.find(session, policy_id, version) if version else None
    if row is None:
        errors.print(f"no stored version {ref!r} (give an id or policy-id@version)",
                     markup=False, highlight=False)  # fmt: skip
        raise typer.Exit(2)
    return row


@policies_app.command("export")
def export_command(
    ref: str = typer.Argument(..., help="Version id or policy-id@version."),
    out: Path | None = typer.Option(None, "--out", help="Write the YAML here (else stdout)."),
) -> None:
    """A stored version's YAML document, exactly as stored (its sha256 is the content hash)."""
    from kechuang.workflow.cli_adapter import migrated_engine
    from kechuang.workflow.errors import Refusal

    with migrated_engine() as engine, _session_of(engine) as session:
        try:
            row = _stored(session, ref)
        except Refusal as exc:
            errors.print(str(exc), markup=False, highlight=False)
            raise typer.Exit(2) from None
        text = row.source
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"{out}: {len(text)} characters", markup=False, highlight=False)


@policies_app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="A policy YAML document."),
    by: str = typer.Option(..., "--by", help="The officer the draft is written by."),
) -> None:
    """Store a YAML document as a new draft (review and publication follow as for any draft)."""
    from kechuang.policies.steps import STEPS
    from kechuang.workflow.cli_adapter import step_command

    try:
        text = read_policy_file(file)
    except (OSError, UnicodeDecodeError) as exc:
        errors.print(f"{file}: cannot read: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    step_command(STEPS[0])(source=text, by=by)


@policies_app.command("check")
def check_command(ref: str = typer.Argument(..., help="Version id or policy-id@version.")) -> None:
    """What stops a version's submission: parse errors, overlaps, failing golden cases."""
    from kechuang.policies import golden, service
    from kechuang.workflow.cli_adapter import migrated_engine

    with migrated_engine() as engine, _session_of(engine) as session:
        row = _stored(session, ref)
        problems = service.problems(session, row)
        results = golden.run(session, row)
    for result in results:
        mark = "pass" if result.passed else "FAIL"
        console.print(f"{mark} {result.case.name}", markup=False, highlight=False)
    for problem in problems:
        errors.print(f"{problem.kind}: {problem.text()}", markup=False, highlight=False)
    if problems:
        raise typer.Exit(2)
    console.print(f"{row.policy_id}@{row.version}: ok", markup=False, highlight=False)


@policies_app.command("history")
def history_command(
    ref: str = typer.Argument(..., help="Version id or policy-id@version."),
) -> None:
    """Every move of a version: when, who, from which state to which, why; then its review
    thread (each comment with its answers indented below it)."""
    from kechuang.policies import review, service
    from kechuang.workflow.cli_adapter import migrated_engine

    with migrated_engine() as engine, _session_of(engine) as session:
        row = _stored(session, ref)
        for e in service.history(session, row):
            line = f"{e.at:%Y-%m-%d %H:%M:%S} {e.actor} {e.event}: {e.from_state or '-'} -> "
            console.print(line + f"{e.to_state} {e.note}".rstrip(), markup=False, highlight=False)
        threads = review.threads(review.comments_of(session, row))
        if threads:
            console.print("review:", markup=False, highlight=False)
        for thread in threads:
            for depth, c in [(0, thread.comment), *((1, r) for r in thread.replies)]:
                where = "".join(
                    f" [{part}]" for part in (c.section, c.line and f"line {c.line}") if part
                )
                text = f"{'    ' * (depth + 1)}#{c.id} {c.at:%Y-%m-%d %H:%M:%S} {c.author} "
                console.print(f"{text}{c.kind} (revision {c.revision}){where}: {c.body}",
                              markup=False, highlight=False, soft_wrap=True)  # fmt: skip


@policies_app.command("diff")
def diff_command(
    ref: str = typer.Argument(..., help="Version id or policy-id@version."),
    against: str | None = typer.Option(None, "--against", help="Default: the version in force."),
) -> None:
    """A unified diff of a version against another (default: the one it would replace)."""
    from kechuang.policies import service
    from kechuang.workflow.cli_adapter import migrated_engine

    with migrated_engine() as engine, _session_of(engine) as session:
        row = _stored(session, ref)
        old = _stored(session, against) if against else service.baseline_of(session, row)
        typer.echo(service.diff(old, row), nl=False)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command."""
    from kechuang.policies.steps import STEPS
    from kechuang.workflow.cli_adapter import add_step_commands

    add_step_commands(policies_app, STEPS)
    app.add_typer(policies_app, name="policies")
