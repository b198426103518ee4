"""CLI commands of kechuang.policies: `kechuang policies validate | list | show`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from kechuang.domain.money import format_yuan
from kechuang.policies.pack import Pack, PackError, load_pack, read_policy_file
from kechuang.rules.errors import PolicyError
from kechuang.rules.format import show
from kechuang.rules.load import load_policy_text
from kechuang.rules.policy import Policy

console = Console()
errors = Console(stderr=True)
policies_app = typer.Typer(
    help="The policy pack: validate, list and show policies.", no_args_is_help=True
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
            console.print(f"{path}: ok", markup=False, highlight=False)
    if failed:
        raise typer.Exit(2)


def _pack_or_exit() -> Pack:
    try:
        return load_pack()
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
    return "\n".join(out)


def _source(text: str) -> str:
    return " ".join(text.split())


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `kechuang` command."""
    app.add_typer(policies_app, name="policies")
